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
    if record.get("param_derivatives"):
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
