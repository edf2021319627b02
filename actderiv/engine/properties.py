"""Properties of an activation at its default parameters: the questions behind vanishing gradients.

Range, bounds, monotonicity of f and f', order of continuity, f(0) and f'(0), whether f is the
identity near 0, zero-centred output, the largest |f'|, the limits of f' at ±∞, dead zones, and
the gradient through stacked layers. Each answer says how it was found: ``proved`` (SymPy limits,
critical points from ``solveset``, signs of derivatives branch by branch, exact values compared at
high precision) or ``sampled`` (mpmath at many points of a stated range; never presented as
certain). Every SymPy step that can hang runs under a small budget. Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import partial
from typing import Any, Final

import mpmath
import sympy as sp

from actderiv.catalog.model import PROPERTY_KEYS
from actderiv.engine import budget
from actderiv.engine.analysis import (
    Analysis,
    Method,
    Piece,
    Sampler,
    exact_text,
    numeric_value,
    same_value,
    shorter,
    sign_of,
    sign_on,
    to_mpf,
)
from actderiv.engine.budget import WorkExhausted, hang_guard
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import unfound_switch_points
from actderiv.lang.parse import X
from actderiv.numerics import PROPERTY_DPS, NotNumeric, compile_mp, real_value

MAX_ORDER: Final = 6
KEYS: Final = PROPERTY_KEYS


def _monotone(a: Analysis, order: int) -> tuple[bool | None, Method, str]:
    """Whether the ``order``-th derivative (0: f, 1: f') never changes direction."""
    if order == 1 and a.continuous is False:
        return False, "proved", "f jumps, so f' has a Dirac spike there"
    directions: set[int] = set()
    method: Method = "proved"
    undecided = False
    for piece in a.pieces:
        sign, how = sign_on(piece.d1 if order == 0 else piece.d2, piece, a)
        if sign == "±":
            what = "f'" if order == 0 else "f''"
            return False, "proved", f"{what} changes sign on {piece.where()}"
        if sign is None:
            undecided = True
        elif sign != "0":
            directions.add(1 if sign == "+" else -1)
        method = "sampled" if how == "sampled" else method
    for i in range(len(a.points)):
        left, right = (numeric_value(v) for v in a.left_right(i, order))
        if left is None or right is None:
            undecided = True
        elif not same_value(left, right):
            directions.add(1 if right > left else -1)
    if len(directions) > 1:
        return False, "proved", "increases on one part and decreases on another"
    if undecided:
        return None, "sampled", "the sign could not be decided everywhere"
    return True, method, ""


def _continuity(a: Analysis) -> tuple[int | str | None, str | None, Method]:
    """(k of C^k, the switch point that limits it, method)."""
    worst: int | None = None
    at: str | None = None
    for i in range(len(a.points)):
        k = _continuity_at(a, i)
        if k is None:
            return None, a.point_text(i), "proved"
        if k == "inf":
            continue
        assert isinstance(k, int)
        if worst is None or k < worst:
            worst, at = k, a.point_text(i)
    return ("inf" if worst is None else worst), at, "proved"


def _continuity_at(a: Analysis, i: int) -> int | str | None:
    if a.jumps[i] is None:
        return None
    if a.jumps[i]:
        return -1
    for order in range(1, MAX_ORDER + 1):
        left, right = (numeric_value(v) for v in a.left_right(i, order))
        if left is None and right is None:
            return order - 1  # both one-sided derivatives blow up
        if not same_value(left, right):
            return order - 1
    below, above = a.pieces[i].f, a.pieces[i + 1].f
    same = a.clock.attempt(lambda: sp.simplify(below - above) == 0, False, "a simplify")
    return "inf" if same else None


def _extremes(
    a: Analysis, pick: Callable[[Piece], sp.Expr], deriv: Callable[[Piece], sp.Expr]
) -> tuple[list[tuple[Any, sp.Expr, bool, str]], Method]:
    """Candidate extreme values of g = pick(piece): (value, exact, attained, where).

    Critical points are the real zeros of ``deriv(piece)``; ends are one-sided limits (at ±∞ and
    at switch points) and the values as written at switch points.
    """
    out: list[tuple[Any, sp.Expr, bool, str]] = []
    method: Method = "proved"
    for piece in a.pieces:
        g, dg = pick(piece), deriv(piece)
        if not g.has(X):
            out.append((numeric_value(g), g, True, piece.where()))
            continue
        for end, side, text in (
            (piece.lo, "+", piece.end_text(-1)),
            (piece.hi, "-", piece.end_text(1)),
        ):
            limit = a.at(g, end, side)
            if limit is None:
                method = "sampled"
                continue
            out.append((numeric_value(limit), limit, False, text or ""))
        crit = a.zeros(dg, piece)
        if crit == sp.S.EmptySet or (
            isinstance(crit, sp.FiniteSet) and all(c.is_number for c in crit)
        ):
            for c in crit:  # the empty set has no elements
                value = a.at(g, c)
                if value is not None:
                    out.append((numeric_value(value), value, True, exact_text(shorter(c)) or ""))
            if not _bounds_samples(out, g, piece, a.sampler):
                # SymPy's zeros missed one (it can, depending on the order of a set): the samples
                # go beyond what was found, so nothing here is proved
                method = "sampled"
                out.extend(_sampled_extremes(g, dg, piece, a.sampler))
        else:
            method = "sampled"
            out.extend(_sampled_extremes(g, dg, piece, a.sampler))
    return [c for c in out if c[0] is not None], method


def _bounds_samples(
    cands: list[tuple[Any, sp.Expr, bool, str]], g: sp.Expr, piece: Piece, sampler: Sampler
) -> bool:
    """Whether the candidate values found so far (this piece's and those before it) enclose
    every sample of g on the piece: the extremes reported must be at least as extreme as any
    value g takes at a sample point."""
    values = [c[0] for c in cands if c[0] is not None]
    samples = [v for _, v in sampler.values(g, sampler.on(piece))]
    if not samples:
        return True
    if not values:
        return False
    finite = [abs(v) for v in values + samples if not mpmath.isinf(v)]
    slack = mpmath.mpf(10) ** -9 * max([*finite, 1])
    return all(min(values) - slack <= v <= max(values) + slack for v in samples)


def _sampled_extremes(
    g: sp.Expr, dg: sp.Expr, piece: Piece, sampler: Sampler
) -> list[tuple[Any, sp.Expr, bool, str]]:
    """Values of g at the samples, and at the zeros of dg found between samples of either sign."""
    xs = sampler.on(piece)
    # A sample is a value f takes, but not an extreme: only the refined zeros of dg attain one.
    out = [(v, sp.Float(v, 17), False, f"{xv:.6g}") for xv, v in sampler.values(g, xs)]
    try:
        gf, dgf = compile_mp(g), compile_mp(dg)
    except NotNumeric:
        return out
    slopes = sampler.values(dg, xs)
    with mpmath.workdps(PROPERTY_DPS):
        for (x0, s0), (x1, s1) in itertools.pairwise(slopes):
            if sign_of(s0) * sign_of(s1) >= 0:
                continue
            try:
                root = mpmath.findroot(
                    lambda t: dgf({X: t}), (mpmath.mpf(x0), mpmath.mpf(x1)), solver="anderson"
                )
            except (ValueError, ZeroDivisionError):
                continue
            v = real_value(gf, {X: root})
            if v is not None:
                out.append((v, sp.Float(v, 17), True, mpmath.nstr(root, 8)))
    return out


def _range(a: Analysis) -> tuple[dict[str, Any], Method, list[str]]:
    cands, method = _extremes(a, lambda p: p.f, lambda p: p.d1)
    notes = []
    for i, p in enumerate(a.points):
        here = a.value(a.f, p)
        if here is not None and numeric_value(here) is not None:
            cands.append((numeric_value(here), here, True, a.point_text(i) or ""))
    if not cands:
        return _empty_range(), "sampled", ["no value of f could be computed"]
    low = min(cands, key=lambda c: c[0])
    high = max(cands, key=lambda c: c[0])
    values = None
    if all(not piece.f.has(X) for piece in a.pieces):
        values = sorted(
            {exact_text(shorter(c[1])) or "" for c in cands}, key=lambda s: float(sp.N(s))
        )
    if a.continuous is False:
        notes.append("f jumps, so the range is the hull of the values f takes")
    return (
        {
            "low": exact_text(shorter(low[1])),
            "high": exact_text(shorter(high[1])),
            "low_closed": any(c[2] and same_value(c[0], low[0]) for c in cands)
            and not mpmath.isinf(low[0]),
            "high_closed": any(c[2] and same_value(c[0], high[0]) for c in cands)
            and not mpmath.isinf(high[0]),
            "values": values,
        },
        method,
        notes,
    )


def _empty_range() -> dict[str, Any]:
    return {"low": None, "high": None, "low_closed": None, "high_closed": None, "values": None}


def max_abs_derivative(a: Analysis) -> tuple[dict[str, Any], Method]:
    cands, method = _extremes(a, lambda p: p.d1, lambda p: p.d2)
    if not cands:
        return {"value": None, "at": None}, "sampled"
    best = max(cands, key=lambda c: abs(c[0]))
    value = sp.oo if mpmath.isinf(best[0]) else shorter(sp.Abs(best[1]))
    where = list(dict.fromkeys(c[3] for c in cands if same_value(abs(c[0]), abs(best[0]))))
    shown = ", ".join(where[:3]) + (", …" if len(where) > 3 else "")
    return {"value": exact_text(value), "at": shown}, method


def _limit_kind(value: sp.Expr | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, sp.AccumBounds):
        return "oscillating"
    if value in (sp.oo, -sp.oo):
        return "growing"
    return "saturating" if value == 0 else "constant"


def _derivative_limits(a: Analysis) -> tuple[dict[str, Any], Method]:
    out: dict[str, Any] = {}
    method: Method = "proved"
    for key, piece, end in (
        ("minus_inf", a.pieces[0], -sp.oo),
        ("plus_inf", a.pieces[-1], sp.oo),
    ):
        value = a.clock.attempt(partial(sp.limit, piece.d1, X, end), None, "a limit")
        if value is None or value.has(sp.Limit):
            value, method = _sampled_limit(piece.d1, end, a.sampler), "sampled"
        kind = _limit_kind(value)
        shown = None if value is None or isinstance(value, sp.AccumBounds) else exact_text(value)
        out[key] = {"kind": kind, "value": shown}
    return out, method


def _sampled_limit(d1: sp.Expr, end: sp.Expr, sampler: Sampler) -> sp.Expr | None:
    sign = 1 if end == sp.oo else -1
    values = [v for _, v in sampler.values(d1, [sign * 1e2, sign * 1e3, sign * 1e4])]
    if len(values) < 3:
        return None
    if all(abs(v) < 1e-12 for v in values):
        return sp.S.Zero
    if all(same_value(v, values[0]) for v in values):
        return sp.Float(values[0], 15)
    if abs(values[2]) > abs(values[1]) > abs(values[0]):
        return sp.oo if values[2] > 0 else -sp.oo
    return None


def _dead_zones(a: Analysis) -> list[dict[str, str | None]]:
    zones: list[dict[str, str | None]] = []
    for piece in a.pieces:
        if piece.d1 == 0:
            if zones and zones[-1]["high"] == piece.end_text(-1):
                zones[-1]["high"] = piece.end_text(+1)
            else:
                zones.append({"low": piece.end_text(-1), "high": piece.end_text(+1)})
    return zones


def _origin(a: Analysis) -> tuple[sp.Expr | None, sp.Expr | None, bool | None]:
    """f(0), f'(0) (None where f is not differentiable at 0), and whether f' is continuous at 0."""
    f0 = a.value(a.f, sp.S.Zero)
    if sp.S.Zero in a.points:
        i = a.points.index(sp.S.Zero)
        if a.jumps[i]:
            return f0, None, False
        left, right = a.left_right(i, 1)
        if left is None or right is None:
            return f0, None, None
        if not same_value(numeric_value(left), numeric_value(right)):
            return f0, None, False
        return f0, left, True
    piece = next(p for p in a.pieces if to_mpf(p.lo) < 0 < to_mpf(p.hi))
    return f0, a.at(piece.d1, sp.S.Zero), True


def properties_of(formula: Formula) -> dict[str, Any]:
    """The properties of ``formula`` at its default parameters (keys as in docs/ARCHITECTURE.md)."""
    a = Analysis(formula)
    if a.missed:  # the pieces may be wrong: nothing is decided (never a false "proved")
        return _undecided(a, unfound_switch_points(a.missed))
    if not a.defined_everywhere():
        return _undecided(a)
    methods: dict[str, Method] = {}
    rng, methods["range"], notes = _range(a)
    low, high = numeric_value(sp.S(rng["low"])) if rng["low"] else None, None
    high = numeric_value(sp.S(rng["high"])) if rng["high"] else None
    methods["bounded_below"] = methods["bounded_above"] = methods["range"]
    mono, methods["monotonic"], why = _monotone(a, 0)
    mono_d, methods["monotonic_derivative"], why_d = _monotone(a, 1)
    continuity, limited_at, methods["continuity"] = _continuity(a)
    f0, df0, d_continuous = _origin(a)
    methods["f0"] = methods["df0"] = methods["identity_near_origin"] = "proved"
    identity = (
        None
        if f0 is None or d_continuous is None
        else f0 == 0 and df0 is not None and same_value(numeric_value(df0), 1) and d_continuous
    )
    zero_centered = (
        None if low is None or high is None or f0 is None else (f0 == 0 and low < 0 < high)
    )
    methods["zero_centered"] = methods["range"]
    max_d, methods["max_abs_derivative"] = max_abs_derivative(a)
    limits, methods["derivative_limits"] = _derivative_limits(a)
    methods["dead_zones"] = "proved"
    notes += [n for n in (why and f"monotonic: {why}", why_d and f"monotonic f': {why_d}") if n]
    sampled = any(m == "sampled" for m in methods.values())
    return {
        "range": rng,
        "bounded_below": None if low is None else not mpmath.isinf(low),
        "bounded_above": None if high is None else not mpmath.isinf(high),
        "monotonic": mono,
        "monotonic_derivative": mono_d,
        "continuity": continuity,
        "continuity_limited_at": limited_at,
        "f0": exact_text(shorter(f0)) if f0 is not None else None,
        "df0": exact_text(shorter(df0)) if df0 is not None else None,
        "identity_near_origin": identity,
        "zero_centered": zero_centered,
        "max_abs_derivative": max_d,
        "derivative_limits": limits,
        "dead_zones": _dead_zones(a),
        "method": {k: methods[k] for k in KEYS},
        "sampled_on": a.sampler.label if sampled else None,
        "notes": notes,
    }


def _undecided(a: Analysis, why: list[str] | None = None) -> dict[str, Any]:
    """Every answer null: the analysis assumes f real and finite on the whole real line, and
    its pieces between all the switch points (``why`` says which were not found)."""
    return {
        "range": _empty_range(),
        **dict.fromkeys(
            (
                "bounded_below",
                "bounded_above",
                "monotonic",
                "monotonic_derivative",
                "continuity",
                "continuity_limited_at",
                "f0",
                "df0",
                "identity_near_origin",
                "zero_centered",
            )
        ),
        "max_abs_derivative": {"value": None, "at": None},
        "derivative_limits": {
            "minus_inf": {"kind": None, "value": None},
            "plus_inf": {"kind": None, "value": None},
        },
        "dead_zones": [],
        "method": dict.fromkeys(KEYS, "sampled"),
        "sampled_on": a.sampler.label,
        "notes": why
        or ["f is not real and finite everywhere on the sampled range; nothing was decided"],
    }


def properties_record(
    formula: Formula, timeout: float = budget.HANG_SECONDS
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """:func:`properties_of` within ``budget.PROPERTIES`` steps (None past that, or when f
    cannot be evaluated), and the budgets that ran out on the way.

    Raises:
        BudgetExceeded: the analysis ran past ``timeout`` seconds (a guard against a hang).
    """
    with hang_guard(timeout, "the properties"), budget.collecting() as exhausted:
        try:
            with budget.work_budget(budget.PROPERTIES, "the properties") as whole:
                return properties_of(formula), tuple(exhausted)
        except WorkExhausted as exc:
            if exc.budget is not whole:
                raise
            budget.note_exhausted(exc.budget.message())
        except NotNumeric:
            pass
    return None, tuple(exhausted)
