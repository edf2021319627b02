"""Piecewise forms tidied for people: one level of branches, no dead branch, and ``|u|`` and
``sign(u)`` replaced on each piece where the piece's condition fixes the sign of ``u``.

``1 if x ≥ 0; (0 if x = 0; x/(2|x|) otherwise) otherwise`` becomes ``1 if x ≥ 0; -1/2
otherwise``: the nested branches are folded into one list, the branch ``x = 0`` after ``x ≥ 0``
can never apply and is dropped, and on ``x < 0`` the quotient ``x/|x|`` is -1. Every step
returns an expression equal to its input at every x (the sign of ``u`` on a piece is decided by
SymPy's ``solveset``, within a work budget; undecided leaves the piece as it is), so a tidied
form needs no more checking than the form it came from (docs/ARCHITECTURE.md, "an engine step").
Pure: no I/O, no printing.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import attempt
from actderiv.engine.forms import merge_pieces
from actderiv.lang.parse import X


def tidy_pieces(expr: sp.Expr) -> sp.Expr:
    """``expr`` with nested branches folded, dead branches dropped and signs fixed per piece.

    Expressions without branches, or whose conditions involve parameters, come back unchanged
    apart from the folding.
    """
    if not expr.has(sp.Piecewise):
        return expr
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return folded
    if not all(c is sp.true or c.free_symbols <= {X} for _, c in folded.args):
        return folded
    pieces: list[tuple[sp.Expr, Any]] = []
    taken: Any = sp.S.EmptySet
    for value, cond in folded.args:
        whole = sp.S.Reals if cond is sp.true else _set_of(cond)
        if whole is None:
            return folded
        own = whole - taken
        taken = taken | whole
        if own is sp.S.EmptySet:
            continue  # never applies: an earlier branch takes all of it
        pieces.extend(_refined(value, own))
    if not pieces:
        return folded
    return merge_pieces(pieces)


def _refined(value: sp.Expr, where: Any) -> list[tuple[sp.Expr, Any]]:
    """The piece ``value`` on the set ``where``: with |u| and sign(u) written out where their
    sign is fixed; a piece over several intervals is split where that fixes more of them."""
    relation = sp.true if where == sp.S.Reals else where.as_relational(X)
    atoms = _sign_atoms(value)
    if not atoms:
        return [(value, relation)]
    whole = _fix_signs(value, atoms, where)
    if isinstance(where, sp.Union) and whole.has(sp.Abs, sp.sign):
        parts = [(_fix_signs(value, atoms, part), part) for part in where.args]
        if all(len(_sign_atoms(p)) < len(atoms) for p, _ in parts):
            return [(p, part.as_relational(X)) for p, part in parts]
    return [(whole, relation)]


def fixed_signs(value: sp.Expr, where: Any) -> sp.Expr:
    """``value`` with each |u| and sign(u) whose sign is fixed on the set ``where`` written out
    (equal to ``value`` at every point of ``where``)."""
    atoms = _sign_atoms(value)
    return _fix_signs(value, atoms, where) if atoms else value


def _sign_atoms(value: sp.Expr) -> list[sp.Expr]:
    return [a for a in value.atoms(sp.Abs, sp.sign) if a.args[0].free_symbols <= {X}]


def _fix_signs(value: sp.Expr, atoms: list[sp.Expr], where: Any) -> sp.Expr:
    swaps: dict[sp.Expr, sp.Expr] = {}
    for atom in atoms:
        u = atom.args[0]
        sign = _sign_on(u, where)
        if sign is None:
            continue
        if isinstance(atom, sp.sign):
            swaps[atom] = sp.Integer(sign)
        else:
            swaps[atom] = u if sign >= 0 else -u
    if not swaps:
        return value
    out = value.xreplace(swaps)
    return _cheap(out)


def _sign_on(u: sp.Expr, where: Any) -> int | None:
    """1 if u > 0 on all of ``where``, -1 if u < 0, 0 if u = 0 there; else None (also when
    SymPy cannot tell within the budget). For ``Abs`` the caller only needs u ≥ 0 or u ≤ 0,
    which 1 and -1 imply."""

    def decide() -> int | None:
        if where.is_subset(sp.solveset(u > 0, X, sp.S.Reals)):
            return 1
        if where.is_subset(sp.solveset(u < 0, X, sp.S.Reals)):
            return -1
        if where.is_subset(sp.solveset(sp.Eq(u, 0), X, sp.S.Reals)):
            return 0
        return None

    with budget.collecting(propagate=False):
        return attempt(decide, budget.SMALL, None, "the sign of a piece")


def _set_of(cond: Any) -> Any:
    with budget.collecting(propagate=False):
        return attempt(cond.as_set, budget.SMALL, None, "a set of x")


def _cheap(expr: sp.Expr) -> sp.Expr:
    """A cheap cleanup after signs were written out (x/(2*(-x)) is already -1/2)."""
    with budget.collecting(propagate=False):
        done = attempt(lambda: sp.factor(sp.cancel(expr)), budget.SMALL, None, "a cleanup")
    if done is None or sp.count_ops(done) > sp.count_ops(expr):
        return expr
    return done
