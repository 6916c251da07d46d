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

  // Live updates: follow this page's room over a websocket, or server-sent
  // events where websockets are blocked; insert what arrives and announce it
  // politely, at most once every few seconds. The page works without this.
  var liveEl = document.querySelector("[data-live-room]");
  if (liveEl) {
    var room = liveEl.getAttribute("data-live-room");
    // The page was rendered with the room's latest event: resume after it, so
    // nothing that happens between rendering and connecting is missed.
    var rendered = parseInt(liveEl.getAttribute("data-live-seq"), 10);
    var lastSeq = isNaN(rendered) ? null : rendered;
    var announcer = document.getElementById("live-announcer");
    var lastAnnounce = 0;
    var announce = function (text) {
      var now = Date.now();
      if (!announcer || now - lastAnnounce < 3000) { return; }
      lastAnnounce = now;
      announcer.textContent = text;
    };
    var apply = function (msg) {
      if (typeof msg.seq === "number") {
        if (lastSeq !== null && msg.seq <= lastSeq) { return; } // seen already
        lastSeq = msg.seq;
      }
      if (msg.type === "subscribed") { liveEl.setAttribute("data-live-state", "subscribed"); return; }
      if (msg.type === "reload") { return; }
      var list = document.querySelector('[data-live-list="' + msg.type + '"]');
      if (list && msg.html && !document.getElementById("comment-" + (msg.data && msg.data.id))) {
        list.insertAdjacentHTML("beforeend", msg.html);
        announce(announcer.getAttribute("data-new-comment"));
      }
      var count = document.querySelector('[data-live-count="' + msg.type + '"]');
      if (count && msg.html) { count.textContent = msg.html.trim(); announce(count.textContent); }
    };
    var delay = 500;
    var backoff = function (connect) {
      var wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 30000);
      window.setTimeout(connect, wait);
    };
    var useSSE = function () {
      var url = liveEl.getAttribute("data-live-sse") + "?room=" + encodeURIComponent(room);
      if (lastSeq !== null) { url += "&after=" + lastSeq; }
      var es = new window.EventSource(url);
      es.onmessage = function (e) {
        delay = 500;
        try { apply(JSON.parse(e.data)); } catch (err) { /* ignore a malformed message */ }
      };
    };
    var connect = function () {
      if (!window.WebSocket) { useSSE(); return; }
      var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new window.WebSocket(proto + window.location.host + liveEl.getAttribute("data-live-ws"));
      var opened = false;
      ws.onopen = function () {
        opened = true;
        delay = 500;
        var sub = { type: "subscribe", room: room };
        if (lastSeq !== null) { sub.after = lastSeq; }
        ws.send(JSON.stringify(sub));
      };
      ws.onmessage = function (e) {
        try { apply(JSON.parse(e.data)); } catch (err) { /* ignore a malformed message */ }
      };
      ws.onclose = function () {
        if (!opened) { useSSE(); return; } // blocked: fall back for good
        backoff(connect);
      };
    };
    connect();
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
