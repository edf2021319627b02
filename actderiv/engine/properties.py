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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, Literal, TypeVar

import mpmath
import sympy as sp

from actderiv.catalog.model import PROPERTY_KEYS, Catalog
from actderiv.engine.budget import attempt, time_budget
from actderiv.engine.core import EngineOptions, as_branches, differentiate, switch_points
from actderiv.engine.formula import CatalogResolver, Formula, formula_of
from actderiv.engine.verify import sample_points
from actderiv.errors import BudgetExceeded
from actderiv.lang.parse import X
from actderiv.numerics import NotNumeric, compile_mp, real_value

T = TypeVar("T")
Method = Literal["proved", "sampled"]
#: Seconds allowed for one SymPy limit, solve or simplify, and for all of one activation's.
STEP: Final = 2.0
TOTAL: Final = 5.0
REACH: Final = 50.0
PER_BRANCH: Final = 32
DPS: Final = 30
MAX_ORDER: Final = 6
KEYS: Final = PROPERTY_KEYS


# --- pieces: the open intervals between switch points, each with one smooth branch ---


@dataclass(frozen=True, slots=True)
class _Piece:
    lo: sp.Expr  # -oo, a switch point, or the next one
    hi: sp.Expr
    f: sp.Expr  # the branch that applies on (lo, hi)
    d1: sp.Expr
    d2: sp.Expr

    def probe(self) -> float:
        """A point inside the piece."""
        a, b = _flt(self.lo), _flt(self.hi)
        if a == -mpmath.inf and b == mpmath.inf:
            return 0.0
        if a == -mpmath.inf:
            return float(b) - 1.0
        if b == mpmath.inf:
            return float(a) + 1.0
        return (float(a) + float(b)) / 2

    def where(self) -> str:
        lo, hi = self.lo, self.hi
        if lo == -sp.oo and hi == sp.oo:
            return "all x"
        if lo == -sp.oo:
            return f"x < {_text(hi)}"
        if hi == sp.oo:
            return f"x > {_text(lo)}"
        return f"{_text(lo)} < x < {_text(hi)}"


def _flt(v: sp.Expr) -> Any:
    if v == sp.oo:
        return mpmath.inf
    if v == -sp.oo:
        return -mpmath.inf
    return float(sp.N(v, 20))


def _smooth_form(f: sp.Expr) -> sp.Expr:
    """|u|, sign(u), Heaviside(u), max and min rewritten as explicit branches."""

    def heaviside(h: sp.Heaviside) -> sp.Expr:
        u = h.args[0]
        at0 = h.args[1] if len(h.args) > 1 else sp.S.Half
        return sp.Piecewise((0, u < 0), (1, u > 0), (at0, True)) if u.has(X) else h

    g = as_branches(f)
    g = g.replace(lambda e: isinstance(e, sp.Heaviside), heaviside)
    g = g.replace(lambda e: isinstance(e, sp.Max | sp.Min), lambda e: e.rewrite(sp.Piecewise))
    return sp.piecewise_fold(g) if g.has(sp.Piecewise) else g


def _select(expr: sp.Expr, xv: float) -> sp.Expr:
    """``expr`` with every Piecewise replaced by the branch that applies at x = xv."""

    def choose(pw: sp.Piecewise) -> sp.Expr:
        env = {X: mpmath.mpf(xv)}
        for value, cond in pw.args:
            try:
                if cond is sp.true or compile_mp(cond)(env):
                    return _select(value, xv)
            except (NotNumeric, TypeError, ValueError, ZeroDivisionError):
                break
        return pw

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def _pieces(f: sp.Expr, points: Sequence[sp.Expr]) -> list[_Piece]:
    ends: list[sp.Expr] = [-sp.oo, *points, sp.oo]
    out = []
    for lo, hi in itertools.pairwise(ends):
        piece = _Piece(lo, hi, sp.S.Zero, sp.S.Zero, sp.S.Zero)
        branch = _select(f, piece.probe())
        d1 = differentiate(branch)
        out.append(_Piece(lo, hi, branch, d1, differentiate(d1)))
    return out


# --- exact and numerical values ---


