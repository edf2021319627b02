"""Signal propagation through deep random networks: gain, fixed point, chi1, edge of chaos.

With z ~ N(0, 1), weights of variance W²/fan_in and biases of variance B², the pre-activations of
a wide random network have variance q with q ↦ W²·E[f(√q·z)²] + B² (Poole et al. 2016;
Schoenholz et al. 2017). This module computes, for any activation:

- ``gain`` = 1/√E[f(z)²], the weight scale that keeps the second moment of activations;
- ``q_star``, the fixed point of the variance map reached from q = 1;
- ``chi1`` = W²·E[f′(√q*·z)²], the per-layer factor of a gradient's squared norm;
- ``critical_sigma_w``, the W where chi1 = 1 for the given B (the edge of chaos);
- ``depth_scale`` = −1/ln chi1.

Expectations come from :mod:`actderiv.engine.gaussian` (quadrature split at the switch points,
never random sampling). Iterations and root searches have fixed budgets
counted in steps, never in seconds. Pure: no I/O, no printing. See docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from actderiv.engine.formula import Formula
from actderiv.engine.gaussian import Activation, Diverges, Unresolved
from actderiv.errors import InvalidInput

__all__ = [
    "Activation",
    "Diverges",
    "FixedPoint",
    "SignalResult",
    "critical_line",
    "critical_sigma_w",
    "fixed_point",
    "signal_by_name",
    "signal_of",
    "signal_of_text",
]

#: Most evaluations of the variance map for one fixed point.
MAX_ITERATIONS: Final = 500
#: Beyond this variance the map counts as divergent.
Q_MAX: Final = 1e12
#: Relative change of q at which the iteration has converged.
Q_TOL: Final = 1e-14
#: The range of W searched for the edge of chaos.
W_RANGE: Final = (0.1, 10.0)
#: chi1 within this of 1 counts as critical (depth scale infinite).
CRITICAL_TOL: Final = 1e-12
LN_1E6: Final = math.log(1e6)
# --- the variance map and its fixed point ---


@dataclass(frozen=True, slots=True)
class FixedPoint:
    """Where the variance map went from q = 1: ``q`` (None when it diverged) and why."""

    q: float | None
    steps: int
    reason: str | None = None


def fixed_point(act: Activation, w: float, b: float) -> FixedPoint:
    """The fixed point of q ↦ W²·V(q) + B² reached from q = 1.

    Plain iteration, accelerated by Aitken's Δ² while the iterates move monotonically; a proposal
    that overshoots gives a bracket, then closed by the Illinois method. At most
    :data:`MAX_ITERATIONS` evaluations of the map.
    """
    w2, b2 = w * w, b * b

    def t(q: float) -> float:
        return w2 * act.second_moment(q) + b2

    try:
        return _iterate(t, t(0.0) == 0.0)
    except Diverges as exc:
        return FixedPoint(None, 0, str(exc))


def _iterate(t: Callable[[float], float], zero_fixed: bool) -> FixedPoint:
    q0 = 1.0
    q1 = t(q0)
    steps, oscillating = 1, 0
    while steps < MAX_ITERATIONS:
        if _converged(q0, q1):
            return FixedPoint(q1, steps)
        if q1 > Q_MAX:
            return FixedPoint(None, steps, f"the variance grows past {Q_MAX:g}: the map diverges")
        q2 = t(q1)
        steps += 1
        if _converged(q1, q2):
            return FixedPoint(q2, steps)
        if zero_fixed and q2 < q1 < q0 and q2 < 1e-9:
            return FixedPoint(0.0, steps)  # q = 0 is a fixed point, approached from above
        d1, d2 = q1 - q0, q2 - q1
        if d1 * d2 <= 0 or d2 == d1:  # oscillating: plain iteration
            q0, q1 = q1, q2
            oscillating += 1
            continue
        sgn = 1.0 if d2 > 0 else -1.0
        p = q2 - d2 * d2 / (d2 - d1)
        if (p - q2) * sgn <= 0 or not math.isfinite(p):
            q0, q1 = q1, q2
            continue
        if p <= 0:
            p = 0.0
        tp = t(p)
        steps += 1
        gp = tp - p
        if gp == 0:
            return FixedPoint(p, steps)
        if gp * sgn > 0:  # still short of the fixed point
            q0, q1 = p, tp
            continue
        return _bracketed(t, q2, p, steps)
    how = ", the iterates oscillating" if oscillating > MAX_ITERATIONS // 4 else ""
    if not how and q1 > q0:
        how = f", q still growing (×{q1 / q0:.6g} per step at q = {q1:.6g}): it may diverge"
    return FixedPoint(None, steps, f"no convergence in {MAX_ITERATIONS} steps of the map{how}")


def _converged(a: float, b: float) -> bool:
    return abs(b - a) <= Q_TOL * max(abs(a), abs(b)) or b == a


def _bracketed(t: Callable[[float], float], a: float, b: float, steps: int) -> FixedPoint:
    """Illinois regula falsi on g(q) = t(q) − q, g changing sign between a and b."""
    ga, gb = t(a) - a, t(b) - b
    steps += 2
    side = 0
    while steps < MAX_ITERATIONS:
        if gb == 0 or _converged(a, b):
            return FixedPoint(b, steps)
        c = b - gb * (b - a) / (gb - ga)
        if not (min(a, b) < c < max(a, b)):
            c = (a + b) / 2
        gc = t(c) - c
        steps += 1
        if gc * gb < 0:
            a, ga = b, gb
            side = 0
        else:
            ga = ga / 2 if side == 1 else ga
            side = 1
        b, gb = c, gc
    return FixedPoint(None, steps, f"no convergence in {MAX_ITERATIONS} steps of the variance map")


def chi1(act: Activation, w: float, q: float) -> float:
    """W²·E[f′(√q·z)²]: how a gradient's squared norm grows per layer at variance q."""
    return w * w * act.derivative_moment(q)


