"""Breakpoints: where a formula switches branch, and its one-sided derivatives there.

Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import partial
from typing import Final

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.derivation import Breakpoint
from actderiv.engine.forms import differentiate
from actderiv.engine.formula import Formula
from actderiv.engine.isolate import IsolatedRoot, isolated_zeros
from actderiv.lang.parse import X
from actderiv.numerics import PROBE_DPS, SAME_VALUE_TOL, NotNumeric, compile_mp, real_value


@dataclass(frozen=True, slots=True)
class SwitchPoint:
    """A point where the formula switches branch: exactly (in the parameters) and at defaults.

    ``at_defaults`` is the point as printed; where that is a 17-digit float standing for a
    number with no short exact form (a root of a cubic), ``root`` is the exact number (a
    ``CRootOf``), from which the one-sided derivatives there are computed; where the point is
    known only numerically (gelu(x) = 10), ``root`` is its :class:`IsolatedRoot` (an isolating
    interval, and a point of it to 40 digits, which ``exact`` is too)."""

    exact: sp.Expr
    at_defaults: sp.Expr
    value: float
    root: sp.Expr | IsolatedRoot | None = None


def switch_points(
    f: sp.Expr, formula: Formula, opts: EngineOptions, missed: list[str] | None = None
) -> list[SwitchPoint]:
    """Every real point where the formula switches branch, sorted by value at the defaults.

    The points are the real zeros of each argument of |.|, sign, Heaviside, Max and Min and of
    each side of a Piecewise condition (less the other side): solved in the parameters, else at
    the defaults, a polynomial by exact real-root isolation (``CRootOf``), anything else by
    ``solveset``, by monotone pieces, or by certified isolation with interval arithmetic
    (:mod:`actderiv.engine.isolate`: every zero, each exactly where g is 0 at a point tried,
    else as an isolating interval); each within its budget. An argument whose zeros are not
    all found that way (a budget ran out, SymPy gives no finite set, some part of the line is
    left undecided) is named in ``missed``: the list returned may then lack points, and the
    caller must say so (never a silent omission).
    """
    zeros_of: list[sp.Expr] = []
    for pw in f.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                zeros_of.append(rel.lhs - rel.rhs)
    for atom in f.atoms(sp.Abs, sp.sign, sp.Heaviside):
        zeros_of.append(atom.args[0])
    for atom in f.atoms(sp.Max, sp.Min):
        zeros_of.extend(a - b for a, b in itertools.combinations(atom.args, 2))
    found: dict[float, SwitchPoint] = {}
    # In SymPy's canonical order, not the sets' (which varies with the hash seed): where two
    # exact forms give the same point, the same one is kept in every process.
    for g in sorted(set(zeros_of), key=sp.default_sort_key):
        if not g.has(X):
            continue
        zeros = _real_zeros(g, opts)
        if not zeros:
            at = formula.at_defaults(g)
            found_at = _polynomial_zeros(at, opts)
            if found_at is None:
                found_at = _real_zeros(at, opts)
            if found_at is None:
                found_at = _monotone_zeros(at, opts)
            if found_at is None:
                found_at = isolated_zeros(at, opts)
            zeros = zeros if found_at is None else found_at
        if zeros is None:
            if missed is not None:
                missed.append(str(sp.sstr(formula.at_defaults(g))))
            continue
        for exact in zeros:
            if isinstance(exact, IsolatedRoot):  # known numerically: printed to 17 digits
                near = float(exact.value)
                if not any(abs(near - k) < SAME_VALUE_TOL for k in found):
                    found[near] = SwitchPoint(exact.value, exact.printed, near, exact)
                continue
            exact_at = formula.at_defaults(exact)
            at_defaults = nice_value(exact_at)
            if at_defaults.has(sp.CRootOf):  # printed as a number, computed from the root
                at_defaults = sp.Float(sp.N(at_defaults, 17), 17)
            value = to_float(at_defaults)
            root = exact_at if isinstance(at_defaults, sp.Float) and exact_at.is_number else None
            if value is not None and not any(abs(value - k) < SAME_VALUE_TOL for k in found):
                found[value] = SwitchPoint(exact, at_defaults, value, root)
    return [found[k] for k in sorted(found)]


def unfound_switch_points(missed: list[str]) -> list[str]:
    """What to say where :func:`switch_points` could not find every point (one line each)."""
    return [
        f"the points where {g} = 0 (where the formula switches branch) were not found: "
        "breakpoints there may be missing (undecided)"
        for g in dict.fromkeys(missed)
    ]


def _real_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr] | None:
    """The real zeros of ``g`` by ``solveset`` (None where it gives no finite set in budget)."""
    solutions = attempt(lambda: sp.solveset(g, X, sp.S.Reals), opts.step, None, "the switch points")
    if isinstance(solutions, sp.FiniteSet):
        return list(solutions)
    if solutions is sp.S.EmptySet:
        return []
    # a product: the zeros of each factor (x*(1 - exp(-|x|)), which solveset does not split)
    factors = attempt(lambda: sp.factor_terms(g), opts.step, None, "the switch points")
    if isinstance(factors, sp.Mul) and factors.args:
        out: list[sp.Expr] = []
        for factor in factors.args:
            if not factor.has(X):
                continue
            part = attempt(
                partial(sp.solveset, factor, X, sp.S.Reals), opts.step, None, "the switch points"
            )
            if part is sp.S.EmptySet:
                continue
            if not isinstance(part, sp.FiniteSet):
                return None
            out.extend(part)
        return out
    return None


#: The functions continuous on the whole real line that :func:`_monotone_zeros` accepts.
_ENTIRE: Final = (sp.exp, sp.sin, sp.cos, sp.sinh, sp.cosh, sp.tanh, sp.erf, sp.atan, sp.asinh)


def _monotone_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr] | None:
    """The real zeros of ``g`` (continuous on the whole line: sums, products and natural powers
    of x, numbers and :data:`_ENTIRE`), where ``solveset`` finds its critical points (a finite
    set) but not its zeros (x = tanh(x)): between two critical points g is strictly monotone,
    so it has a zero inside only where its values (or limits at ±∞) at the ends have opposite
    signs, and a zero at a critical point is one where g is exactly 0. None where a zero lies
    strictly inside (it has no exact form), or where a sign cannot be decided."""
    for node in sp.preorder_traversal(g):
        if isinstance(node, sp.Pow):
            if not (node.exp.is_Integer and node.exp >= 0):
                return None
        elif isinstance(node, sp.Function):
            if not isinstance(node, _ENTIRE):
                return None
        elif not isinstance(node, sp.Add | sp.Mul | sp.Number | sp.Symbol | sp.NumberSymbol):
            return None
    if g.free_symbols - {X}:
        return None

    def sign(value: sp.Expr) -> int | None:
        if value in (sp.oo, -sp.oo):
            return 1 if value == sp.oo else -1
        if not value.is_number or not value.is_finite:
            return None
        if sp.simplify(value) == 0:
            return 0
        s = sp.sign(value)
        return int(s) if s in (1, -1) else None

    def zeros() -> list[sp.Expr] | None:
        critical = sp.solveset(sp.diff(g, X), X, sp.S.Reals)
        if critical is sp.S.EmptySet:
            points: list[sp.Expr] = []
        elif isinstance(critical, sp.FiniteSet) and all(c.is_real for c in critical):
            points = sorted(critical, key=lambda c: float(sp.N(c, 30)))
        else:
            return None
        ends = [sp.limit(g, X, -sp.oo), *(g.subs(X, c) for c in points), sp.limit(g, X, sp.oo)]
        maybe = [sign(v) for v in ends]
        signs = [v for v in maybe if v is not None]
        if len(signs) < len(maybe) or signs[0] == 0 or signs[-1] == 0:
            return None
        if any(a * b < 0 for a, b in itertools.pairwise(signs)):
            return None  # a zero strictly between two critical points: no exact form
        return [c for c, s in zip(points, signs[1:-1], strict=True) if s == 0]

    return attempt(zeros, opts.step, None, "the switch points")


def _polynomial_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr] | None:
    """Every real zero of ``g`` when its numerator is a polynomial in x with rational
    coefficients (the parameters at their defaults), exactly: rationals, square roots, or
    ``CRootOf`` (an isolating interval refined on demand); zeros of the denominator left out.
    None when ``g`` is not such a rational function or the budget runs out."""

    def zeros() -> list[sp.Expr] | None:
        num, den = sp.fraction(sp.together(g))
        if not (num.is_polynomial(X) and den.is_polynomial(X)):
            return None
        poly, denominator = sp.Poly(num, X), sp.Poly(den, X)
        if poly.degree() < 1 or not (poly.domain.is_QQ or poly.domain.is_ZZ):
            return None
        roots = list(dict.fromkeys(poly.real_roots()))
        return [r for r in roots if denominator.rem(sp.Poly(_minimal(r), X)).is_zero is False]

    return attempt(zeros, opts.step, None, "the switch points")


def _minimal(root: sp.Expr) -> sp.Expr:
    """A polynomial in x with rational coefficients that ``root`` (a real root found by
    :func:`_polynomial_zeros`) is a simple zero of."""
    if isinstance(root, sp.CRootOf):
        return root.poly.as_expr().subs(root.poly.gen, X)
    return sp.minimal_polynomial(root, X)


def to_float(value: sp.Expr) -> float | None:
    try:
        result = complex(sp.N(value, 30))
    except (TypeError, ValueError):
        return None
    if (
        abs(result.imag) > SAME_VALUE_TOL
        or result.real != result.real
        or abs(result.real) == float("inf")
    ):
        return None
    return result.real


def nice_value(value: sp.Expr) -> sp.Expr:
    """Keep small exact numbers; print long rationals (from float defaults) as 17-digit floats."""
    value = sp.nsimplify(value) if isinstance(value, sp.Float) else value
    if isinstance(value, sp.Rational) and abs(value.q) > 10**6:
        return sp.Float(value, 17)
    if value.is_number and not value.is_Rational and len(str(value)) > 40:
        return sp.Float(sp.N(value, 17), 17)
    return value


class BreakpointFinder:
    """The breakpoint analysis of one formula, at the default parameters."""

    def __init__(self, formula: Formula, opts: EngineOptions) -> None:
        self.formula = formula
        self.opts = opts

    def limit(self, expr: sp.Expr, c: sp.Expr, side: str) -> sp.Expr | None:
        expr = self.formula.at_defaults(expr)
        if not _switches_at(expr, c):
            value = attempt(
                lambda: expr.subs(X, c), self.opts.step, None, "a value at a breakpoint"
            )
            if value is not None and value.is_finite:
                return nice_value(sp.nsimplify(value) if isinstance(value, sp.Float) else value)
        value = attempt(
            lambda: sp.limit(expr, X, c, side), self.opts.step, None, "a limit at a breakpoint"
        )
        if value is None or not value.is_finite:
            return None
        return nice_value(value)

    def breakpoint(
        self,
        f: sp.Expr,
        order: int,
        c: sp.Expr,
        *,
        root: sp.Expr | IsolatedRoot | None = None,
        between: tuple[float | None, float | None] = (None, None),
    ) -> Breakpoint | None:
        """One-sided derivatives and the conventional value at ``c``; None where nothing kinks.

        Where ``c`` is a float standing for the exact number ``root`` (a ``CRootOf``) or for a
        zero known numerically (an :class:`IsolatedRoot`), they are computed at ``root`` from
        the branches that apply on each side (see :meth:`_at_root`); ``between`` holds the
        switch points next to it (None: none)."""
        if root is not None:
            return self._at_root(f, order, c, root, between)
        f_at = self.formula.at_defaults(f)
        below, above = _piece_near(f_at, c, -1), _piece_near(f_at, c, +1)
        lower = differentiate(below, order - 1) if order > 1 else below
        upper = differentiate(above, order - 1) if order > 1 else above
        continuous = _all_close(
            self.limit(lower, c, "-"),
            self.limit(upper, c, "+"),
            self.value(differentiate(f_at, order - 1) if order > 1 else f_at, c),
        )
        left = self.limit(differentiate(lower, 1), c, "-")
        right = self.limit(differentiate(upper, 1), c, "+")
        value = self.value(differentiate(f_at, order), c)
        same = _all_close(left, right)
        differentiable = None if continuous is None or same is None else continuous and same
        if differentiable and _all_close(left, value):
            return None
        return Breakpoint(
            x=c,
            left=left,
            right=right,
            value=value,
            continuous=continuous,
            differentiable=differentiable,
        )

    def value(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        """The value as the formula is written: the first branch whose condition holds at c."""
        result = attempt(lambda: expr.subs(X, c), self.opts.step, None, "a value at a breakpoint")
        if result is None or not result.is_number or not result.is_finite:
            return None
        return nice_value(result)

    def _at_root(
        self,
        f: sp.Expr,
        order: int,
        c: sp.Expr,
        root: sp.Expr | IsolatedRoot,
        between: tuple[float | None, float | None],
    ) -> Breakpoint | None:
        """The breakpoint at an exact ``root`` with no short form (printed as ``c``), or at a
        zero known numerically (its 40-digit point inside the isolating interval).

        Between two neighbouring switch points every |u|, sign(u), Heaviside(u) and Piecewise
        condition keeps its sign (all their zeros are switch points), so the branch of f on each
        side is f with each replaced by its value at one probe there, half-way to the next
        switch point (or 1 beyond the last one). That branch is analytic at ``root``: its
        derivatives there are its values, computed from ``root`` exactly and printed to 17
        digits. The value as written is f's derivative with each |u|, sign(u), Heaviside(u)
        whose u vanishes at ``root`` at its value at 0 (decided exactly for polynomial u); at an
        isolated zero of g, also with each Piecewise at its branch there, u vanishing exactly
        where it is a nonzero multiple of g and any other sign told by an enclosure over the
        isolating interval."""
        f_at = self.formula.at_defaults(f)
        point = float(to_float(c) or 0.0)
        lo, hi = between
        probes = (
            point - 1.0 if lo is None else (lo + point) / 2,
            point + 1.0 if hi is None else (hi + point) / 2,
        )
        below, above = (_branch_at(f_at, p) for p in probes)
        if below is None or above is None:
            return Breakpoint(
                x=c, left=None, right=None, value=None, continuous=None, differentiable=None
            )
        lower = differentiate(below, order - 1) if order > 1 else below
        upper = differentiate(above, order - 1) if order > 1 else above

        def written(k: int) -> sp.Expr | None:
            fk = differentiate(f_at, k) if k else f_at
            form = (
                _written_at_isolated(fk, root)
                if isinstance(root, IsolatedRoot)
                else _written_at(fk, root)
            )
            return None if form is None else self._number_at(form, root)

        continuous = _all_close(
            self._number_at(lower, root), self._number_at(upper, root), written(order - 1)
        )
        left = self._number_at(differentiate(lower, 1), root)
        right = self._number_at(differentiate(upper, 1), root)
        value = written(order)
        same = _all_close(left, right)
        differentiable = None if continuous is None or same is None else continuous and same
        if differentiable and _all_close(left, value):
            return None
        return Breakpoint(
            x=c,
            left=left,
            right=right,
            value=value,
            continuous=continuous,
            differentiable=differentiable,
        )

    def _number_at(self, expr: sp.Expr, root: sp.Expr | IsolatedRoot) -> sp.Expr | None:
        """``expr`` (analytic near ``root``) at ``root``, to 17 digits; None where not finite."""
        point = root.value if isinstance(root, IsolatedRoot) else root

        def number() -> sp.Expr | None:
            value = sp.N(expr.subs(X, point), 30)
            if not value.is_number or not value.is_finite or value.has(sp.nan, sp.zoo):
                return None
            real, imag = value.as_real_imag()
            if abs(imag) > SAME_VALUE_TOL * max(1, abs(real)):
                return None
            return nice_value(sp.Float(real, 17))

        return attempt(number, self.opts.step, None, "a value at a breakpoint")


class _Unsure(Exception):
    """A sign that the probe cannot tell (a value within round-off of 0)."""


def _branch_at(f: sp.Expr, probe: float) -> sp.Expr | None:
    """``f`` with every |u|, sign(u), Heaviside(u) (u in x) and Piecewise replaced by what it
    is at x = ``probe``; None where a sign there is too close to 0 to tell."""
    env = {X: mpmath.mpf(probe)}

    def sign_at(u: sp.Expr) -> int:
        with mpmath.workdps(PROBE_DPS):
            try:
                v = real_value(compile_mp(u), env)
            except NotNumeric:
                raise _Unsure from None
            if v is None or abs(v) <= mpmath.mpf(10) ** (5 - PROBE_DPS):
                raise _Unsure
            return 1 if v > 0 else -1

    def choose(pw: sp.Piecewise) -> sp.Expr:
        for value, cond in pw.args:
            if cond is sp.true:
                return value
            for rel in cond.atoms(sp.core.relational.Relational):
                sign_at(rel.lhs - rel.rhs)  # not on a boundary
            with mpmath.workdps(PROBE_DPS):
                try:
                    if compile_mp(cond)(env):
                        return value
                except (NotNumeric, TypeError, ValueError, ZeroDivisionError):
                    raise _Unsure from None
        raise _Unsure

    def heaviside(h: sp.Heaviside) -> sp.Expr:
        return sp.S.One if sign_at(h.args[0]) > 0 else sp.S.Zero

    try:
        out = f
        while out.has(sp.Piecewise):
            out = out.replace(lambda e: isinstance(e, sp.Piecewise), choose)
        out = out.replace(
            lambda e: isinstance(e, sp.Abs) and e.args[0].has(X),
            lambda e: sign_at(e.args[0]) * e.args[0],
        )
        out = out.replace(
            lambda e: isinstance(e, sp.sign) and e.args[0].has(X),
            lambda e: sp.Integer(sign_at(e.args[0])),
        )
        return out.replace(lambda e: isinstance(e, sp.Heaviside) and e.args[0].has(X), heaviside)
    except _Unsure:
        return None


def _written_at(f: sp.Expr, root: sp.Expr) -> sp.Expr | None:
    """``f`` with every |u|, sign(u), Heaviside(u) whose u is 0 at ``root`` at its value at
    u = 0 (the value as written there); None where it cannot be told exactly whether u is 0
    (u not a polynomial with rational coefficients), or where f is a Piecewise."""
    if f.has(sp.Piecewise):
        return None
    minimal = sp.Poly(_minimal(root), X)

    def vanishes(u: sp.Expr) -> bool:
        num, den = sp.fraction(sp.together(u))
        if not num.is_polynomial(X) or not den.is_polynomial(X):
            raise _Unsure
        poly = sp.Poly(num, X)
        if not (poly.domain.is_QQ or poly.domain.is_ZZ):
            raise _Unsure
        return bool(poly.rem(minimal).is_zero)

    def at_zero(e: sp.Expr) -> sp.Expr:
        if not vanishes(e.args[0]):
            return e
        if isinstance(e, sp.Heaviside):
            return e.args[1] if len(e.args) > 1 else sp.S.Half
        return sp.S.Zero

    try:
        return f.replace(
            lambda e: isinstance(e, sp.Abs | sp.sign | sp.Heaviside) and e.args[0].has(X),
            at_zero,
        )
    except _Unsure:
        return None


_RELATION_AT_ZERO: Final = {
    sp.StrictLessThan: lambda s: s < 0,
    sp.LessThan: lambda s: s <= 0,
    sp.StrictGreaterThan: lambda s: s > 0,
    sp.GreaterThan: lambda s: s >= 0,
    sp.Equality: lambda s: s == 0,
    sp.Unequality: lambda s: s != 0,
}


def _written_at_isolated(f: sp.Expr, root: IsolatedRoot) -> sp.Expr | None:
    """``f`` as written at an isolated zero of ``root.g``: each Piecewise at the first branch
    whose condition holds there, each |u|, sign(u), Heaviside(u) at its value there, the sign
    of each u (of lhs - rhs for a relation) told by :meth:`IsolatedRoot.sign_of` (0 exactly
    where u is a nonzero multiple of g); None where a sign cannot be told."""

    def sign(u: sp.Expr) -> int:
        s = root.sign_of(u)
        if s is None:
            raise _Unsure
        return s

    def truth(rel: sp.Expr) -> sp.Expr:
        holds = _RELATION_AT_ZERO.get(type(rel))
        if holds is None:
            raise _Unsure
        return sp.true if holds(sign(rel.lhs - rel.rhs)) else sp.false

    def choose(pw: sp.Piecewise) -> sp.Expr:
        for value, cond in pw.args:
            rels = sorted(cond.atoms(sp.core.relational.Relational), key=sp.default_sort_key)
            decided = cond.xreplace({rel: truth(rel) for rel in rels})
            if decided is sp.true:
                return value
            if decided is not sp.false:
                raise _Unsure
        raise _Unsure

    def heaviside(h: sp.Heaviside) -> sp.Expr:
        s = sign(h.args[0])
        if s == 0:
            return h.args[1] if len(h.args) > 1 else sp.S.Half
        return sp.S.One if s > 0 else sp.S.Zero

    try:
        out = f
        while out.has(sp.Piecewise):
            out = out.replace(lambda e: isinstance(e, sp.Piecewise), choose)
        out = out.replace(
            lambda e: isinstance(e, sp.Abs) and e.args[0].has(X),
            lambda e: sign(e.args[0]) * e.args[0],
        )
        out = out.replace(
            lambda e: isinstance(e, sp.sign) and e.args[0].has(X),
            lambda e: sp.Integer(sign(e.args[0])),
        )
        return out.replace(lambda e: isinstance(e, sp.Heaviside) and e.args[0].has(X), heaviside)
    except _Unsure:
        return None


def _switches_at(expr: sp.Expr, c: sp.Expr) -> bool:
    """Whether ``expr`` may change branch at ``c`` (then a one-sided limit is needed)."""
    if expr.has(sp.Piecewise):
        return True
    # Unknown counts as a switch, which the one-sided limit then settles: not an answer left
    # undecided, so a budget that runs out here is not noted.
    with budget.collecting(propagate=False):
        return any(
            atom.args[0].has(X)
            and attempt(partial(_vanishes_at, atom.args[0], c), budget.SMALL, True)
            for atom in sorted(expr.atoms(sp.Abs, sp.sign, sp.Heaviside), key=sp.default_sort_key)
        )


def _vanishes_at(expr: sp.Expr, c: sp.Expr) -> bool:
    return bool(sp.simplify(expr.subs(X, c)) == 0)


def _piece_near(f: sp.Expr, c: sp.Expr, side: int) -> sp.Expr:
    """The branch of ``f`` that applies just to one side of ``c``."""
    if not isinstance(f, sp.Piecewise):
        return f
    point = to_float(c) or 0.0
    probe = point + side * 1e-9 * max(1.0, abs(point))
    env = {X: mpmath.mpf(probe)}
    for expr, cond in f.args:
        try:
            if compile_mp(cond)(env):
                return expr
        except NotNumeric:
            break
    return f


def _all_close(*values: sp.Expr | None) -> bool | None:
    if any(v is None for v in values):
        return None
    floats = [to_float(v) for v in values if v is not None]
    if any(v is None for v in floats):
        return None
    first = floats[0]
    assert first is not None
    return all(
        v is not None and abs(v - first) <= SAME_VALUE_TOL * max(1.0, abs(first)) for v in floats
    )


# --- self-referential forms ----------------------------------------------------------------------
