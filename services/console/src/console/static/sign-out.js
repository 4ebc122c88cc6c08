/* Signing out empties what this browser keeps for the console (services/console/README.md,
   "Signing out"): the period sheets kept in localStorage, the pages kept by the sheet's
   service worker (they hold members' names) and the worker itself. A kept sheet that was
   never sent is lost with it, so the person is asked first; saying no keeps them signed in.
   The sign-out answer also carries Clear-Site-Data: "storage" for a browser that skipped
   this script. */
(function () {
  "use strict";
  var form = document.getElementById("sign-out");
  if (!form) return;
  function unsentSheets() {
    var found = 0;
    try {
      for (var i = 0; i < localStorage.length; i++) {
        if (localStorage.key(i).indexOf("megp-sheet:") === 0) found++;
      }
    } catch (e) { /* no storage: nothing kept */ }
    return found;
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (unsentSheets() > 0 && !window.confirm(form.dataset.msgUnsent)) return;
    var jobs = [];
    try { localStorage.clear(); } catch (x) { /* nothing kept */ }
    if (window.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.map(function (n) { return caches.delete(n); }));
      }));
    }
    if (navigator.serviceWorker) {
      jobs.push(navigator.serviceWorker.getRegistrations().then(function (regs) {
        return Promise.all(regs.map(function (r) { return r.unregister(); }));
      }));
    }
    Promise.all(jobs).catch(function () { /* the header below still asks the browser */ })
      .then(function () { form.submit(); });
  });
})();
