/* Turns the portal's notifications on or off for the phone the patient holds (preferences page).
 *
 * Registers static/js/push_sw.js, asks the browser for permission, subscribes with the clinic's
 * VAPID public key and posts the subscription to the portal, which keeps it per patient.
 */
(function () {
  "use strict";

  const panel = document.getElementById("push-panel");
  if (!panel || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  const state = document.getElementById("push-state");
  const on = document.getElementById("push-on");
  const off = document.getElementById("push-off");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];

  // The VAPID key arrives base64url-encoded; the browser wants its bytes.
  function keyBytes(base64url) {
    const base64 = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+")
      .replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function show(subscribed, text) {
    state.textContent = text || (subscribed ? panel.dataset.onLabel : panel.dataset.offLabel);
    on.hidden = subscribed;
    off.hidden = !subscribed;
  }

  function post(url, subscription) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(subscription),
    }).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
    });
  }

  const registered = navigator.serviceWorker.register(panel.dataset.worker);

  on.addEventListener("click", () => {
    Notification.requestPermission()
      .then((permission) => {
        if (permission !== "granted") {
          show(false, panel.dataset.blockedLabel);
          return null;
        }
        return registered
          .then((registration) =>
            registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(panel.dataset.key),
            })
          )
          .then((subscription) => post(panel.dataset.subscribe, subscription.toJSON()))
          .then(() => show(true));
      })
      .catch(() => show(false, panel.dataset.failedLabel));
  });

  off.addEventListener("click", () => {
    registered
      .then((registration) => registration.pushManager.getSubscription())
      .then((subscription) => {
        if (!subscription) return null;
        const json = subscription.toJSON();
        return subscription.unsubscribe().then(() => post(panel.dataset.unsubscribe, json));
      })
      .then(() => show(false))
      .catch(() => show(true, panel.dataset.failedLabel));
  });

  registered
    .then((registration) => registration.pushManager.getSubscription())
    .then((subscription) => {
      panel.hidden = false;
      show(Boolean(subscription));
    })
    .catch(() => {});
})();
