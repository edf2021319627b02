"""Gaussian moments of an activation: E[f(√q·z)²] and E[f′(√q·z)²] for z ~ N(0, 1).

The integral is split at the activation's switch points (kinks and jumps), each piece integrated
by tanh-sinh quadrature (``mpmath.fp.quad``, in floats, to about 1e-14) with the branch that
applies there; never sampled at random. Where a float overflows (exp(800)/(1 + exp(800))**2),
that point is evaluated with mpmath. Used by :mod:`actderiv.engine.signal`. Pure: no I/O.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import mpmath
import sympy as sp

from actderiv.engine.analysis import select_branch, smooth_form
from actderiv.engine.budget import EngineOptions
from actderiv.engine.forms import differentiate
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import switch_points
from actderiv.errors import InvalidInput
from actderiv.lang.parse import X
from actderiv.numerics import NotNumeric, compile_mp, real_value

_SQRT_2PI: Final = math.sqrt(2 * math.pi)
_Z_MAX: Final = 38.0  # exp(-z²/2) underflows to 0 beyond this

FloatFn = Callable[[float], float]


class Diverges(ArithmeticError):
    """A Gaussian expectation is infinite or not a number (f or f′ is not square-integrable)."""


class Unresolved(Diverges):
    """A Gaussian expectation that the quadrature could not get to 1e-10 within its budget."""


# --- compiling a branch to a function of one float ---

_MATH: Final[dict[Any, Callable[..., float]]] = {
    sp.log: math.log,
    sp.sin: math.sin,
    sp.cos: math.cos,
    sp.tan: math.tan,
    sp.asin: math.asin,
    sp.acos: math.acos,
    sp.atan: math.atan,
    sp.tanh: math.tanh,
    sp.asinh: math.asinh,
    sp.acosh: math.acosh,
    sp.atanh: math.atanh,
    sp.erf: math.erf,
    sp.erfc: math.erfc,
    sp.Abs: abs,
    sp.sech: lambda v: 0.0 if abs(v) > 709 else 1 / math.cosh(v),
    sp.csch: lambda v: 0.0 if abs(v) > 709 else 1 / math.sinh(v),
    sp.coth: lambda v: 1 / math.tanh(v),
    sp.sec: lambda v: 1 / math.cos(v),
    sp.csc: lambda v: 1 / math.sin(v),
    sp.cot: lambda v: 1 / math.tan(v),
}


def _exp(v: float) -> float:
    return math.inf if v > 709.0 else math.exp(v)


def _sinh(v: float) -> float:
    return math.copysign(math.inf, v) if abs(v) > 709.0 else math.sinh(v)


def _cosh(v: float) -> float:
    return math.inf if abs(v) > 709.0 else math.cosh(v)


def _float_fn(expr: sp.Expr) -> FloatFn:
    """``expr`` (in x) as a function of a float, with the math module; mpmath where that fails."""
    try:
        inner = _compile(expr)
    except NotNumeric:
        mp_fn = compile_mp(expr)

        def via_mp(x: float) -> float:
            value = real_value(mp_fn, {X: mpmath.mpf(x)})
            return math.nan if value is None else float(value)

        return via_mp

    lazy: list[Any] = []

    def safe(x: float) -> float:
        try:
            value = float(inner(x))
        except (ValueError, ZeroDivisionError, OverflowError, TypeError):
            value = math.nan
        if math.isfinite(value):
            return value
        # exp(800)/(1 + exp(800))**2 is inf/inf in floats: mpmath has no overflow
        if not lazy:
            lazy.append(compile_mp(expr))
        exact = real_value(lazy[0], {X: mpmath.mpf(x)})
        return math.nan if exact is None else float(exact)

    return safe


def _compile(expr: Any) -> Callable[[float], Any]:
    if expr == X:
        return lambda x: x
    if isinstance(expr, sp.Number | sp.NumberSymbol):
        value = float(expr)
        return lambda x: value
    if isinstance(expr, sp.Add | sp.Mul):
        parts = [_compile(a) for a in expr.args]
        add = isinstance(expr, sp.Add)
        if len(parts) == 2:
            p, r = parts
            return (lambda x: p(x) + r(x)) if add else (lambda x: p(x) * r(x))
        if add:
            return lambda x: sum(p(x) for p in parts)
        return lambda x: math.prod(p(x) for p in parts)
    if isinstance(expr, sp.Pow):
        base, e = _compile(expr.base), expr.exp
        if e.is_Integer:
            n = int(e)
            return lambda x: base(x) ** n
        if e == sp.Rational(1, 2):
            return lambda x: math.sqrt(base(x))
        power = _compile(e)
        return lambda x: math.pow(base(x), power(x))
    if isinstance(expr, sp.Piecewise | sp.Max | sp.Min | sp.Heaviside | sp.sign):
        slow = compile_mp(expr)
        return lambda x: float(slow({X: mpmath.mpf(x)}))
    func = {sp.exp: _exp, sp.sinh: _sinh, sp.cosh: _cosh}.get(expr.func) or _MATH.get(expr.func)
    if func is not None and expr.args:
        args = [_compile(a) for a in expr.args]
        return lambda x: func(*(a(x) for a in args))
    raise NotNumeric(f"cannot evaluate {type(expr).__name__} numerically")


# --- the activation as pieces between switch points ---


@dataclass(frozen=True, slots=True)
class _Piece:
    lo: float
    hi: float
    f: FloatFn
    d: FloatFn


class Activation:
    """An activation at fixed parameters, with memoised Gaussian moments V(q) and D(q).

    V(q) = E[f(√q·z)²] and D(q) = E[f′(√q·z)²]; ``jumps`` lists the switch points where f is
    discontinuous (then f′ carries a Dirac delta and D is infinite).
    """

    def __init__(self, formula: Formula) -> None:
        f = smooth_form(formula.at_defaults(formula.expr))
        if f.free_symbols - {X}:
            raise InvalidInput("the formula has parameters without values: give them with -p")
        points = switch_points(f, Formula(f, (), formula.source), EngineOptions())
        self.breaks = [p.value for p in points]
        ends = [-math.inf, *self.breaks, math.inf]
        self.pieces: list[_Piece] = []
        for lo, hi in itertools.pairwise(ends):
            probe = _probe(lo, hi)
            branch = select_branch(f, probe)
            self.pieces.append(_Piece(lo, hi, _float_fn(branch), _float_fn(differentiate(branch))))
        self.jumps = [c for i, c in enumerate(self.breaks) if self._jump(i)]
        self._check_defined()
        self.evaluations = 0
        self.failures = 0
        self._v: dict[float, float] = {}
        self._d: dict[float, float] = {}

    def _sides(self, i: int, fn: str) -> tuple[float, float]:
        c = self.breaks[i]
        left, right = self.pieces[i], self.pieces[i + 1]
        return _side(getattr(left, fn), c, -1), _side(getattr(right, fn), c, 1)

    def _jump(self, i: int) -> bool:
        a, b = self._sides(i, "f")
        return not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > 1e-9 * (1 + abs(a))

    def _check_defined(self) -> None:
        grid = [k / 8 for k in range(-400, 401)]
        for x in (x for x in grid if x not in self.breaks):  # at a break: the sides count
            piece = next(p for p in self.pieces if p.lo <= x <= p.hi)
            if not math.isfinite(piece.f(x)):
                raise InvalidInput(
                    f"f is not real and finite at x = {x:g}: a parameter may be out of range, "
                    "and signal propagation needs f on the whole real line"
                )

    def at_zero(self, fn: str) -> float:
        """lim q→0 of E[g(√q·z)²]: the mean of g(0−)² and g(0+)² (g = f or f′)."""
        for i, c in enumerate(self.breaks):
            if c == 0:
                a, b = self._sides(i, fn)
                return (a * a + b * b) / 2
        piece = next(p for p in self.pieces if p.lo < 0 < p.hi)
        value = float(getattr(piece, fn)(0.0))
        return value * value

    def second_moment(self, q: float) -> float:
        """V(q) = E[f(√q·z)²]."""
        if q not in self._v:
            self._v[q] = self._expect("f", q)
        return self._v[q]

    def derivative_moment(self, q: float) -> float:
        """D(q) = E[f′(√q·z)²]; raises :class:`Diverges` where f jumps."""
        if self.jumps:
            raise Diverges(f"f jumps at x = {self.jumps[0]:g}, so f′ is not square-integrable")
        if q not in self._d:
            self._d[q] = self._expect("d", q)
        return self._d[q]

    def _expect(self, fn: str, q: float) -> float:
        if q <= 0:
            return self.at_zero(fn)
        self.evaluations += 1
        s = math.sqrt(q)
        name = "f" if fn == "f" else "f′"
        first: list[tuple[FloatFn, float, float, float, float, list[float]]] = []
        for piece in self.pieces:
            a, b = piece.lo / s, piece.hi / s
            if a >= _Z_MAX or b <= -_Z_MAX:
                continue
            weighted: FloatFn = partial(_weighted, getattr(piece, fn), s)
            ends = [a, 0.0, b] if a < 0 < b else [a, b]
            value, err = mpmath.fp.quad(weighted, ends, error=True)
            first.append((weighted, a, b, float(value), float(err), ends))
        total = sum(p[3] for p in first)
        if not math.isfinite(total):
            raise Diverges(f"E[{name}(√q·z)²] is not finite at q = {q:.6g}")
        bound = QUAD_TOL * abs(total) / max(1, len(first))
        result = 0.0
        for integrand, a, b, value, err, ends in first:
            if err > bound and 0 < abs(total) < 1:
                # the error estimates have an absolute floor: measure small values in units of
                # the total
                unit = partial(_scaled, integrand, abs(total))
                again, err = (float(v) for v in mpmath.fp.quad(unit, ends, error=True))
                value, err = again * abs(total), err * abs(total)
            if err > bound:
                tries = self.failures < MAX_FAILURES
                refined = _refine(integrand, a, b, bound) if tries else None
                if refined is None:
                    self.failures += 1
                    raise Unresolved(
                        f"E[{name}(√q·z)²] at q = {q:.6g}: the quadrature did not reach 1e-10 "
                        "within its budget (f varies too fast at this variance)"
                    )
                value = refined
            result += value
        return result


def _scaled(fn: FloatFn, scale: float, z: float) -> float:
    return fn(z) / scale


def _weighted(g: FloatFn, s: float, z: float) -> float:
    """g(s·z)² times the standard normal density at z (0 where the density underflows)."""
    if abs(z) > _Z_MAX:
        return 0.0
    v = g(s * z)
    return v * v * math.exp(-z * z / 2) / _SQRT_2PI


#: The largest error estimate of an expectation that is accepted, relative to its value
#: (mpmath's estimates are pessimistic: values agree with 30-digit references to about 1e-14).
QUAD_TOL: Final = 1e-10
#: Panel widths (in z) tried in turn when one tanh-sinh rule over a piece is not accurate enough.
_PANELS: Final = (1.0, 0.25, 1 / 16)


#: Most evaluations of the integrand when one piece is refined.
REFINE_BUDGET: Final = 20_000
#: After this many refinements that failed, an activation's later ones are not attempted.
MAX_FAILURES: Final = 3


class _OverBudget(Exception):
    pass


def _refine(fn: FloatFn, a: float, b: float, bound: float) -> float | None:
    """∫ fn over [a, b] on ever finer panels until the summed error estimate is below ``bound``;
    None when even the finest panels do not get there, or after :data:`REFINE_BUDGET` evaluations.
    """
    lo, hi = max(a, -_Z_MAX), min(b, _Z_MAX)
    count = [0]

    def counted(z: float) -> float:
        count[0] += 1
        if count[0] > REFINE_BUDGET:
            raise _OverBudget
        return fn(z)

    try:
        for h in _PANELS:
            n = math.ceil((hi - lo) / h)
            cuts = [lo + (hi - lo) * k / n for k in range(n + 1)]
            parts = [
                mpmath.fp.quad(counted, [u, v], error=True) for u, v in itertools.pairwise(cuts)
            ]
            if sum(float(p[1]) for p in parts) <= bound:
                return float(sum(float(p[0]) for p in parts))
    except _OverBudget:
        return None
    return None


def _probe(lo: float, hi: float) -> float:
    if math.isinf(lo) and math.isinf(hi):
        return 0.0
    if math.isinf(lo):
        return hi - 1.0
    if math.isinf(hi):
        return lo + 1.0
    return (lo + hi) / 2


def _side(g: FloatFn, c: float, direction: int) -> float:
    """g at c, or its value just beside c (on the branch's side) where g is undefined at c."""
    value = g(c)
    if math.isfinite(value):
        return value
    return g(c + direction * 1e-9 * max(1.0, abs(c)))
