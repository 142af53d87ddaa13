// A small SPARQL editor: syntax colours drawn under a plain textarea (which stays the real,
// accessible input), Ctrl/Cmd+Enter to run, and POST instead of GET for queries too long for a URL.
(function () {
  "use strict";
  var KEYWORDS = ("BASE PREFIX SELECT DISTINCT REDUCED AS CONSTRUCT DESCRIBE ASK FROM NAMED WHERE ORDER BY ASC DESC " +
    "LIMIT OFFSET VALUES GROUP HAVING OPTIONAL UNION MINUS GRAPH SERVICE SILENT FILTER BIND UNDEF NOT IN EXISTS " +
    "COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE BOUND IRI URI BNODE RAND ABS " +
    "CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR " +
    "MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG " +
    "STRDT SAMETERM ISIRI ISURI ISBLANK ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE TRUE FALSE A").split(" ");
  var KEYWORD = new RegExp("^(?:" + KEYWORDS.join("|") + ")\\b", "i");
  var RULES = [
    ["com", /^#[^\n]*/],
    ["str", /^("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')/],
    ["iri", /^<[^<>"{}|^`\\\s]*>/],
    ["var", /^[?$][A-Za-z_0-9\u00C0-\uFFFF]+/],
    ["num", /^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?/],
    ["pn", /^(?:[A-Za-z][\w.-]*)?:[\w.%-]*/],
    ["kw", KEYWORD]
  ];
  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function highlight(text) {
    var out = "", rest = text;
    while (rest.length) {
      var matched = false;
      for (var i = 0; i < RULES.length; i++) {
        var m = RULES[i][1].exec(rest);
        if (m && m[0].length) {
          out += '<span class="tok-' + RULES[i][0] + '">' + escape(m[0]) + "</span>";
          rest = rest.slice(m[0].length);
          matched = true;
          break;
        }
      }
      if (!matched) {
        var word = /^[A-Za-z_]\w*|^[\s\S]/.exec(rest)[0];
        out += escape(word);
        rest = rest.slice(word.length);
      }
    }
    return out + "\n";
  }
  function setUp() {
    var editor = document.getElementById("editor");
    var area = document.getElementById("query-text");
    var form = document.getElementById("query-form");
    if (!editor || !area || !form) { return; }
    var pre = document.createElement("pre");
    pre.setAttribute("aria-hidden", "true");
    editor.insertBefore(pre, area);
    editor.classList.add("highlighting");
    function sync() {
      pre.innerHTML = highlight(area.value);
      pre.scrollTop = area.scrollTop;
      pre.scrollLeft = area.scrollLeft;
      pre.style.height = area.offsetHeight + "px";
    }
    area.addEventListener("input", sync);
    area.addEventListener("scroll", sync);
    window.addEventListener("resize", sync);
    if (window.ResizeObserver) { new ResizeObserver(sync).observe(area); }
    area.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      }
    });
    form.addEventListener("submit", function () {
      // Long queries do not fit in a URL (servers refuse request lines over about 4 KB).
      if (encodeURIComponent(area.value).length > 3000) { form.method = "post"; }
    });
    sync();
    placeCaretAtError(area);
  }
  function placeCaretAtError(area) {
    // After a syntax error, put the cursor where the parser stopped.
    var box = document.getElementById("query-error");
    var line = box && parseInt(box.getAttribute("data-line"), 10);
    var column = box && parseInt(box.getAttribute("data-column"), 10);
    if (!line || !column) { return; }
    var lines = area.value.split("\n");
    var offset = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { offset += lines[i].length + 1; }
    offset += Math.min(column - 1, (lines[line - 1] || "").length);
    area.focus();
    area.setSelectionRange(offset, offset);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
}());
