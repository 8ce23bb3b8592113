/* The practitioner's tablet: timers run from the server's clock, and ticks, vitals and notes
 * taken while offline wait in IndexedDB (offline_queue.js) and are sent in order, each with
 * its idempotency key, when the network is back. What the portal refuses then is shown.
 */
(function () {
  "use strict";

  const queue = window.FloorQueue;
  let flushing = false;

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; a tablet on the clinic's plain-http LAN has not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function runner() {
    return document.getElementById("runner");
  }

  // --- timers: elapsed seconds come from the server; the page only counts on from there ----

  const timers = new Set();
  const pad = (n) => String(n).padStart(2, "0");

  function showTimer(timer) {
    if (!timer.isConnected) {
      timers.delete(timer);
      return;
    }
    const running = timer.dataset.running === "1";
    const elapsed = timer.floorBase + (running ? (performance.now() - timer.floorSince) / 1000 : 0);
    const left = Math.round(Number(timer.dataset.duration) - elapsed);
    const shown = Math.abs(left);
    const clock = timer.querySelector("[data-timer-clock]");
    clock.textContent = `${left < 0 ? "+" : ""}${pad(Math.floor(shown / 60))}:${pad(shown % 60)}`;
    timer.classList.toggle("over", left < 0);
  }

  function startTimers(root) {
    root.querySelectorAll("[data-timer]").forEach((timer) => {
      timer.floorBase = Number(timer.dataset.elapsed) || 0;
      timer.floorSince = performance.now();
      timers.add(timer);
      showTimer(timer);
    });
  }

  setInterval(() => timers.forEach(showTimer), 1000);

  // --- writes taken offline ---------------------------------------------------------------

  function stamp(form) {
    // A fresh key per write: sent now, or queued and sent later, the portal applies it once.
    form.elements.idempotency_key.value = newKey();
    form.elements.taken_at.value = new Date().toISOString();
  }

  function describe(form, data) {
    if (form.dataset.offline === "tick") {
      const text = form.querySelector(".tick-text").cloneNode(true);
      text.querySelectorAll(".step-tags").forEach((tags) => tags.remove());
      return text.textContent.replace(/\s+/g, " ").trim() + (data.value ? ` (${data.value})` : "");
    }
    if (form.dataset.offline === "vitals") {
      const parts = [];
      if (data.bp_systolic || data.bp_diastolic) parts.push(`BP ${data.bp_systolic}/${data.bp_diastolic}`);
      if (data.pulse) parts.push(`pulse ${data.pulse}`);
      if (data.temperature_c) parts.push(`${data.temperature_c} °C`);
      if (data.weight_kg) parts.push(`${data.weight_kg} kg`);
      return parts.join(" · ");
    }
    return data.text || "";
  }

  function showPending(form, label) {
    const root = runner();
    if (form.dataset.offline === "tick") {
      const step = form.closest(".step");
      step.classList.add("queued");
      step.querySelector(".tick-box").textContent = "…";
      form.querySelector("button.tick").disabled = true;
      return;
    }
    const list = form.closest("section").querySelector(`[data-pending-list="${form.dataset.offline}"]`);
    if (list) {
      list.querySelectorAll(".empty").forEach((empty) => empty.remove());
      const item = document.createElement("li");
      item.className = "pending";
      item.textContent = `${label} — ${root ? root.dataset.waitingText : ""}`;
      list.appendChild(item);
    }
    form.reset();
  }

  async function keep(form) {
    const root = runner();
    if (!root) return;
    const data = Object.fromEntries(new FormData(form));
    const write = {
      key: data.idempotency_key,
      taken_at: data.taken_at,
      kind: form.dataset.offline,
      url: root.dataset.queueUrl,
      session: root.dataset.session,
    };
    delete data.csrfmiddlewaretoken;
    delete data.idempotency_key;
    delete data.taken_at;
    write.data = data;
    write.label = describe(form, data);
    await queue.add(write);
    showPending(form, write.label);
    await showConnection();
  }

  document.addEventListener("htmx:confirm", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.dataset.offline) return;
    if (!form.checkValidity()) return; // htmx reports the problem as usual
    stamp(form);
    if (!navigator.onLine) {
      event.preventDefault();
      keep(form);
    }
  });

  // The network failed under a request already on its way: keep it with the same key, so that
  // if it did reach the portal, sending it again changes nothing.
  document.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt;
    if (form instanceof HTMLFormElement && form.dataset.offline) keep(form);
  });

  async function send(write) {
    const response = await fetch(write.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify({ key: write.key, kind: write.kind, taken_at: write.taken_at, data: write.data }),
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      answer = { outcome: "refused", message: `${response.status} ${response.statusText}` };
    }
    return { status: response.status, answer };
  }

  async function flush() {
    if (flushing || !navigator.onLine || !queue) return;
    flushing = true;
    let arrived = 0;
    try {
      await showConnection(true);
      for (const write of await queue.all()) {
        let reply;
        try {
          reply = await send(write);
        } catch (error) {
          break; // offline again: the rest stay queued, in order
        }
        if (reply.status >= 500) break; // the portal is unwell: try again later
        if (reply.answer.outcome !== "applied") {
          // Refused (the session was cancelled or completed meanwhile): never dropped unseen.
          await queue.keepConflict({ ...write, message: reply.answer.message || "" });
        }
        await queue.remove(write.seq);
        arrived += 1;
      }
    } finally {
      flushing = false;
    }
    await showConnection();
    await showConflicts();
    const root = runner();
    if (arrived && root && window.htmx) {
      htmx.ajax("GET", root.dataset.refreshUrl, { target: "#runner-body", swap: "outerHTML" });
    }
  }

  async function showConnection(sending) {
    const line = document.getElementById("connection");
    const root = runner();
    if (!line || !root || !queue) return;
    const waiting = (await queue.all()).length;
    line.classList.toggle("sending", Boolean(sending) && navigator.onLine);
    if (!navigator.onLine) {
      line.textContent = root.dataset.offlineText.replace("{n}", waiting);
    } else if (waiting) {
      line.textContent = root.dataset.sendingText.replace("{n}", waiting);
    }
    line.hidden = navigator.onLine && !waiting;
  }

  async function showConflicts() {
    const box = document.getElementById("conflicts");
    const root = runner();
    if (!box || !root || !queue) return;
    const list = document.getElementById("conflict-list");
    const mine = (await queue.conflicts()).filter((c) => c.session === root.dataset.session);
    list.replaceChildren(
      ...mine.map((conflict) => {
        const item = document.createElement("li");
        const what = document.createElement("strong");
        what.textContent = conflict.label;
        const why = document.createElement("span");
        why.textContent = ` — ${conflict.message}`;
        const dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "secondary";
        dismiss.textContent = root.dataset.dismissText;
        dismiss.addEventListener("click", async () => {
          await queue.dismiss(conflict.key);
          showConflicts();
        });
        item.append(what, why, dismiss);
        return item;
      })
    );
    box.hidden = mine.length === 0;
  }

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => showConnection());

  function registerWorker() {
    const floor = document.querySelector("[data-service-worker]");
    if (floor && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(floor.dataset.serviceWorker).catch(() => {
        // Without the worker the open page still queues; only a reload offline is lost.
      });
    }
  }

  // The worker keeps copies of My day and the runner for offline use; on a tablet the
  // clinic shares, the next person to pick it up must not find them after a sign-out.
  function forgetPagesOnSignOut() {
    document.querySelectorAll("form.signout").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        if (!("caches" in window)) return;
        event.preventDefault();
        try {
          const names = await caches.keys();
          await Promise.all(
            names.filter((n) => n.startsWith("clinic-floor-")).map((n) => caches.delete(n))
          );
        } finally {
          form.submit();
        }
      });
    });
  }

  function ready() {
    forgetPagesOnSignOut();
    // Every section htmx swaps in brings its own timers; the page's are started here.
    if (window.htmx) htmx.onLoad(startTimers);
    startTimers(document);
    registerWorker();
    showConnection();
    showConflicts();
    flush();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
