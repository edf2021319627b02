"""One entry's page: f, f′, f″ and the form in y as MathML, plots of f and f′ with the kinks
marked, the breakpoints with one-sided values and PyTorch's value, the properties, how every
result was verified, notes, references, the LaTeX to copy and the PyTorch code.

Everything comes from the entry's record, its export fragments and its page data (see
:func:`actderiv.site.site_files`); every catalog string is escaped. Pure: no I/O, no printing
(docs/ARCHITECTURE.md, "The website")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from actderiv.render.site.assets import ENTRY_JS
from actderiv.render.site.html import (
    esc,
    link,
    math,
    output_only_label,
    page,
    range_latex,
    smoothness_latex,
    tags_html,
    yes_no,
)
from actderiv.render.site.svg import plot_svg


def entry_page(view: Mapping[str, Any]) -> str:
    """The page of one entry (``view``: see :func:`actderiv.site.site_files`)."""
    name, title = view["name"], view["title"]
    record = view["record"]
    sections = [
        _header(view),
        _forms(view),
        _plots(view),
        _breakpoints(view),
        _properties(view),
        _signal(view),
        _verification(record),
        _notes(view),
        _references(view["references"]),
        _latex(view),
        _torch(view),
    ]
    body = "\n".join(s for s in sections if s)
    return page(
        f"{name} — {title} — actderiv",
        f'<nav class="crumbs"><a href="index.html">← All activations</a></nav>\n<main>\n{body}\n'
        "</main>",
        script=ENTRY_JS,
        description=f"{name} ({title}): its derivatives, kinks, properties and verification.",
    )


def _header(view: Mapping[str, Any]) -> str:
    record = view["record"]
    lines = [f"<h1><code>{esc(view['name'])}</code> — {esc(view['title'])}</h1>"]
    if view["aliases"]:
        lines.append(f"<p>Also called {esc(', '.join(view['aliases']))}.</p>")
    if view["tags"]:
        lines.append(f'<p aria-label="tags">{tags_html(view["tags"])}</p>')
    torch = record.get("torch_function")
    if torch:
        lines.append(f"<p>In PyTorch: <code>torch.nn.functional.{esc(torch)}</code>.</p>")
    verified = "verified" if record.get("verified") else "not verified"
    counts = (record.get("verification") or {}).get("summary") or {}
    shown = ", ".join(f"{counts[k]} {k}" for k in ("proved", "confirmed", "failed", "undecided"))
    lines.append(f'<p>Checks: <a href="#verification">{verified}</a> ({esc(shown)}).</p>')
    return "<header>" + "\n".join(lines) + "</header>"


def _forms(view: Mapping[str, Any]) -> str:
    record, tex, data = view["record"], view["latex"], view["page"]
    kinks = " (away from the breakpoints)" if record.get("breakpoints") else ""
    rows = [
        ("f(x)", math(tex["expr"], block=False)),
        ("f′(x)", math(tex["derivative"], block=False)),
    ]
    if tex["self_referential"] is not None:
        rows.append(
            (
                "f′ in terms of y = f(x)",
                math(tex["self_referential"], block=False) + "<br>" + output_only_label(record),
            )
        )
    else:
        rows.append(("f′ in terms of y = f(x)", output_only_label(record)))
    rows.append((f"f″(x){kinks}", math(data.get("second"), block=False)))
    if tex["params"]:
        shown = ", ".join(f"{k} = {v}" for k, v in tex["params"])
        rows.append(("Default parameters", math(shown)))
    rows.append(("As the catalog writes it", f"<code>{esc(view['catalog_expr'])}</code>"))
    cells = "\n".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    return (
        f'<section aria-labelledby="forms"><h2 id="forms">Definition and derivatives</h2>\n'
        f'<dl class="forms">\n{cells}\n</dl></section>'
    )


def _plots(view: Mapping[str, Any]) -> str:
    data, name = view["page"], view["name"]
    kinks = [k["x"] for k in data["kinks"]]
    where = (
        "; dashed lines mark the kinks at x = " + ", ".join(f"{k:g}" for k in kinks)
        if kinks
        else ""
    )
    lo, hi = data["xs"][0], data["xs"][-1]
    figures = []
    for kind, label, values in (("f", f"{name}(x)", data["f"]), ("df", f"{name}′(x)", data["df"])):
        svg = plot_svg(
            data["xs"],
            values,
            title=f"Plot of {label} for x from {lo:g} to {hi:g}",
            description=f"{label} sampled at {len(values)} points{where}.",
            kinks=kinks,
            kind=kind,
            ident=f"plot-{kind}",
        )
        figures.append(f"<figure>{svg}<figcaption>{esc(label)}{esc(where)}</figcaption></figure>")
    return (
        '<section aria-labelledby="plots"><h2 id="plots">Plots</h2>\n<div class="plots">'
        + "".join(figures)
        + "</div></section>"
    )


def _breakpoints(view: Mapping[str, Any]) -> str:
    record, tex = view["record"], view["latex"]
    points = record.get("breakpoints") or []
    if not points:
        return (
            '<section aria-labelledby="kinks"><h2 id="kinks">Breakpoints</h2>'
            "<p>None: f′ has one formula everywhere.</p></section>"
        )
    printed = tex["breakpoints"]
    rows = []
    for i, b in enumerate(points):
        p = printed[i] if i < len(printed) else {}
        rows.append(
            "<tr>"
            f'<th scope="row">{math(p.get("x"))}</th>'
            f"<td>{math(p.get('left'))}</td><td>{math(p.get('right'))}</td>"
            f"<td>{_text(b.get('value'))}</td><td>{math(p.get('torch'))}</td>"
            f"<td>{yes_no(b.get('continuous'))}</td><td>{yes_no(b.get('differentiable'))}</td>"
            "</tr>"
        )
    heads = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "x",
            "f′ from the left",
            "f′ from the right",
            "f′ as written",
            "PyTorch's f′",
            "continuous",
            "differentiable",
        )
    )
    return (
        '<section aria-labelledby="kinks"><h2 id="kinks">Breakpoints</h2>\n'
        "<p>Where the formula switches branch: the one-sided derivatives, the value the formula "
        "gives as written, and the value PyTorch's autograd returns.</p>\n"
        f'<div class="scroll"><table><thead><tr>{heads}</tr></thead><tbody>{"".join(rows)}'
        "</tbody></table></div></section>"
    )


def _text(value: object) -> str:
    """A value of a record (a SymPy string) shown as text, ∞ for oo."""
    if value is None:
        return '<span class="muted">—</span>'
    shown = str(value).replace("-oo", "−∞").replace("oo", "∞").replace("**", "^")
    return f"<code>{esc(shown)}</code>"


_PROPERTY_NAMES = (
    ("range", "Range"),
    ("bounded_below", "Bounded below"),
    ("bounded_above", "Bounded above"),
    ("monotonic", "Monotonic"),
    ("monotonic_derivative", "f′ monotonic"),
    ("continuity", "Smoothness"),
    ("f0", "f(0)"),
    ("df0", "f′(0)"),
    ("identity_near_origin", "Identity near 0"),
    ("zero_centered", "Zero-centred"),
    ("max_abs_derivative", "max |f′|"),
    ("derivative_limits", "f′ at ±∞"),
    ("dead_zones", "Dead zones"),
)


def _properties(view: Mapping[str, Any]) -> str:
    props = view["record"].get("properties")
    if not props:
        return (
            '<section aria-labelledby="properties"><h2 id="properties">Properties</h2>'
            "<p>Not established.</p></section>"
        )
    method = props.get("method") or {}
    rows = []
    for key, label in _PROPERTY_NAMES:
        rows.append(
            f'<tr><th scope="row">{esc(label)}</th><td>{_property(key, props, view)}</td>'
            f"<td>{esc(str(method.get(key, '—')))}</td></tr>"
        )
    notes = "".join(f"<li>{esc(str(n))}</li>" for n in props.get("notes") or [])
    sampled = props.get("sampled_on")
    extra = f"<p>Sampled properties were sampled on {esc(str(sampled))}.</p>" if sampled else ""
    return (
        '<section aria-labelledby="properties"><h2 id="properties">Properties</h2>\n'
        "<p>At the default parameters; “proved” means proved symbolically, “sampled” means "
        "observed at sample points.</p>\n"
        '<div class="scroll"><table><thead><tr><th scope="col">property</th>'
        '<th scope="col">value</th><th scope="col">decided</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + extra
        + "</section>"
    )


def _property(key: str, props: Mapping[str, Any], view: Mapping[str, Any]) -> str:
    value = props.get(key)
    if key == "range":
        return math(range_latex(props, view))
    if key == "continuity":
        where = props.get("continuity_limited_at")
        limited = f" (limited at x = {_text(where)})" if where else ""
        return math(smoothness_latex(view)) + limited
    if value is None:
        return '<span class="muted">not established</span>'
    if isinstance(value, bool):
        return yes_no(value)
    if key == "max_abs_derivative":
        at = value.get("at")
        return _text(value.get("value")) + (f" at x = {_text(at)}" if at else "")
    if key == "derivative_limits":
        parts = []
        for side, label in (("minus_inf", "−∞"), ("plus_inf", "+∞")):
            limit = value.get(side) or {}
            kind = f" ({esc(str(limit['kind']))})" if limit.get("kind") else ""
            parts.append(f"at {label}: {_text(limit.get('value'))}{kind}")
        return "; ".join(parts)
    if key == "dead_zones":
        if not value:
            return "none"
        return "; ".join(
            ", ".join(f"{esc(str(k))} {_text(v)}" for k, v in zone.items()) for zone in value
        )
    return _text(value)


_SIGNAL_ROWS = (
    ("gain", "Variance-preserving gain 1/√E[f(z)²]"),
    ("torch_gain", "PyTorch's calculate_gain"),
    ("q_star", "Fixed point q* of the variance map"),
    ("chi1", "χ₁ (growth of a gradient's squared norm per layer)"),
    ("depth_scale", "Depth scale −1/ln χ₁"),
    ("critical_sigma_w", "Edge of chaos: σ_w where χ₁ = 1"),
)


def _signal(view: Mapping[str, Any]) -> str:
    signal = view["page"].get("signal")
    head = (
        '<section aria-labelledby="signal"><h2 id="signal">Signal propagation</h2>\n'
        "<p>Through deep random networks with weight variance σ_w²/fan_in = 1/fan_in and no "
        "bias (σ_w = 1, σ_b = 0), z ~ N(0, 1); as <code>actderiv signal "
        + esc(view["name"])
        + "</code> gives it.</p>\n"
    )
    if not signal:
        return head + "<p>Not available for this function.</p></section>"
    reasons = signal.get("reasons") or {}
    rows = []
    for key, label in _SIGNAL_ROWS:
        value = signal.get(key)
        shown = (
            f"<code>{value:.6g}</code>"
            if isinstance(value, int | float)
            else f'<span class="muted">{esc(reasons.get(key, "none"))}</span>'
        )
        rows.append(f'<tr><th scope="row">{esc(label)}</th><td>{shown}</td></tr>')
    regime = signal.get("regime")
    return (
        head
        + '<div class="scroll"><table><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
        + (f"<p>Regime at σ_w = 1: {esc(str(regime))}.</p>" if regime else "")
        + "</section>"
    )


def _verification(record: Mapping[str, Any]) -> str:
    verification = record.get("verification")
    head = '<section aria-labelledby="verification"><h2 id="verification">Verification</h2>\n'
    if not verification:
        return head + "<p>Not verified.</p></section>"
    rows = []
    for check in verification["checks"]:
        example = check.get("counterexample")
        shown = (
            f"<br>counterexample at x = {_text(example['x'])}: expected "
            f"{_text(example['expected'])}, got {_text(example['got'])}"
            if example
            else ""
        )
        status = esc(check["status"])
        rows.append(
            f'<tr><th scope="row">{esc(check["name"])}</th>'
            f'<td class="{status}">{status}</td><td>{esc(check["detail"])}{shown}</td></tr>'
        )
    exhausted = record.get("exhausted") or []
    spent = "".join(f"<li>{esc(str(e))}</li>" for e in exhausted)
    return (
        head + "<p>“Proved”: shown symbolically. “Confirmed”: agrees with an independent 50-digit "
        "numerical derivative at every sample point (not a proof).</p>\n"
        '<div class="scroll"><table><thead><tr><th scope="col">check</th>'
        '<th scope="col">result</th><th scope="col">how</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
        + (f"<p>Work budgets that ran out:</p><ul>{spent}</ul>" if spent else "")
        + "</section>"
    )


def _notes(view: Mapping[str, Any]) -> str:
    notes = [view["notes"], *(view["record"].get("notes") or [])]
    shown = [f"<p>{esc(str(n))}</p>" for n in notes if n]
    if not shown:
        return ""
    return (
        '<section aria-labelledby="notes"><h2 id="notes">Notes</h2>' + "".join(shown) + "</section>"
    )


def _references(references: Sequence[Mapping[str, Any]]) -> str:
    if not references:
        return ""
    items = []
    for ref in references:
        who = f"{esc(ref['authors'])} " if ref.get("authors") else ""
        year = f"({esc(str(ref['year']))}) " if ref.get("year") else ""
        items.append(f"<li>{who}{year}{link(ref['title'], ref.get('link') or '')}</li>")
    return (
        '<section aria-labelledby="references"><h2 id="references">References</h2><ul>'
        + "".join(items)
        + "</ul></section>"
    )


def latex_block(view: Mapping[str, Any]) -> str:
    """The formulas as an amsmath ``align`` block (the export's fragments, assembled)."""
    tex, record, data = view["latex"], view["record"], view["page"]
    lines = [rf"f(x) &= {tex['expr']}", rf"f'(x) &= {tex['derivative']}"]
    if tex["self_referential"] is not None:
        needs = "output only" if record.get("output_only") else "needs $x$ too"
        lines.append(rf"&= {tex['self_referential']} && \text{{({needs})}}")
    if data.get("second"):
        lines.append(rf"f''(x) &= {data['second']}")
    return str(
        "% "
        + view["name"]
        + ", f = "
        + tex["function"]
        + "\n\\begin{align}\n"
        + " \\\\\n".join(lines)
        + "\n\\end{align}\n"
    )


def _latex(view: Mapping[str, Any]) -> str:
    return (
        '<section aria-labelledby="latex"><h2 id="latex">LaTeX</h2>\n'
        "<p>For a paper (needs <code>\\usepackage{amsmath}</code>).</p>\n"
        '<p><button type="button" class="copy" id="copy-latex" hidden>Copy LaTeX</button> '
        '<span id="copy-status" role="status" aria-live="polite"></span></p>\n'
        f'<pre><code id="latex-source">{esc(latex_block(view))}</code></pre></section>'
    )


def _torch(view: Mapping[str, Any]) -> str:
    data = view["page"]
    head = '<section aria-labelledby="torch"><h2 id="torch">PyTorch code</h2>\n'
    if data.get("torch_code") is None:
        return (
            head
            + f"<p>None: {esc(str(data.get('torch_problem') or 'not available'))}</p></section>"
        )
    return (
        head
        + "<p>Forward and backward as <code>actderiv codegen "
        + esc(view["name"])
        + " --target torch</code> writes them.</p>\n"
        f'<pre><code class="language-python">{esc(data["torch_code"])}</code></pre></section>'
    )
