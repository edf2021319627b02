"""The website's stylesheet and scripts, inlined in every page (no file from elsewhere).

Light and dark schemes (``prefers-color-scheme``), a narrow layout for phones and a print layout
(media queries); the index's search, filters and sortable columns, and the entry pages' copy
button, in plain JavaScript that never logs. Pure data (docs/ARCHITECTURE.md, "The website").
"""

from __future__ import annotations

from typing import Final

CSS: Final = """
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1f24; --muted: #57606a;
  --line: #d0d7de; --head: #f6f8fa; --link: #0550ae; --f: #0550ae; --df: #bc4c00;
  --kink: #cf222e; --ok: #1a7f37; --warn: #9a6700; --bad: #cf222e; --code: #f6f8fa; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --head: #161b22;
    --link: #58a6ff; --f: #58a6ff; --df: #ffa657; --kink: #ff7b72; --ok: #3fb950;
    --warn: #d29922; --bad: #f85149; --code: #161b22; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 78rem; padding: 1rem 1.25rem 3rem; background: var(--bg);
  color: var(--fg); font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible {
  outline: 3px solid var(--link); outline-offset: 2px; }
h1 { font-size: 1.7rem; margin: 0.5rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid var(--line); }
.muted, .note { color: var(--muted); }
nav.crumbs { font-size: 0.9rem; }
.controls { display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: end;
  margin: 1rem 0; }
.controls label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); }
input[type=search], select { font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 0.35rem 0.5rem; min-width: 12rem; }
.scroll { overflow-x: auto; }
table.catalog div.formula { max-width: 16rem; overflow-x: auto; overflow-y: hidden; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 0.4rem 0.5rem; text-align: left;
  vertical-align: top; }
thead th { background: var(--head); position: sticky; top: 0; }
th button { font: inherit; font-weight: 600; color: inherit; background: none; border: 0;
  padding: 0; cursor: pointer; }
th[aria-sort=ascending] button::after { content: " ▲"; }
th[aria-sort=descending] button::after { content: " ▼"; }
td.name a { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.tag { display: inline-block; border: 1px solid var(--line); border-radius: 1em;
  padding: 0 0.5em; margin: 0 0.2em 0.2em 0; font-size: 0.8rem; }
.yes { color: var(--ok); } .no { color: var(--warn); } .failed { color: var(--bad); }
.proved, .confirmed { color: var(--ok); } .undecided { color: var(--warn); }
math { font-size: 1.05em; math-style: normal; }
dl.forms math { font-size: 1.2em; }
math mtd { text-align: left; }
dl.forms { display: grid; grid-template-columns: minmax(8rem, 13rem) 1fr; gap: 0.4rem 1rem;
  align-items: center; }
dl.forms dt { font-weight: 600; }
dl.forms dd { margin: 0; min-width: 0; overflow-x: auto; }
.plots { display: flex; flex-wrap: wrap; gap: 1rem; }
.plots figure { margin: 0; flex: 1 1 20rem; max-width: 30rem; }
figcaption { font-size: 0.9rem; color: var(--muted); }
svg.plot { width: 100%; height: auto; background: var(--bg); }
svg.plot .frame { fill: none; stroke: var(--line); }
svg.plot .grid { stroke: var(--line); stroke-width: 0.5; }
svg.plot .axis { stroke: var(--muted); stroke-width: 1; }
svg.plot .tick { fill: var(--muted); font-size: 10px; font-family: system-ui, sans-serif; }
svg.plot .curve { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg.plot .curve.f { stroke: var(--f); } svg.plot .curve.df { stroke: var(--df); }
svg.plot .kink { stroke: var(--kink); stroke-dasharray: 4 3; stroke-width: 1.2; }
pre { background: var(--code); border: 1px solid var(--line); border-radius: 6px;
  padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; line-height: 1.4; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
button.copy { font: inherit; font-size: 0.9rem; color: var(--fg); background: var(--head);
  border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.8rem; cursor: pointer; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 40rem) {
  body { padding: 0.5rem 0.6rem 2rem; font-size: 15px; }
  h1 { font-size: 1.35rem; }
  .controls label, input[type=search], select { width: 100%; min-width: 0; }
  table.catalog .wide { display: none; }
  dl.forms { grid-template-columns: 1fr; }
}
@media print {
  :root { --bg: #fff; --fg: #000; --muted: #333; --line: #999; --head: #eee; --link: #000;
    --code: #fff; }
  .controls, button.copy, nav.crumbs { display: none; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  thead th { position: static; }
  a { text-decoration: none; }
  pre { white-space: pre-wrap; }
  h2 { break-after: avoid; } figure, tr { break-inside: avoid; }
}
"""

INDEX_JS: Final = """
(function () {
  var table = document.getElementById("catalog");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("search");
  var tag = document.getElementById("tag");
  var framework = document.getElementById("framework");
  var count = document.getElementById("count");
  function filter() {
    var words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var tags = " " + row.getAttribute("data-tags") + " ";
      var ok = words.every(function (w) { return text.indexOf(w) >= 0; })
        && (!tag.value || tags.indexOf(" " + tag.value + " ") >= 0)
        && (!framework.value || tags.indexOf(" " + framework.value + " ") >= 0);
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " activations";
  }
  [search, tag, framework].forEach(function (el) {
    el.addEventListener("input", filter);
    el.addEventListener("change", filter);
  });
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, column) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (other) { other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort") || "";
        var y = b.cells[column].getAttribute("data-sort") || "";
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return up ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  filter();
})();
"""

ENTRY_JS: Final = """
(function () {
  var button = document.getElementById("copy-latex");
  var source = document.getElementById("latex-source");
  var status = document.getElementById("copy-status");
  button.hidden = false;
  function selectIt() {
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    status.textContent = "Selected: press Ctrl+C (\\u2318C) to copy.";
  }
  button.addEventListener("click", function () {
    var text = source.textContent;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = "Copied.";
      }, selectIt);
    } else {
      selectIt();
    }
  });
})();
"""
