{% load static %}/* The clinic floor's service worker: the practitioner's pages and their files, offline.
 *
 * Static files come from the cache first (their names carry a hash, so a new release is a new
 * name); My day and the runner come from the network first and, when it is gone, from the
 * copy kept at the last visit, so that a tablet reloaded offline still shows the session and
 * keeps queueing. Writes are never cached: runner.js queues them in IndexedDB.
 */
const ASSETS = [
  "{% static 'css/portal.css' %}",
  "{% static 'css/floor.css' %}",
  "{% static 'django_htmx/htmx-2.min.js' %}",
  "{% static 'js/offline_queue.js' %}",
  "{% static 'js/runner.js' %}",
  "{% static 'img/lotus.svg' %}",
];
const CACHE = `clinic-floor-${ASSETS.join("|").length}-${ASSETS.reduce((h, a) => (h * 31 + a.length) % 1000003, 7)}`;
const PAGES = "{% url 'my_day' %}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(ASSETS)).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

function keepCopy(request, response) {
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((cache) => cache.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("{% get_static_prefix %}")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((r) => keepCopy(request, r)))
    );
  } else if (request.mode === "navigate" && url.pathname.startsWith(PAGES)) {
    event.respondWith(
      fetch(request)
        .then((response) => keepCopy(request, response))
        .catch(() => caches.match(request).then((hit) => hit || Response.error()))
    );
  }
});
