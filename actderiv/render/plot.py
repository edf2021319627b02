"""Pictures of f and f': sample them numerically, then draw as text, pgfplots code or an image.

Sampling compiles the SymPy expressions with :func:`actderiv.numerics.compile_mp` (mpmath, no
``lambdify``, no generated source). Every drawing is a pure function that returns text or bytes;
the CLI writes them. Images need matplotlib (``pip install 'actderiv[plot]'``).
Pure: no I/O, no printing; never imports click or rich.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from actderiv.errors import InvalidInput

if TYPE_CHECKING:
    from actderiv.engine.derivation import Derivation

DEFAULT_RANGE: Final = (-5.0, 5.0)
DEFAULT_POINTS: Final = 201
IMAGE_FORMATS: Final = ("png", "svg", "pdf")
#: (marker of f, marker of f') for each activation in a text plot, in order.
_MARKERS: Final = (("*", "."), ("#", ":"), ("o", "'"), ("x", ","), ("@", "-"))
_COLORS: Final = ("blue", "red", "teal", "orange", "violet", "brown")


@dataclass(frozen=True, slots=True, kw_only=True)
class Curve:
    """f and f' of one activation at evenly spaced points (None where undefined or infinite)."""

    name: str
    xs: tuple[float, ...]
    f: tuple[float | None, ...]
    df: tuple[float | None, ...]


def sample(d: Derivation, lo: float = -5.0, hi: float = 5.0, points: int = DEFAULT_POINTS) -> Curve:
    """Evaluate f and f' of ``d`` (parameters at their defaults) at ``points`` points in [lo, hi].

    Raises:
        ValueError: an empty or non-finite range, or fewer than two points.
    """
    import mpmath

    from actderiv.numerics import compile_mp, real_value

    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InvalidInput(f"the range must be two finite numbers A < B, not {lo:g} {hi:g}")
    if not math.isfinite(hi - lo) or (hi - lo) / max(abs(lo), abs(hi)) < 1e-12:
        raise InvalidInput(
            f"the range {lo!r} {hi!r} is too {'wide' if hi - lo > 1 else 'narrow'} to plot: "
            "B − A must be a finite number and more than 1e-12 of |A| and |B|"
        )
    if points < 2:
        raise InvalidInput("a plot needs at least two points")
    symbols = d.expr.free_symbols | d.derivative.free_symbols
    by_name = {s.name: s for s in symbols}
    env: dict[Any, Any] = {by_name[k]: mpmath.mpf(v) for k, v in d.params if k in by_name}
    fn, dfn = compile_mp(d.expr), compile_mp(d.derivative)
    x_symbol = by_name.get("x")
    xs = tuple(lo + (hi - lo) * i / (points - 1) for i in range(points))
    fs, dfs = [], []
    for x in xs:
        if x_symbol is not None:
            env[x_symbol] = mpmath.mpf(x)
        fs.append(_float(real_value(fn, env)))
        dfs.append(_float(real_value(dfn, env)))
    return Curve(name=d.name or "f", xs=xs, f=tuple(fs), df=tuple(dfs))


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


# ---------------------------------------------------------------------------------------------
# Text


def text_plot(curves: Sequence[Curve], width: int = 72, height: int = 21) -> str:
    """f and f' of every curve on one character grid, with axes, y labels and a legend."""
    lo, hi = curves[0].xs[0], curves[0].xs[-1]
    ymin, ymax = _y_range(curves)
    grid = [[" "] * width for _ in range(height)]

    def col(x: float) -> int:
        return round((x - lo) / (hi - lo) * (width - 1))

    def row(y: float) -> int:
        return min(height - 1, max(0, round((ymax - y) / (ymax - ymin) * (height - 1))))

    if ymin <= 0 <= ymax:
        grid[row(0)] = ["-"] * width
    if lo <= 0 <= hi:
        for r in range(height):
            grid[r][col(0)] = "+" if grid[r][col(0)] == "-" else "|"
    for i, curve in enumerate(curves):
        f_mark, df_mark = _MARKERS[i % len(_MARKERS)]
        for values, mark in ((curve.df, df_mark), (curve.f, f_mark)):
            shown = [v if v is not None and ymin <= v <= ymax else None for v in values]
            _trace(grid, curve.xs, shown, mark, col, row)
    return _frame(grid, curves, ymin, ymax)


def _trace(
    grid: list[list[str]],
    xs: Sequence[float],
    ys: Sequence[float | None],
    mark: str,
    col: Any,
    row: Any,
) -> None:
    """Put ``mark`` at every sample, joining neighbours in one column with a vertical run."""
    previous: tuple[int, int] | None = None
    for x, y in zip(xs, ys, strict=True):
        if y is None:
            previous = None
            continue
        c, r = col(x), row(y)
        rows: Sequence[int] = (r,)
        if previous is not None and abs(previous[0] - c) <= 1:
            a, b = sorted((previous[1], r))
            rows = range(a, b + 1)
        for rr in rows:
            grid[rr][c] = mark
        previous = (c, r)


