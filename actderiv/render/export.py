"""What the LaTeX, Markdown and JSON exports share: the columns, the printed formulas of one
derivation, and the cells of one entry.

An export entry is plain JSON data: the activation's record (all that ``show --json`` gives)
plus LaTeX and Markdown strings printed from the SymPy objects of a derivation (record strings
are never parsed back: untrusted text must not reach ``sympify``). Gathering entries, from the
store or derived, is :mod:`actderiv.exports`' work; this module only prints (docs/ARCHITECTURE.md).
Pure: no I/O, no printing; never imports click or rich."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from actderiv.engine.derivation import Derivation
    from actderiv.render.tex import Dialect
    from actderiv.schema import Printed

#: Version of the ``export --format json`` document; bump it when a key changes meaning.
EXPORT_SCHEMA_VERSION: Final = 1
DEFAULT_PRECISION: Final = 6


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One column of an exported table."""

    key: str
    latex_header: str
    markdown_header: str
    math: bool  # the cell is a formula (LaTeX math), not text
    weight: float  # share of the line width in LaTeX


COLUMNS: Final = {
    c.key: c
    for c in (
        Column(key="name", latex_header="Name", markdown_header="name", math=False, weight=1.1),
        Column(key="title", latex_header="Title", markdown_header="title", math=False, weight=1.6),
        Column(key="expr", latex_header="$f(x)$", markdown_header="$f(x)$", math=True, weight=2.4),
        Column(
            key="derivative",
            latex_header="$f'(x)$",
            markdown_header="$f'(x)$",
            math=True,
            weight=2.4,
        ),
        Column(
            key="self_referential",
            latex_header="$f'(x)$ in terms of $f(x)$",
            markdown_header="$f'(x)$ in terms of $f(x)$",
            math=True,
            weight=2.4,
        ),
        Column(
            key="output_only",
            latex_header="Output only",
            markdown_header="output only",
            math=False,
            weight=0.75,
        ),
        Column(
            key="params",
            latex_header="Parameters",
            markdown_header="parameters",
            math=True,
            weight=1.4,
        ),
        Column(key="range", latex_header="Range", markdown_header="range", math=True, weight=1.2),
        Column(
            key="continuity",
            latex_header="Smoothness",
            markdown_header="smoothness",
            math=True,
            weight=0.9,
        ),
        Column(
            key="monotonic",
            latex_header="Monotonic",
            markdown_header="monotonic",
            math=False,
            weight=0.8,
        ),
        Column(
            key="verified",
            latex_header="Verified",
            markdown_header="verified",
            math=False,
            weight=0.7,
        ),
        Column(key="tags", latex_header="Tags", markdown_header="tags", math=False, weight=1.6),
        Column(key="gain", latex_header="Gain", markdown_header="gain", math=False, weight=0.7),
        Column(
            key="edge_of_chaos",
            latex_header=r"Edge of chaos $\sigma_w$",
            markdown_header="edge of chaos σ_w",
            math=False,
            weight=0.8,
        ),
    )
}
#: The columns of signal propagation (``actderiv signal`` at W = 1, B = 0), each with the key of
#: ``schema.SignalColumns`` it shows; an export that shows one computes them (or reads the store).
SIGNAL_COLUMNS: Final = {"gain": "gain", "edge_of_chaos": "critical_sigma_w"}
#: The default table fits a landscape A4 page (LaTeX) or a GitHub page (Markdown).
DEFAULT_COLUMNS: Final = ("name", "expr", "derivative", "self_referential", "output_only")


def parse_columns(text: str) -> tuple[str, ...]:
    """``"name,expr"`` → ``("name", "expr")``.

    Raises:
        ValueError: an unknown column, or none.
    """
    chosen = tuple(c.strip() for c in text.split(",") if c.strip())
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise ValueError(f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})")
    if not chosen:
        raise ValueError("no columns given")
    return chosen


