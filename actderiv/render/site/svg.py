"""Inline SVG plots for the website, drawn at build time from sampled points.

A small writer of its own (no matplotlib): axes with a few labelled ticks, the curve as one path
per run of defined samples, the kinks marked, a ``<title>`` and a ``<desc>`` for screen readers.
Colours come from the page's CSS classes, so the plots follow the light and dark schemes. Pure:
no I/O, no printing (docs/ARCHITECTURE.md, "The website").
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Final

WIDTH: Final = 360
HEIGHT: Final = 240
_PAD: Final = (44, 12, 14, 26)  # left, right, top, bottom
#: Values beyond this many times the median magnitude are clipped, so one pole does not
#: flatten the rest of the curve.
_CLIP: Final = 50.0


def plot_svg(
    xs: Sequence[float],
    ys: Sequence[float | None],
    *,
    title: str,
    description: str,
    kinks: Sequence[float] = (),
    kind: str = "f",
    ident: str = "plot",
) -> str:
    """One curve y(x) as an inline ``<svg>`` with ``title`` and ``description`` (plain text,
    escaped here), the x of each kink marked by a dashed line; ``kind`` ("f" or "df") picks the
    curve's CSS class."""
    lo, hi = xs[0], xs[-1]
    ymin, ymax = _y_range(ys)
    left, right, top, bottom = _PAD
    w, h = WIDTH - left - right, HEIGHT - top - bottom

    def px(x: float) -> float:
        return left + (x - lo) / (hi - lo) * w

    def py(y: float) -> float:
        return top + (ymax - y) / (ymax - ymin) * h

    parts = [
        f'<svg class="plot" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{ident}-t {ident}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{ident}-t">{html.escape(title)}</title>',
        f'<desc id="{ident}-d">{html.escape(description)}</desc>',
        f'<rect class="frame" x="{left}" y="{top}" width="{w}" height="{h}"/>',
    ]
    for tick in _ticks(ymin, ymax):
        y = py(tick)
        parts.append(f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + w}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y + 3.5:.1f}" text-anchor="end">'
            f"{_label(tick)}</text>"
        )
    for tick in _ticks(lo, hi):
        x = px(tick)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + h}"/>')
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{top + h + 16}" text-anchor="middle">'
            f"{_label(tick)}</text>"
        )
    if ymin <= 0 <= ymax:
        parts.append(
            f'<line class="axis" x1="{left}" y1="{py(0):.1f}" x2="{left + w}" y2="{py(0):.1f}"/>'
        )
    if lo <= 0 <= hi:
        parts.append(
            f'<line class="axis" x1="{px(0):.1f}" y1="{top}" x2="{px(0):.1f}" y2="{top + h}"/>'
        )
    for k in kinks:
        if lo <= k <= hi:
            parts.append(
                f'<line class="kink" x1="{px(k):.1f}" y1="{top}" x2="{px(k):.1f}" y2="{top + h}">'
                f"<title>kink at x = {_label(k)}</title></line>"
            )
    for run in _runs(xs, ys, ymin, ymax):
        points = " ".join(f"{px(x):.2f},{py(y):.2f}" for x, y in run)
        parts.append(f'<path class="curve {kind}" d="M{points.replace(" ", " L")}"/>')
    parts.append("</svg>")
    return "".join(parts)


def _runs(
    xs: Sequence[float], ys: Sequence[float | None], ymin: float, ymax: float
) -> list[list[tuple[float, float]]]:
    """The samples as runs of defined, in-range points (a gap where f is undefined)."""
    runs: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for x, y in zip(xs, ys, strict=True):
        if y is None or not math.isfinite(y) or not ymin <= y <= ymax:
            if len(current) > 1:
                runs.append(current)
            current = []
            continue
        current.append((x, y))
    if len(current) > 1:
        runs.append(current)
    if not runs and current:
        runs.append(current * 2)  # one point: a dot
    return runs


def _y_range(ys: Sequence[float | None]) -> tuple[float, float]:
    values = sorted(y for y in ys if y is not None and math.isfinite(y))
    if not values:
        return -1.0, 1.0
    median = abs(values[len(values) // 2]) or 1.0
    limit = _CLIP * max(median, 1.0)
    kept = [v for v in values if abs(v) <= limit] or values
    low, high = min(kept), max(kept)
    if high - low < 1e-9:
        low, high = low - 1.0, high + 1.0
    margin = 0.06 * (high - low)
    return low - margin, high + margin


def _ticks(lo: float, hi: float) -> list[float]:
    """Round tick values inside [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    span = hi - lo
    raw = span / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step)
    return [i * step for i in range(first, math.floor(hi / step) + 1)]


def _label(value: float) -> str:
    if abs(value) < 1e-12:
        return "0"
    text = f"{value:.4g}"
    return text.replace("-", "−")
