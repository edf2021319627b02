"""Claims: how a derivative (or definition) someone wrote compares with the true one
(``actderiv check``, a catalog entry's claims in ``verify`` and ``add``).

The verdicts, strongest first (see docs/ARCHITECTURE.md, "Claims"):

- ``identical``: SymPy proves the claim equal to the truth;
- ``same``: not proved, but the evidence covers everything a difference could hide in (every
  breakpoint of f and of the claim, the points where the difference can peak, far out to
  |x| = 1e12, and the limits of the difference at ±∞, which SymPy computes as 0), at the
  working precision;
- ``rounding``: equal within the precision of the claim's decimal constants (the largest
  relative difference is stated; it is at most ``ROUNDING_LIMIT``, and the first-order effect of
  the constants' rounding explains it at every point);
- ``kink``: equal everywhere but at a kink of f, where f is not differentiable and frameworks
  choose a value (the claim's lies between the one-sided derivatives);
- ``wrong``: with the counterexample where the difference is largest relative to the size of the
  values (in |x| <= ``CLAIM_NEAR`` unless the claim differs only further out), both values, the
  absolute and relative difference, and the intervals where the claim differs;
- ``undecided``: none of these could be established; the detail says what was tried.

Pure: no I/O, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions
from actderiv.engine.checks import for_which
from actderiv.engine.compare import (
    Constant,
    Evaluator,
    Point,
    extrema_of_difference,
    feature_points,
    grid_points,
    refine,
    runs,
    tail_limits,
)
from actderiv.engine.derivation import Breakpoint, Derivation
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import switch_points
from actderiv.engine.proofs import proves_zero
from actderiv.lang.parse import X, Y
from actderiv.numerics import (
    CLAIM_DPS,
    CLAIM_FAR,
    CLAIM_NEAR,
    ROUNDING_LIMIT,
    ROUNDING_SLACK,
    NotNumeric,
)

#: Points whose score is within this factor of the best count as ties for the counterexample.
NEAR_TIE = 0.95

Verdict = Literal["identical", "same", "rounding", "kink", "wrong", "undecided"]
VERDICTS: tuple[Verdict, ...] = ("identical", "same", "rounding", "kink", "wrong", "undecided")
Method = Literal["proved", "confirmed", "sampled"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimExample:
    """Where a claim is wrong: x, the true value, the claim's, their difference (absolute and
    relative to the larger value). Values are strings of 15 significant digits."""

    x: str
    expected: str | None
    got: str | None
    difference: str | None = None
    relative: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """How a claimed derivative compares with the true one."""

    equal: bool | None
    verdict: Verdict
    detail: str
    counterexample: ClaimExample | None = None
    regions: tuple[tuple[float, float], ...] = ()
    method: Method = "sampled"
    #: The largest relative difference seen (for "rounding" and "wrong"), as a short string.
    largest_relative: str | None = None
    #: Words for a difference that is easy to misread: only far out, or only rounding-sized.
    note: str | None = None
    #: The work budgets that ran out on the way.
    exhausted: tuple[str, ...] = ()


def check_derivative(
    formula: Formula,
    d: Derivation,
    claimed: sp.Expr,
    options: EngineOptions | None = None,
    *,
    function: bool = False,
    constants: tuple[sp.Expr, tuple[Constant, ...]] | None = None,
) -> ClaimResult:
    """Compare a claimed derivative (in x, y = f(x) and the parameters) with the true one; with
    ``function=True`` the claim is a definition of f itself. ``constants`` is the claim with its
    decimal constants as symbols (:func:`actderiv.engine.compare.claim_constants`). See the
    module docstring for the verdicts."""
    opts = options or EngineOptions()
    with budget.collecting() as exhausted:
        result = _check(formula, d, claimed, opts, function, constants)
    return replace(result, exhausted=tuple(exhausted)) if exhausted else result


def _check(
    formula: Formula,
    d: Derivation,
    claimed: sp.Expr,
    opts: EngineOptions,
    function: bool,
    constants: tuple[sp.Expr, tuple[Constant, ...]] | None,
) -> ClaimResult:
    what = "the definition" if function else "the derivative"
    target = formula.expr if function else d.derivative
    try:
        evaluator = Evaluator(formula, target, claimed, constants)
    except NotNumeric as exc:
        return ClaimResult(equal=None, verdict="undecided", detail=str(exc))
    claim_x = claimed.subs(Y, formula.expr)
    at_defaults = formula.at_defaults(claim_x - target)
    f_breaks = [p.value for p in switch_points(formula.expr, formula, opts)]
    claim_breaks = [p.value for p in switch_points(claim_x, formula, opts)]
    features = feature_points(formula.at_defaults(claim_x), opts)
    features += extrema_of_difference(at_defaults, opts)
    xs = grid_points([] if function else f_breaks, [*claim_breaks, *f_breaks], features)
    points = [p for p in map(evaluator.at, xs) if p is not None]
    if not points:
        return ClaimResult(equal=None, verdict="undecided", detail="no point to compare at")
    differing = [p for p in points if p.differs]
    if differing and max(p.diff / max(p.size, 1e-300) for p in differing) > 1e-20:
        return _differs(evaluator, points, differing, what, constants)
    kinks = [] if function else _kinks(evaluator, d)
    wrong = [k for k in kinks if k[2] is None]
    # tiny differences: a proof may still settle it
    if (differing or wrong) and _proved(claim_x, target, formula, opts) is None:
        if wrong:
            return _wrong_at_kink(wrong[0], what)
        return _differs(evaluator, points, differing, what, constants)
    if kinks:
        return _kink(kinks, what)
    proof = _proved(claim_x, target, formula, opts)
    if proof is not None:
        return ClaimResult(
            equal=True,
            verdict="identical",
            method="proved",
            detail=f"SymPy proves the claim equal to {what}" + for_which(proof, formula),
        )
    limits = tail_limits(at_defaults, opts)
    tried = (
        f"SymPy could not prove it; the claim agrees with {what} to "
        f"{mpmath.nstr(evaluator.precision, 1)} of the "
        f"size of its terms at all {len(points)} points compared (out to |x| = "
        f"{max(CLAIM_FAR):.0e}, on both sides of every breakpoint of f and of the claim, and "
        f"where the difference could peak)"
    )
    if all(lim == 0 for lim in limits):
        return ClaimResult(
            equal=True,
            verdict="same",
            method="confirmed",
            detail=f"{tried}, and the difference tends to 0 at ±∞",
        )
    ends = " and ".join(
        f"at {end} the difference tends to {lim}" if lim is not None else f"no limit at {end}"
        for end, lim in zip(("-∞", "+∞"), limits, strict=True)
    )
    return ClaimResult(equal=None, verdict="undecided", detail=f"{tried}; but {ends}")


def _proved(claim_x: sp.Expr, target: sp.Expr, formula: Formula, opts: EngineOptions) -> Any:
    """How SymPy proves the claim (in general, or at the parameter values), or None."""
    proof = proves_zero(claim_x - target, opts, formula.defaults)
    if proof is None and formula.params:
        at_values = formula.at_defaults(claim_x - target)
        if proves_zero(at_values, opts) is not None:
            return "at the parameter values"
    return proof


# --- wrong, or within the precision of the constants ---------------------------------------------


def _differs(
    evaluator: Evaluator,
    points: list[Point],
    differing: list[Point],
    what: str,
    constants: tuple[sp.Expr, tuple[Constant, ...]] | None,
) -> ClaimResult:
    with mpmath.workdps(CLAIM_DPS):
        defined = [p for p in differing if p.have is not None]
        largest = max((p.against_size for p in defined), default=mpmath.inf)
        shown_largest = _short(largest)
        explained = (
            all(
                p.have is not None and p.diff <= ROUNDING_SLACK * evaluator.explained(p)
                for p in differing
            )
            if constants is not None and largest <= ROUNDING_LIMIT
            else False
        )
        if constants is not None and explained:
            texts = ", ".join(dict.fromkeys(c.text for c in constants[1]))
            worst = min(
                (p for p in defined if p.against_size >= NEAR_TIE * largest),
                key=lambda p: abs(p.x),
            )
            return ClaimResult(
                equal=False,
                verdict="rounding",
                largest_relative=shown_largest,
                detail=f"equal to {what} within the precision of the claim's constants "
                f"({texts}): the largest difference is {shown_largest} of the size of the values "
                f"(at x = {_x(worst.x)}: {_value(worst.want)} and {_value(worst.have)})",
                regions=tuple(runs(points, lambda p: p.differs)),
            )
        example, near = _counterexample(evaluator, points, differing)
    regions = tuple(runs(points, lambda p: p.differs))
    note = None
    if not near:
        note = (
            f"the claim agrees with {what} for |x| ≤ {CLAIM_NEAR:g} and differs only further "
            f"out, from |x| ≈ {min(abs(float(p.x)) for p in differing):.3g}"
        )
    elif largest <= ROUNDING_LIMIT:
        note = (
            f"the claim differs only slightly, as a rounding would: at most {shown_largest} "
            "relative"
            + ("" if constants is None else ", more than its constants' precision explains")
        )
    everywhere = len(differing) == len(points)
    where = (
        "everywhere"
        if everywhere
        else "for x in "
        + ", ".join(f"[{a:.6g}, {b:.6g}]" for a, b in regions[:6])
        + (f" and {len(regions) - 6} more intervals" if len(regions) > 6 else "")
    )
    return ClaimResult(
        equal=False,
        verdict="wrong",
        counterexample=example,
        regions=regions,
        largest_relative=shown_largest,
        note=note,
        detail=f"the claim differs from {what} {where} ({len(differing)} of {len(points)} "
        "points compared)" + (f"; {note}" if note else ""),
    )


def _counterexample(
    evaluator: Evaluator, points: list[Point], differing: list[Point]
) -> tuple[ClaimExample, bool]:
    """The point where the difference is largest relative to the size of the values, in
    |x| <= CLAIM_NEAR when the claim differs there (else anywhere), sharpened by a
    golden-section search between its neighbours; x rounded to 6 digits. Deterministic."""
    near = [p for p in differing if abs(p.x) <= CLAIM_NEAR]
    pool = near or differing
    defined = [p for p in pool if p.have is not None]
    if not defined:
        best = min(pool, key=lambda p: abs(p.x))
        return _example(best), bool(near)
    typical = max((abs(p.want) for p in points if abs(p.x) <= CLAIM_NEAR), default=0)
    if typical == 0:
        typical = max(abs(p.want) for p in points) or mpmath.mpf(1)

    def score(p: Point) -> Any:
        if not near or p.have is None:
            return p.relative
        return p.diff / (max(abs(p.want), abs(p.have)) + typical)

    # Among points about as good as the best, the nearest to 0 (a saturated tail, where many
    # points tie, is less telling than a point where the values are of their usual size).
    top = max(score(p) for p in defined)
    best = min((p for p in defined if score(p) >= NEAR_TIE * top), key=lambda p: abs(p.x))
    if near:
        i = next(k for k, p in enumerate(points) if p.x == best.x)
        lo = points[max(i - 1, 0)].x
        hi = points[min(i + 1, len(points) - 1)].x
        sharp = refine(evaluator, float(lo), float(hi), score)
        candidate = evaluator.at(_rounded(sharp))
        if (
            candidate is not None
            and candidate.have is not None
            and candidate.differs
            and score(candidate) >= score(best)
        ):
            best = candidate
        else:
            rounded = evaluator.at(_rounded(float(best.x)))
            if rounded is not None and rounded.have is not None and rounded.differs:
                best = rounded
    return _example(best), bool(near)


def _rounded(x: float) -> float:
    """x as printed: 4 decimals in the user-relevant range, else 6 significant digits."""
    return round(x, 4) + 0.0 if abs(x) <= 100 * CLAIM_NEAR else float(f"{x:.6g}")


def _example(p: Point) -> ClaimExample:
    """The example's strings, with digits enough that the two values differ as printed."""
    digits = 15
    if p.have is not None and 0 < p.relative < mpmath.mpf(10) ** -12:
        digits = min(int(-mpmath.log10(p.relative)) + 4, 2 * CLAIM_DPS)
    with mpmath.workdps(max(CLAIM_DPS, digits + 10)):
        return ClaimExample(
            x=_x(p.x),
            expected=_value(p.want, digits),
            got=_value(p.have, digits),
            difference=None if p.have is None else _value(p.have - p.want),
            relative=None if p.have is None else _short(p.relative),
        )


