"""Certified real zeros of a function with no closed-form zeros (x = sin(x), gelu(x) = 10).

Interval enclosures (mpmath's ``iv``) decide signs: a zero is *certified* where g has opposite
signs at two rational points and g' has one sign between them (then it is the only zero there),
and the list of zeros is *complete* only where every other part of the line is excluded too:
an enclosure of g without 0, or g strictly monotone with the same sign at both ends (a value at a
rational point, or SymPy's limit at ±∞). Monotone means an enclosure of g' (or, where that
straddles 0, of g'' or g''' that makes g' monotone with one sign between its end values) without
0 inside; g being analytic on the whole line and not constant, its derivative vanishes only at
isolated points, so g' ≥ 0 on an interval makes g strictly increasing there (x - sin(x), whose
derivative 1 - cos(x) has the enclosure [0, 2] over the whole line).

The work is counted (interval evaluations, :data:`budget.ROOT_EVALUATIONS`) and deterministic:
the line is split at fixed rational points (0, then ±1, ±2, ±4, … outwards, halves inwards), at
fixed precisions (:data:`numerics.ROOT_BITS`). Where anything is left undecided the answer is
None: the caller keeps the zeros unfound (docs/ARCHITECTURE.md, "Breakpoints").

A zero known only numerically is an :class:`IsolatedRoot`: its isolating interval, refined until
it is narrower than 10^-ROOT_DIGITS of the zero, a point inside it to that many digits, and the
17-digit value both ends of the interval round to (what is printed).

Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, TypeAlias

import mpmath
import sympy as sp
from mpmath import iv

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.lang.parse import X
from actderiv.numerics import ROOT_BITS, ROOT_DIGITS, ROOT_HALVINGS, ROOT_MIN_WIDTH, ROOT_REACH

Interval = Any  # an mpmath ``iv.mpf``
Enclose = Callable[[Interval], Interval]


@dataclass(frozen=True, slots=True)
class IsolatedRoot:
    """The one zero of ``g`` strictly between the rationals ``lo`` and ``hi``: g is strictly
    monotone on [lo, hi] and its signs there are opposite (both certified). ``value`` is its
    midpoint to :data:`ROOT_DIGITS` digits (the interval being narrower than 10^-ROOT_DIGITS of
    the zero, within that of the zero);
    ``printed`` is the 17-digit number that ``lo`` and ``hi`` both round to."""

    g: sp.Expr
    lo: sp.Rational
    hi: sp.Rational
    value: sp.Float
    printed: sp.Float

    def sign_of(self, u: sp.Expr) -> int | None:
        """The sign of ``u`` at the zero: 0 where u is g times a nonzero number (exactly: a
        condition g < 0 may come back from the parameters' values as 2g < 0), else ±1 where an
        enclosure of u over the isolating interval excludes 0; None where neither tells."""
        ratio = attempt(
            lambda: sp.cancel(sp.together(u / self.g)),
            budget.SMALL,
            None,
            "a value at a breakpoint",
        )
        if ratio is not None and not ratio.has(X) and ratio.is_number and ratio.is_zero is False:
            return 0
        try:
            fn = _compile(u)
        except _Unsupported:
            return None
        for bits in ROOT_BITS:
            with _precision(bits):
                e = fn(_hull(_rational(self.lo), _rational(self.hi)))
                s = _sign(e)
            if s:
                return s
        return None


#: The functions analytic on the whole real line whose enclosures :func:`_compile` knows.
_ANALYTIC: Final = (
    sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh, sp.erf, sp.erfc, sp.atan, sp.asinh,
)  # fmt: skip
#: How many derivatives of g an enclosure may go through to show g' has one sign.
_ORDERS: Final = 3


def analytic_on_line(g: sp.Expr) -> bool:
    """Whether ``g`` is built of x, numbers, +, ×, natural powers of x-terms, any power of a
    number, and :data:`_ANALYTIC` (so analytic on the whole real line), in x alone."""
    if g.free_symbols != {X}:
        return False
    for node in sp.preorder_traversal(g):
        if isinstance(node, sp.Pow):
            if node.base.has(X) and not (node.exp.is_Integer and node.exp >= 0):
                return False
            if node.exp.has(X):
                return False
        elif isinstance(node, sp.Function):
            if not isinstance(node, _ANALYTIC):
                return False
        elif not isinstance(node, sp.Add | sp.Mul | sp.Number | sp.Symbol | sp.NumberSymbol):
            return False
    return True


class _Unsupported(Exception):
    """An expression :func:`_compile` has no enclosure for."""


class _Spent(Exception):
    """The interval evaluations of one search ran out."""


def isolated_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr | IsolatedRoot] | None:
    """Every real zero of ``g`` (see :func:`analytic_on_line`), certified and complete:
    rationals where g is exactly 0 at a point tried, else :class:`IsolatedRoot`; None where any
    part of the line is left undecided or the evaluations run out (noted)."""
    if not analytic_on_line(g):
        return None
    search = attempt(lambda: _Search(g, opts), opts.step, None, "the switch points")
    if search is None or not search.usable:
        return None
    try:
        return search.run()
    except _Spent:
        budget.note_exhausted(
            f"the budget of {budget.ROOT_EVALUATIONS:,} interval evaluations was spent in "
            "isolating the switch points"
        )
        return None
    except (_Unsupported, ValueError, ZeroDivisionError, OverflowError):
        return None


End: TypeAlias = Any  # a SymPy Rational, or None: -oo as a lower end, +oo as an upper one


class _Search:
    def __init__(self, g: sp.Expr, opts: EngineOptions) -> None:
        self.g, self.opts = g, opts
        self.left = budget.ROOT_EVALUATIONS
        # each derivative with a few equal forms (factored, its terms' common factors pulled
        # out): their enclosures all hold, and the narrowest of them decides more
        self.forms: list[list[Enclose]] = []
        self.exprs: list[sp.Expr] = []
        h = g
        for k in range(_ORDERS + 1):
            if k:
                h = sp.diff(h, X)
            self.exprs.append(h)
            fns = []
            for form in dict.fromkeys((h, sp.factor_terms(h), sp.factor(h))):
                try:
                    fns.append(_compile(form))
                except _Unsupported:
                    continue
            self.forms.append(fns)
        self.limits: dict[tuple[int, int], Interval | None] = {}
        self.usable = all(self.forms)

    # --- enclosures ---

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise _Spent

    def enclose(self, k: int, lo: End, hi: End, bits: int = ROOT_BITS[0]) -> Interval:
        """An enclosure of the k-th derivative over [lo, hi]: the intersection of its forms'."""
        self.spend()
        with _precision(bits):
            box = _hull(_end(lo, -1), _end(hi, +1))
            out = None
            for fn in self.forms[k]:
                e = fn(box)
                out = e if out is None else _meet(out, e)
            return out

    def value_sign(self, c: sp.Rational, k: int = 0) -> int | None:
        """The sign of the k-th derivative at the rational c, at rising precision; 0 where it
        is exactly 0 there (k = 0 alone: SymPy's value), None where neither is told."""
        for bits in ROOT_BITS:
            s = _sign(self.enclose(k, c, c, bits))
            if s:
                return s
        if k == 0:
            exact = attempt(lambda: self.g.subs(X, c), budget.SMALL, None, "the switch points")
            if exact is not None and exact.is_zero is True:
                return 0
        return None

    def limit(self, k: int, side: int) -> Interval | None:
        """An enclosure of SymPy's limit of the k-th derivative at ±∞ (infinite where it is)."""
        if (k, side) not in self.limits:
            h = self.exprs[k]
            at = sp.oo if side > 0 else -sp.oo
            value = attempt(lambda: sp.limit(h, X, at), self.opts.step, None, "the switch points")
            enclosure = None
            if value in (sp.oo, -sp.oo):
                inf = mpmath.inf if value == sp.oo else -mpmath.inf
                enclosure = iv.mpf([inf, inf])
            elif value is not None and value.is_number and value.is_real and value.is_finite:
                try:
                    with _precision(ROOT_BITS[0]):
                        enclosure = _compile(value)(iv.mpf(0))
                except _Unsupported:
                    enclosure = None
            self.limits[k, side] = enclosure
        return self.limits[k, side]

    def end_value(self, k: int, c: End, side: int) -> Interval | None:
        if c is None:
            return self.limit(k, side)
        return self.enclose(k, c, c)

    def range(self, k: int, lo: End, hi: End) -> Interval:
        """An enclosure of the k-th derivative over [lo, hi], narrowed where the next one shows
        it monotone there (its values then lie between those at the ends, or its limits)."""
        e = self.enclose(k, lo, hi)
        if _sign(e) or _sign_weak(e) or k + 1 > _ORDERS:
            return e
        if _sign_weak(self.range(k + 1, lo, hi)):
            a, b = self.end_value(k, lo, -1), self.end_value(k, hi, +1)
            if a is not None and b is not None:
                return _meet(e, _hull(a, b))
        return e

    def direction(self, lo: End, hi: End) -> int:
        """+1 (-1) where g is strictly increasing (decreasing) on [lo, hi], else 0."""
        return _sign_weak(self.range(1, lo, hi))

    def end_sign(self, c: End, side: int) -> int | None:
        if c is not None:
            return self.value_sign(c)
        limit = self.limit(0, side)
        if limit is None:
            return None
        return _sign(limit) or (0 if _zero(limit) else None)

    # --- the search ---

    def run(self) -> list[sp.Expr | IsolatedRoot] | None:
        # g is not constant: g' is not 0 at some point (then, g' being analytic, nowhere on
        # an interval)
        if not any(self.value_sign(sp.Rational(p), 1) for p in (0, 1, -1, 2, -2)):
            return None
        exact: set[sp.Rational] = set()
        isolated: list[IsolatedRoot] = []
        work: list[tuple[End, End, int]] = [(None, None, 0)]
        while work:
            lo, hi, way = work.pop()
            if not way:
                if _sign(self.enclose(0, lo, hi)):
                    continue  # no zero on [lo, hi]
                way = self.direction(lo, hi)
            if not way:
                split = _split(lo, hi)
                if split is None:
                    return None
                work += [(split, hi, 0), (lo, split, 0)]
                continue
            # g strictly monotone on [lo, hi]: at most one zero
            s_lo, s_hi = self.end_sign(lo, -1), self.end_sign(hi, +1)
            if s_lo is None or s_hi is None:
                split = _split(lo, hi)
                if split is None:
                    return None
                work += [(split, hi, way), (lo, split, way)]
                continue
            for c, s in ((lo, s_lo), (hi, s_hi)):
                if c is not None and s == 0:
                    exact.add(c)
            if s_lo * s_hi < 0:
                if lo is None or hi is None:
                    split = _split(lo, hi)
                    if split is None:
                        return None
                    work += [(split, hi, way), (lo, split, way)]
                    continue
                found = self._refine(lo, hi, s_lo)
                if found is None:
                    return None
                if isinstance(found, IsolatedRoot):
                    isolated.append(found)
                else:
                    exact.add(found)
        out: list[sp.Expr | IsolatedRoot] = sorted(exact)
        return out + sorted(isolated, key=lambda r: r.lo)

    def _refine(
        self, lo: sp.Rational, hi: sp.Rational, s_lo: int
    ) -> IsolatedRoot | sp.Rational | None:
        """Halve [lo, hi] (g monotone, signs s_lo and -s_lo at its ends) until it is narrower
        than 10^-ROOT_DIGITS of the zero and both ends print alike to 17 digits."""
        tol = sp.Rational(1, 10**ROOT_DIGITS)
        for _ in range(ROOT_HALVINGS):
            scale = max(abs(lo), abs(hi))
            if lo * hi > 0 and hi - lo <= tol * scale and _printed(lo) == _printed(hi):
                mid = (lo + hi) / 2
                return IsolatedRoot(self.g, lo, hi, sp.Float(mid, ROOT_DIGITS), _printed(mid))
            mid = (lo + hi) / 2
            s = self.value_sign(mid)
            if s is None:
                return None
            if s == 0:
                return mid
            if s == s_lo:
                lo = mid
            else:
                hi = mid
        return None  # (a zero at 0 that is not exactly 0 at a point tried)


def _printed(v: sp.Rational) -> sp.Float:
    return sp.Float(v, 17)


def _split(lo: End, hi: End) -> sp.Rational | None:
    """Where to split [lo, hi]: 0 for the whole line, a step of max(1, |end|) out from the end
    of a half-line (so ±1, ±2, ±4, …), the midpoint of a bounded interval; None past
    :data:`ROOT_REACH` or below :data:`ROOT_MIN_WIDTH`."""
    if lo is None and hi is None:
        return sp.S.Zero
    if lo is None:
        assert hi is not None
        c = hi - max(sp.S.One, abs(hi))
    elif hi is None:
        c = lo + max(sp.S.One, abs(lo))
    else:
        if hi - lo < ROOT_MIN_WIDTH:
            return None
        return (lo + hi) / 2
    return c if abs(c) <= ROOT_REACH else None


# --- interval arithmetic -------------------------------------------------------------------------


class _precision:
    """``iv.prec`` set for a block (the interval context has no ``workprec``)."""

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def __enter__(self) -> None:
        self.saved = iv.prec
        iv.prec = self.bits

    def __exit__(self, *exc: object) -> None:
        iv.prec = self.saved


def _rational(q: sp.Rational) -> Interval:
    return iv.mpf(int(q.p)) / iv.mpf(int(q.q))


def _end(c: End, side: int) -> Interval:
    if c is None:
        inf = mpmath.inf if side > 0 else -mpmath.inf
        return iv.mpf([inf, inf])
    return _rational(c)


def _lo(e: Interval) -> Any:
    """The lower end, exactly (``mpmath.mpf(e.a)`` would round it to ``mp.prec``)."""
    return mpmath.mp.make_mpf(e._mpi_[0])


def _hi(e: Interval) -> Any:
    return mpmath.mp.make_mpf(e._mpi_[1])


def _hull(a: Interval, b: Interval) -> Interval:
    return iv.mpf([min(_lo(a), _lo(b)), max(_hi(a), _hi(b))])


def _meet(a: Interval, b: Interval) -> Interval:
    lo, hi = max(_lo(a), _lo(b)), min(_hi(a), _hi(b))
    return iv.mpf([lo, hi]) if lo <= hi else a  # (empty only through a rounding of limits)


def _sign(e: Interval) -> int:
    """+1 or -1 where the enclosure excludes 0, else 0 (also where it is not a number)."""
    lo, hi = _lo(e), _hi(e)
    if lo > 0:
        return 1
    if hi < 0:
        return -1
    return 0


def _sign_weak(e: Interval) -> int:
    """+1 where the enclosure is ≥ 0, -1 where ≤ 0 (not both: not [0, 0]), else 0."""
    lo, hi = _lo(e), _hi(e)
    if lo >= 0 and hi > 0:
        return 1
    if hi <= 0 and lo < 0:
        return -1
    return 0


def _zero(e: Interval) -> bool:
    return bool(_lo(e) == 0 and _hi(e) == 0)


def _mul(a: Interval, b: Interval) -> Interval:
    # 0 · [1, ∞] is 0 (the ends of an interval are not values at ∞); mpmath gives [-∞, ∞]
    if _zero(a) or _zero(b):
        return iv.mpf(0)
    return a * b


_WHOLE: Final = (-mpmath.inf, mpmath.inf)


def _whole() -> Interval:
    return iv.mpf(list(_WHOLE))


def _compile(expr: sp.Expr) -> Enclose:
    """An enclosure of ``expr`` (in x) over an interval of x, at ``iv.prec``."""
    if expr == X:
        return lambda v: v
    if isinstance(expr, sp.Rational):
        q = sp.Rational(expr)
        return lambda v: _rational(q)
    if isinstance(expr, sp.Float):
        q = sp.Rational(expr)  # the binary number it is, exactly
        return lambda v: _rational(q)
    if expr is sp.pi:
        return lambda v: iv.pi
    if expr is sp.E:
        return lambda v: iv.exp(1)
    if isinstance(expr, sp.Add):
        parts = [_compile(a) for a in expr.args]

        def add(v: Interval) -> Interval:
            out = parts[0](v)
            for p in parts[1:]:
                out = out + p(v)
            return out

        return add
    if isinstance(expr, sp.Mul):
        parts = [_compile(a) for a in expr.args]

        def mul(v: Interval) -> Interval:
            out = parts[0](v)
            for p in parts[1:]:
                out = _mul(out, p(v))
            return out

        return mul
    if isinstance(expr, sp.Pow):
        return _power(expr)
    if isinstance(expr, sp.exp):
        inner = _compile(expr.args[0])
        return lambda v: iv.exp(inner(v))
    if isinstance(expr, sp.sin | sp.cos):
        inner = _compile(expr.args[0])
        fn = iv.sin if isinstance(expr, sp.sin) else iv.cos
        return lambda v: _periodic(fn, inner(v))
    point = _MONOTONE.get(type(expr))
    if point is not None:
        return partial(_increasing_of, point, _compile(expr.args[0]))
    if isinstance(expr, sp.erfc):
        inner = _compile(expr.args[0])
        return lambda v: 1 - _increasing(mpmath.erf, inner(v))
    if isinstance(expr, sp.cosh):
        inner = _compile(expr.args[0])
        return lambda v: _cosh(inner(v))
    raise _Unsupported(expr)


def _power(expr: sp.Pow) -> Enclose:
    base, e = _compile(expr.base), expr.exp
    if e.has(X):
        raise _Unsupported(expr)
    if e.is_Integer and e >= 0:
        n = int(e)
        return lambda v: base(v) ** n if n else iv.mpf(1)
    if e.is_Integer:
        n = -int(e)

        def inverse(v: Interval) -> Interval:
            b = base(v) ** n
            return _whole() if _lo(b) <= 0 <= _hi(b) else 1 / b

        return inverse
    exponent = _compile(e)

    def general(v: Interval) -> Interval:
        b = base(v)
        if not _lo(b) > 0:
            return _whole()
        if e == sp.S.Half:
            return iv.sqrt(b)
        return iv.exp(exponent(v) * iv.log(b))

    return general


def _periodic(fn: Callable[[Interval], Interval], v: Interval) -> Interval:
    if _lo(v) == -mpmath.inf or _hi(v) == mpmath.inf:
        return iv.mpf([-1, 1])
    return fn(v)


#: Increasing functions with no interval version in mpmath, by their values at points.
_MONOTONE: Final[dict[type, Callable[[Any], Any]]] = {
    sp.erf: mpmath.erf,
    sp.tanh: mpmath.tanh,
    sp.atan: mpmath.atan,
    sp.asinh: mpmath.asinh,
    sp.sinh: mpmath.sinh,
}


def _increasing_of(fn: Callable[[Any], Any], inner: Enclose, v: Interval) -> Interval:
    return _increasing(fn, inner(v))


def _increasing(fn: Callable[[Any], Any], v: Interval) -> Interval:
    """fn([a, b]) for an increasing fn: [fn(a), fn(b)], each computed 32 bits beyond the
    interval precision and moved outwards by 2^-prec of its size (mpmath's functions are
    accurate to a few units of the last place)."""
    bits = iv.prec
    with mpmath.workprec(bits + 32):
        lo, hi = fn(_lo(v)), fn(_hi(v))
        slack = mpmath.mpf(2) ** -bits
        lo = lo - abs(lo) * slack if mpmath.isfinite(lo) else lo
        hi = hi + abs(hi) * slack if mpmath.isfinite(hi) else hi
    return iv.mpf([lo, hi])


def _cosh(v: Interval) -> Interval:
    if _lo(v) >= 0:
        return _increasing(mpmath.cosh, v)
    if _hi(v) <= 0:
        return _increasing(mpmath.cosh, -v)
    top = _increasing(mpmath.cosh, iv.mpf([0, max(-_lo(v), _hi(v))]))
    return iv.mpf([1, _hi(top)])
