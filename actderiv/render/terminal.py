"""Rich renderables for the terminal. The only module that imports Rich; it never prints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from actderiv.model import ActivationSpec


def _expr(record: Mapping[str, Any], key: str) -> str:
    shown = (record.get("display") or {}).get(key)
    return shown if shown is not None else str(record.get(key) or "—")


def _yes_no(value: bool | None) -> Text:
    if value is None:
        return Text("?", style="yellow")
    return Text("yes", style="green") if value else Text("no", style="red")


def list_table(specs: Sequence[ActivationSpec], records: Sequence[Mapping[str, Any]]) -> Table:
    """The ``actderiv list`` table: name, f(x), f'(x), output-only backward, tags."""
    table = Table(title=f"{len(specs)} activations", title_justify="left", expand=False)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("f(x)", overflow="fold")
    table.add_column("f'(x)", overflow="fold")
    table.add_column("backward from\noutput only", justify="center")
    table.add_column("tags", style="dim", overflow="fold")
    for spec, record in zip(specs, records, strict=True):
        table.add_row(
            spec.name,
            spec.expr,
            _expr(record, "derivative"),
            _yes_no(record.get("output_only")),
            ", ".join(spec.tags),
        )
    return table


def record_view(record: Mapping[str, Any], spec: ActivationSpec | None = None) -> RenderableType:
    """Everything about one activation (``show``) or one typed formula (``derive``)."""
    parts: list[RenderableType] = [_summary(record, spec)]
    if record.get("breakpoints"):
        parts.append(_breakpoints(record))
    if record.get("param_derivatives") and record.get("wrt", "x") == "x":
        parts.append(_param_derivatives(record))
    if spec is not None and spec.references:
        parts.append(_references(spec))
    for note in record.get("notes") or ():
        parts.append(Text(f"note: {note}", style="dim"))
    return Group(*parts)


def _summary(record: Mapping[str, Any], spec: ActivationSpec | None) -> Panel:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    name = record.get("name")
    if record.get("aliases"):
        grid.add_row("aliases", ", ".join(record["aliases"]))
    if spec is not None:
        grid.add_row("formula", spec.expr)
    grid.add_row("f(x)", _expr(record, "expr"))
    params = record.get("params") or {}
    if params:
        grid.add_row("parameters", ", ".join(f"{k} = {v:g}" for k, v in params.items()))
    order, wrt = record.get("order", 1), record.get("wrt", "x")
    label = _derivative_label(order, wrt)
    grid.add_row(label, _expr(record, "derivative"))
    selfref = _expr(record, "self_referential") if record.get("self_referential") else None
    if selfref is not None:
        where = "needs only the output y" if record.get("output_only") else "needs the input x too"
        grid.add_row(f"{label} in y = f(x)", Text.assemble(selfref, (f"   ({where})", "dim")))
    else:
        grid.add_row(f"{label} in y = f(x)", Text("none found", style="dim"))
    if spec is not None and spec.tags:
        grid.add_row("tags", ", ".join(spec.tags))
    if spec is not None and spec.torch:
        grid.add_row("PyTorch", f"torch.nn.functional.{spec.torch}")
    verified = record.get("verified")
    if record.get("verification") is not None:
        grid.add_row("verified", _yes_no(bool(verified)))
    title = f"[bold]{name}[/bold] — {record.get('title')}" if name else "formula"
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
        table.add_row(
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
    for name, expr in record["param_derivatives"].items():
        table.add_row(name, expr.replace("**", "^"))
    return table


def _references(spec: ActivationSpec) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="dim")
    table.add_column()
    for ref in spec.references:
        who = f"{ref.authors} " if ref.authors else ""
        year = f"({ref.year}) " if ref.year else ""
        link = f" {ref.link}" if ref.link else ""
        table.add_row("reference", f"{who}{year}{ref.title}{link}")
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
        table.add_row(
            result["name"], *(str(counts.get(s, 0)) for s in _STATUS_STYLE), outcome, first
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


def check_view(result: Mapping[str, Any]) -> Panel:
    """The ``actderiv check`` answer."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("claim", result["claim"])
    if result.get("kind") == "function":
        grid.add_row("f(x)", result["expr"].replace("**", "^"))
    else:
        grid.add_row("derivative", result["derivative"].replace("**", "^"))
    verdicts = {
        "same": Text("the same function", style="green"),
        "everywhere": Text("wrong everywhere", style="bold red"),
        "region": Text("wrong on part of the domain", style="bold red"),
        "kink": Text("wrong at a kink", style="bold red"),
        "undecided": Text("undecided", style="yellow"),
    }
    grid.add_row("verdict", verdicts[result["verdict"]])
    grid.add_row("why", result["detail"])
    example = result.get("counterexample")
    if example:
        grid.add_row(
            "counterexample",
            f"x = {example['x']}: true {example['expected']}, claimed {example['got']}",
        )
    return Panel(grid, title=f"[bold]{result['name']}[/bold]: check", title_align="left")


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
        head = Text(f"added to {target} with failed checks (--force)", style="bold yellow")
    elif written:
        head = Text(f"added to {target}", style="bold green")
    elif failed:
        head = Text("not added: a check failed (use --force to add it anyway)", style="bold red")
    else:
        head = Text(f"dry run: would add to {target}", style="bold")
    parts: list[RenderableType] = [
        head,
        Syntax(toml, "toml", theme="ansi_dark"),
        record_view(record),
    ]
    for check in failed:
        parts.append(Text(f"failed: {check['name']}: {check['detail']}", style="red"))
    return Group(*parts)