# --- the edge of chaos ---

#: The values of q − B² where the edge of chaos is looked for: 10⁻⁹ … 10⁶, 6 per decade.
_U_GRID: Final = tuple(10 ** (k / 6) for k in range(-54, 37))
#: The grid stops after this many points in a row (two decades of q) with W above the range.
_LEAVE: Final = 12


def critical_sigma_w(act: Activation, b: float) -> tuple[float | None, str | None]:
    """The W in :data:`W_RANGE` where chi1 = 1 at the fixed point reached from q = 1, for B = b.

    Every fixed point q of the map for some W satisfies W² = (q − B²)/V(q), so the curve
    q ↦ (W(q), chi1(q) = (q − B²)·D(q)/V(q)) holds all of them: sign changes of chi1 − 1 along a
    fixed grid of q, closed by bisection, give candidates; each is confirmed by iterating the map
    at its W from q = 1. With B = 0 and f(0) = 0, q = 0 is a fixed point for every W, with
    chi1 = W²·f′(0)²: W = 1/|f′(0)| is a candidate too.
    """
    try:
        return _critical(act, b)
    except Diverges as exc:
        return None, str(exc)


def _critical(act: Activation, b: float) -> tuple[float | None, str | None]:
    b2 = b * b
    lo_w, hi_w = W_RANGE
    gaps: list[str] = []

    def on_curve(u: float) -> tuple[float, float] | None:
        try:
            v = act.second_moment(b2 + u)
            d = act.derivative_moment(b2 + u)
        except Unresolved as exc:
            gaps.append(str(exc))
            return None
        except Diverges:
            return None
        if v <= 0:
            return None
        return math.sqrt(u / v), u * d / v - 1

    if act.jumps:
        act.derivative_moment(1.0)  # raises Diverges with the reason

    candidates: list[float] = []
    if b2 == 0 and act.at_zero("f") == 0 and act.at_zero("d") > 0:
        candidates.append(1 / math.sqrt(act.at_zero("d")))
    previous: tuple[float, float, float] | None = None
    beyond = 0  # grid points in a row where W(q) is above the range: the curve has left it
    for u in _U_GRID:
        point = on_curve(u)
        beyond = beyond + 1 if point is not None and point[0] > hi_w else 0
        if beyond >= _LEAVE:
            break
        if point is None or not lo_w <= point[0] <= hi_w:
            previous = None
            continue
        w, excess = point
        if abs(excess) < CRITICAL_TOL:
            candidates.append(w)
        elif previous is not None and previous[2] * excess < 0:
            candidates.append(_bisect_curve(on_curve, previous[0], u))
        previous = (u, w, excess)
    for w in sorted(set(candidates)):
        if not lo_w <= w <= hi_w:
            continue
        fp = fixed_point(act, w, b)
        if fp.q is not None and abs(chi1(act, w, fp.q) - 1) < 1e-8:
            return w, None  # the smallest W where it holds
    if gaps:
        return None, f"undecided: no W found, but the search missed some variances ({gaps[0]})"
    return None, f"chi1 = 1 nowhere for W in [{lo_w:g}, {hi_w:g}] at B = {b:g}"


