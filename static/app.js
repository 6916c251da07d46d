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
})();