def _x(x: Any) -> str:
    return f"{float(x):.10g}"


def _value(v: Any, digits: int = 15) -> str | None:
    return None if v is None else str(mpmath.nstr(v, digits))


def _short(v: Any) -> str:
    return "∞" if not mpmath.isfinite(v) else f"{float(v):.3g}"


# --- kinks ---------------------------------------------------------------------------------------

Kink = tuple[Breakpoint, Any, str | None]  # the breakpoint, the claim's value, how it is allowed


def _kinks(evaluator: Evaluator, d: Derivation) -> list[Kink]:
    """The breakpoints of f where the claim gives another value than the formula as written:
    allowed (with the words why) where f is not differentiable and the claim's value lies
    between the one-sided derivatives; else not (None)."""
    out: list[Kink] = []
    for bp in d.breakpoints:
        if bp.value is None or not bp.x.is_number:
            continue
        p = evaluator.at(float(bp.x))
        if p is None:
            continue
        if p.have is not None and not p.differs:
            continue
        sides = [s for s in (bp.left, bp.right) if s is not None and s.is_number]
        allowed = None
        if p.have is not None and bp.differentiable is not True and len(sides) == 2:
            lo, hi = sorted(float(s) for s in sides)
            slack = 1e-12 * max(1.0, abs(lo), abs(hi))
            if lo - slack <= float(p.have) <= hi + slack:
                allowed = _which_side(float(p.have), bp)
        out.append((bp, p.have, allowed))
    return out


