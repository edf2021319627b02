"""The analysis behind the properties: pieces between switch points, exact and sampled values,
and the signs of an expression on a piece, computed once per activation.

Every SymPy step that can run long runs within a work budget (see
:mod:`actderiv.engine.budget`). Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.forms import abstracted, differentiate
from actderiv.engine.formula import Formula
from actderiv.engine.isolate import IsolatedRoot
from actderiv.engine.kinks import switch_points
from actderiv.engine.selfref import as_branches
from actderiv.lang.parse import X
from actderiv.numerics import (
    POINTS_PER_BRANCH,
    PROPERTY_DPS,
    REACH,
    SAME_VALUE_TOL,
    NotNumeric,
    compile_mp,
    real_value,
    sample_points,
)

T = TypeVar("T")
Method = Literal["proved", "sampled"]


# --- pieces: the open intervals between switch points, each with one smooth branch ---


@dataclass(frozen=True, slots=True)
class Piece:
    lo: sp.Expr  # -oo, a switch point, or the next one
    hi: sp.Expr
    f: sp.Expr  # the branch that applies on (lo, hi)
    d1: sp.Expr
    d2: sp.Expr
    #: how an end prints where it is not its exact text (see :attr:`Analysis.labels`)
    lo_text: str | None = None
    hi_text: str | None = None

    def probe(self) -> float:
        """A point inside the piece."""
        a, b = to_mpf(self.lo), to_mpf(self.hi)
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
            return f"x < {self.end_text(+1)}"
        if hi == sp.oo:
            return f"x > {self.end_text(-1)}"
        return f"{self.end_text(-1)} < x < {self.end_text(+1)}"

    def end_text(self, side: int) -> str | None:
        """The lower (side -1) or upper end as printed."""
        if side < 0:
            return self.lo_text or exact_text(self.lo)
        return self.hi_text or exact_text(self.hi)


def to_mpf(v: sp.Expr) -> Any:
    if v == sp.oo:
        return mpmath.inf
    if v == -sp.oo:
        return -mpmath.inf
    return float(sp.N(v, 20))


def smooth_form(f: sp.Expr) -> sp.Expr:
    """|u|, sign(u), Heaviside(u), max and min rewritten as explicit branches."""

    def heaviside(h: sp.Heaviside) -> sp.Expr:
        u = h.args[0]
        at0 = h.args[1] if len(h.args) > 1 else sp.S.Half
        return sp.Piecewise((0, u < 0), (1, u > 0), (at0, True)) if u.has(X) else h

    g = as_branches(f)
    g = g.replace(lambda e: isinstance(e, sp.Heaviside), heaviside)
    g = g.replace(lambda e: isinstance(e, sp.Max | sp.Min), lambda e: e.rewrite(sp.Piecewise))
    return sp.piecewise_fold(g) if g.has(sp.Piecewise) else g


def select_branch(expr: sp.Expr, xv: float) -> sp.Expr:
    """``expr`` with every Piecewise replaced by the branch that applies at x = xv."""

    def choose(pw: sp.Piecewise) -> sp.Expr:
        env = {X: mpmath.mpf(xv)}
        for value, cond in pw.args:
            try:
                if cond is sp.true or compile_mp(cond)(env):
                    return select_branch(value, xv)
            except (NotNumeric, TypeError, ValueError, ZeroDivisionError):
                break
        return pw

    return expr.replace(lambda e: isinstance(e, sp.Piecewise), choose)


def pieces_of(
    f: sp.Expr, points: Sequence[sp.Expr], labels: Mapping[int, str] | None = None
) -> list[Piece]:
    """The pieces between the switch points; ``labels`` prints point i where given."""
    ends: list[sp.Expr] = [-sp.oo, *points, sp.oo]
    texts: list[str | None] = [None, *((labels or {}).get(i) for i in range(len(points))), None]
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(ends)):
        piece = Piece(lo, hi, sp.S.Zero, sp.S.Zero, sp.S.Zero)
        branch = select_branch(f, piece.probe())
        d1 = differentiate(branch)
        out.append(Piece(lo, hi, branch, d1, differentiate(d1), texts[i], texts[i + 1]))
    return out


# --- exact and numerical values ---


def exact_text(v: sp.Expr | None) -> str | None:
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
        if abs(imag) <= SAME_VALUE_TOL * max(1, abs(real)):
            return str(sp.Float(real, 17))
    return text


def shorter(v: sp.Expr) -> sp.Expr:
    if v.is_Rational or v.is_Atom:
        return v
    with budget.collecting(propagate=False):  # v as it is is as final an answer
        out = attempt(
            lambda: sp.nsimplify(sp.simplify(v)) if v.is_Float else sp.simplify(v), budget.SMALL, v
        )
    return out if len(str(out)) <= len(str(v)) else v


def numeric_value(v: sp.Expr | None) -> Any | None:
    """A finite real value of an exact number, at 30 digits (None when not one)."""
    if v is None or v.has(sp.nan, sp.zoo, sp.AccumBounds):
        return None
    if v == sp.oo:
        return mpmath.inf
    if v == -sp.oo:
        return -mpmath.inf
    try:
        with mpmath.workdps(PROPERTY_DPS):
            value = real_value(compile_mp(v), {})
    except NotNumeric:
        return None
    return value


def same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if mpmath.isinf(a) or mpmath.isinf(b):
        return bool(a == b)
    return bool(abs(a - b) <= mpmath.mpf(10) ** -20 * max(1, abs(a), abs(b)))


class Clock:
    """Budgets for SymPy: each step at most ``budget.PROPERTY_STEP`` steps, all steps together
    at most ``budget.PROPERTY_TOTAL``; a step past the total is not tried (and that is noted)."""

    def __init__(self) -> None:
        self.left = budget.PROPERTY_TOTAL

    def attempt(
        self, fn: Callable[[], T], fallback: T, what: str = "a property", *, steps: int = 0
    ) -> T:
        if self.left <= 0:
            budget.note_exhausted(
                f"the budget of {budget.PROPERTY_TOTAL:,} steps was spent in the properties' "
                "limits and solutions"
            )
            return fallback
        start = budget.spent()
        try:
            return attempt(fn, min(steps or budget.PROPERTY_STEP, self.left), fallback, what)
        finally:
            self.left -= budget.spent() - start


def value_at(
    expr: sp.Expr, c: sp.Expr, side: str | None = None, clock: Clock | None = None
) -> sp.Expr | None:
    """``expr`` at x = c: substituted, or its (one-sided) limit where that is not a number."""
    clock = clock or Clock()
    value = attempt(lambda: expr.subs(X, c), budget.PROPERTY_STEP, None, "a value")
    if value is not None and value.is_number and value.is_finite and not value.has(sp.nan):
        return sp.S(value)
    if side is None and c not in (sp.oo, -sp.oo):
        return None
    direction = side or ("-" if c == sp.oo else "+")
    out = clock.attempt(lambda: sp.limit(expr, X, c, direction), None, "a limit")
    return None if out is None or out.has(sp.Limit) else sp.S(out)


class Sampler:
    """Evaluates compiled expressions at the sample points of each piece."""

    def __init__(self, pieces: Sequence[Piece]) -> None:
        breaks = [float(to_mpf(p.lo)) for p in pieces[1:]]
        # Chebyshev-like points out to ±REACH (dense at the ends of each branch), and a fine
        # uniform grid near the origin, where the features of most activations are.
        grid = [k / 10 for k in range(-100, 101)]
        self.points = sorted({*sample_points(breaks, POINTS_PER_BRANCH, REACH), *grid})
        self.reach = REACH + max((abs(b) for b in breaks), default=0.0)
        self._seen: dict[sp.Expr, dict[float, Any]] = {}

    def on(self, piece: Piece) -> list[float]:
        lo, hi = to_mpf(piece.lo), to_mpf(piece.hi)
        return [p for p in self.points if lo < p < hi]

    def values(self, expr: sp.Expr, xs: Sequence[float]) -> list[tuple[float, Any]]:
        """(x, value) at each of ``xs`` where ``expr`` is finite and real, at 30 digits."""
        try:
            fn = compile_mp(expr)
        except NotNumeric:
            return []
        known = self._seen.setdefault(expr, {})
        with mpmath.workdps(PROPERTY_DPS):
            for xv in xs:
                if xv not in known:
                    known[xv] = real_value(fn, {X: mpmath.mpf(xv)})
        return [(xv, known[xv]) for xv in xs if known[xv] is not None]

    @property
    def label(self) -> str:
        return f"[-{self.reach:g}, {self.reach:g}]"


# --- signs of an expression on a piece ---

Sign = Literal["+", "-", "0", "±"]


def sign_on(h: sp.Expr, piece: Piece, a: Analysis) -> tuple[Sign | None, Method]:
    """The sign of ``h`` on the open piece: ≥ 0 ("+"), ≤ 0 ("-"), ≡ 0 ("0") or both ("±").

    Proved from the real zeros of ``h`` in the piece and its sign between them; sampled when
    ``solveset`` gives no finite answer within its budget. Two opposite signs seen are a proof
    either way.
    """
    if h == 0:
        return "0", "proved"
    if not h.has(X):
        v = numeric_value(h)
        return (None if v is None else ("0" if v == 0 else "+" if v > 0 else "-")), "proved"
    sampler = a.sampler
    zeros = a.zeros(h, piece)
    if zeros is sp.S.EmptySet or (
        isinstance(zeros, sp.FiniteSet) and all(z.is_number for z in zeros)
    ):
        cuts = sorted(float(to_mpf(z)) for z in zeros)
        probes = _between(cuts, piece)
        values = sampler.values(h, probes)
        signs = {sign_of(v) for _, v in values}
        if len(values) == len(probes) or len(signs) > 1:
            return _combine(signs), "proved"
    signs = {sign_of(v) for _, v in sampler.values(h, sampler.on(piece))}
    if not signs:
        return None, "sampled"
    combined = _combine(signs)
    return combined, "proved" if combined == "±" else "sampled"


def _between(cuts: Sequence[float], piece: Piece) -> list[float]:
    lo, hi = to_mpf(piece.lo), to_mpf(piece.hi)
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


def sign_of(v: Any) -> int:
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


class Analysis:
    """Everything computed once per activation and shared by the properties."""

    def __init__(self, formula: Formula) -> None:
        opts = EngineOptions(step=budget.PROPERTY_STEP)
        self.f = smooth_form(formula.at_defaults(formula.expr))
        flat = Formula(self.f, (), formula.source)
        #: Where the switch points were not all found (then nothing here is decided).
        self.missed: list[str] = []
        found = switch_points(self.f, flat, opts, self.missed)
        self.points = [p.at_defaults for p in found]
        #: How a switch point known only numerically prints: its 17 digits as they are
        #: (gelu_10's 10.000000000000000, never the 10 that exact_text makes of that value: the
        #: point is 10.000000000000000000000076).
        self.labels = {
            i: str(p.at_defaults) for i, p in enumerate(found) if isinstance(p.root, IsolatedRoot)
        }
        self.pieces = pieces_of(self.f, self.points, self.labels)
        self.sampler = Sampler(self.pieces)
        self.methods: dict[str, Method] = {}
        self.notes: list[str] = []
        self.clock = Clock()
        self._zeros: dict[tuple[sp.Expr, sp.Expr, sp.Expr], Any] = {}
        self.jumps = [self._jump(i) for i in range(len(self.points))]

    def zeros(self, h: sp.Expr, piece: Piece) -> Any:
        """The real zeros of ``h`` on the open piece (a SymPy set), or None past its budget."""
        key = (h, piece.lo, piece.hi)
        if key not in self._zeros:
            interval = sp.Interval.open(piece.lo, piece.hi)
            # Where the zeros are not found, the property is established by sampling and says
            # so ("sampled"): a designed fallback, as final as a proof, so the budget spent here
            # does not make the record undecided.
            with budget.collecting(propagate=False):
                self._zeros[key] = self.clock.attempt(
                    partial(_zeros_on, h, interval),
                    None,
                    "the zeros of an expression",
                    steps=budget.ZEROS,
                )
        return self._zeros[key]

    def at(self, expr: sp.Expr, c: sp.Expr, side: str | None = None) -> sp.Expr | None:
        return value_at(expr, c, side, self.clock)

    def point_text(self, i: int) -> str | None:
        """Switch point i as printed."""
        return self.labels.get(i) or exact_text(self.points[i])

    def left_right(self, i: int, order: int) -> tuple[sp.Expr | None, sp.Expr | None]:
        """One-sided limits of the ``order``-th derivative at switch point ``i``."""
        p = self.points[i]
        below, above = self.pieces[i], self.pieces[i + 1]
        gl = below.f if order == 0 else differentiate(below.f, order)
        gr = above.f if order == 0 else differentiate(above.f, order)
        return self.at(gl, p, "-"), self.at(gr, p, "+")

    def value(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        """The value as written at x = c (the branch whose condition holds there)."""
        return self.at(select_branch(expr, float(to_mpf(c))), c)

    def _jump(self, i: int) -> bool | None:
        left, right = self.left_right(i, 0)
        here = self.value(self.f, self.points[i])
        values = [numeric_value(left), numeric_value(right), numeric_value(here)]
        if any(v is None for v in values):
            return None
        return not (same_value(values[0], values[1]) and same_value(values[0], values[2]))

    def defined_everywhere(self) -> bool:
        """Whether f is real and finite at every sample point (else the analysis does not apply)."""
        xs = self.sampler.points
        return all(
            len(self.sampler.values(p.f, [x for x in xs if to_mpf(p.lo) < x < to_mpf(p.hi)]))
            == len(self.sampler.on(p))
            for p in self.pieces
        ) and all(self.value(self.f, c) is not None for c in self.points)

    @property
    def continuous(self) -> bool | None:
        if any(j is None for j in self.jumps):
            return None
        return not any(self.jumps)


def _zeros_on(h: sp.Expr, interval: sp.Interval) -> Any:
    """``solveset`` of ``h`` on ``interval``, with the numbers of many digits inside exp
    written as symbols (:func:`~actderiv.engine.forms.abstracted`): exp(-x²/(2·1.41421²)) made
    SymPy build a dense power of exp(x²) of enormous degree. A set in those symbols that is
    not a finite set of points is no answer (None: the property is sampled)."""
    abstract, back = abstracted(h, inside=sp.exp)
    if not back:
        return sp.solveset(h, X, interval)
    found = sp.solveset(abstract, X, interval)
    if not isinstance(found, sp.FiniteSet):
        return found if found is sp.S.EmptySet else None
    points = [p.xreplace(back) for p in found]
    return sp.FiniteSet(*(p for p in points if interval.contains(p) is sp.true))
