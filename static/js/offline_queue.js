/* The tablet's queue of runner writes taken offline, kept in IndexedDB until the portal has them.
 *
 * Two stores: "queue" (in the order they were taken, by an auto-incremented seq) and
 * "conflicts" (writes the portal refused when they arrived, kept until the practitioner has
 * read them). Exposed as window.FloorQueue for runner.js.
 */
(function () {
  "use strict";

  const DB_NAME = "clinic-floor";
  const DB_VERSION = 1;
  let opened = null;

  function database() {
    if (!opened) {
      opened = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains("queue")) {
            db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
          }
          if (!db.objectStoreNames.contains("conflicts")) {
            db.createObjectStore("conflicts", { keyPath: "key" });
          }
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return opened;
  }

  // Run one request on a store and resolve with its result once the transaction has committed.
  function withStore(name, mode, operate) {
    return database().then(
      (db) =>
        new Promise((resolve, reject) => {
          const transaction = db.transaction(name, mode);
          const request = operate(transaction.objectStore(name));
          transaction.oncomplete = () => resolve(request.result);
          transaction.onerror = () => reject(transaction.error);
          transaction.onabort = () => reject(transaction.error);
        })
    );
  }

  window.FloorQueue = {
    add: (write) => withStore("queue", "readwrite", (store) => store.add(write)),
    all: () => withStore("queue", "readonly", (store) => store.getAll()),
    remove: (seq) => withStore("queue", "readwrite", (store) => store.delete(seq)),
    keepConflict: (write) => withStore("conflicts", "readwrite", (store) => store.put(write)),
    conflicts: () => withStore("conflicts", "readonly", (store) => store.getAll()),
    dismiss: (key) => withStore("conflicts", "readwrite", (store) => store.delete(key)),
  };
})();
