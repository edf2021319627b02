"""The terminal view of ``verify --against torch|jax``: per entry, agreement with the framework's
autograd, and the details of any mismatch (see :mod:`actderiv.render.terminal`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from actderiv.render.safe import printable
from actderiv.render.terminal import _add_row

FRAMEWORK_DETAIL_LIMIT = 10

_FRAMEWORK_MODULES = {"torch": ("PyTorch", "torch.nn.functional"), "jax": ("JAX", "jax.nn")}


def _float_text(value: float | str | None) -> str:
    """A float to 12 significant digits; "nan"/"inf" strings and None as they are."""
    if value is None:
        return "—"
    return value if isinstance(value, str) else f"{value:.12g}"


def framework_view(record: Mapping[str, Any]) -> Group:
    """``actderiv verify --against``: one row per entry checked, skips, every mismatch, notes."""
    summary, tol = record["summary"], record["tolerance"]
    label, module = _FRAMEWORK_MODULES.get(record["framework"], (record["framework"], ""))
    table = Table(title=f"against {label} {record['version']} ({module})", title_justify="left")
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("call", overflow="fold")
    table.add_column("points", justify="right")
    table.add_column("kinks", justify="right")
    table.add_column("mismatches", justify="right")
    table.add_column("result", no_wrap=True)
    checked = [r for r in record["results"] if r["status"] != "skipped"]
    skipped = [r for r in record["results"] if r["status"] == "skipped"]
    for r in checked:
        bad = len(r["mismatches"])
        _add_row(
            table,
            r["name"],
            r["call"].removeprefix(f"{module}."),
            str(r["points"]),
            str(len(r["kinks"])),
            Text(str(bad), style="bold red" if bad else "green"),
            Text("MISMATCH", style="bold red") if bad else Text("agrees", style="green"),
        )
    parts: list[RenderableType] = [table] if checked else []
    if skipped:
        names = ", ".join(r["name"] for r in skipped)
        parts.append(
            Text(printable(f"skipped, no {module} counterpart ({len(skipped)}): {names}"), "dim")
        )
    total = summary["mismatches"]
    parts.append(
        Text.assemble(
            f"{_count(summary['checked'], 'activation')} checked, {summary['skipped']} skipped, "
            f"{_count(summary['points'], 'point')}, {_count(summary['kinks'], 'kink')}: ",
            (_count(total, "mismatch", "es"), "bold red" if total else "green"),
            f" (float64; |got − expected| ≤ {tol['rel']:g}·|expected| + {tol['abs']:g})",
        )
    )
    if total:
        parts.extend(_mismatch_details(checked))
    for r in checked:
        for note in r["notes"]:
            parts.append(Text(printable(f"note: {r['name']}: {note}"), style="dim"))
    return Group(*parts)


def _count(n: int, word: str, plural: str = "s") -> str:
    return f"{n} {word}{'' if n == 1 else plural}"


def _mismatch_details(results: Sequence[Mapping[str, Any]]) -> list[RenderableType]:
    table = Table(title="mismatches", title_justify="left")
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    for column in ("x", "expected", "got"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("detail", overflow="fold")
    more: list[RenderableType] = []
    for r in results:
        shown: dict[str, int] = {}
        for m in r["mismatches"]:
            shown[m["kind"]] = shown.get(m["kind"], 0) + 1
            if shown[m["kind"]] <= FRAMEWORK_DETAIL_LIMIT:
                _add_row(
                    table,
                    r["name"],
                    m["kind"],
                    _float_text(m["x"]),
                    _float_text(m["expected"]),
                    _float_text(m["got"]),
                    m["detail"],
                )
        hidden = [
            f"{n - FRAMEWORK_DETAIL_LIMIT} more {kind}"
            for kind, n in shown.items()
            if n > FRAMEWORK_DETAIL_LIMIT
        ]
        if hidden:
            text = f"{r['name']}: {', '.join(hidden)} mismatches not shown (--json lists all)"
            more.append(Text(text, style="red"))
    return [table, *more]