def _bisect_curve(on_curve: Callable[[float], Any], a: float, b: float) -> float:
    """Illinois regula falsi in log u between grid points where chi1 − 1 changes sign (at most
    60 steps); W at the root."""
    la, lb = math.log(a), math.log(b)
    fa, fb = on_curve(a)[1], on_curve(b)[1]
    side = 0
    for _ in range(60):
        lc = lb - fb * (lb - la) / (fb - fa)
        if not min(la, lb) < lc < max(la, lb):
            lc = (la + lb) / 2
        point = on_curve(math.exp(lc))
        if point is None:
            break
        if point[1] == 0 or abs(lc - lb) < 1e-15:
            return float(point[0])
        if point[1] * fb < 0:
            la, fa = lb, fb
            side = 0
        else:
            fa = fa / 2 if side == 1 else fa
            side = 1
        lb, fb = lc, point[1]
    return float(on_curve(math.exp(lb))[0])


# --- the answer ---

_SQRT2: Final = math.sqrt(2)
#: What torch.nn.init.calculate_gain returns, by catalog name (leaky_relu: at its slope).
TORCH_GAINS: Final[dict[str, Callable[[Mapping[str, float]], float]]] = {
    "identity": lambda p: 1.0,
    "sigmoid": lambda p: 1.0,
    "tanh": lambda p: 5 / 3,
    "relu": lambda p: _SQRT2,
    "leaky_relu": lambda p: math.sqrt(2 / (1 + p.get("negative_slope", 0.01) ** 2)),
    "selu": lambda p: 3 / 4,
}
_TORCH_NOTES: Final = {
    "tanh": "PyTorch's 5/3 is a heuristic, not the variance-preserving value; {gain} preserves "
    "E[f(z)²] for z ~ N(0, 1)",
    "sigmoid": "PyTorch returns 1 for sigmoid; {gain} preserves E[f(z)²] (sigmoid's output "
    "has mean 1/2, which the second moment counts)",
    "selu": "PyTorch's 3/4 trades SELU's self-normalisation for steadier gradients in "
    "rectangular layers (its documentation advises nonlinearity='linear', gain 1, for "
    "self-normalising networks); gain {gain} keeps SELU's fixed point, mean 0 and variance 1",
}


