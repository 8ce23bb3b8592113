// The resource calendar: a session opened with htmx shows in a dialog over the calendar.
// Without JavaScript, the same links open the session's own page.
(function () {
  "use strict";

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "session-panel") return;
    const dialog = document.getElementById("session-dialog");
    if (dialog && !dialog.open) dialog.showModal();
  });

  // A click on the dim backdrop around the dialog closes it, as its Close button does.
  document.addEventListener("click", function (event) {
    const dialog = document.getElementById("session-dialog");
    if (dialog && dialog.open && event.target === dialog) {
      const box = dialog.getBoundingClientRect();
      const inside =
        event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    }
  });
})();