def _text(v: sp.Expr | None) -> str | None:
    """A short string that ``sympify`` parses back: exact when short, else 17 digits."""
    if v is None:
        return None
    if v in (sp.oo, -sp.oo):
        return str(v)
    if isinstance(v, sp.Float):
        v = sp.nsimplify(v, rational=True) if len(str(sp.nsimplify(v))) < 12 else v
    if isinstance(v, sp.Rational) and abs(v.q) > 10**6:
        return str(sp.Float(v, 17))
    text = str(sp.sstr(v))
    if len(text) > 32 and v.is_number:
        # Limits can come back in forms whose numerical value carries a rounding-error
        # imaginary part (1.0997… - 1.5e-25*I): keep the real part when the rest is noise.
        real, imag = sp.N(v, 17).as_real_imag()
        if abs(imag) <= 1e-12 * max(1, abs(real)):
            return str(sp.Float(real, 17))
    return text


def _nice(v: sp.Expr) -> sp.Expr:
    if v.is_Rational or v.is_Atom:
        return v
    out = attempt(lambda: sp.nsimplify(sp.simplify(v)) if v.is_Float else sp.simplify(v), 0.5, v)
    return out if len(str(out)) <= len(str(v)) else v


def _num(v: sp.Expr | None) -> Any | None:
    """A finite real value of an exact number, at 30 digits (None when not one)."""
    if v is None or v.has(sp.nan, sp.zoo, sp.AccumBounds):
        return None
    if v == sp.oo:
        return mpmath.inf
    if v == -sp.oo:
        return -mpmath.inf
    try:
        with mpmath.workdps(DPS):
            value = real_value(compile_mp(v), {})
    except NotNumeric:
        return None
    return value


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if mpmath.isinf(a) or mpmath.isinf(b):
        return bool(a == b)
    return bool(abs(a - b) <= mpmath.mpf(10) ** -20 * max(1, abs(a), abs(b)))