def _y_range(curves: Sequence[Curve]) -> tuple[float, float]:
    """The values' span, widened where it is empty; values whose span overflows a float (f
    near ±1e308) are dropped from the picture, as points outside every float are."""
    values = [v for c in curves for v in (*c.f, *c.df) if v is not None]
    values = [v for v in values if abs(v) < 1e300]
    if not values:
        return -1.0, 1.0
    low, high = min(values), max(values)
    if high - low < 1e-12 * max(1.0, abs(low), abs(high)):
        return low - max(1.0, abs(low)), high + max(1.0, abs(high))
    return low, high


def _frame(grid: list[list[str]], curves: Sequence[Curve], ymin: float, ymax: float) -> str:
    height = len(grid)
    labels = {0: _num(ymax), height - 1: _num(ymin)}
    lines = [f"{labels.get(r, ''):>9} ┤{''.join(cells)}" for r, cells in enumerate(grid)]
    lo, hi = curves[0].xs[0], curves[0].xs[-1]
    width = len(grid[0])
    left, right = _num(lo), _num(hi)
    lines.append(" " * 10 + "└" + "─" * width)
    lines.append(" " * 11 + left + " " * max(1, width - len(left) - len(right)) + right)
    legend = []
    for i, curve in enumerate(curves):
        f_mark, df_mark = _MARKERS[i % len(_MARKERS)]
        legend.append(f"{f_mark} {curve.name}(x)   {df_mark} {curve.name}'(x)")
    lines.append(" " * 11 + "   ".join(legend))
    return "\n".join(lines) + "\n"


def _num(value: float) -> str:
    text = f"{value:.4g}"
    return "0" if text in ("-0", "0") else text


# ---------------------------------------------------------------------------------------------
# pgfplots


def pgfplots(curves: Sequence[Curve], *, standalone: bool = False) -> str:
    """pgfplots code for f (solid) and f' (dashed) of every curve; ready for ``\\input``.

    With ``standalone``, a complete document (article class, no page number) around it.
    """
    from actderiv.render.tex import escape_text, function_tex

    lo, hi = curves[0].xs[0], curves[0].xs[-1]
    out = [
        r"% Generated by actderiv. Needs: \usepackage{amsmath,pgfplots}",
        r"\begin{tikzpicture}",
        r"\begin{axis}[",
        r"  width=0.95\linewidth, height=0.6\linewidth, grid=major, xlabel={$x$},",
        f"  xmin={_coord(lo)}, xmax={_coord(hi)},",
        r"  unbounded coords=jump, legend pos=north west, legend cell align=left,",
        r"  legend style={font=\small, fill opacity=0.8, text opacity=1},",
        "]",
    ]
    for i, curve in enumerate(curves):
        color = _COLORS[i % len(_COLORS)]
        if curve.name.isidentifier():
            symbol = function_tex(curve.name)
        else:  # a typed formula or a label the user gave (plot --formula, --name): any text
            symbol = r"\text{" + escape_text(curve.name) + "}"
        for values, style, label in (
            (curve.f, "solid", f"${symbol}(x)$"),
            (curve.df, "dashed", f"${symbol}'(x)$"),
        ):
            points = " ".join(
                f"({_coord(x)},{_coord(y) if y is not None else 'nan'})"
                for x, y in zip(curve.xs, values, strict=True)
            )
            out.append(rf"\addplot[{color}, thick, {style}] coordinates {{{points}}};")
            out.append(rf"\addlegendentry{{{label}}}")
    out += [r"\end{axis}", r"\end{tikzpicture}"]
    body = "\n".join(out) + "\n"
    if not standalone:
        return body
    return (
        "\\documentclass{article}\n\\usepackage{amsmath,pgfplots}\n\\pgfplotsset{compat=1.16}\n"
        "\\pagestyle{empty}\n\\begin{document}\n\\noindent\n" + body + "\\end{document}\n"
    )


def _coord(value: float) -> str:
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


# ---------------------------------------------------------------------------------------------
# Images (matplotlib, optional)


def image(curves: Sequence[Curve], fmt: str) -> bytes:
    """A PNG, SVG or PDF image of the curves; the same curves give the same bytes.

    Raises:
        ValueError: ``fmt`` is not one of :data:`IMAGE_FORMATS`.
        ModuleNotFoundError: matplotlib is not installed.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r} (known: {', '.join(IMAGE_FORMATS)})")
    import matplotlib
    from matplotlib.figure import Figure

    metadata: dict[str, dict[str, Any]] = {
        "png": {"Software": None},
        "svg": {"Date": None, "Creator": None},
        "pdf": {"CreationDate": None, "Creator": None, "Producer": None},
    }
    with matplotlib.rc_context({"svg.hashsalt": "actderiv", "svg.fonttype": "path"}):
        figure = Figure(figsize=(7.0, 4.5), dpi=100)
        axes = figure.add_subplot()
        for i, curve in enumerate(curves):
            color = f"C{i % 10}"
            name = curve.name.replace("$", r"\$")  # no mathtext from a user's label
            axes.plot(curve.xs, _nan(curve.f), color=color, label=f"{name}(x)")
            axes.plot(curve.xs, _nan(curve.df), color=color, linestyle="--", label=f"{name}'(x)")
        axes.axhline(0, color="0.6", linewidth=0.8)
        axes.axvline(0, color="0.6", linewidth=0.8)
        axes.set_xlabel("x")
        axes.grid(True, alpha=0.3)
        axes.legend(loc="best")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format=fmt, metadata=metadata[fmt])
    return buffer.getvalue()


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]
