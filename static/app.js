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
  // events where websockets are blocked, and apply what arrives. Nothing
  // moves under the reader: new comments wait behind a "show" button, and
  // screen readers hear one polite summary at most every few seconds. The
  // page works without this.
  var liveEl = document.querySelector("[data-live-room]");
  if (liveEl) {
    var room = liveEl.getAttribute("data-live-room");
    // The page was rendered with the room's latest event: resume after it, so
    // nothing that happens between rendering and connecting is missed.
    var rendered = parseInt(liveEl.getAttribute("data-live-seq"), 10);
    var lastSeq = isNaN(rendered) ? null : rendered;

    // Plural forms come from the server per language ({"one": "... {n} ..."});
    // the browser picks the form for a count.
    var forms = function (el, attr) {
      try { return JSON.parse(el.getAttribute(attr) || "{}"); } catch (e) { return {}; }
    };
    var pluralRules = null;
    try { pluralRules = new Intl.PluralRules(document.documentElement.lang || "en"); } catch (e) { pluralRules = null; }
    var plural = function (f, n) {
      var text = (pluralRules && f[pluralRules.select(n)]) || f.other || "";
      return text.split("{n}").join(String(n));
    };
    var fragment = function (html) {
      var t = document.createElement("template");
      t.innerHTML = html.trim();
      return t.content;
    };
    var escapeAttr = function (v) {
      return window.CSS && window.CSS.escape ? window.CSS.escape(v) : String(v).replace(/["\\]/g, "");
    };

    // One polite announcement at most every 3 s, summarising what came in
    // since the last one ("3 new comments").
    var announcer = document.getElementById("live-announcer");
    var heard = { comments: 0, issues: 0, texts: {} };
    var lastAnnounce = 0;
    var announceTimer = null;
    var flush = function () {
      announceTimer = null;
      var parts = [];
      if (heard.issues) { parts.push(plural(forms(liveEl, "data-forms-issues"), heard.issues)); }
      if (heard.comments) { parts.push(plural(forms(liveEl, "data-forms-comments"), heard.comments)); }
      Object.keys(heard.texts).forEach(function (k) { parts.push(heard.texts[k]); });
      heard = { comments: 0, issues: 0, texts: {} };
      if (!announcer || parts.length === 0) { return; }
      lastAnnounce = Date.now();
      announcer.textContent = "";
      parts.forEach(function (text) {
        var p = document.createElement("p");
        p.textContent = text;
        announcer.appendChild(p);
      });
    };
    var announce = function () {
      if (announceTimer) { return; }
      // A short wait gathers a burst into one announcement.
      announceTimer = window.setTimeout(flush, Math.max(500, lastAnnounce + 3000 - Date.now()));
    };

    // New comments are collected behind a button, inserted only when it is
    // pressed, and focus then goes to the first of them.
    var comments = document.querySelector('[data-live-list="comment.added"]');
    var showButton = document.querySelector('[data-live-show="comment.added"]');
    var waiting = [];
    if (comments && showButton) {
      showButton.addEventListener("click", function () {
        var first = null;
        waiting.forEach(function (node) {
          if (!node.id || !document.getElementById(node.id)) {
            comments.appendChild(node);
            first = first || node;
          }
        });
        waiting = [];
        showButton.hidden = true;
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      });
    }
    var onComment = function (msg) {
      if (!comments || !showButton || !msg.html) { return; }
      var node = fragment(msg.html).firstElementChild;
      if (!node) { return; }
      var dup = node.id && (document.getElementById(node.id) || waiting.some(function (w) { return w.id === node.id; }));
      if (dup) { return; }
      waiting.push(node);
      showButton.textContent = plural(forms(showButton, "data-forms"), waiting.length);
      showButton.hidden = false;
      heard.comments++;
      announce();
    };

    // A moderated comment changes in place for everyone (hidden, edited with
    // a reason); one held back for a facilitator (no fragment) disappears.
    // Focus inside it moves to what replaces it, or to the list.
    var onCommentChanged = function (msg) {
      var id = msg.data && msg.data.id;
      if (!comments || !id) { return; }
      var node = msg.html && msg.html.trim() ? fragment(msg.html).firstElementChild : null;
      for (var i = 0; i < waiting.length; i++) {
        if (waiting[i].id === "comment-" + id) {
          if (node) { waiting[i] = node; } else { waiting.splice(i, 1); }
          if (showButton && waiting.length) { showButton.textContent = plural(forms(showButton, "data-forms"), waiting.length); }
          if (showButton && !waiting.length) { showButton.hidden = true; }
          return;
        }
      }
      var el = document.getElementById("comment-" + id);
      if (!el) { return; }
      var hadFocus = el.contains(document.activeElement);
      if (node) { el.replaceWith(node); } else { el.remove(); }
      if (hadFocus) {
        var target = node || comments;
        target.setAttribute("tabindex", "-1");
        target.focus();
      }
    };

    // New issues on a forum's list. A retried submission may announce the
    // same issue twice: an issue already listed is skipped.
    var issues = document.querySelector('[data-live-list="issue.added"]');
    var seenIssues = {};
    var onIssue = function (msg) {
      var id = msg.data && msg.data.id;
      if (!issues || !id || seenIssues[id] || document.getElementById("issue-" + id)) { return; }
      seenIssues[id] = true;
      var where = issues.getAttribute("data-live-insert");
      var node = msg.html ? fragment(msg.html).firstElementChild : null;
      if (where && node) {
        if (where === "start") { issues.insertBefore(node, issues.firstElementChild); } else { issues.appendChild(node); }
        issues.hidden = false;
        var empty = document.querySelector("[data-live-empty]");
        if (empty) { empty.hidden = true; }
      } else {
        // This page is filtered or paged away from where the issue goes.
        var elsewhere = document.querySelector("[data-live-elsewhere]");
        if (elsewhere) { elsewhere.hidden = false; }
      }
      heard.issues++;
      announce();
    };

    var onSupport = function (msg) {
      var id = msg.data && msg.data.issue;
      if (!id || !msg.html) { return; }
      var el = document.querySelector('[data-live-support="' + escapeAttr(id) + '"]');
      if (!el) { return; }
      el.textContent = msg.html.trim();
      if (el.hasAttribute("data-live-announce")) {
        heard.texts.support = el.textContent;
        announce();
      }
    };

    var onStatus = function (msg) {
      if (!msg.html) { return; }
      var frag = fragment(msg.html);
      var badge = frag.querySelector('[data-live-part="badge"]');
      var current = document.querySelector("[data-live-status]");
      if (badge && current) {
        // The server's own fragment, in this page's variant: in Easy Read it
        // carries the status pictogram beside the words.
        current.className = badge.className;
        current.replaceChildren.apply(current, Array.prototype.slice.call(badge.childNodes));
      }
      var entry = frag.querySelector('[data-live-part="timeline"]');
      var timeline = document.querySelector("#timeline .timeline");
      if (entry && timeline) {
        entry.removeAttribute("data-live-part");
        timeline.appendChild(entry);
      }
      var said = frag.querySelector('[data-live-part="announce"]');
      if (said) {
        heard.texts.status = said.textContent.trim();
        announce();
      }
    };

    var onPresence = function (msg) {
      var el = document.querySelector("[data-live-presence]");
      if (!el || !msg.html) { return; }
      el.textContent = msg.html.trim();
      el.hidden = false;
    };

    var handlers = {
      "comment.added": onComment,
      "comment.changed": onCommentChanged,
      "issue.added": onIssue,
      "support.count": onSupport,
      "status.changed": onStatus,
      "presence": onPresence
    };
    // Parts of a page that the server renders again (a live meeting): an
    // event named in a part's data-live-refresh fetches the page and swaps
    // those parts in, after a short random wait so that a room of viewers
    // does not ask at the same instant. A part the reader is typing in is
    // left alone, and a link to reload appears instead.
    var refreshParts = Array.prototype.slice.call(document.querySelectorAll("[data-live-refresh]"));
    var refreshTimer = null;
    var showStale = function () {
      var stale = document.querySelector("[data-live-stale]");
      if (stale && stale.hidden) {
        stale.hidden = false;
        heard.texts.stale = stale.textContent.trim();
        announce();
      }
    };
    document.addEventListener("input", function (e) {
      if (e.target && e.target.form) { e.target.form.setAttribute("data-dirty", ""); }
    });
    var refresh = function () {
      refreshTimer = null;
      window.fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } }).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.text();
      }).then(function (html) {
        var doc = new window.DOMParser().parseFromString(html, "text/html");
        refreshParts.forEach(function (el) {
          var fresh = el.id && doc.getElementById(el.id);
          if (!fresh || fresh.innerHTML === el.innerHTML) { return; }
          var busy = (el.contains(document.activeElement) && document.activeElement.form) || el.querySelector("form[data-dirty]");
          if (busy) { showStale(); return; }
          el.innerHTML = fresh.innerHTML;
          var say = el.getAttribute("data-live-say");
          if (say) { heard.texts[el.id] = say; announce(); }
        });
      }).catch(showStale);
    };
    var onRefresh = function (type) {
      var wanted = refreshParts.some(function (el) {
        return (" " + el.getAttribute("data-live-refresh") + " ").indexOf(" " + type + " ") >= 0;
      });
      if (wanted && !refreshTimer) {
        refreshTimer = window.setTimeout(refresh, 300 + Math.random() * 1200);
      }
    };

    var apply = function (msg) {
      if (msg.room && msg.room !== room) { return; }
      if (typeof msg.seq === "number" && msg.type !== "subscribed") {
        if (lastSeq !== null && msg.seq <= lastSeq) { return; } // seen already
        lastSeq = msg.seq;
      }
      if (msg.type === "subscribed") { liveEl.setAttribute("data-live-state", "subscribed"); return; }
      var h = handlers[msg.type];
      if (h) { h(msg); }
      if (msg.type) { onRefresh(msg.type); }
      // Changes the page cannot apply in place (a moderation queue that
      // moved, an issue a facilitator changed) reveal a link to reload it.
      var reload = msg.type && document.querySelector('[data-live-reload="' + escapeAttr(msg.type) + '"]');
      if (reload && reload.hidden) {
        reload.hidden = false;
        heard.texts.reload = reload.textContent.trim();
        announce();
      }
    };
    var delay = 500;
    var backoff = function (connect) {
      var wait = delay * (0.5 + Math.random());
      delay = Math.min(delay * 2, 30000);
      window.setTimeout(connect, wait);
    };
    // A server that shuts down says so (1001 with a reason): come back soon,
    // after a short random wait that spreads a room's reconnections, and
    // while it starts again keep trying at that pace (for about 30 s)
    // rather than backing off or falling back to event streams.
    var restartTries = 0;
    var soon = function (connect) {
      restartTries++;
      window.setTimeout(connect, (restartTries === 1 ? 200 : 500) + Math.random() * 1000);
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
        restartTries = 0;
        var sub = { type: "subscribe", room: room };
        if (lastSeq !== null) { sub.after = lastSeq; }
        ws.send(JSON.stringify(sub));
      };
      ws.onmessage = function (e) {
        try { apply(JSON.parse(e.data)); } catch (err) { /* ignore a malformed message */ }
      };
      ws.onclose = function (e) {
        if (opened && e.code === 1001 && e.reason) { restartTries = 0; soon(connect); return; }
        if (!opened && restartTries > 0 && restartTries < 30) { soon(connect); return; }
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
