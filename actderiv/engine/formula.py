"""Catalog entries and typed formulas → :class:`Formula` (a SymPy expression with its parameters).

Calls between catalog entries are expanded here: ``x*sigmoid(beta*x)`` becomes an expression in
SymPy's own functions, with the callee at its default parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from actderiv.catalog.model import ActivationSpec, Catalog
from actderiv.catalog.validate import MAX_CALL_DEPTH
from actderiv.errors import CatalogError, Location
from actderiv.lang.parse import Scope, X, number, param_symbol, parse_formula


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed activation: its expression in ``x`` and its parameters with their defaults."""

    expr: sp.Expr
    params: tuple[tuple[str, sp.Symbol, float], ...]
    source: str

    @property
    def symbols(self) -> dict[str, sp.Symbol]:
        return {name: sym for name, sym, _ in self.params}

    @property
    def defaults(self) -> dict[sp.Symbol, sp.Expr]:
        return {sym: number(value) for _, sym, value in self.params}

    def at_defaults(self, expr: sp.Expr) -> sp.Expr:
        return expr.subs(self.defaults) if self.params else expr


class CatalogResolver:
    """Expands calls to catalog entries, caching each entry's expression at its defaults."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.names = frozenset(catalog.keys)
        self._cache: dict[str, sp.Expr] = {}
        self._active: list[str] = []

    def __call__(self, name: str) -> Callable[[sp.Expr], sp.Expr]:
        body = self.expression(name)
        return lambda arg: body.subs(X, arg) if arg != X else body

    def expression(self, name: str) -> sp.Expr:
        """The entry's expression in ``x`` with its parameters at their defaults."""
        if name in self._cache:
            return self._cache[name]
        spec = self.catalog.require(name)
        if name in self._active:  # the catalog refuses cycles: a guard for catalogs built by hand
            chain = " -> ".join([*self._active, name])
            raise CatalogError(f"cycle of calls between entries: {chain}", spec.location)
        # A loaded catalog has no chain deeper than MAX_CALL_DEPTH (catalog.validate); one more
        # level is the formula or claim that calls the first entry.
        if len(self._active) > MAX_CALL_DEPTH:
            chain = " -> ".join([*self._active, name])
            raise CatalogError(
                f"chain of calls between entries more than {MAX_CALL_DEPTH} deep: {chain}",
                spec.location,
            )
        self._active.append(name)
        try:
            formula = formula_of(spec, self)
        finally:
            self._active.pop()
        expr = formula.at_defaults(formula.expr)
        self._cache[name] = expr
        return expr


def formula_of(spec: ActivationSpec, resolver: CatalogResolver) -> Formula:
    """Parse a catalog entry's formula, expanding calls to other entries.

    Raises:
        FormulaError: the formula is not allowed (marked, with the entry's file and line).
    """
    params = tuple((n, param_symbol(n, v), v) for n, v in spec.params)
    scope = Scope({n: s for n, s, _ in params}, resolver)
    expr = parse_formula(spec.expr, scope, spec.expr_location or spec.location)
    return Formula(expr, params, spec.expr)


def formula_from_text(
    text: str, params: Mapping[str, float], resolver: CatalogResolver | None
) -> Formula:
    """Parse a formula typed by a user; ``params`` gives each parameter's value."""
    symbols = tuple((n, param_symbol(n, v), v) for n, v in params.items())
    scope = Scope({n: s for n, s, _ in symbols}, resolver)
    expr = parse_formula(text, scope, Location("<formula>"))
    return Formula(expr, symbols, text)
