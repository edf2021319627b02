"""Derivation: the derivative of a formula, its readable form, breakpoints and, if asked,
its self-referential form (the modules of this package, put together).

Work that can run long (simplify, solve, limit) goes through
:func:`actderiv.engine.budget.attempt`, within a budget counted in steps, and falls back to a less
polished answer when the budget runs out; the budgets that ran out where it matters are listed
in :attr:`Derivation.exhausted`. Pure: no I/O, no printing.
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt, hang_guard
from actderiv.engine.derivation import Breakpoint, Derivation, SelfReferential
from actderiv.engine.forms import differentiate, readable_form
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import BreakpointFinder, switch_points, unfound_switch_points
from actderiv.engine.pieces import tidy_pieces
from actderiv.engine.selfref import self_referential
from actderiv.engine.vocabulary import named_forms
from actderiv.errors import BudgetExceeded, DerivationError
from actderiv.lang.named import expand_named
from actderiv.lang.parse import X

__all__ = ["EngineOptions", "derive"]


def derive(
    formula: Formula,
    *,
    order: int = 1,
    name: str | None = None,
    title: str | None = None,
    aliases: tuple[str, ...] = (),
    torch: str | None = None,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> Derivation:
    """Differentiate ``formula`` ``order`` times (in ``x``, or in the parameter ``wrt``).

    Raises:
        ValueError: ``order`` is not between 1 and 20, or ``wrt`` is not a parameter.
        DerivationError: the derivation ran past ``options.timeout`` seconds (a hang).
    """
    if not 1 <= order <= 20:
        raise ValueError("order must be between 1 and 20")
    if wrt is not None and wrt not in formula.symbols:
        known = ", ".join(formula.symbols) or "none"
        raise ValueError(f"{wrt!r} is not a parameter of this formula (parameters: {known})")
    opts = options or EngineOptions()
    variable = formula.symbols[wrt] if wrt is not None else X
    budget.reseed()
    try:
        with hang_guard(opts.timeout, "the derivation"), budget.collecting() as exhausted:
            d = _derive(formula, order, variable, name, title, aliases, torch, opts)
    except BudgetExceeded as exc:
        raise DerivationError(
            f"deriving {name or formula.source!r} ran past its time limit of "
            f"{opts.timeout:g} s (raise it with --timeout)"
        ) from exc
    return dataclasses.replace(d, exhausted=tuple(exhausted)) if exhausted else d


def _derive(
    formula: Formula,
    order: int,
    variable: sp.Symbol,
    name: str | None,
    title: str | None,
    aliases: tuple[str, ...],
    torch: str | None,
    opts: EngineOptions,
) -> Derivation:
    f = formula.expr
    notes: list[str] = []
    raw = differentiate(f, order, variable)
    readable = tidy_pieces(readable_form(raw, f, opts))
    breakpoints: tuple[Breakpoint, ...] = ()
    if variable == X:
        ctx = BreakpointFinder(formula, opts)
        missed: list[str] = []
        points = switch_points(f, formula, opts, missed)
        values: list[float | None] = [None, *(p.value for p in points), None]
        breakpoints = tuple(
            bp
            for bp in (
                ctx.breakpoint(
                    f, order, p.at_defaults, root=p.root, between=(values[i], values[i + 2])
                )
                for i, p in enumerate(points)
            )
            if bp is not None
        )
        notes.extend(unfound_switch_points(missed))
    if order == 1:
        readable = _agree_at_kinks(readable, breakpoints)
    if torch is not None:
        breakpoints = tuple(_with_torch(bp) for bp in breakpoints)
    selfref = None
    if opts.search_self_referential:
        selfref = attempt(
            lambda: self_referential(f, order, formula, opts, variable),
            opts.self_referential,
            None,
            "the self-referential search",
        )
        if selfref is None:
            notes.append("no self-referential form found")
    else:
        notes.append("no self-referential form searched for (a derivation for verify)")
    param_derivatives = tuple(
        (pname, tidy_pieces(readable_form(differentiate(f, 1, sym), f, opts, thorough=False)))
        for pname, sym, _ in formula.params
    )
    named = named_forms(formula, readable, selfref, raw)
    if (
        opts.search_self_referential
        and selfref is None
        and named is not None
        and named.self_referential is not None
    ):
        form = expand_named(named.self_referential)
        selfref = SelfReferential(expr=form, output_only=not form.has(variable))
        notes = [n for n in notes if n != "no self-referential form found"]
    return Derivation(
        name=name,
        title=title,
        aliases=aliases,
        params=tuple((n, v) for n, _, v in formula.params),
        source=formula.source,
        expr=f,
        order=order,
        wrt=str(variable),
        derivative=readable,
        self_referential=selfref,
        breakpoints=breakpoints,
        param_derivatives=param_derivatives,
        notes=tuple(notes),
        torch=torch,
        named=named,
        spellings=formula.spellings,
    )


def _agree_at_kinks(g: sp.Expr, breakpoints: tuple[Breakpoint, ...]) -> sp.Expr:
    """The derivative with the breakpoint table's value at every kink where its formula gives
    another (symexp's ``exp(|x|)`` is 1 at 0, where sign(x)·(exp(|x|) − 1) has derivative 0,
    like PyTorch's): a rewrite such as ``sign(x)² = 1`` holds only away from the kink."""
    pieces: list[tuple[sp.Expr, sp.Basic]] = []
    for bp in breakpoints:
        if bp.value is None or bp.x.free_symbols:
            continue
        at = _value_at(g, bp.x)
        if at is not None and at.is_number and at.is_finite and not _zero(at - bp.value):
            pieces.append((bp.value, sp.Eq(X, bp.x)))
    return sp.Piecewise(*pieces, (g, True)) if pieces else g


def _value_at(g: sp.Expr, x: sp.Expr) -> sp.Expr | None:
    """``g`` at ``x``, or None where SymPy cannot say within a small budget (a Piecewise whose
    conditions SymPy rewrites forever ends in a RecursionError): the kink is then left as it is."""
    try:
        value: sp.Expr | None = attempt(lambda: g.subs(X, x), budget.SMALL, None)
    except RecursionError:
        return None
    return value


def _zero(expr: sp.Expr) -> bool:
    """Whether a number is 0; True (nothing to mend) where ``simplify`` cannot tell in budget."""
    return bool(attempt(lambda: sp.simplify(expr) == 0, budget.SMALL, True))


def _with_torch(bp: Breakpoint) -> Breakpoint:
    """PyTorch's value at a kink is the value as written (the catalog is written that way)."""
    return dataclasses.replace(bp, torch=bp.value)


# --- differentiation and readable forms ---------------------------------------------------------
