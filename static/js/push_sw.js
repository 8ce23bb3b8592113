/* The patient's phone notifications: shows what the portal pushes and opens the inbox on a tap.
 *
 * Registered by push.js with this file's folder as its scope, so that it controls no page and
 * stays apart from the clinic floor's offline worker. Each message carries a tag (its outbox
 * row): a message pushed twice replaces itself instead of showing twice.
 */
self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    message = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(message.title || "Panchakarma", {
      body: message.body || "",
      tag: message.tag,
      data: { url: message.url || "/" },
      icon: new URL("../img/lotus.svg", self.location).href,
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === url);
      return open ? open.focus() : self.clients.openWindow(url);
    })
  );
});
