"""Breakpoints: where a formula switches branch, and its one-sided derivatives there.

Pure: no I/O, no printing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.derivation import Breakpoint
from actderiv.engine.forms import differentiate
from actderiv.engine.formula import Formula
from actderiv.lang.parse import X
from actderiv.numerics import SAME_VALUE_TOL, NotNumeric, compile_mp


@dataclass(frozen=True, slots=True)
class SwitchPoint:
    """A point where the formula switches branch: exactly (in the parameters) and at defaults."""

    exact: sp.Expr
    at_defaults: sp.Expr
    value: float


def switch_points(f: sp.Expr, formula: Formula, opts: EngineOptions) -> list[SwitchPoint]:
    """Every real point where the formula switches branch, sorted by value at the defaults."""
    zeros_of: list[sp.Expr] = []
    for pw in f.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                zeros_of.append(rel.lhs - rel.rhs)
    for atom in f.atoms(sp.Abs, sp.sign, sp.Heaviside):
        zeros_of.append(atom.args[0])
    found: dict[float, SwitchPoint] = {}
    # In SymPy's canonical order, not the sets' (which varies with the hash seed): where two
    # exact forms give the same point, the same one is kept in every process.
    for g in sorted(set(zeros_of), key=sp.default_sort_key):
        if not g.has(X):
            continue
        for exact in _real_zeros(g, opts) or _real_zeros(formula.at_defaults(g), opts):
            at_defaults = nice_value(formula.at_defaults(exact))
            value = to_float(at_defaults)
            if value is not None and not any(abs(value - k) < SAME_VALUE_TOL for k in found):
                found[value] = SwitchPoint(exact, at_defaults, value)
    return [found[k] for k in sorted(found)]


def _real_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr]:
    solutions = attempt(lambda: sp.solveset(g, X, sp.S.Reals), opts.step, None, "the switch points")
    return list(solutions) if isinstance(solutions, sp.FiniteSet) else []


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

    def breakpoint(self, f: sp.Expr, order: int, c: sp.Expr) -> Breakpoint | None:
        """One-sided derivatives and the conventional value at ``c``; None where nothing kinks."""
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
