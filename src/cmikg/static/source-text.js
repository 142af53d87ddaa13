// Source text page: when the address names a quote (#q-START-END), mark every piece of that quote
// and open the list of what cites it; when it names a citation, open its list. No libraries.
(function () {
  "use strict";
  function clear() {
    document.querySelectorAll("mark.q.target").forEach(function (m) { m.classList.remove("target"); });
  }
  function openAround(element) {
    for (var node = element; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") { node.open = true; }
    }
  }
  function show() {
    var id = decodeURIComponent(location.hash.slice(1));
    clear();
    if (!id) { return; }
    var target = document.getElementById(id);
    if (!target) { return; }
    if (id.indexOf("q-") === 0) {
      var pieces = document.querySelectorAll('mark.q[data-q~="' + id + '"]');
      pieces.forEach(function (m) { m.classList.add("target"); });
      var cite = document.getElementById("cite-" + id);
      if (cite) { openAround(cite); }
      target.scrollIntoView({ block: "center" });
    } else if (id.indexOf("cite-") === 0) {
      openAround(target);
      var quote = id.slice(5);
      document.querySelectorAll('mark.q[data-q~="' + quote + '"]').forEach(function (m) { m.classList.add("target"); });
      target.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", show);
  document.addEventListener("DOMContentLoaded", show);
  if (document.readyState !== "loading") { show(); }
}());
