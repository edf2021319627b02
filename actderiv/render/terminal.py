"""Rich renderables for the terminal. The only module that imports Rich; it never prints.

The views that draw panels import :mod:`rich.panel` when called, so ``list`` never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from actderiv.catalog.names import qualified_names
from actderiv.render.grid import Cell, Column, Grid
from actderiv.render.safe import printable
from actderiv.rows import Row, shown

if TYPE_CHECKING:
    from rich.panel import Panel

    from actderiv.catalog.model import ActivationSpec


def _safe(cell: RenderableType) -> RenderableType:
    """A cell for a Rich table: text as plain Text (never read as markup), controls escaped."""
    return Text(printable(cell)) if isinstance(cell, str) else cell


def _add_row(table: Table, *cells: RenderableType) -> None:
    table.add_row(*(_safe(cell) for cell in cells))


def _title(name: object, rest: str) -> Text:
    """A panel title: the name in bold, then plain text."""
    return Text.assemble((printable(str(name)), "bold"), printable(rest))


def _yes_no(value: bool | None) -> Text:
    if value is None:
        return Text("?", style="yellow")
    return Text("yes", style="green") if value else Text("no", style="red")


#: The narrowest terminal on which ``list`` shows its tags column.
LIST_TAGS_WIDTH: Final = 120


def list_table(rows: Sequence[Row], frameworks: Sequence[str] = ()) -> Grid:
    """The ``actderiv list`` table: name, f(x), f'(x), output-only backward, tags; with
    ``frameworks`` (``list --framework``), the entries' qualified names in those frameworks.
    The tags column shows only on a terminal at least :data:`LIST_TAGS_WIDTH` cells wide, so
    that on a narrow one the formulas keep room to be read (``list --columns name,tags``
    shows them anywhere)."""
    columns = [Column("name", style="bold cyan", no_wrap=True)]
    if frameworks:
        columns.append(Column("framework names", style="cyan"))
    table = Grid(
        [
            *columns,
            Column("f(x)"),
            Column("f'(x)"),
            Column("backward from\noutput only", justify="center"),
            Column("tags", style="dim", hide_below=LIST_TAGS_WIDTH),
        ],
        title=f"{len(rows)} activations",
    )
    for row in rows:
        named = (
            [", ".join(n for f in frameworks for n in qualified_names(row["frameworks"], f))]
            if frameworks
            else []
        )
        table.add_row(
            row["name"],
            *named,
            row["expr"],
            row["derivative"],
            _yes_no(row["output_only"]),
            ", ".join(row["tags"]),
        )
    return table


def record_view(record: Mapping[str, Any], spec: ActivationSpec | None = None) -> RenderableType:
    """Everything about one activation (``show``) or one typed formula (``derive``)."""
    parts: list[RenderableType] = [_summary(record, spec)]
    if record.get("breakpoints"):
        parts.append(_breakpoints(record))
    if record.get("param_derivatives") and record.get("wrt", "x") == "x":
        parts.append(_param_derivatives(record))
    if record.get("properties"):
        parts.append(properties_table(record["properties"]))
    if spec is not None and spec.references:
        parts.append(_references(spec))
    for note in record.get("notes") or ():
        parts.append(Text(printable(f"note: {note}"), style="dim"))
    return Group(*parts)


def _summary(record: Mapping[str, Any], spec: ActivationSpec | None) -> Panel:
    from rich.panel import Panel

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    name = record.get("name")
    if record.get("aliases"):
        _add_row(grid, "aliases", ", ".join(record["aliases"]))
    if spec is not None:
        _add_row(grid, "formula", spec.expr)
    _add_row(grid, "f(x)", shown(record, "expr"))
    params = record.get("params") or {}
    if params:
        _add_row(grid, "parameters", ", ".join(f"{k} = {v:g}" for k, v in params.items()))
    order, wrt = record.get("order", 1), record.get("wrt", "x")
    label = _derivative_label(order, wrt)
    _add_row(grid, label, shown(record, "derivative"))
    selfref = shown(record, "self_referential") if record.get("self_referential") else None
    if selfref is not None:
        where = "needs only the output y" if record.get("output_only") else "needs the input x too"
        _add_row(
            grid,
            f"{label} in y = f(x)",
            Text.assemble(printable(selfref), (f"   ({where})", "dim")),
        )
    else:
        _add_row(grid, f"{label} in y = f(x)", Text("none found", style="dim"))
    for item in record.get("legend") or ():
        _add_row(grid, "where", item["display"])
    if spec is not None and spec.tags:
        _add_row(grid, "tags", ", ".join(spec.tags))
    if spec is not None and spec.torch:
        _add_row(grid, "PyTorch", f"torch.nn.functional.{spec.torch}")
    verified = record.get("verified")
    if record.get("verification") is not None:
        _add_row(grid, "verified", _yes_no(bool(verified)))
    title = _title(name, f" — {record.get('title')}") if name else Text("formula")
    return Panel(grid, title=title, title_align="left")


def _derivative_label(order: int, wrt: str) -> str:
    if wrt != "x":
        return f"∂f/∂{wrt}" if order == 1 else f"∂^{order}f/∂{wrt}^{order}"
    return {1: "f'(x)", 2: "f''(x)", 3: "f'''(x)"}.get(order, f"f^({order})(x)")


def _breakpoints(record: Mapping[str, Any]) -> Table:
    table = Table(title="breakpoints", title_justify="left")
    for column in ("x", "left", "right", "as written", "PyTorch", "continuous", "differentiable"):
        table.add_column(column, justify="right" if column != "x" else "left")
    for bp in record["breakpoints"]:
        _add_row(
            table,
            bp["x"],
            bp["left"] or "?",
            bp["right"] or "?",
            bp["value"] or "undefined",
            bp["torch"] if bp["torch"] is not None else "—",
            _yes_no(bp["continuous"]),
            _yes_no(bp["differentiable"]),
        )
    return table


def _param_derivatives(record: Mapping[str, Any]) -> Table:
    table = Table(title="derivatives with respect to the parameters", title_justify="left")
    table.add_column("parameter", style="bold")
    table.add_column("∂f/∂parameter", overflow="fold")
    shown = (record.get("display") or {}).get("param_derivatives") or {}
    for name, expr in record["param_derivatives"].items():
        _add_row(table, name, shown.get(name) or expr.replace("**", "^"))
    return table


def _references(spec: ActivationSpec) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim")
    table.add_column()
    for ref in spec.references:
        who = f"{ref.authors} " if ref.authors else ""
        year = f"({ref.year}) " if ref.year else ""
        link = f" {ref.link}" if ref.link else ""
        _add_row(table, "reference", f"{who}{year}{ref.title}{link}")
    return table


_STATUS_STYLE = {
    "proved": "green",
    "confirmed": "green",
    "failed": "bold red",
    "undecided": "yellow",
}


def verify_table(summary: Mapping[str, Any]) -> Group:
    """The ``actderiv verify`` summary: one row per activation, then the totals."""
    table = Table(title="verification", title_justify="left")
    table.add_column("name", style="bold cyan", no_wrap=True)
    for status in ("proved", "confirmed", "failed", "undecided"):
        table.add_column(status, justify="right", style=_STATUS_STYLE[status])
    table.add_column("result", no_wrap=True)
    table.add_column("first problem", overflow="fold")
    for result in summary["results"]:
        counts = result["summary"]
        problems = [c for c in result["checks"] if c["status"] in ("failed", "undecided")]
        first = ""
        if problems:
            c = problems[0]
            first = f"{c['name']}: {c['detail']}"
            if c.get("counterexample"):
                ex = c["counterexample"]
                first += f" (x = {ex['x']}: expected {ex['expected']}, got {ex['got']})"
        outcome = (
            Text("verified", style="green")
            if result["verified"]
            else Text("FAILED", style="bold red")
            if counts.get("failed")
            else Text("undecided", style="yellow")
        )
        _add_row(
            table, result["name"], *(str(counts.get(s, 0)) for s in _STATUS_STYLE), outcome, first
        )
    totals = summary["summary"]
    line = Text.assemble(
        f"{len(summary['results'])} activations, {sum(totals.values())} checks: ",
        *(
            (f"{totals[s]} {s}" + (", " if s != "undecided" else ""), _STATUS_STYLE[s])
            for s in ("proved", "confirmed", "failed", "undecided")
        ),
    )
    return Group(table, line)


#: How ``check`` words each verdict, and its style.
CHECK_VERDICTS: dict[str, tuple[str, str]] = {
    "identical": ("identical: the same function (proved)", "green"),
    "same": ("the same function (confirmed numerically, not proved)", "green"),
    "rounding": ("equal within the precision of the claim's constants", "green"),
    "kink": ("differs only at a kink, where frameworks choose", "yellow"),
    "wrong": ("wrong", "bold red"),
    "undecided": ("undecided", "yellow"),
}


def check_view(result: Mapping[str, Any]) -> Panel:
    """The ``actderiv check`` answer: the claim, the truth in its display form, the verdict,
    why, and for a wrong claim the counterexample with both values and their difference."""
    from rich.panel import Panel

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    _add_row(grid, "claim", result["claim"])
    display = result.get("display") or {}
    if result.get("kind") == "function":
        _add_row(grid, "f(x)", display.get("expr") or result["expr"].replace("**", "^"))
    else:
        shown = display.get("derivative") or result["derivative"].replace("**", "^")
        _add_row(grid, "f'(x)", shown)
    for item in result.get("legend") or ():
        _add_row(grid, "where", item["display"])
    words, style = CHECK_VERDICTS.get(result["verdict"], (result["verdict"], "yellow"))
    _add_row(grid, "verdict", Text(words, style=style))
    _add_row(grid, "why", result["detail"])
    example = result.get("counterexample")
    if example:
        _add_row(grid, "at x", example["x"])
        _add_row(grid, "true value", str(example["expected"]))
        _add_row(grid, "claimed", "undefined" if example["got"] is None else example["got"])
        if example.get("difference") is not None:
            _add_row(
                grid,
                "difference",
                f"{example['difference']} (relative {example['relative']})",
            )
    if result.get("verdict") == "wrong" and len(result.get("regions") or ()) > 0:
        regions = result["regions"]
        shown_regions = ", ".join(
            f"[{a:.6g}, {b:.6g}]" if a != b else f"{a:.6g}" for a, b in regions[:8]
        )
        more = f" and {len(regions) - 8} more" if len(regions) > 8 else ""
        _add_row(grid, "differs on", shown_regions + more)
    return Panel(grid, title=_title(result["name"], ": check"), title_align="left")


def added_view(
    toml: str,
    record: Mapping[str, Any],
    target: str,
    written: bool,
    failed: Sequence[Mapping[str, Any]],
) -> Group:
    """What ``actderiv add`` did: the entry, its derivative, and whether checks passed."""
    from rich.syntax import Syntax

    if written and failed:
        head = Text(
            printable(f"added to {target} with failed checks (--force)"), style="bold yellow"
        )
    elif written:
        head = Text(printable(f"added to {target}"), style="bold green")
    elif failed:
        head = Text("not added: a check failed (use --force to add it anyway)", style="bold red")
    else:
        head = Text(printable(f"dry run: would add to {target}"), style="bold")
    parts: list[RenderableType] = [
        head,
        Syntax(toml, "toml", theme="ansi_dark"),
        record_view(record),
    ]
    for check in failed:
        parts.append(Text(printable(f"failed: {check['name']}: {check['detail']}"), style="red"))
    return Group(*parts)


# --- properties (actderiv show, list --columns, compare, gradient) ---

#: Property keys in display order, with their labels.
PROPERTY_LABELS: dict[str, str] = {
    "range": "range",
    "bounded_below": "bounded below",
    "bounded_above": "bounded above",
    "monotonic": "monotonic",
    "monotonic_derivative": "monotonic f'",
    "continuity": "continuity",
    "f0": "f(0)",
    "df0": "f'(0)",
    "identity_near_origin": "identity near 0",
    "zero_centered": "zero-centred",
    "max_abs_derivative": "max |f'|",
    "derivative_limits": "f' at ±∞",
    "dead_zones": "dead zones (f' = 0)",
}


def _num(text: str | None) -> str:
    """An exact value as people read it: ∞, ^ for powers, long decimals cut to 6 digits."""
    if text is None:
        return "?"
    if len(text) > 10:
        try:
            return f"{float(text):.6g}"
        except ValueError:
            pass
    return {"oo": "∞", "-oo": "-∞"}.get(text, text.replace("**", "^"))


def _interval(low: str | None, high: str | None, lc: bool | None, hc: bool | None) -> str:
    left = "[" if lc else "("
    right = "]" if hc else ")"
    return f"{left}{_num(low)}, {_num(high)}{right}"


def property_cell(props: Mapping[str, Any], key: str) -> Text:
    """One property as a short text; '?' marks what is undecided, '~' what was only sampled."""
    value = props.get(key)
    method = (props.get("method") or {}).get(key)
    if key == "range":
        r = value or {}
        if r.get("values"):
            shown = "{" + ", ".join(_num(v) for v in r["values"]) + "}"
        else:
            shown = _interval(
                r.get("low"), r.get("high"), r.get("low_closed"), r.get("high_closed")
            )
        text = Text(shown)
    elif key == "continuity":
        k = value
        shown = "?" if k is None else "C^∞" if k == "inf" else "jump" if k == -1 else f"C^{k}"
        at = props.get("continuity_limited_at")
        text = Text(shown + (f" (at {_num(at)})" if at is not None and k != "inf" else ""))
    elif key == "max_abs_derivative":
        m = value or {}
        text = Text(f"{_num(m.get('value'))} at {m.get('at') or '?'}")
    elif key == "derivative_limits":
        lim = value or {}
        text = Text(
            " / ".join(
                f"{(lim.get(side) or {}).get('kind') or '?'} "
                f"({_num((lim.get(side) or {}).get('value'))})"
                for side in ("minus_inf", "plus_inf")
            )
        )
    elif key == "dead_zones":
        zones = value or []
        text = Text(
            ", ".join(_interval(z["low"], z["high"], False, False) for z in zones) or "none"
        )
    elif key in ("f0", "df0"):
        text = Text(_num(value) if value is not None else "undefined")
    else:
        text = _yes_no(value)
    if method == "sampled":
        text.append(" ~", style="yellow")
    return text


def properties_table(props: Mapping[str, Any]) -> Group:
    """The properties of one activation, each marked with how it was established."""
    table = Table(title="properties (at the default parameters)", title_justify="left")
    table.add_column("property", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    table.add_column("how", style="dim", no_wrap=True)
    sampled = props.get("sampled_on")
    for key, label in PROPERTY_LABELS.items():
        method = (props.get("method") or {}).get(key) or "?"
        how = f"sampled on {sampled}" if method == "sampled" and sampled else method
        _add_row(table, label, property_cell(props, key), Text(how))
    parts: list[RenderableType] = [table]
    for note in props.get("notes") or ():
        parts.append(Text(printable(f"note: {note}"), style="dim"))
    return Group(*parts)


#: Columns ``actderiv list --columns`` knows besides the property keys.
LIST_COLUMNS: dict[str, str] = {
    "name": "name",
    "expr": "f(x)",
    "derivative": "f'(x)",
    "output_only": "backward from\noutput only",
    "tags": "tags",
}


def columns_table(
    specs: Sequence[ActivationSpec], records: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> Grid:
    """``actderiv list --columns …``: the chosen columns, properties included."""
    table = Grid(
        [
            Column(
                LIST_COLUMNS.get(column) or PROPERTY_LABELS[column],
                style="bold cyan" if column == "name" else "",
            )
            for column in columns
        ],
        title=f"{len(specs)} activations",
    )
    for spec, record in zip(specs, records, strict=True):
        props = record.get("properties") or {}
        row: list[Cell] = []
        for column in columns:
            if column == "name":
                row.append(spec.name)
            elif column == "expr":
                row.append(spec.expr)
            elif column == "derivative":
                row.append(shown(record, "derivative"))
            elif column == "output_only":
                row.append(_yes_no(record.get("output_only")))
            elif column == "tags":
                row.append(", ".join(spec.tags))
            else:
                row.append(property_cell(props, column) if props else Text("?", style="yellow"))
        table.add_row(*row)
    return table


def compare_table(records: Sequence[Mapping[str, Any]]) -> Group:
    """``actderiv compare``: one row per property, one column per activation."""
    table = Table(title="properties (at the default parameters)", title_justify="left")
    table.add_column("property", style="bold", no_wrap=True)
    for record in records:
        table.add_column(printable(str(record.get("name") or "formula")), overflow="fold")
    for key, label in PROPERTY_LABELS.items():
        _add_row(
            table,
            label,
            *(property_cell(r.get("properties") or {}, key) for r in records),
        )
    if all("signal" in r for r in records):
        for key, label in SIGNAL_LABELS.items():
            _add_row(table, label, *(_signal_cell(r["signal"][key]) for r in records))
    sampled = sorted({r["properties"]["sampled_on"] for r in records if _sampled_on(r)})
    legend = "~ sampled numerically, not proved" + (
        f" (on {', '.join(sampled)})" if sampled else ""
    )
    return Group(table, Text(legend, style="dim"))


#: The rows of signal propagation in ``compare`` (keys of ``schema.SignalColumns``).
SIGNAL_LABELS: Final = {
    "gain": "gain (variance-preserving)",
    "critical_sigma_w": "edge of chaos W (B = 0)",
}


def _signal_cell(value: float | None) -> str:
    return "none" if value is None else f"{value:.6g}"


def _sampled_on(record: Mapping[str, Any]) -> bool:
    return bool((record.get("properties") or {}).get("sampled_on"))


_VERDICT_STYLE = {"vanishes": "bold red", "preserved": "green", "can explode": "bold yellow"}


def gradient_view(result: Mapping[str, Any]) -> Panel:
    """``actderiv gradient``: the bound through N layers, the verdict and the Gaussian gains."""
    from rich.panel import Panel

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    depth = result["depth"]
    m = result["max_abs_derivative"]
    how = "" if result["method"] == "proved" else "  (sampled, not proved)"
    _add_row(grid, "max |f'|", f"{_num(m['value'])} at {m['at']}{how}")
    if result.get("slopes"):
        _add_row(grid, "slopes", "f' is one of " + ", ".join(result["slopes"]) + " per unit")
    _add_row(
        grid,
        f"through {depth} layers",
        f"|gradient| ≤ ({_num(m['value'])})^{depth} = {result['bound']}   (unit weights)",
    )
    verdict = result.get("verdict") or "undecided"
    _add_row(grid, "verdict", Text(verdict, style=_VERDICT_STYLE.get(verdict, "yellow")))
    gains = result["gains"]
    _add_row(
        grid, Text("E[f'(z)²]"), Text(f"{gains['derivative_second_moment']:.6g}   (z ~ N(0, 1))")
    )
    _add_row(grid, Text("E[f(z)²]"), f"{gains['second_moment']:.6g}")
    _add_row(grid, Text("E[f(z)]"), f"{gains['mean']:.6g}")
    _add_row(
        grid, Text(f"E[f'(z)²]^{depth}"), f"{result['typical']}   (typical squared gradient scale)"
    )
    gain = gains.get("variance_preserving_gain")
    if gain is not None:
        _add_row(
            grid, "gain", Text(f"{gain:.6g}   (weight std × gain keeps E[f(z)²] = 1: He-style)")
        )
    if result.get("self_normalizing"):
        _add_row(grid, "fixed point", Text("mean 0, variance 1 (self-normalising)", style="green"))
    name = result.get("name") or "formula"
    title = _title(name, f": gradient through {depth} layers")
    return Panel(grid, title=title, title_align="left")


# --- verify --against torch|jax ---

#: Mismatches shown per entry and kind in the terminal; --json lists every one.
