// The patient's inbox, live: new in-portal messages arrive over /ws/inbox/ without a reload.
// Items are built with DOM methods (never innerHTML) so that a message's text stays text.
(() => {
  "use strict";

  const list = document.getElementById("inbox");
  if (!list) return;
  const unread = document.getElementById("inbox-unread");
  const empty = document.getElementById("inbox-empty");
  const csrf = document.querySelector("#inbox input[name=csrfmiddlewaretoken], form input[name=csrfmiddlewaretoken]");
  const whenParts = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    timeZone: list.dataset.zone || undefined,
  });
  // "3 Dec, 09:30", in the patient's zone: the same shape as the server-rendered items.
  function formatWhen(date) {
    const part = Object.fromEntries(whenParts.formatToParts(date).map((p) => [p.type, p.value]));
    return `${part.day} ${part.month}, ${part.hour}:${part.minute}`;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function item(message) {
    const li = element("li", "inbox-item unread");
    li.id = `inbox-item-${message.id}`;
    const head = element("div", "inbox-head");
    head.append(element("h2", "inbox-title", message.title));
    const when = element("time", "inbox-when", formatWhen(new Date(message.created_at)));
    when.dateTime = message.created_at;
    head.append(when);
    li.append(head);
    const body = element("p", "inbox-body");
    message.body.split("\n").forEach((line, index) => {
      if (index) body.append(document.createElement("br"));
      body.append(document.createTextNode(line));
    });
    li.append(body);
    const url = list.dataset.readUrl.replace("/0/", `/${message.id}/`);
    const form = element("form");
    form.method = "post";
    form.action = url;
    form.setAttribute("hx-post", url);
    form.setAttribute("hx-target", `#${li.id}`);
    form.setAttribute("hx-swap", "outerHTML");
    if (csrf) {
      const token = element("input");
      token.type = "hidden";
      token.name = "csrfmiddlewaretoken";
      token.value = csrf.value;
      form.append(token);
    }
    form.append(element("span", "badge unread-badge", list.dataset.newLabel));
    const button = element("button", "linklike", list.dataset.readLabel);
    button.type = "submit";
    form.append(button);
    li.append(form);
    return li;
  }

  function arrived(message) {
    if (document.getElementById(`inbox-item-${message.id}`)) return;
    const li = item(message);
    list.prepend(li);
    if (window.htmx) window.htmx.process(li);
    if (empty) empty.hidden = true;
    if (unread) unread.textContent = String(Number(unread.textContent || 0) + 1);
  }

  let retry = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${list.dataset.socket}`);
    socket.addEventListener("open", () => { retry = 1000; });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "inbox.message") arrived(data);
    });
    socket.addEventListener("close", (event) => {
      // 4403: not allowed (signed out); anything else: try again, waiting longer each time.
      if (event.code === 4403) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    });
  }

  // A message marked read through htmx lowers the count.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.classList.contains("inbox-item") && unread) {
      unread.textContent = String(Math.max(0, Number(unread.textContent || 0) - 1));
    }
  });

  connect();
})();