def _which_side(value: float, bp: Breakpoint) -> str:
    def near(v: sp.Expr | None) -> bool:
        return v is not None and abs(float(v) - value) <= 1e-12 * max(1.0, abs(value))

    if near(bp.left) and near(bp.right):
        return "both one-sided derivatives"
    if near(bp.left):
        return "the left derivative"
    if near(bp.right):
        return "the right derivative"
    return "a value between the one-sided derivatives"


def _kink(kinks: list[Kink], what: str) -> ClaimResult:
    parts = []
    first = kinks[0]
    for bp, have, side in kinks:
        torch = "" if bp.torch is None else f"; PyTorch's autograd gives {bp.torch}"
        parts.append(
            f"at x = {bp.x} it gives {_value(have)} ({side}) where the formula as written gives "
            f"{bp.value}{torch}"
        )
    bp, have, _ = first
    return ClaimResult(
        equal=False,
        verdict="kink",
        method="sampled",
        counterexample=ClaimExample(x=str(bp.x), expected=str(bp.value), got=_value(have)),
        regions=tuple((float(k[0].x), float(k[0].x)) for k in kinks),
        detail=f"the claim agrees with {what} everywhere but at the kinks of f, where f is not "
        "differentiable and frameworks choose a value: " + "; ".join(parts),
    )


def _wrong_at_kink(kink: Kink, what: str) -> ClaimResult:
    bp, have, _ = kink
    shown = "undefined" if have is None else _value(have)
    why = (
        "f is differentiable there"
        if bp.differentiable
        else f"not between the one-sided derivatives {bp.left} and {bp.right}"
    )
    return ClaimResult(
        equal=False,
        verdict="wrong",
        counterexample=ClaimExample(
            x=str(bp.x),
            expected=str(bp.value),
            got=shown if have is None else _value(have),
        ),
        regions=((float(bp.x), float(bp.x)),),
        note="the claim differs only at one point",
        detail=f"the claim agrees with {what} away from x = {bp.x}, but there it gives {shown} "
        f"where {what} is {bp.value} ({why})",
    )


__all__ = ["VERDICTS", "ClaimExample", "ClaimResult", "Verdict", "X", "check_derivative"]
