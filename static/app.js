// Chorus progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  // Quick exit: hide the page at once, then replace this history entry with
  // the exit route (which ends the session and sends the browser to a neutral
  // site), so Back does not return here. Shift pressed three times does the same.
  function quickExit(href) {
    document.documentElement.classList.add("exiting");
    document.title = "";
    window.location.replace(href);
  }

  var exitLink = document.querySelector("a.quick-exit");
  if (exitLink) {
    var exitHref = exitLink.getAttribute("href");
    document.querySelectorAll("a[data-quick-exit]").forEach(function (a) {
      a.addEventListener("click", function (e) {
        e.preventDefault();
        quickExit(exitHref);
      });
    });
    var shifts = [];
    document.addEventListener("keydown", function (e) {
      if (e.key !== "Shift" || e.repeat) { return; }
      var now = Date.now();
      shifts = shifts.filter(function (t) { return now - t < 2000; });
      shifts.push(now);
      if (shifts.length >= 3) { quickExit(exitHref); }
    });
  }

  // Copy buttons for codes and links shown once.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) { return; }
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        var done = b.getAttribute("data-copied");
        if (done) { b.textContent = done; }
      });
    });
  });

  // Print buttons (the page prints well without them too).
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // A follow-up link may carry the code in the fragment, which browsers never
  // send to the server. Copy it into the form and drop it from the address.
  var codeForm = document.querySelector("[data-code-from-fragment]");
  if (codeForm && window.location.hash.length > 1) {
    var input = codeForm.querySelector("input[name=code]");
    if (input && !input.value) { input.value = decodeURIComponent(window.location.hash.slice(1)); }
    if (window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
  }

  // Drafts: what a person types is kept in this browser until the server
  // confirms it, so a refresh, a lost connection or a server error loses
  // nothing. A success notice on the next page clears the drafts sent.
  var store = null;
  try { store = window.localStorage; } catch (e) { store = null; }
  if (store) {
    var pending = {};
    try { pending = JSON.parse(store.getItem("chorus.pending") || "{}"); } catch (e) { pending = {}; }
    if (document.querySelector(".notice.ok, [data-draft-clear]")) {
      Object.keys(pending).forEach(function (key) { store.removeItem("chorus.draft." + key); });
      pending = {};
      store.setItem("chorus.pending", "{}");
    }
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = "chorus.draft." + form.getAttribute("data-draft");
      var fields = form.querySelectorAll("input[type=text], textarea");
      var saved = {};
      try { saved = JSON.parse(store.getItem(key) || "{}"); } catch (e) { saved = {}; }
      fields.forEach(function (f) {
        if (!f.value && saved[f.name]) { f.value = saved[f.name]; }
        f.addEventListener("input", function () {
          var d = {};
          fields.forEach(function (g) { if (g.value) { d[g.name] = g.value; } });
          store.setItem(key, JSON.stringify(d));
        });
      });
      form.addEventListener("submit", function () {
        pending[form.getAttribute("data-draft")] = true;
        store.setItem("chorus.pending", JSON.stringify(pending));
      });
    });
  }
})();
