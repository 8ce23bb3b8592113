// The patient's timeline, live: keeps each session's status chip up to date from the patient's
// own WebSocket. A status change is applied in place (the label comes from the page, translated
// by the server); a session the page does not show, or one that moved, fetches the days again.
// A dropped connection reconnects by itself with growing waits, and the snapshot the server
// sends on every connect catches up on whatever was missed meanwhile.
(function () {
  "use strict";

  const timeline = document.getElementById("timeline");
  if (!timeline) return;
  const connection = document.getElementById("timeline-connection");
  const labels = document.getElementById("status-labels").dataset;

  function chip(id) {
    return document.querySelector(`#timeline-days .badge[data-session-id="${id}"]`);
  }

  function shownIds() {
    return Array.from(document.querySelectorAll("#timeline-days .badge[data-session-id]"), (el) =>
      Number(el.dataset.sessionId)
    );
  }

  // Apply one session's news in place; false when the days must be fetched again.
  function apply(session) {
    const badge = chip(session.id);
    if (!badge) return false;
    const item = badge.closest(".tl-session");
    if (Date.parse(item.dataset.startsAt) !== Date.parse(session.starts_at)) return false;
    if (badge.dataset.status === session.status) return true;
    item.classList.remove("status-" + badge.dataset.status);
    item.classList.add("status-" + session.status, "changed");
    badge.className = "badge status-" + session.status;
    badge.textContent = labels[session.status] || session.status_label;
    badge.dataset.status = session.status;
    setTimeout(() => item.classList.remove("changed"), 1300);
    document.body.dispatchEvent(new CustomEvent("timeline:changed"));
    return true;
  }

  let reloading = false;
  function reload() {
    if (reloading || !window.htmx) return;
    reloading = true;
    window.htmx
      .ajax("GET", timeline.dataset.fragment, { target: "#timeline-days", swap: "outerHTML" })
      .finally(() => {
        reloading = false;
        document.body.dispatchEvent(new CustomEvent("timeline:changed"));
      });
  }

  function handle(message) {
    if (message.type === "snapshot") {
      const known = new Set(message.sessions.map((s) => s.id));
      const missed = message.sessions.filter((s) => !apply(s));
      const gone = shownIds().filter((id) => !known.has(id));
      if (missed.length || gone.length) reload();
    } else if (message.type === "session.status") {
      if (!apply(message)) reload();
    }
  }

  function show(state) {
    connection.textContent = connection.dataset[state];
    connection.className = "connection " + state;
  }

  let socket = null;
  let attempts = 0;
  let retry = null;

  function connect() {
    retry = null;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + timeline.dataset.socket);
    socket.addEventListener("open", () => {
      attempts = 0;
      show("live");
    });
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      show("offline");
      attempts += 1;
      // Growing waits, with jitter so that a restarted server is not met by every phone at once.
      const wait = Math.min(30000, 500 * 2 ** Math.min(attempts, 6)) * (0.75 + Math.random() / 2);
      retry = setTimeout(connect, wait);
    });
  }

  // A phone coming back online or to the foreground need not wait out its backoff.
  function reconnectNow() {
    if (retry !== null) {
      clearTimeout(retry);
      connect();
    }
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectNow();
  });

  connect();
})();