@dataclass(frozen=True, slots=True)
class SignalResult:
    """Mean-field signal propagation of one activation at weight scale W and bias scale B."""

    name: str | None
    formula: str
    params: Mapping[str, float]
    sigma_w: float
    sigma_b: float
    gain: float | None
    torch_gain: float | None
    torch_note: str | None
    q_star: float | None
    chi1: float | None
    critical_sigma_w: float | None
    depth_scale: float | None
    layers_to_1e6: float | None
    regime: str | None
    reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """Whether gain, q* and chi1 all have values."""
        return None not in (self.gain, self.q_star, self.chi1)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form: values rounded to 10 significant digits, None as null."""
        out: dict[str, Any] = {"name": self.name, "formula": self.formula}
        out["params"] = dict(self.params)
        for key in ("sigma_w", "sigma_b", "gain", "torch_gain"):
            out[key] = _round(getattr(self, key))
        out["torch_note"] = self.torch_note
        for key in ("q_star", "chi1", "critical_sigma_w", "depth_scale", "layers_to_1e6"):
            out[key] = _round(getattr(self, key))
        out["regime"] = self.regime
        out["reasons"] = dict(self.reasons)
        return out

    def _repr_latex_(self) -> str:
        rows = [
            ("\\text{gain}", self.gain),
            ("\\text{gain (PyTorch)}", self.torch_gain),
            ("q^*", self.q_star),
            ("\\chi_1", self.chi1),
            ("\\sigma_w^{\\text{crit}}", self.critical_sigma_w),
            ("\\xi", self.depth_scale),
        ]
        body = r" \\ ".join(f"{k} & {_tex_number(v)}" for k, v in rows)
        head = f"\\sigma_w = {_tex_number(self.sigma_w)},\\ \\sigma_b = {_tex_number(self.sigma_b)}"
        return f"$${head}:\\quad \\begin{{array}}{{ll}} {body} \\end{{array}}$$"


def _round(v: float | None) -> float | None:
    return None if v is None else float(f"{v:.10g}")


def _tex_number(v: float | None) -> str:
    return (
        "\\text{---}"
        if v is None
        else f"{v:.10g}".replace("e", "\\times 10^{") + ("}" if "e" in f"{v:.10g}" else "")
    )


def signal_of(
    formula: Formula,
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    name: str | None = None,
    *,
    critical: bool = True,
) -> SignalResult:
    """Gain, fixed point, chi1, edge of chaos and depth scale of ``formula`` at (W, B).

    Raises:
        InvalidInput: W or B is negative or not finite, or f is not real and finite on ℝ.
    """
    _check_scales(sigma_w, sigma_b)
    act = Activation(formula)
    params = {n: v for n, _, v in formula.params}
    reasons: dict[str, str] = {}
    gain = torch_gain = q_star = c1 = crit = depth = layers = None
    try:
        v1 = act.second_moment(1.0)
        gain = 1 / math.sqrt(v1) if v1 > 0 else None
        if gain is None:
            reasons["gain"] = "E[f(z)²] = 0: no gain preserves the variance"
    except Diverges as exc:
        reasons["gain"] = str(exc)
    note = None
    if name in TORCH_GAINS:
        torch_gain = TORCH_GAINS[name](params)
        if gain is not None and abs(gain - torch_gain) > 1e-9 * gain:
            note = _TORCH_NOTES.get(name, "").format(gain=f"{gain:.10g}") or None
    fp = fixed_point(act, sigma_w, sigma_b)
    q_star = fp.q
    if q_star is None:
        reasons["q_star"] = fp.reason or "the variance map diverges"
        reasons["chi1"] = "no fixed point"
    else:
        try:
            c1 = chi1(act, sigma_w, q_star)
        except Diverges as exc:
            reasons["chi1"] = str(exc)
    if critical:
        crit, why = critical_sigma_w(act, sigma_b)
        if why:
            reasons["critical_sigma_w"] = why
    regime = None
    if c1 is not None:
        if c1 == 0 or abs(c1 - 1) < CRITICAL_TOL:
            reasons["depth_scale"] = "chi1 = 0" if c1 == 0 else "chi1 = 1: critical, no scale"
            regime = "frozen" if c1 == 0 else "critical"
        else:
            depth = -1 / math.log(c1)
            layers = LN_1E6 * abs(depth)
            regime = "ordered (gradients vanish)" if c1 < 1 else "chaotic (gradients explode)"
    return SignalResult(
        name, formula.source, params, sigma_w, sigma_b, gain, torch_gain, note, q_star, c1,
        crit, depth, layers, regime, reasons,
    )  # fmt: skip


def _check_scales(*scales: float) -> None:
    for s in scales:
        if not math.isfinite(s) or s < 0 or s > 1e6:
            raise InvalidInput(f"σ_w and σ_b must be finite numbers in [0, 1e6], not {s!r}")


def critical_line(
    formula: Formula, b_lo: float = 0.0, b_hi: float = 2.0, points: int = 21
) -> list[tuple[float, float | None]]:
    """(B, critical W) at ``points`` evenly spaced B in [b_lo, b_hi]; None where there is none.

    Raises:
        InvalidInput: a bad range or number of points.
    """
    _check_scales(b_lo, b_hi)
    if not b_lo < b_hi or not 2 <= points <= 201:
        raise InvalidInput("the B range must be LO < HI, with 2 to 201 points")
    act = Activation(formula)
    out = []
    for k in range(points):
        b = b_lo + (b_hi - b_lo) * k / (points - 1)
        out.append((b, critical_sigma_w(act, b)[0]))
    return out


def with_params(formula: Formula, values: Mapping[str, float]) -> Formula:
    """``formula`` with some parameters' values replaced.

    Raises:
        InvalidInput: a name that is not one of the formula's parameters.
    """
    known = {n for n, _, _ in formula.params}
    unknown = sorted(set(values) - known)
    if unknown:
        have = ", ".join(sorted(known)) or "none"
        raise InvalidInput(f"no parameter {unknown[0]!r} (this activation has: {have})")
    params = tuple((n, s, float(values.get(n, v))) for n, s, v in formula.params)
    return Formula(formula.expr, params, formula.source)


def signal_by_name(
    catalog: Any, name: str, params: Mapping[str, float] | None = None, **kwargs: Any
) -> SignalResult:
    """:func:`signal_of` for the catalog entry ``name``, its parameters overridden by ``params``."""
    from actderiv.engine.formula import CatalogResolver, formula_of

    spec = catalog.require(name)
    formula = with_params(formula_of(spec, CatalogResolver(catalog)), params or {})
    return signal_of(formula, name=spec.name, **kwargs)


def signal_of_text(
    text: str, params: Mapping[str, float], catalog: Any = None, **kwargs: Any
) -> SignalResult:
    """:func:`signal_of` for a typed formula (which may call the entries of ``catalog``)."""
    from actderiv.engine.formula import CatalogResolver, formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    return signal_of(formula_from_text(text, params, resolver), **kwargs)


def curve_of(rows: Sequence[tuple[float, float | None]]) -> dict[str, list[float | None]]:
    """The critical line as JSON: lists of B and W."""
    return {"sigma_b": [b for b, _ in rows], "critical_sigma_w": [_round(w) for _, w in rows]}
