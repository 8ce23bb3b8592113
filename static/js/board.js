// The center board, live: places each session on the time axis, and keeps every status up to
// date from the center's WebSocket. A status change is applied in place; anything the page
// cannot draw by itself (a new booking, an over-run) fetches the board's grid again. A dropped
// connection reconnects with backoff, and the snapshot the server sends on connect catches up
// on whatever was missed.
(function () {
  "use strict";

  const ACTIVE = new Set(["in_preparation", "in_session", "recovery"]);
  const MINUTE_WIDTH_PX = 1.6;
  const REFRESH_EVERY_MS = 60 * 1000;

  const board = document.getElementById("board");
  if (!board) return;
  const connection = document.getElementById("board-connection");
  const labels = document.getElementById("status-labels").dataset;

  function grid() {
    return document.getElementById("board-grid");
  }

  // The drawing of the day, which the server may have kept from an earlier request.
  function frame() {
    return grid().querySelector(".board-frame");
  }

  // Minutes since the board's day starts: the server's clock when the grid came, plus the time
  // since, so that a tablet whose clock is wrong still draws "now" where it is.
  function nowMinutes() {
    const g = grid();
    const serverNow = Number(g.dataset.serverNow) + (Date.now() - Number(g.dataset.receivedAt));
    return (serverNow - Number(frame().dataset.dayStart)) / 60000;
  }

  function layout() {
    const g = grid();
    if (!g) return;
    if (!g.dataset.receivedAt) g.dataset.receivedAt = String(Date.now());
    const dayMinutes = Number(frame().dataset.dayMinutes) || 1;
    const table = g.querySelector(".board-table");
    if (table) table.style.minWidth = Math.max(900, dayMinutes * MINUTE_WIDTH_PX) + "px";
    g.querySelectorAll(".board-track").forEach((track) => {
      track.style.backgroundSize = (100 * 60) / dayMinutes + "% 100%";
    });
    g.querySelectorAll(".board-track > [data-offset]").forEach((el) => {
      el.style.left = (100 * Number(el.dataset.offset)) / dayMinutes + "%";
      if (el.dataset.length) {
        el.style.width = (100 * Number(el.dataset.length)) / dayMinutes + "%";
      }
    });
    const now = (100 * nowMinutes()) / dayMinutes + "%";
    g.querySelectorAll(".board-now").forEach((el) => {
      el.style.left = now;
    });
    countPlaces();
  }

  // How many places of each multi-place room hold a patient right now.
  function countPlaces() {
    const now = nowMinutes();
    grid().querySelectorAll("[data-occupancy-of]").forEach((el) => {
      let used = 0;
      grid().querySelectorAll(`.board-session[data-room="${el.dataset.occupancyOf}"]`).forEach((s) => {
        const start = Number(s.dataset.offset);
        const inRoomNow = start <= now && now < start + Number(s.dataset.length);
        if (inRoomNow && ACTIVE.has(s.dataset.status)) used += 1;
      });
      el.textContent = el.dataset.template
        .replace("%(used)s", used)
        .replace("%(capacity)s", el.dataset.capacity);
    });
  }

  // Apply one session's news in place; false when the page must be drawn again.
  function apply(session) {
    const el = grid().querySelector(`[data-session-id="${session.id}"]`);
    if (!el) return false;
    if (el.classList.contains("overrunning") !== Boolean(session.overrun_until)) return false;
    if (el.dataset.status === session.status) return true;
    el.classList.remove("status-" + el.dataset.status);
    el.classList.add("status-" + session.status, "changed");
    const badge = el.querySelector("[data-status-label]");
    badge.className = "badge status-" + session.status;
    badge.textContent = labels[session.status] || session.status_label;
    el.dataset.status = session.status;
    setTimeout(() => el.classList.remove("changed"), 1300);
    countPlaces();
    return true;
  }

  let refreshing = false;
  function refresh() {
    if (refreshing || !window.htmx) return;
    refreshing = true;
    window.htmx
      .ajax("GET", board.dataset.fragment, { target: "#board-grid", swap: "outerHTML" })
      .finally(() => {
        refreshing = false;
      });
  }

  document.body.addEventListener("htmx:afterSettle", layout);

  function handle(message) {
    if (message.type === "snapshot") {
      const missing = message.sessions.filter((s) => !apply(s));
      if (missing.length) refresh();
    } else if (message.type === "session.status") {
      if (!apply(message)) refresh();
    } else if (message.type === "board.refresh") {
      refresh();
    }
  }

  function show(state) {
    connection.textContent = connection.dataset[state];
    connection.className = "connection " + state;
  }

  let attempts = 0;
  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + window.location.host + board.dataset.socket);
    socket.addEventListener("open", () => {
      attempts = 0;
      show("live");
    });
    socket.addEventListener("message", (event) => handle(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      show("offline");
      attempts += 1;
      setTimeout(connect, Math.min(30000, 500 * 2 ** Math.min(attempts, 6)));
    });
  }

  // Open on what matters now: the current time, or the day's first session before opening.
  function scrollToNow() {
    const scroller = grid().querySelector(".board-scroll");
    const table = grid().querySelector(".board-table");
    if (!scroller || !table) return;
    const dayMinutes = Number(frame().dataset.dayMinutes) || 1;
    const first = grid().querySelector(".board-session");
    let minute = Math.min(Math.max(nowMinutes(), 0), dayMinutes);
    if (nowMinutes() < 0 && first) minute = Number(first.dataset.offset);
    const room = grid().querySelector(".board-room");
    const trackWidth = table.offsetWidth - (room ? room.offsetWidth : 0);
    scroller.scrollLeft = Math.max(0, (trackWidth * minute) / dayMinutes - 60);
  }

  layout();
  scrollToNow();
  connect();
  // The clock moves the "now" line and, through the worker, extends over-running sessions.
  setInterval(refresh, REFRESH_EVERY_MS);
})();
