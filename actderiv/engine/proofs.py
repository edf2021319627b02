"""Proofs that an expression is 0: a ladder of SymPy's rewrites, cheapest first.

Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache, partial
from typing import Any, Literal

import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.logic.boolalg import BooleanFunction

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.pieces import fixed_signs
from actderiv.lang.parse import X

#: What :func:`proves_zero` proved: that the expression is 0 for every value of the
#: parameters, or only at the values it was given (the catalog's).
Proof = Literal["in general", "at the parameter values"]


def proves_zero(
    expr: sp.Expr, opts: EngineOptions, at: Mapping[sp.Symbol, sp.Expr] | None = None
) -> Proof | None:
    """Whether SymPy reduces ``expr`` to 0 within its budgets, and for which parameters;
    cheapest way first:

    1. ``cancel`` (enough for most rational identities);
    2. ``cancel`` after writing sign(x) as x/|x| (see :func:`_zero_with_signs`);
    3. ``cancel`` after writing hyperbolic and other functions as exponentials (identities such
       as sinh(a)*sech(u)*sech(v) = a quotient of exponentials, which ``simplify`` often misses);
    4. piece by piece, for a Piecewise whose conditions are on x alone
       (:func:`_zero_on_every_piece`);
    5. piece by piece with the parameters at ``at``, for a Piecewise whose conditions involve
       the parameters (PLU's claimed derivative is 0 less its derivative only for alpha < 1,
       where its pieces are ordered as claimed); then ``simplify``, within
       ``budget.GENERAL_AFTER_VALUES`` steps, to tell whether it holds for every value as well
       (hardtanh's does);
    6. ``simplify``.

    "In general" is for every value of each parameter of the sign of its default (see
    :func:`actderiv.lang.parse.param_symbol`). Rungs 2 to 5 each get ``budget.CHEAP_PROOF``
    steps; the first and the last the whole step budget. The budgets that ran out are noted
    (see :func:`actderiv.engine.budget.collecting`) only when no rung proved it in general.
    """
    with budget.collecting(propagate=False) as exhausted:
        proof = _ladder(expr, opts, at)
    if proof != "in general":
        for message in exhausted:
            budget.note_exhausted(message)
    return proof


def _ladder(
    expr: sp.Expr, opts: EngineOptions, at: Mapping[sp.Symbol, sp.Expr] | None
) -> Proof | None:
    cheap = min(opts.step, budget.CHEAP_PROOF)
    what = "a proof"
    if attempt(lambda: sp.cancel(expr) == 0, opts.step, False, what):
        return "in general"
    piecewise = expr.has(sp.Piecewise)
    if (
        not piecewise
        and expr.has(sp.sign)
        and attempt(partial(_zero_with_signs, expr, sp.S.Reals), cheap, False, what)
    ):
        return "in general"
    if (
        not piecewise
        and expr.has(sp.exp, HyperbolicFunction)
        and attempt(lambda: sp.cancel(sp.expand(expr.rewrite(sp.exp))) == 0, cheap, False, what)
    ):
        return "in general"
    if piecewise and attempt(partial(_zero_on_every_piece, expr), cheap, False, what):
        return "in general"
    if (
        piecewise
        and at
        and _conditions_involve(expr, at)
        and attempt(partial(_zero_on_every_piece, expr.subs(at)), cheap, False, what)
    ):
        # Often it holds for every value (hardtanh's, for one), which simplify may show quickly.
        general = min(opts.step, budget.GENERAL_AFTER_VALUES)
        if attempt(lambda: sp.simplify(expr) == 0, general, False, what):
            return "in general"
        return "at the parameter values"
    if attempt(lambda: sp.simplify(expr) == 0, opts.step, False, what):
        return "in general"
    return None


def _conditions_involve(expr: sp.Expr, symbols: Iterable[sp.Symbol]) -> bool:
    wanted = set(symbols)
    return any(cond.free_symbols & wanted for pw in expr.atoms(sp.Piecewise) for _, cond in pw.args)


def _zero_on_every_piece(expr: sp.Expr) -> bool:
    """Whether ``expr``, folded into one Piecewise whose conditions are on x alone, is 0 on every
    piece that applies somewhere (the first true condition wins, as in a Piecewise).

    Hard sigmoid's claim ``1/6 if -3 < x < 3 else 0`` against its derivative, written with other
    conditions (``0 if x >= 3 or x <= -3 else 1/6``), is decided here exactly with SymPy's sets;
    ``simplify`` gives up on it.
    """
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return sp.cancel(folded) == 0 or _zero_with_signs(folded, sp.S.Reals)
    taken: Any = sp.S.EmptySet
    for piece, cond in folded.args:
        if not cond.free_symbols <= {X}:
            return False
        where = _as_set(cond)
        applies = where - taken
        taken = taken | where
        if applies is sp.S.EmptySet or sp.cancel(piece) == 0:
            continue
        if isinstance(applies, sp.FiniteSet):  # single points: the piece's values there
            if not all(_zero_at(piece, point) for point in applies):
                return False
        elif not (_zero_with_signs(piece, applies) or _zero_with_fixed_signs(piece, applies)):
            return False
    return True


def _zero_with_fixed_signs(expr: sp.Expr, where: Any) -> bool:
    """Whether ``expr`` is 0 on ``where`` once each |u| and sign(u) whose sign SymPy fixes there
    is written out (see :mod:`actderiv.engine.pieces`)."""
    if not expr.has(sp.Abs, sp.sign):
        return False
    return bool(sp.cancel(fixed_signs(expr, where)) == 0)


def _zero_at(expr: sp.Expr, point: sp.Expr) -> bool:
    value = expr.subs(X, point)
    return not value.has(sp.nan, sp.zoo) and sp.cancel(value) == 0


@lru_cache(maxsize=1024)
def _as_set(cond: Any) -> Any:
    """The set of real x where the condition ``cond`` (on x alone) holds; the sets of the
    relations it combines are computed once, as the folded pieces share them."""
    if cond is sp.true:
        return sp.S.Reals
    if cond is sp.false:
        return sp.S.EmptySet
    if isinstance(cond, sp.And):
        return sp.Intersection(*(_as_set(arg) for arg in cond.args))
    if isinstance(cond, sp.Or):
        return sp.Union(*(_as_set(arg) for arg in cond.args))
    if isinstance(cond, sp.Not):
        return sp.S.Reals - _as_set(cond.args[0])
    if isinstance(cond, BooleanFunction):  # Xor, Implies, ...: no formula writes them
        raise NotImplementedError(f"no set for the condition {cond}")
    return cond.as_set()


def _zero_with_signs(expr: sp.Expr, where: Any) -> bool:
    """Whether ``expr`` is 0 on the set ``where``, shown by ``cancel`` after writing sign(x) as
    x/|x| (with |x| as one more generator, so that |x|*sign(x) = x); that holds away from x = 0,
    so at 0, where it applies, ``expr`` must be 0 as well."""
    if not expr.has(sp.sign) or any(s.args[0] != X for s in expr.atoms(sp.sign)):
        return False
    if sp.cancel(expr.replace(sp.sign, lambda u: u / sp.Abs(u))) != 0:
        return False
    if where.contains(sp.S.Zero) is sp.false:
        return True
    return _zero_at(expr, sp.S.Zero)


budget.MEMOS.append(_as_set.cache_clear)
