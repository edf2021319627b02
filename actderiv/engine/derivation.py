"""What the engine derives about a formula: frozen records of SymPy expressions.

Pure: no I/O, no printing. Apart from :mod:`actderiv.catalog.model` (the catalog's records), so that
loading and listing the catalog never creates these classes; SymPy is imported only for type
checking.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sympy as sp

    from actderiv.lang.spelling import Spelling


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakpoint:
    """A point where the formula switches branch: one-sided derivatives and conventions there."""

    x: sp.Expr
    left: sp.Expr | None
    right: sp.Expr | None
    value: sp.Expr | None
    continuous: bool | None
    differentiable: bool | None
    torch: sp.Expr | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfReferential:
    """The derivative written with ``y = f(x)``; ``output_only`` when it no longer needs ``x``."""

    expr: sp.Expr
    output_only: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class NamedForms:
    """f, f' and the self-referential form in the field's vocabulary (σ, Φ, …), for printing
    only; each is the shortest form found and equal to the one it stands for (see
    actderiv.engine.vocabulary)."""

    expr: sp.Expr
    derivative: sp.Expr
    self_referential: sp.Expr | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Derivation:
    """Everything the engine derived about one formula."""

    name: str | None
    title: str | None
    aliases: tuple[str, ...]
    params: tuple[tuple[str, float], ...]
    source: str
    expr: sp.Expr
    order: int
    wrt: str
    derivative: sp.Expr
    self_referential: SelfReferential | None
    breakpoints: tuple[Breakpoint, ...]
    param_derivatives: tuple[tuple[str, sp.Expr], ...]
    tower: sp.Expr | None = None
    notes: tuple[str, ...] = ()
    torch: str | None = None
    #: The work budgets that ran out where it changed the result ("the budget of N steps was
    #: spent in …"); such a derivation is not cached (see actderiv.engine.budget).
    exhausted: tuple[str, ...] = ()
    #: The printed forms in named functions; None where none was looked for.
    named: NamedForms | None = None
    #: How the source wrote its constants, for the printers (docs/ARCHITECTURE.md, "Constants
    #: as written"); the expressions above keep exact rationals.
    spellings: tuple[Spelling, ...] = ()
