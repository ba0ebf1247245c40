// ecount review: keyboard shortcuts for the common decisions, and live progress.
// Served by the application itself; no framework, nothing fetched from elsewhere.
(function () {
  "use strict";
  function $(id) { return document.getElementById(id); }
  function submit(id) { var f = $(id); if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); } }
  function pick(id, index) {
    var s = $(id);
    if (!s) return false;
    for (var i = 0; i < s.options.length; i++) {
      if (s.options[i].value === String(index)) { s.selectedIndex = i; s.focus(); return true; }
    }
    return false;
  }
  var heads = { u: "unmarked", x: "uncertain", t: "too_many", i: "identifying_mark", w: "want_of_official_mark" };

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA");
    if (typing) return;
    var k = e.key.toLowerCase();
    var digit = /^Digit([1-9])$/.exec(e.code || "");
    if (digit) {
      var n = Number(digit[1]) - 1;
      if (e.shiftKey) { if (pick("second", n)) e.preventDefault(); }
      else if (pick("first", n) || pick("option", n)) e.preventDefault();
      return;
    }
    if (k === "a") { submit("accept-form"); }
    else if (k === "c") { submit("correct-form"); }
    else if (k === "k") { submit("confirm-form"); }
    else if (k === "o") { submit("overturn-form"); }
    else if (k === "r") { var h = $("head"); if (h) h.focus(); }
    else if (heads[k]) {
      if (pick("head", heads[k])) { var b = $("reject"); if (b) b.focus(); }
    } else { return; }
    e.preventDefault();
  });

  var live = $("progress");
  if (live && live.dataset.poll && window.fetch) {
    var poll = function () {
      fetch(live.dataset.poll, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (!d) return;
          Object.keys(d.cells).forEach(function (id) {
            var el = $(id);
            if (el && el.textContent !== d.cells[id]) el.textContent = d.cells[id];
          });
          Object.keys(d.charts).forEach(function (id) {
            var box = document.querySelector('[data-chart="' + id + '"]');
            // The SVG is rendered and escaped by the server.
            if (box && box.innerHTML !== d.charts[id]) box.innerHTML = d.charts[id];
          });
        })
        .catch(function () {});
    };
    setInterval(poll, Number(live.dataset.interval || 3000));
  }
})();
