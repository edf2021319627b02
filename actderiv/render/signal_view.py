"""``actderiv signal`` in the terminal: a Rich panel of the mean-field quantities, and a table of
the critical line. Imported only by the CLI (it loads Rich)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_REGIME_STYLE = {
    "critical": "bold green",
    "ordered (gradients vanish)": "yellow",
    "chaotic (gradients explode)": "yellow",
    "frozen": "red",
}


def _value(result: Mapping[str, Any], key: str, unit: str = "") -> Text:
    value = result.get(key)
    if value is None:
        why = result.get("reasons", {}).get(key, "undecided")
        return Text(f"— ({why})", style="dim")
    return Text(f"{value:.10g}{unit}")


def signal_view(result: Mapping[str, Any]) -> Panel:
    """The panel for one activation at (σ_w, σ_b): ``result`` is ``SignalResult.as_dict()``."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text("gain"), _value(result, "gain", "   (1/√E[f(z)²], z ~ N(0, 1))"))
    torch = result.get("torch_gain")
    grid.add_row(
        Text("PyTorch gain"),
        Text("— (calculate_gain raises for this activation)", style="dim")
        if torch is None
        else Text(f"{torch:.10g}"),
    )
    if result.get("torch_note"):
        grid.add_row(Text(""), Text(str(result["torch_note"]), style="italic"))
    grid.add_row(Text("q*"), _value(result, "q_star", "   (fixed point of the variance map)"))
    grid.add_row(Text("chi1"), _value(result, "chi1", "   (per-layer growth of |gradient|²)"))
    grid.add_row(Text("edge of chaos"), _value(result, "critical_sigma_w"))
    grid.add_row(Text("depth scale"), _value(result, "depth_scale", "   (−1/ln chi1 layers)"))
    if result.get("layers_to_1e6") is not None:
        grid.add_row(Text("×10⁶ after"), Text(f"{result['layers_to_1e6']:.4g} layers"))
    regime = result.get("regime")
    if regime:
        grid.add_row(Text("regime"), Text(regime, style=_REGIME_STYLE.get(regime, "")))
    name = Text(str(result.get("name") or result.get("formula") or "formula"), style="bold")
    sw, sb = result.get("sigma_w"), result.get("sigma_b")
    title = Text.assemble(name, f": signal propagation at σ_w = {sw:g}, σ_b = {sb:g}")
    return Panel(grid, title=title, title_align="left")


def critical_line_table(name: str, rows: Sequence[tuple[float, float | None]]) -> Table:
    """The edge of chaos σ_w(σ_b) as a two-column table."""
    table = Table(title=Text(f"{name}: edge of chaos (chi1 = 1)"))
    table.add_column("σ_b", justify="right")
    table.add_column("critical σ_w", justify="right")
    for b, w in rows:
        table.add_row(f"{b:.6g}", "—" if w is None else f"{w:.10g}")
    return table
