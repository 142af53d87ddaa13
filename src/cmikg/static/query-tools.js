// The query page's research tools, on top of the editor of sparql-editor.js:
// - completion of prefixed names (ontology terms and entities, with their labels) while typing,
//   adding the PREFIX declaration a completed name needs;
// - a results table sortable by any column (numbers as numbers);
// - a bar chart of the first numeric column against the first text column;
// - a button that copies the share link (the query is in the URL).
// Everything is built with DOM calls: no inline script, no inline style, no other host.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var MAX_SUGGESTIONS = 8;
  var MAX_BARS = 40;

  function el(tag, attrs, text) {
    var node = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- completion -------------------------------------------------------------------------
  function setUpCompletion(area, termsUrl) {
    var list = el("ul", { id: "completions", role: "listbox", "class": "completions", hidden: "" });
    area.parentNode.parentNode.insertBefore(list, area.parentNode.nextSibling);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", "completions");
    var vocabulary = null, shown = [], active = 0;
    fetch(termsUrl).then(function (r) { return r.json(); }).then(function (v) { vocabulary = v; });

    function wordBeforeCaret() {
      var before = area.value.slice(0, area.selectionStart);
      var m = /([A-Za-z][\w-]*:[\w.-]*)$/.exec(before);
      return m ? m[1] : "";
    }
    function close() { list.hidden = true; shown = []; area.removeAttribute("aria-activedescendant"); }
    function render() {
      list.textContent = "";
      shown.forEach(function (t, i) {
        var item = el("li", { id: "completion-" + i, role: "option", "aria-selected": String(i === active) });
        item.appendChild(el("code", {}, t.name));
        item.appendChild(document.createTextNode(" " + t.label));
        item.addEventListener("mousedown", function (e) { e.preventDefault(); accept(i); });
        list.appendChild(item);
      });
      list.hidden = !shown.length;
      if (shown.length) { area.setAttribute("aria-activedescendant", "completion-" + active); }
    }
    function suggest() {
      var word = wordBeforeCaret();
      if (!vocabulary || word.length < 2) { close(); return; }
      var lower = word.toLowerCase(), prefix = lower.split(":")[0] + ":", rest = lower.slice(prefix.length);
      shown = vocabulary.terms.filter(function (t) {
        var name = t.name.toLowerCase();
        return name !== lower && name.indexOf(prefix) === 0 &&
          (name.indexOf(lower) === 0 || (rest.length > 1 && t.label.toLowerCase().indexOf(rest) >= 0));
      }).slice(0, MAX_SUGGESTIONS);
      active = 0;
      render();
    }
    function accept(index) {
      var term = shown[index], word = wordBeforeCaret();
      if (!term) { return; }
      var start = area.selectionStart - word.length, end = area.selectionStart;
      var text = area.value.slice(0, start) + term.name + area.value.slice(end), caret = start + term.name.length;
      var prefix = term.name.split(":")[0], ns = vocabulary.prefixes[prefix];
      if (ns && !new RegExp("PREFIX\\s+" + prefix + ":", "i").test(text)) {
        var line = "PREFIX " + prefix + ": <" + ns + ">\n";
        text = line + text;
        caret += line.length;
      }
      area.value = text;
      area.setSelectionRange(caret, caret);
      area.dispatchEvent(new Event("input"));
      close();
    }
    area.addEventListener("input", suggest);
    area.addEventListener("blur", close);
    area.addEventListener("keydown", function (e) {
      if (list.hidden) { return; }
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : shown.length - 1)) % shown.length;
        render();
      } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        accept(active);
      } else if (e.key === "Escape") {
        close();
      }
    });
  }

  // --- sortable results -------------------------------------------------------------------
  function cellValue(cell) {
    var text = cell.textContent.trim();
    return cell.classList.contains("num") && text !== "" && !isNaN(Number(text)) ? Number(text) : text.toLowerCase();
  }
  function setUpSorting(table) {
    var body = table.tBodies[0];
    [].forEach.call(table.tHead.rows[0].cells, function (th, column) {
      var button = el("button", { type: "button", "class": "sort" }, th.textContent);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        [].forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = [].slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
          var order = typeof x === typeof y ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === "number" ? -1 : 1);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  // --- a chart of numeric results ---------------------------------------------------------
  function numericColumn(table) {
    // The first column of numbers that is not a date part (a year is a label, not a quantity).
    var rows = table.tBodies[0].rows, headers = table.tHead.rows[0].cells, found = [];
    for (var c = 0; rows.length && c < rows[0].cells.length; c++) {
      var all = [].every.call(rows, function (r) { return r.cells[c].classList.contains("num"); });
      if (all) { found.push(c); }
    }
    var quantities = found.filter(function (c) { return !/year|date|month|day/i.test(headers[c].textContent); });
    return quantities.length ? quantities[0] : (found.length ? found[0] : -1);
  }
  function setUpChart(table) {
    var value = numericColumn(table);
    if (value < 0) { return; }
    var rows = [].slice.call(table.tBodies[0].rows);
    var label = [0, 1, 2, 3].filter(function (c) { return c !== value && rows[0].cells[c]; })[0];
    var data = rows.slice(0, MAX_BARS).map(function (r) {
      return { name: label === undefined ? "" : r.cells[label].textContent.trim(), value: Number(r.cells[value].textContent) };
    });
    var max = Math.max.apply(null, data.map(function (d) { return Math.abs(d.value); })) || 1;
    // Drawn at the width it is shown at (at most 640), so its 12-unit text stays 12 px on a phone.
    var width = Math.max(300, Math.min(640, table.parentNode.clientWidth - 2));
    var left = Math.round(width / 3), bar = 18, height = data.length * (bar + 4) + 8;
    var heading = table.tHead.rows[0].cells[value].textContent;
    var svg = el("svg:svg", { viewBox: "0 0 " + width + " " + height, role: "img", "class": "results-chart",
      "aria-label": heading + " by row" });
    data.forEach(function (d, i) {
      var y = 4 + i * (bar + 4), length = Math.max(1, (width - left - 70) * Math.abs(d.value) / max);
      svg.appendChild(el("svg:text", { x: left - 6, y: y + bar * 0.75, "text-anchor": "end", "font-size": "12" },
        d.name.length > left / 7 ? d.name.slice(0, Math.floor(left / 7) - 1) + "…" : d.name));
      svg.appendChild(el("svg:rect", { x: left, y: y, width: length.toFixed(1), height: bar, fill: "#1d4f7a" }));
      svg.appendChild(el("svg:text", { x: left + length + 5, y: y + bar * 0.75, "font-size": "12" }, String(d.value)));
    });
    var figure = el("figure", { "class": "chart", id: "results-chart" });
    figure.appendChild(svg);
    figure.appendChild(el("figcaption", {}, heading + (rows.length > MAX_BARS ? " (the first " + MAX_BARS +
      " of " + rows.length + " rows, in the table's order)" : " (in the table's order)")));
    var details = el("details", {});
    details.appendChild(el("summary", {}, "Chart of " + heading));
    details.appendChild(figure);
    table.parentNode.parentNode.insertBefore(details, table.parentNode);
  }

  // --- share link ---------------------------------------------------------------------------
  function setUpShare(link) {
    var button = el("button", { type: "button", "class": "secondary", id: "share" }, "Copy share link");
    var status = el("span", { role: "status", "class": "small muted", id: "share-status" });
    link.parentNode.insertBefore(button, link.nextSibling);
    button.parentNode.insertBefore(status, button.nextSibling);
    button.addEventListener("click", function () {
      var url = new URL(link.getAttribute("href"), window.location.href).href;
      var done = function () { status.textContent = "Link copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done, function () { status.textContent = url; });
      } else {
        status.textContent = url;
      }
    });
  }

  function setUp() {
    var script = document.querySelector("script[data-terms]");
    var area = document.getElementById("query-text");
    if (area && script) { setUpCompletion(area, script.getAttribute("data-terms")); }
    var table = document.getElementById("results-table");
    if (table && table.tBodies[0] && table.tBodies[0].rows.length) { setUpSorting(table); setUpChart(table); }
    var link = document.getElementById("permalink");
    if (link) { setUpShare(link); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUp); } else { setUp(); }
}());