def fragments(
    d: Derivation, dialect: Dialect, precision: int, symbols: Mapping[str, str] | None = None
) -> Printed:
    """The formulas of one derivation printed in ``dialect``: plain strings, JSON-ready.

    ``symbols`` are the catalog's LaTeX symbols of parameters (``negative_slope`` → ``\\alpha``);
    other parameters print as :func:`actderiv.render.tex.name_tex` writes them."""
    import sympy as sp

    from actderiv.lang.spelling import spelled
    from actderiv.render.tex import LatexOptions, function_tex, markdown_safe, param_tex
    from actderiv.render.texprint import to_latex

    options = LatexOptions(dialect=dialect, precision=precision)
    name = d.name or "f"

    def tex(expr: sp.Basic | None) -> str | None:
        # constants as the source wrote them (docs/ARCHITECTURE.md, "Constants as written")
        if expr is None:
            return None
        return to_latex(spelled(expr, d.spellings), options, function=name, symbols=symbols)

    from actderiv.lang.named import legend

    named = d.named
    selfref = d.self_referential
    shown = (
        (d.expr, d.derivative, selfref.expr if selfref else None)
        if named is None
        else (
            d.expr if named.expr is None else named.expr,
            named.derivative,
            named.self_referential if selfref else None,
        )
    )
    printed: Printed = {
        "function": function_tex(name, dialect),
        "expr": tex(shown[0]),
        "derivative": tex(shown[1]),
        "self_referential": tex(shown[2]),
        "params": [[param_tex(k, dialect, symbols), tex(sp.Float(v))] for k, v in d.params],
        "breakpoints": [
            {"x": tex(b.x), "left": tex(b.left), "right": tex(b.right), "torch": tex(b.torch)}
            for b in d.breakpoints
        ],
        "legend": [
            e.latex if dialect == "latex" else markdown_safe(e.latex) for e in legend(*shown)
        ],
    }
    return printed


# ---------------------------------------------------------------------------------------------
# Cells


def cell_text(item: Mapping[str, Any], column: str, dialect: Dialect) -> str | None:
    """The text of one cell: math without delimiters for formula columns, else plain text.

    None means "nothing to show" (no self-referential form, property not established).
    """
    record = item["record"]
    text = item[dialect]
    if column in ("expr", "derivative", "self_referential"):
        value: str | None = text[column]
        return value
    if column == "params":
        return ", ".join(f"{k} = {v}" for k, v in text["params"]) or None
    if column == "name":
        if dialect == "markdown":
            return str(item["name"])
        # break long names after their underscores rather than overflow the column
        return r"\texttt{" + _escape(item["name"]).replace(r"\_", r"\_\allowbreak{}") + "}"
    if column == "title":
        title = str(record.get("title") or "")
        return _escape(title) if dialect == "latex" else title
    if column == "tags":
        tags = ", ".join(record.get("tags") or ())
        return _escape(tags) if dialect == "latex" else tags
    if column == "output_only":
        return None if record.get("self_referential") is None else _yes(record["output_only"])
    if column == "verified":
        return _yes(record.get("verified"))
    if column in SIGNAL_COLUMNS:
        value = item["signal"][SIGNAL_COLUMNS[column]]
        return None if value is None else f"{value:.6g}"
    return _property(record.get("properties") or {}, column)


def _escape(text: str) -> str:
    from actderiv.render.tex import escape_text

    return escape_text(text)


def _yes(value: object) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _property(props: Mapping[str, Any], column: str) -> str | None:
    value = props.get(column)
    if value is None:
        return None
    if column == "monotonic":
        return _yes(value)
    if column == "continuity":
        if value == "inf":
            return r"C^{\infty}"
        return "C^{" + str(int(value)) + "}" if int(value) >= 0 else r"\text{jump}"
    if column == "range" and isinstance(value, Mapping):
        low, high = _number(value.get("low")), _number(value.get("high"))
        if low is None or high is None:
            return None
        left = "[" if value.get("low_closed") else "("
        right = "]" if value.get("high_closed") else ")"
        return rf"\left{left}{low}, {high}\right{right}"
    return None


_NUMBER: Final = re.compile(r"-?\d+(\.\d+)?(e[+-]?\d+)?")


def _number(text: object) -> str | None:
    """A number from a property record as math; never parses anything but plain numbers."""
    if text == "oo":
        return r"\infty"
    if text == "-oo":
        return r"-\infty"
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.{DEFAULT_PRECISION}g}"


def export_document(items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``export --format json`` document: every record plus its LaTeX and Markdown strings."""
    activations = []
    for item in items:
        record = dict(item["record"])
        record["export"] = {"latex": item["latex"], "markdown": item["markdown"]}
        activations.append(record)
    return {
        "schema_version": EXPORT_SCHEMA_VERSION,
        "kind": "actderiv-export",
        "activations": activations,
    }
