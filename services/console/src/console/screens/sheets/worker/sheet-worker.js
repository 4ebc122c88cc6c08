/* The period sheet's service worker (services/console/README.md, "The offline period sheet").
   It controls /groups/ pages only. A period sheet's page, once opened with a connection, is
   kept by sheet.js in this worker's cache; opened again with no connection, the worker answers
   with that copy, so the sheet can be filled and sent later. Other pages always go to the
   network. The console's stylesheet and scripts are answered from the network when it is
   there (and kept), from the cache when it is not. */
"use strict";
var CACHE = "megp-sheet-v1";
var SHELL = ["/static/console.css", "/static/sheet.js", "/static/vendor/htmx/htmx.min.js"];
var SHEET = /^\/groups\/[^/]+\/period-sheet$/;

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromNetworkKeeping(request, key) {
  return fetch(request).then(function (r) {
    if (r.ok) { var copy = r.clone(); caches.open(CACHE).then(function (c) { c.put(key, copy); }); }
    return r;
  }).catch(function () {
    return caches.match(key).then(function (hit) { return hit || Response.error(); });
  });
}

self.addEventListener("fetch", function (e) {
  var request = e.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SHEET.test(url.pathname)) {
    // the page from the network (sheet.js keeps a fresh copy); the kept copy with no connection
    e.respondWith(fetch(request).catch(function () {
      return caches.match(url.pathname + url.search).then(function (hit) { return hit || Response.error(); });
    }));
  } else if (url.pathname.indexOf("/static/") === 0) {
    e.respondWith(fromNetworkKeeping(request, url.pathname));
  }
});
