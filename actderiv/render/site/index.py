"""The website's index: every entry in one table (name, f, f′, the form in y, range, smoothness,
tags), with a search box over names and aliases, filters by tag and framework, and sortable
columns. Pure: no I/O, no printing (docs/ARCHITECTURE.md, "The website")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actderiv.render.site.assets import INDEX_JS
from actderiv.render.site.html import (
    esc,
    math,
    output_only_label,
    page,
    range_latex,
    smoothness_latex,
    smoothness_rank,
    tags_html,
)

#: (header, sort key of the cell, CSS class): the class "wide" hides a column on a phone.
_COLUMNS = (
    ("Name", "name", ""),
    ("f(x)", "", ""),
    ("f′(x)", "", "wide"),
    ("f′ in terms of y = f(x)", "output", ""),
    ("Range", "", "wide"),
    ("Smoothness", "smooth", "wide"),
    ("Tags", "tags", "wide"),
)


def index_page(views: Sequence[Mapping[str, Any]]) -> str:
    """The index page of the entries ``views`` (see :func:`actderiv.site.site_files`)."""
    tags = sorted(
        {t for v in views for t in v["tags"]} - {f for v in views for f in v["frameworks"]}
    )
    frameworks = sorted({f for v in views for f in v["frameworks"]})
    heads = []
    for header, key, cls in _COLUMNS:
        klass = f' class="{cls}"' if cls else ""
        label = f'<button type="button">{esc(header)}</button>' if key else esc(header)
        heads.append(f'<th scope="col"{klass}>{label}</th>')
    rows = "\n".join(_row(v) for v in views)
    body = f"""<header>
<h1>Activation functions and their derivatives</h1>
<p>{len(views)} activations from actderiv's catalog: each derivative derived with SymPy, written in
the form backprop code uses, and proved or checked against an independent numerical derivative.
Select a name for its page: all derivatives, plots, kinks, properties, how each result was
verified, references and PyTorch code.</p>
</header>
<main>
<form class="controls" role="search" aria-controls="catalog">
<label for="search">Search names and aliases
<input type="search" id="search" placeholder="e.g. gelu, swish, logistic"
 autocomplete="off"></label>
<label for="tag">Tag
<select id="tag"><option value="">any tag</option>{_options(tags)}</select></label>
<label for="framework">Framework
<select id="framework"><option value="">any framework</option>
{_options(frameworks)}</select></label>
<p id="count" role="status" aria-live="polite">{len(views)} activations</p>
</form>
<div class="scroll">
<table id="catalog" class="catalog">
<caption class="visually-hidden">The catalog: select a column's header to sort by it</caption>
<thead><tr>{"".join(heads)}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
</main>"""
    return page(
        "Activation functions and their derivatives — actderiv",
        body,
        script=INDEX_JS,
        description="Every activation function in actderiv's catalog, with derivatives.",
    )


def _options(values: Sequence[str]) -> str:
    return "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)


def _formula(html: str) -> str:
    """A formula in a block of bounded width that scrolls sideways when the formula is wider:
    one long definition (a piecewise function of many branches) must not widen its column,
    and push the other columns off the screen, for every row."""
    return f'<div class="formula">{html}</div>' if html else ""


def _row(view: Mapping[str, Any]) -> str:
    record, tex = view["record"], view["latex"]
    name = view["name"]
    searched = " ".join([name, *view["aliases"], view["title"]]).lower()
    props = record.get("properties")
    output = "2" if record.get("output_only") else "1" if record.get("self_referential") else "0"
    form = math(tex["self_referential"]) if tex["self_referential"] else ""
    cells = [
        f'<th scope="row" class="name" data-sort="{esc(name)}"><a href="{esc(name)}.html">'
        f'{esc(name)}</a><br><span class="muted">{esc(view["title"])}</span></th>',
        f"<td>{_formula(math(tex['expr']))}</td>",
        f'<td class="wide">{_formula(math(tex["derivative"]))}</td>',
        f'<td data-sort="{output}">{_formula(form)}{output_only_label(record)}</td>',
        f'<td class="wide">{math(range_latex(props, view))}</td>',
        f'<td class="wide" data-sort="{smoothness_rank(props)}">'
        f"{math(smoothness_latex(view))}</td>",
        f'<td class="wide" data-sort="{esc(" ".join(view["tags"]))}">'
        f"{tags_html(view['tags'])}</td>",
    ]
    return (
        f'<tr data-search="{esc(searched)}" data-tags="{esc(" ".join(view["tags"]))}">'
        + "".join(cells)
        + "</tr>"
    )
