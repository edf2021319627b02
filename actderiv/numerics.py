"""Evaluate SymPy expressions with mpmath, independently of SymPy's own evaluation and ``diff``;
and the engine's numerical settings: precisions, sample points and tolerances, in one place.

The expression tree is compiled into nested Python closures over mpmath functions (no ``lambdify``,
no generated source). Used by verification for high-precision numerical differentiation.
Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import mpmath
import sympy as sp

Fn = Callable[[Mapping[sp.Symbol, Any]], Any]

# --- precisions, sample points and tolerances ---------------------------------------------------

#: Digits for verification's numerical derivatives and comparisons.
VERIFY_DPS: Final = 50
#: Digits for the properties analysis (exact values compared, signs sampled).
PROPERTY_DPS: Final = 30
#: Digits for checking candidate self-referential forms.
PROBE_DPS: Final = 30
#: Digits for the Gaussian moments of the gradient analysis.
MOMENT_DPS: Final = 20
#: Verification's comparison tolerances: relative, and absolute near zero.
REL_TOL: Final = 1e-9
ABS_TOL: Final = 1e-20
#: The tolerances of a candidate self-referential form against the derivative.
PROBE_REL_TOL: Final = 1e-12
PROBE_ABS_TOL: Final = 1e-14
#: Two floats closer than this (relative, at least 1 in scale) are the same value; an imaginary
#: part below it is round-off.
SAME_VALUE_TOL: Final = 1e-12
#: Points per branch between breakpoints, and how far out (|x|) verification samples.
POINTS_PER_BRANCH: Final = 32
REACH: Final = 50.0
#: Points per branch at which ``verify`` re-checks a record read from a cache (engine/recheck.py:
#: the stored derivatives against f's numerical derivative, besides the points by each kink).
RECHECK_POINTS_PER_BRANCH: Final = 6

#: Certified switch points with no closed form (engine/isolate.py): the precisions, in bits, at
#: which an interval evaluation is tried (a next one only where the one before cannot tell the
#: sign); the digits to which an isolating interval is refined (narrower than 10^-ROOT_DIGITS of
#: the zero), and at most how many halvings that takes; how narrow a piece of the line may get
#: where g' has no certified sign, and how far out (|x|) the line is split before giving up.
ROOT_BITS: Final = (96, 192, 384, 768)
ROOT_DIGITS: Final = 40
ROOT_HALVINGS: Final = 400
ROOT_MIN_WIDTH: Final = sp.Rational(1, 2**20)
ROOT_REACH: Final = 2**20

#: Points near the origin at several scales, added to the sample points where a form in y is
#: compared with the derivative (``verify``): where f is a narrow bump (GARF's exp(-50x^2)),
#: every sample point out to REACH lies where y is too small for the working precision to
#: determine the form (``ill_conditioned``), and no point would decide. Irrational-looking
#: values, apart from SAMPLE_XS (the search's points), to avoid landing on kinks.
NEAR_ORIGIN_XS: Final = tuple(
    sorted(s * v for v in (0.00173, 0.0219, 0.0613, 0.117, 0.283, 0.641) for s in (-1.0, 1.0))
)

#: Points at which candidate forms are checked; irrational-looking values avoid landing on kinks.
SAMPLE_XS: Final = tuple(
    sorted(
        {0.0}
        | {
            s * v
            for v in (0.0137, 0.137, 0.5, 0.91, 1.37, 2.2, 2.71, 3.9, 5.5, 7.3, 13.1, 19.7)
            for s in (-1.0, 1.0)
        }
    )
)


def sample_points(
    breaks: Sequence[float], per_branch: int = POINTS_PER_BRANCH, reach: float = REACH
) -> list[float]:
    """Points on every branch between breakpoints, out to ±reach, and hugging each breakpoint."""
    edges = [
        -reach - max((abs(b) for b in breaks), default=0.0),
        *breaks,
        reach + max((abs(b) for b in breaks), default=0.0),
    ]
    points: list[float] = []
    for lo, hi in itertools.pairwise(edges):
        width = hi - lo
        for k in range(per_branch):
            # denser near the ends of each branch (Chebyshev-like), never exactly on an edge
            t = (1 - mpmath.cos(mpmath.pi * (k + 0.5) / per_branch)) / 2
            points.append(float(lo + width * t))
    for b in breaks:
        gap = 1e-3 * max(1.0, abs(b))
        points.extend((b - gap, b + gap))
    return sorted(set(points))


def with_near_origin(points: Sequence[float], breaks: Sequence[float]) -> list[float]:
    """``points`` and :data:`NEAR_ORIGIN_XS`, less those nearer a breakpoint than the points
    that hug it (:func:`sample_points`)."""
    near = [v for v in NEAR_ORIGIN_XS if all(abs(v - b) > 1e-3 * max(1.0, abs(b)) for b in breaks)]
    return sorted({*points, *near})


_FUNCS: Final[dict[type, Callable[..., Any]]] = {
    sp.exp: lambda v: _guarded(mpmath.exp, v),
    sp.log: mpmath.log,
    sp.sin: mpmath.sin,
    sp.cos: mpmath.cos,
    sp.tan: mpmath.tan,
    sp.asin: mpmath.asin,
    sp.acos: mpmath.acos,
    sp.atan: mpmath.atan,
    sp.sinh: lambda v: _guarded(mpmath.sinh, v),
    sp.cosh: lambda v: _guarded(mpmath.cosh, v),
    sp.tanh: mpmath.tanh,
    sp.asinh: mpmath.asinh,
    sp.acosh: mpmath.acosh,
    sp.atanh: mpmath.atanh,
    sp.sech: mpmath.sech,
    sp.csch: mpmath.csch,
    sp.coth: mpmath.coth,
    sp.sec: mpmath.sec,
    sp.csc: mpmath.csc,
    sp.cot: mpmath.cot,
    sp.erf: mpmath.erf,
    sp.erfc: mpmath.erfc,
    sp.Abs: abs,
    sp.sign: lambda v: mpmath.sign(v),
    sp.atan2: mpmath.atan2,
    sp.DiracDelta: lambda v, *k: mpmath.mpf(0) if v != 0 else mpmath.inf,
    sp.Heaviside: lambda v, h0=None: (
        mpmath.mpf(1)
        if v > 0
        else mpmath.mpf(0)
        if v < 0
        else (mpmath.mpf(0.5) if h0 is None else h0)
    ),
}
_RELATIONS: Final[dict[type, Callable[[Any, Any], bool]]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


EXP_LIMIT: Final = 1e300
"""Beyond this argument exp, sinh and cosh count as infinite. mpmath computes exp(1e300)
instantly (its exponent is just a big integer), but exp(exp(exp(exp(50)))) would need more
memory than any machine has."""


def _guarded(fn: Callable[[Any], Any], v: Any) -> Any:
    if isinstance(v, mpmath.mpc):
        return fn(v) if abs(v.real) <= EXP_LIMIT else mpmath.nan
    if v > EXP_LIMIT:
        return mpmath.inf
    if v < -EXP_LIMIT:
        return fn(-mpmath.inf)
    return fn(v)


class NotNumeric(ValueError):
    """The expression holds something this evaluator does not know."""


def compile_mp(expr: Any) -> Fn:
    """Compile ``expr`` into a function of a symbol → value mapping, evaluated with mpmath."""
    if isinstance(expr, sp.Symbol):
        return lambda env: env[expr]
    if expr is sp.true or expr is True:
        return lambda env: True
    if expr is sp.false or expr is False:
        return lambda env: False
    if isinstance(expr, sp.Number) or expr in (sp.pi, sp.E) or isinstance(expr, sp.NumberSymbol):
        if expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            return lambda env: mpmath.mpf(p) / q
        if expr in (sp.oo, -sp.oo, sp.zoo, sp.nan):
            const = {sp.oo: mpmath.inf, -sp.oo: -mpmath.inf}.get(expr, mpmath.nan)
            return lambda env: const
        text = str(sp.N(expr, 60))
        return lambda env: mpmath.mpf(text)
    if isinstance(expr, sp.Add):
        parts = [compile_mp(a) for a in expr.args]
        return lambda env: mpmath.fsum(p(env) for p in parts)
    if isinstance(expr, sp.Mul):
        parts = [compile_mp(a) for a in expr.args]

        def mul(env: Mapping[sp.Symbol, Any]) -> Any:
            out = mpmath.mpf(1)
            for p in parts:
                out *= p(env)
            return out

        return mul
    if isinstance(expr, sp.Pow):
        return _pow(expr)
    if isinstance(expr, sp.Piecewise):
        pieces = [(compile_mp(e), compile_mp(c)) for e, c in expr.args]

        def piecewise(env: Mapping[sp.Symbol, Any]) -> Any:
            for value, cond in pieces:
                if cond(env):
                    return value(env)
            return mpmath.nan

        return piecewise
    if type(expr) in _RELATIONS:
        rel = _RELATIONS[type(expr)]
        lhs, rhs = compile_mp(expr.lhs), compile_mp(expr.rhs)
        return lambda env: bool(rel(lhs(env), rhs(env)))
    if isinstance(expr, sp.And | sp.Or):
        parts = [compile_mp(a) for a in expr.args]
        join = all if isinstance(expr, sp.And) else any
        return lambda env: join(p(env) for p in parts)
    if isinstance(expr, sp.Not):
        inner = compile_mp(expr.args[0])
        return lambda env: not inner(env)
    if isinstance(expr, sp.Max | sp.Min):
        parts = [compile_mp(a) for a in expr.args]
        pick = max if isinstance(expr, sp.Max) else min
        return lambda env: pick(p(env) for p in parts)
    func = _FUNCS.get(type(expr)) or _FUNCS.get(expr.func)
    if func is not None:
        args = [compile_mp(a) for a in expr.args]
        return lambda env: func(*(a(env) for a in args))
    raise NotNumeric(f"cannot evaluate {type(expr).__name__} numerically")


def _pow(expr: sp.Pow) -> Fn:
    base, exponent = compile_mp(expr.base), expr.exp
    if exponent.is_Integer:
        n = int(exponent)
        return lambda env: base(env) ** n
    if exponent == sp.Rational(1, 2):
        return lambda env: mpmath.sqrt(base(env))
    power = compile_mp(exponent)
    return lambda env: mpmath.power(base(env), power(env))


def real_value(fn: Fn, env: Mapping[sp.Symbol, Any]) -> Any | None:
    """``fn(env)`` as a finite real mpf, or None where it is undefined, infinite or complex."""
    try:
        value = fn(env)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > mpmath.mpf(10) ** (-mpmath.mp.dps + 5) * max(1, abs(value.real)):
            return None
        value = value.real
    if not mpmath.isfinite(value):
        return None
    return mpmath.mpf(value)


def close(a: Any, b: Any, rel: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    """Whether two numbers agree to a relative (or, near zero, absolute) tolerance."""
    return bool(abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol))


def ill_conditioned(fn: Fn, env: Mapping[sp.Symbol, Any], var: sp.Symbol, rel_tol: float) -> bool:
    """Whether ``fn`` at ``env`` is not determined to ``rel_tol`` by ``env[var]``, a value known
    only to the working precision: ``fn`` is undefined, or varies by more than ``rel_tol``, when
    ``var`` moves by a thousand units of its last place (cloglog's ``-(1 - y)·log(1 - y)`` where
    y = 1 - exp(-exp(x)) rounds to 1). Such a point can decide nothing about a form in ``var``.
    """
    value = env[var]
    step = max(abs(value), mpmath.mpf(1)) * mpmath.mpf(10) ** (3 - mpmath.mp.dps)
    mid = real_value(fn, env)
    ends = [real_value(fn, {**env, var: value + s}) for s in (-step, step)]
    if mid is None:  # undefined at y itself: ill-conditioned only if defined beside it
        return any(e is not None for e in ends)
    if any(e is None for e in ends):
        return True
    return any(not close(e, mid, rel_tol, 0.0) for e in ends if e is not None)


# --- claims (actderiv check): what "the same" and "within precision" mean ----------------------
# See docs/ARCHITECTURE.md ("Claims").

#: Claims are compared at this many digits; every constant is exact, so two forms of the same
#: function agree to about this many digits of the size of their terms.
CLAIM_DPS: Final = 50
#: The most digits a point may need to tell the claim and the truth apart (1 + exp(-x) needs
#: about x/2.3 of them); a point that needs more is left out.
CLAIM_MAX_DPS: Final = 1500
#: A difference larger than this, relative to the size of the terms summed (cancellation
#: included), is a real difference and not the working precision's rounding.
CLAIM_PRECISION: Final = 1e-30
#: The user-relevant range: counterexamples are looked for in |x| <= CLAIM_NEAR first.
CLAIM_NEAR: Final = 10.0
#: Points of the even grid on [-CLAIM_NEAR, CLAIM_NEAR].
CLAIM_GRID: Final = 400
#: Points far out, both signs, beyond the grid and the sample points.
CLAIM_FAR: Final = (20.0, 35.0, 50.0, 100.0, 300.0, 1e3, 1e4, 1e5, 1e6, 1e9, 1e12)
#: Golden-section steps that sharpen the counterexample around the best point of the grid.
CLAIM_REFINE: Final = 60
#: A claim within its constants' precision agrees to at least this relative difference
#: (about six significant digits, float32's); a larger difference is wrong, however rounded.
ROUNDING_LIMIT: Final = 1e-6
#: Factor on the first-order effect of rounding the claim's constants by half a unit of their
#: last digit (room for second-order terms only: 0.999999999 is not 1 rounded, nor is 1e-40 0).
ROUNDING_SLACK: Final = 1.5
#: A decimal constant with at least this many significant digits is taken as a float64 value:
#: its precision is float64's (2**-52 relative) where that is coarser than its last digit.
FLOAT64_DIGITS: Final = 15
