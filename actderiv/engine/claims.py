"""Claims: how a derivative someone wrote compares with the true one (``actderiv check``).

Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions
from actderiv.engine.checks import Counterexample, Numeric, fmt, for_which
from actderiv.engine.derivation import Derivation
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import switch_points
from actderiv.engine.proofs import proves_zero
from actderiv.lang.parse import X, Y
from actderiv.numerics import (
    ABS_TOL,
    REL_TOL,
    VERIFY_DPS,
    NotNumeric,
    close,
    real_value,
    sample_points,
)

Verdict = Literal["same", "everywhere", "region", "kink", "undecided"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """How a claimed derivative compares with the true one."""

    equal: bool | None
    verdict: Verdict
    detail: str
    counterexample: Counterexample | None = None
    regions: tuple[tuple[float, float], ...] = ()
    method: Literal["proved", "sampled"] = "sampled"
    #: The work budgets that ran out on the way (a claim left "sampled" by one says so).
    exhausted: tuple[str, ...] = ()


def check_derivative(
    formula: Formula,
    d: Derivation,
    claimed: sp.Expr,
    options: EngineOptions | None = None,
    *,
    function: bool = False,
) -> ClaimResult:
    """Compare a claimed derivative (in x, y = f(x) and the parameters) with the true one.

    With ``function=True`` the claim is a definition of f itself, compared with the catalog's.

    The claim is the same function when SymPy proves it or it agrees at every sample point; it
    is wrong everywhere when it disagrees at every point, wrong on a region when it disagrees on
    some points only (the regions are reported), and wrong at a kink when it agrees everywhere
    but at a breakpoint, where it differs from the value as the formula is written (PyTorch's).
    """
    opts = options or EngineOptions()
    numeric = Numeric(formula)
    breaks = [p.value for p in switch_points(formula.expr, formula, opts)]
    points = sample_points(breaks)
    try:
        target = formula.expr if function else d.derivative
        h, g = numeric.fn(claimed), numeric.fn(target)
    except NotNumeric as exc:
        return ClaimResult(equal=None, verdict="undecided", detail=str(exc))
    mismatches: list[tuple[float, Any, Any]] = []
    compared = 0
    with mpmath.workdps(VERIFY_DPS):
        for xv in points:
            want = numeric.value(g, xv)
            if want is None:
                continue
            have = _claim_value(numeric, h, xv)
            compared += 1
            if have is None or not close(have, want, REL_TOL, ABS_TOL):
                mismatches.append((xv, want, have))
    if compared == 0:
        return ClaimResult(equal=None, verdict="undecided", detail="no point to compare at")
    if mismatches:
        return _wrong(mismatches, points, compared)
    kink = None if function else _kink_mismatch(numeric, h, d)
    if kink is not None:
        return kink
    with budget.collecting() as exhausted:
        proof = proves_zero(claimed.subs(Y, formula.expr) - target, opts, formula.defaults)
    what = "the definition" if function else "the derivative"
    how = (
        f"the claim agrees with {what} at all {compared} sample points"
        if proof is None
        else f"SymPy proves the claim equal to {what}" + for_which(proof, formula)
    )
    return ClaimResult(
        equal=True,
        verdict="same",
        detail=how,
        method="sampled" if proof is None else "proved",
        exhausted=tuple(exhausted),
    )


def _claim_value(numeric: Numeric, h: Callable[[Any], Any], xv: float) -> Any | None:
    env = {**numeric.env0, X: mpmath.mpf(xv)}
    y = real_value(numeric.f, env)
    return None if y is None else real_value(h, {**env, Y: y})


def _wrong(
    mismatches: list[tuple[float, Any, Any]], points: Sequence[float], compared: int
) -> ClaimResult:
    first = mismatches[0]
    example = Counterexample(x=repr(first[0]), expected=fmt(first[1]), got=fmt(first[2]))
    if len(mismatches) == compared:
        return ClaimResult(
            equal=False,
            verdict="everywhere",
            counterexample=example,
            detail=f"the claim is wrong at all {compared} sample points",
            regions=((mismatches[0][0], mismatches[-1][0]),),
        )
    bad = {m[0] for m in mismatches}
    regions: list[tuple[float, float]] = []
    for xv in points:
        if xv in bad:
            if regions and _adjacent(points, regions[-1][1], xv):
                regions[-1] = (regions[-1][0], xv)
            else:
                regions.append((xv, xv))
    shown = ", ".join(f"[{a:.6g}, {b:.6g}]" for a, b in regions)
    return ClaimResult(
        equal=False,
        verdict="region",
        counterexample=example,
        regions=tuple(regions),
        detail=f"the claim is wrong at {len(mismatches)} of {compared} sample points, "
        f"for x in {shown}",
    )


def _adjacent(points: Sequence[float], a: float, b: float) -> bool:
    index = {p: i for i, p in enumerate(points)}
    return index[b] - index[a] == 1


def _kink_mismatch(numeric: Numeric, h: Callable[[Any], Any], d: Derivation) -> ClaimResult | None:
    for bp in d.breakpoints:
        if bp.value is None:
            continue
        xv = float(bp.x)
        with mpmath.workdps(VERIFY_DPS):
            have = _claim_value(numeric, h, xv)
        if have is None or not close(have, mpmath.mpf(float(bp.value)), REL_TOL, ABS_TOL):
            who = (
                "PyTorch's autograd and the formula as written give"
                if bp.torch is not None
                else "the formula as written gives"
            )
            shown = "undefined" if have is None else fmt(have)
            return ClaimResult(
                equal=False,
                verdict="kink",
                counterexample=Counterexample(x=str(bp.x), expected=str(bp.value), got=shown),
                detail=f"the claim agrees away from breakpoints, but at the kink x = {bp.x} it "
                f"gives {shown} where {who} {bp.value}"
                + ("" if bp.differentiable else " (f is not differentiable there)"),
            )
    return None
