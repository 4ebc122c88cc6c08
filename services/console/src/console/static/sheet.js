/* The offline period sheet (services/console/README.md, "The offline sheet").
   The sheet lives in localStorage from its first keystroke with the Idempotency-Key made when
   it was started; it is sent when the person presses Send and there is a connection, or as
   soon as the connection returns; a lost answer is sent again with the same key, so the
   services record it once. It leaves the device only when the console says it was received. */
(function () {
  "use strict";
  var form = document.getElementById("period-sheet");
  if (!form) return;
  var slot = "megp-sheet:" + form.dataset.group + ":" + form.dataset.period;
  var status = document.getElementById("connection");
  var answerBox = document.getElementById("sheet-answer");
  var sending = false, retry = null;
  var CACHE = "megp-sheet-v1", SENT = "megp-sheet-sent-keys";
  // the page as the console sent it, before anything below changes it: the copy kept for
  // opening the sheet with no connection (sheet-worker.js answers with it)
  var shell = "<!doctype html>\n" + document.documentElement.outerHTML;

  function say(name) { status.textContent = form.dataset["msg" + name[0].toUpperCase() + name.slice(1)] || ""; }
  function load() { try { return JSON.parse(localStorage.getItem(slot)); } catch (e) { return null; } }
  function save() { localStorage.setItem(slot, JSON.stringify(sheet)); }
  function fields() { return Array.prototype.filter.call(form.elements, function (el) { return /^(income|deposit):/.test(el.name); }); }
  function lock(parts) {
    fields().forEach(function (el) {
      var part = el.name.indexOf("income:") === 0 ? "incomes" : "deposits";
      if (parts.indexOf(part) >= 0) el.readOnly = true;
    });
  }

  function sentKeys() { try { return JSON.parse(localStorage.getItem(SENT)) || []; } catch (e) { return []; } }
  function freshKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "k" + Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  var sheet = load();
  if (!sheet) {
    // a kept copy of the page carries the key of a sheet that may have been sent already
    var key = form.elements.sheet_key.value;
    if (sentKeys().indexOf(key) >= 0) key = freshKey();
    sheet = { key: key, values: {}, pending: false, locked: [] };
  }
  form.elements.sheet_key.value = sheet.key;
  fields().forEach(function (el) { if (sheet.values[el.name] !== undefined) el.value = sheet.values[el.name]; });
  lock(sheet.locked);

  form.addEventListener("input", function (e) {
    if (!e.target.name) return;
    sheet.values[e.target.name] = e.target.value;
    save();
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    fields().forEach(function (el) { sheet.values[el.name] = el.value; });
    sheet.pending = true;
    save();
    send();
  });
  window.addEventListener("online", function () { say("online"); send(); });
  window.addEventListener("offline", function () { say("offline"); });

  function placeProblems() {
    form.querySelectorAll(".field-problem").forEach(function (p) { p.remove(); });
    answerBox.querySelectorAll("[data-for]").forEach(function (item, i) {
      var input = form.elements[item.dataset.for];
      if (!input) return;
      var note = document.createElement("p");
      note.className = "field-problem";
      note.id = "sheet-problem-" + i;
      note.textContent = item.textContent;
      input.insertAdjacentElement("afterend", note);
      input.setAttribute("aria-describedby", note.id);
      input.setAttribute("aria-invalid", "true");
    });
  }

  function send() {
    if (!sheet.pending || sending) return;
    if (!navigator.onLine) { say("saved"); return; }
    sending = true;
    say("sending");
    var body = new URLSearchParams();
    body.set("sheet_key", sheet.key);
    body.set("period", form.dataset.period);
    fields().forEach(function (el) { body.set(el.name, sheet.values[el.name] || ""); });
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Idempotency-Key": sheet.key, "HX-Request": "true" }
    }).then(function (r) {
      if (r.status === 401) { say("signin"); return null; }
      if (r.status >= 500) throw new Error("not now");
      return r.text();
    }).then(function (html) {
      if (html === null) return;
      answerBox.innerHTML = html;
      var result = answerBox.querySelector("[data-sheet-result]");
      var recorded = result ? result.dataset.recorded.split(" ").filter(Boolean) : [];
      recorded.forEach(function (p) { if (sheet.locked.indexOf(p) < 0) sheet.locked.push(p); });
      lock(sheet.locked);
      sheet.pending = false;
      placeProblems();
      if (result && result.dataset.complete === "true") {
        localStorage.removeItem(slot);
        localStorage.setItem(SENT, JSON.stringify(sentKeys().concat([sheet.key]).slice(-50)));
        fields().forEach(function (el) { el.readOnly = true; });
        form.querySelector("button[type=submit]").disabled = true;
        form.dataset.sent = "true";
        say("sent");
      } else {
        save();
        say("refused");
      }
    }).catch(function () {
      say("kept");
      clearTimeout(retry);
      retry = setTimeout(send, 3000);
    }).then(function () { sending = false; });
  }

  say(navigator.onLine ? "online" : "offline");
  if (sheet.pending) send();

  // keep this page for opening it with no connection (the worker controls /groups/ pages)
  if ("serviceWorker" in navigator && window.caches && navigator.onLine) {
    navigator.serviceWorker.register("/sheet-worker.js", { scope: "/groups/" }).then(function () {
      return caches.open(CACHE);
    }).then(function (c) {
      return c.put(location.pathname + location.search, new Response(shell, {
        headers: { "Content-Type": "text/html; charset=utf-8" }
      }));
    }).then(function () { form.dataset.kept = "true"; }).catch(function () { /* no cache: online only */ });
  }
})();