class _Clock:
    """Budgets for SymPy: each step at most STEP seconds, all steps together at most TOTAL."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + TOTAL

    def attempt(self, fn: Callable[[], T], fallback: T) -> T:
        left = self.deadline - time.monotonic()
        if left < 0.05:
            return fallback
        return attempt(fn, min(STEP, left), fallback, "a property")


def _at(
    expr: sp.Expr, c: sp.Expr, side: str | None = None, clock: _Clock | None = None
) -> sp.Expr | None:
    """``expr`` at x = c: substituted, or its (one-sided) limit where that is not a number."""
    clock = clock or _Clock()
    value = attempt(lambda: expr.subs(X, c), STEP, None)
    if value is not None and value.is_number and value.is_finite and not value.has(sp.nan):
        return sp.S(value)
    if side is None and c not in (sp.oo, -sp.oo):
        return None
    direction = side or ("-" if c == sp.oo else "+")
    out = clock.attempt(lambda: sp.limit(expr, X, c, direction), None)
    return None if out is None or out.has(sp.Limit) else sp.S(out)


class _Sampler:
    """Evaluates compiled expressions at the sample points of each piece."""

    def __init__(self, pieces: Sequence[_Piece]) -> None:
        breaks = [float(_flt(p.lo)) for p in pieces[1:]]
        # Chebyshev-like points out to ±REACH (dense at the ends of each branch), and a fine
        # uniform grid near the origin, where the features of most activations are.
        grid = [k / 10 for k in range(-100, 101)]
        self.points = sorted({*sample_points(breaks, PER_BRANCH, REACH), *grid})
        self.reach = REACH + max((abs(b) for b in breaks), default=0.0)
        self._seen: dict[sp.Expr, dict[float, Any]] = {}

    def on(self, piece: _Piece) -> list[float]:
        lo, hi = _flt(piece.lo), _flt(piece.hi)
        return [p for p in self.points if lo < p < hi]

    def values(self, expr: sp.Expr, xs: Sequence[float]) -> list[tuple[float, Any]]:
        """(x, value) at each of ``xs`` where ``expr`` is finite and real, at 30 digits."""
        try:
            fn = compile_mp(expr)
        except NotNumeric:
            return []
        known = self._seen.setdefault(expr, {})
        with mpmath.workdps(DPS):
            for xv in xs:
                if xv not in known:
                    known[xv] = real_value(fn, {X: mpmath.mpf(xv)})
        return [(xv, known[xv]) for xv in xs if known[xv] is not None]

    @property
    def label(self) -> str:
        return f"[-{self.reach:g}, {self.reach:g}]"


# --- signs of an expression on a piece ---

Sign = Literal["+", "-", "0", "±"]


def _sign_on(h: sp.Expr, piece: _Piece, a: _Analysis) -> tuple[Sign | None, Method]:
    """The sign of ``h`` on the open piece: ≥ 0 ("+"), ≤ 0 ("-"), ≡ 0 ("0") or both ("±").

    Proved from the real zeros of ``h`` in the piece and its sign between them; sampled when
    ``solveset`` gives no finite answer in time. Two opposite signs seen are a proof either way.
    """
    if h == 0:
        return "0", "proved"
    if not h.has(X):
        v = _num(h)
        return (None if v is None else ("0" if v == 0 else "+" if v > 0 else "-")), "proved"
    sampler = a.sampler
    zeros = a.zeros(h, piece)
    if zeros is sp.S.EmptySet or (
        isinstance(zeros, sp.FiniteSet) and all(z.is_number for z in zeros)
    ):
        cuts = sorted(float(_flt(z)) for z in zeros)
        probes = _between(cuts, piece)
        values = sampler.values(h, probes)
        signs = {_sign_of(v) for _, v in values}
        if len(values) == len(probes) or len(signs) > 1:
            return _combine(signs), "proved"
    signs = {_sign_of(v) for _, v in sampler.values(h, sampler.on(piece))}
    if not signs:
        return None, "sampled"
    combined = _combine(signs)
    return combined, "proved" if combined == "±" else "sampled"


def _between(cuts: Sequence[float], piece: _Piece) -> list[float]:
    lo, hi = _flt(piece.lo), _flt(piece.hi)
    edges = [lo, *cuts, hi]
    out = []
    for a, b in itertools.pairwise(edges):
        if a == -mpmath.inf:
            out.append(float(b) - 1.0 if b != mpmath.inf else 0.0)
        elif b == mpmath.inf:
            out.append(float(a) + 1.0)
        else:
            out.append((float(a) + float(b)) / 2)
    return out


def _sign_of(v: Any) -> int:
    """The sign of a value computed at 20 to 30 digits; below 1e-15 it may be round-off."""
    if abs(v) < 1e-15:
        return 0
    return 1 if v > 0 else -1


def _combine(signs: set[int]) -> Sign:
    if 1 in signs and -1 in signs:
        return "±"
    if 1 in signs:
        return "+"
    if -1 in signs:
        return "-"
    return "0"


# --- the analysis ---


class _Analysis:
    """Everything computed once per activation and shared by the properties."""

    def __init__(self, formula: Formula) -> None:
        opts = EngineOptions(step_seconds=STEP)
        self.f = _smooth_form(formula.at_defaults(formula.expr))
        flat = Formula(self.f, (), formula.source)
        self.points = [p.at_defaults for p in switch_points(self.f, flat, opts)]
        self.pieces = _pieces(self.f, self.points)
        self.sampler = _Sampler(self.pieces)
        self.methods: dict[str, Method] = {}
        self.notes: list[str] = []
        self.clock = _Clock()
        self._zeros: dict[tuple[sp.Expr, sp.Expr, sp.Expr], Any] = {}
        self.jumps = [self._jump(i) for i in range(len(self.points))]

    def zeros(self, h: sp.Expr, piece: _Piece) -> Any:
        """The real zeros of ``h`` on the open piece (a SymPy set), or None when out of time."""
        key = (h, piece.lo, piece.hi)
        if key not in self._zeros:
            interval = sp.Interval.open(piece.lo, piece.hi)
            self._zeros[key] = self.clock.attempt(lambda: sp.solveset(h, X, interval), None)
        return self._zeros[key]

    def at(self, expr: sp.Expr, c: sp.Expr, side: str | None = None) -> sp.Expr | None:
        return _at(expr, c, side, self.clock)

    def left_right(self, i: int, order: int) -> tuple[sp.Expr | None, sp.Expr | None]:
        """One-sided limits of the ``order``-th derivative at switch point ``i``."""
        p = self.points[i]
        below, above = self.pieces[i], self.pieces[i + 1]
        gl = below.f if order == 0 else differentiate(below.f, order)
        gr = above.f if order == 0 else differentiate(above.f, order)
        return self.at(gl, p, "-"), self.at(gr, p, "+")

    def value(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        """The value as written at x = c (the branch whose condition holds there)."""
        return self.at(_select(expr, float(_flt(c))), c)

    def _jump(self, i: int) -> bool | None:
        left, right = self.left_right(i, 0)
        here = self.value(self.f, self.points[i])
        values = [_num(left), _num(right), _num(here)]
        if any(v is None for v in values):
            return None
        return not (_same(values[0], values[1]) and _same(values[0], values[2]))

    def defined_everywhere(self) -> bool:
        """Whether f is real and finite at every sample point (else the analysis does not apply)."""
        xs = self.sampler.points
        return all(
            len(self.sampler.values(p.f, [x for x in xs if _flt(p.lo) < x < _flt(p.hi)]))
            == len(self.sampler.on(p))
            for p in self.pieces
        ) and all(self.value(self.f, c) is not None for c in self.points)

    @property
    def continuous(self) -> bool | None:
        if any(j is None for j in self.jumps):
            return None
        return not any(self.jumps)


def _monotone(a: _Analysis, order: int) -> tuple[bool | None, Method, str]:
    """Whether the ``order``-th derivative (0: f, 1: f') never changes direction."""
    if order == 1 and a.continuous is False:
        return False, "proved", "f jumps, so f' has a Dirac spike there"
    directions: set[int] = set()
    method: Method = "proved"
    undecided = False
    for piece in a.pieces:
        sign, how = _sign_on(piece.d1 if order == 0 else piece.d2, piece, a)
        if sign == "±":
            what = "f'" if order == 0 else "f''"
            return False, "proved", f"{what} changes sign on {piece.where()}"
        if sign is None:
            undecided = True
        elif sign != "0":
            directions.add(1 if sign == "+" else -1)
        method = "sampled" if how == "sampled" else method
    for i in range(len(a.points)):
        left, right = (_num(v) for v in a.left_right(i, order))
        if left is None or right is None:
            undecided = True
        elif not _same(left, right):
            directions.add(1 if right > left else -1)
    if len(directions) > 1:
        return False, "proved", "increases on one part and decreases on another"
    if undecided:
        return None, "sampled", "the sign could not be decided everywhere"
    return True, method, ""


def _continuity(a: _Analysis) -> tuple[int | str | None, str | None, Method]:
    """(k of C^k, the switch point that limits it, method)."""
    worst: int | None = None
    at: str | None = None
    for i, p in enumerate(a.points):
        k = _continuity_at(a, i)
        if k is None:
            return None, _text(p), "proved"
        if k == "inf":
            continue
        assert isinstance(k, int)
        if worst is None or k < worst:
            worst, at = k, _text(p)
    return ("inf" if worst is None else worst), at, "proved"


def _continuity_at(a: _Analysis, i: int) -> int | str | None:
    if a.jumps[i] is None:
        return None
    if a.jumps[i]:
        return -1
    for order in range(1, MAX_ORDER + 1):
        left, right = (_num(v) for v in a.left_right(i, order))
        if left is None and right is None:
            return order - 1  # both one-sided derivatives blow up
        if not _same(left, right):
            return order - 1
    below, above = a.pieces[i].f, a.pieces[i + 1].f
    same = a.clock.attempt(lambda: sp.simplify(below - above) == 0, False)
    return "inf" if same else None


def _extremes(
    a: _Analysis, pick: Callable[[_Piece], sp.Expr], deriv: Callable[[_Piece], sp.Expr]
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
            out.append((_num(g), g, True, piece.where()))
            continue
        for end, side in ((piece.lo, "+"), (piece.hi, "-")):
            limit = a.at(g, end, side)
            if limit is None:
                method = "sampled"
                continue
            out.append((_num(limit), limit, False, _text(end) or ""))
        crit = a.zeros(dg, piece)
        if isinstance(crit, sp.FiniteSet) and all(c.is_number for c in crit):
            for c in crit:
                value = a.at(g, c)
                if value is not None:
                    out.append((_num(value), value, True, _text(_nice(c)) or ""))
        elif crit != sp.S.EmptySet:
            method = "sampled"
            out.extend(_sampled_extremes(g, dg, piece, a.sampler))
    return [c for c in out if c[0] is not None], method


def _sampled_extremes(
    g: sp.Expr, dg: sp.Expr, piece: _Piece, sampler: _Sampler
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
    with mpmath.workdps(DPS):
        for (x0, s0), (x1, s1) in itertools.pairwise(slopes):
            if _sign_of(s0) * _sign_of(s1) >= 0:
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


def _range(a: _Analysis) -> tuple[dict[str, Any], Method, list[str]]:
    cands, method = _extremes(a, lambda p: p.f, lambda p: p.d1)
    notes = []
    for p in a.points:
        here = a.value(a.f, p)
        if here is not None and _num(here) is not None:
            cands.append((_num(here), here, True, _text(p) or ""))
    if not cands:
        return _empty_range(), "sampled", ["no value of f could be computed"]
    low = min(cands, key=lambda c: c[0])
    high = max(cands, key=lambda c: c[0])
    values = None
    if all(not piece.f.has(X) for piece in a.pieces):
        values = sorted({_text(_nice(c[1])) or "" for c in cands}, key=lambda s: float(sp.N(s)))
    if a.continuous is False:
        notes.append("f jumps, so the range is the hull of the values f takes")
    return (
        {
            "low": _text(_nice(low[1])),
            "high": _text(_nice(high[1])),
            "low_closed": any(c[2] and _same(c[0], low[0]) for c in cands)
            and not mpmath.isinf(low[0]),
            "high_closed": any(c[2] and _same(c[0], high[0]) for c in cands)
            and not mpmath.isinf(high[0]),
            "values": values,
        },
        method,
        notes,
    )


def _empty_range() -> dict[str, Any]:
    return {"low": None, "high": None, "low_closed": None, "high_closed": None, "values": None}


def _max_abs_derivative(a: _Analysis) -> tuple[dict[str, Any], Method]:
    cands, method = _extremes(a, lambda p: p.d1, lambda p: p.d2)
    if not cands:
        return {"value": None, "at": None}, "sampled"
    best = max(cands, key=lambda c: abs(c[0]))
    value = sp.oo if mpmath.isinf(best[0]) else _nice(sp.Abs(best[1]))
    where = list(dict.fromkeys(c[3] for c in cands if _same(abs(c[0]), abs(best[0]))))
    shown = ", ".join(where[:3]) + (", …" if len(where) > 3 else "")
    return {"value": _text(value), "at": shown}, method


def _limit_kind(value: sp.Expr | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, sp.AccumBounds):
        return "oscillating"
    if value in (sp.oo, -sp.oo):
        return "growing"
    return "saturating" if value == 0 else "constant"


def _derivative_limits(a: _Analysis) -> tuple[dict[str, Any], Method]:
    out: dict[str, Any] = {}
    method: Method = "proved"
    for key, piece, end in (
        ("minus_inf", a.pieces[0], -sp.oo),
        ("plus_inf", a.pieces[-1], sp.oo),
    ):
        value = a.clock.attempt(partial(sp.limit, piece.d1, X, end), None)
        if value is None or value.has(sp.Limit):
            value, method = _sampled_limit(piece.d1, end, a.sampler), "sampled"
        kind = _limit_kind(value)
        shown = None if value is None or isinstance(value, sp.AccumBounds) else _text(value)
        out[key] = {"kind": kind, "value": shown}
    return out, method


def _sampled_limit(d1: sp.Expr, end: sp.Expr, sampler: _Sampler) -> sp.Expr | None:
    sign = 1 if end == sp.oo else -1
    values = [v for _, v in sampler.values(d1, [sign * 1e2, sign * 1e3, sign * 1e4])]
    if len(values) < 3:
        return None
    if all(abs(v) < 1e-12 for v in values):
        return sp.S.Zero
    if all(_same(v, values[0]) for v in values):
        return sp.Float(values[0], 15)
    if abs(values[2]) > abs(values[1]) > abs(values[0]):
        return sp.oo if values[2] > 0 else -sp.oo
    return None


def _dead_zones(a: _Analysis) -> list[dict[str, str | None]]:
    zones: list[dict[str, str | None]] = []
    for piece in a.pieces:
        if piece.d1 == 0:
            if zones and zones[-1]["high"] == _text(piece.lo):
                zones[-1]["high"] = _text(piece.hi)
            else:
                zones.append({"low": _text(piece.lo), "high": _text(piece.hi)})
    return zones


def _origin(a: _Analysis) -> tuple[sp.Expr | None, sp.Expr | None, bool | None]:
    """f(0), f'(0) (None where f is not differentiable at 0), and whether f' is continuous at 0."""
    f0 = a.value(a.f, sp.S.Zero)
    if sp.S.Zero in a.points:
        i = a.points.index(sp.S.Zero)
        if a.jumps[i]:
            return f0, None, False
        left, right = a.left_right(i, 1)
        if left is None or right is None:
            return f0, None, None
        if not _same(_num(left), _num(right)):
            return f0, None, False
        return f0, left, True
    piece = next(p for p in a.pieces if _flt(p.lo) < 0 < _flt(p.hi))
    return f0, a.at(piece.d1, sp.S.Zero), True


def properties_of(formula: Formula) -> dict[str, Any]:
    """The properties of ``formula`` at its default parameters (keys as in DESIGN.md)."""
    a = _Analysis(formula)
    if not a.defined_everywhere():
        return _undecided(a)
    methods: dict[str, Method] = {}
    rng, methods["range"], notes = _range(a)
    low, high = _num(sp.S(rng["low"])) if rng["low"] else None, None
    high = _num(sp.S(rng["high"])) if rng["high"] else None
    methods["bounded_below"] = methods["bounded_above"] = methods["range"]
    mono, methods["monotonic"], why = _monotone(a, 0)
    mono_d, methods["monotonic_derivative"], why_d = _monotone(a, 1)
    continuity, limited_at, methods["continuity"] = _continuity(a)
    f0, df0, d_continuous = _origin(a)
    methods["f0"] = methods["df0"] = methods["identity_near_origin"] = "proved"
    identity = (
        None
        if f0 is None or d_continuous is None
        else f0 == 0 and df0 is not None and _same(_num(df0), 1) and d_continuous
    )
    zero_centered = (
        None if low is None or high is None or f0 is None else (f0 == 0 and low < 0 < high)
    )
    methods["zero_centered"] = methods["range"]
    max_d, methods["max_abs_derivative"] = _max_abs_derivative(a)
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
        "f0": _text(_nice(f0)) if f0 is not None else None,
        "df0": _text(_nice(df0)) if df0 is not None else None,
        "identity_near_origin": identity,
        "zero_centered": zero_centered,
        "max_abs_derivative": max_d,
        "derivative_limits": limits,
        "dead_zones": _dead_zones(a),
        "method": {k: methods[k] for k in KEYS},
        "sampled_on": a.sampler.label if sampled else None,
        "notes": notes,
    }


def _undecided(a: _Analysis) -> dict[str, Any]:
    """Every answer null: the analysis assumes f real and finite on the whole real line."""
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
        "notes": ["f is not real and finite everywhere on the sampled range; nothing was decided"],
    }


PROPERTIES_SECONDS = 30.0
"""The time budget of one activation's whole properties analysis."""


def properties_record(
    formula: Formula, seconds: float = PROPERTIES_SECONDS
) -> dict[str, Any] | None:
    """:func:`properties_of` within ``seconds``; None when it cannot be analysed in time."""
    try:
        with time_budget(seconds, "the properties"):
            return properties_of(formula)
    except (NotNumeric, BudgetExceeded):
        return None


# --- gradients through stacked layers ---


def _weighted(fn: Callable[[Any], Any], weight: Callable[[Any], Any], t: Any) -> Any:
    return fn(t) * weight(t)


def _gaussian_moments(a: _Analysis) -> dict[str, Any]:
    """E[f(z)], E[f(z)^2], E[f'(z)], E[f'(z)^2] for standard-normal z, with ``mpmath.quad``.

    The integral is split at every switch point, each piece integrated with its own branch.
    """
    sums = dict.fromkeys(("mean", "second_moment", "derivative_mean", "derivative_second_moment"))
    totals = [mpmath.mpf(0)] * 4
    with mpmath.workdps(20):
        density = lambda t: mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        for piece in a.pieces:
            f, d = compile_mp(piece.f), compile_mp(piece.d1)
            span = [_flt(piece.lo), _flt(piece.hi)]
            for k, fn in enumerate(
                (
                    lambda t, f=f: f({X: t}),
                    lambda t, f=f: f({X: t}) ** 2,
                    lambda t, d=d: d({X: t}),
                    lambda t, d=d: d({X: t}) ** 2,
                )
            ):
                totals[k] += mpmath.quad(partial(_weighted, fn, density), span)
    for key, total in zip(sums, totals, strict=True):
        sums[key] = float(total)
    return sums


def gradient_of(formula: Formula, depth: int, name: str | None = None) -> dict[str, Any]:
    """How a gradient scales through ``depth`` stacked layers of the activation.

    From the derivative alone: each layer multiplies the gradient by f'(z) (unit weights), so the
    product is at most max|f'|^depth. The Gaussian gains are the quantities Glorot, He and
    LeCun/SELU initialisation are built on.

    Raises:
        ValueError: ``depth`` is not between 1 and 10000, or f is not defined on all of ℝ.
    """
    if not 1 <= depth <= 10000:
        raise ValueError("depth must be between 1 and 10000")
    a = _Analysis(formula)
    if not a.defined_everywhere():
        raise ValueError("f is not real and finite on the whole real line: no gradient analysis")
    max_d, method = _max_abs_derivative(a)
    m = _num(sp.S(max_d["value"])) if max_d["value"] is not None else None
    constant = all(not p.d1.has(X) for p in a.pieces)
    slopes = sorted({_text(_nice(abs(p.d1))) or "" for p in a.pieces}) if constant else None
    moments = _gaussian_moments(a)
    verdict = None if m is None else _verdict(m, slopes)
    bound = None if m is None else (mpmath.inf if mpmath.isinf(m) else m**depth)
    second = moments["second_moment"]
    return {
        "name": name,
        "depth": depth,
        "max_abs_derivative": max_d,
        "method": method,
        "per_layer_bound": max_d["value"],
        "bound": None if bound is None else mpmath.nstr(bound, 6),
        "slopes": slopes,
        "verdict": verdict,
        "typical": mpmath.nstr(mpmath.mpf(moments["derivative_second_moment"]) ** depth, 6),
        "gains": {
            **{k: round(v, 12) for k, v in moments.items()},
            "variance_preserving_gain": None if second <= 0 else round(second**-0.5, 12),
        },
        "self_normalizing": abs(moments["mean"]) < 1e-6 and abs(second - 1) < 1e-6,
    }


def _verdict(m: Any, slopes: Sequence[str] | None) -> str:
    if mpmath.isinf(m) or m > 1 + 1e-15:
        return "can explode"
    if slopes is not None and set(slopes) <= {"0", "1"}:
        return "preserved"  # each unit passes the gradient on unchanged or blocks it
    return "preserved" if _same(m, 1) else "vanishes"


def gradient_by_name(catalog: Catalog, name: str, depth: int) -> dict[str, Any]:
    """:func:`gradient_of` for the catalog entry called ``name``.

    Raises:
        UnknownActivationError: no entry has that name.
    """
    spec = catalog.require(name)
    return gradient_of(formula_of(spec, CatalogResolver(catalog)), depth, spec.name)


def gradient_of_text(
    text: str, params: dict[str, float], depth: int, catalog: Catalog | None = None
) -> dict[str, Any]:
    """:func:`gradient_of` for a typed formula (which may call the entries of ``catalog``)."""
    from actderiv.engine.formula import formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    return gradient_of(formula_from_text(text, params, resolver), depth, None)
