"""Catalog entries and typed formulas → :class:`Formula` (a SymPy expression with its parameters).

Calls between catalog entries are expanded here: ``x*sigmoid(beta*x)`` becomes an expression in
SymPy's own functions, with the callee at its default parameters.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sympy as sp

from actderiv.catalog.model import ActivationSpec, Catalog
from actderiv.catalog.validate import MAX_CALL_DEPTH
from actderiv.errors import CatalogError, Location
from actderiv.lang.grammar import called_names
from actderiv.lang.parse import Scope, X, number, param_symbol, parse_spelled
from actderiv.lang.spelling import Spelling


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed activation: its expression in ``x`` and its parameters with their defaults."""

    expr: sp.Expr
    params: tuple[tuple[str, sp.Symbol, float], ...]
    source: str
    #: How the source (and the entries it calls, and the parameters' defaults) wrote its
    #: constants, for the printers only (docs/ARCHITECTURE.md, "Constants as written").
    spellings: tuple[Spelling, ...] = ()

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
        self._spellings: dict[str, tuple[Spelling, ...]] = {}
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
        self._spellings[name] = formula.spellings
        return expr

    def spellings(self, text: str) -> tuple[Spelling, ...]:
        """The spellings of the constants of the entries that the formula ``text`` calls
        (already parsed, so their expressions are cached)."""
        names = called_names(ast.parse(text.strip(), mode="eval").body)  # checked already
        return tuple(s for n in dict.fromkeys(names) for s in self._spellings.get(n, ()))


def formula_of(spec: ActivationSpec, resolver: CatalogResolver) -> Formula:
    """Parse a catalog entry's formula, expanding calls to other entries.

    Raises:
        FormulaError: the formula is not allowed (marked, with the entry's file and line).
    """
    params = tuple((n, param_symbol(n, v), v) for n, v in spec.params)
    scope = Scope({n: s for n, s, _ in params}, resolver)
    expr, spellings = parse_spelled(spec.expr, scope, spec.expr_location or spec.location)
    return Formula(expr, params, spec.expr, _all_spellings(spellings, spec.expr, params, resolver))


def formula_from_text(
    text: str, params: Mapping[str, float], resolver: CatalogResolver | None
) -> Formula:
    """Parse a formula typed by a user; ``params`` gives each parameter's value."""
    symbols = tuple((n, param_symbol(n, v), v) for n, v in params.items())
    scope = Scope({n: s for n, s, _ in symbols}, resolver)
    expr, spellings = parse_spelled(text, scope, Location("<formula>"))
    return Formula(expr, symbols, text, _all_spellings(spellings, text, symbols, resolver))


def _all_spellings(
    own: tuple[Spelling, ...],
    text: str,
    params: tuple[tuple[str, sp.Symbol, float], ...],
    resolver: CatalogResolver | None,
) -> tuple[Spelling, ...]:
    """The formula's own spellings, its callees', and the defaults' (as Python writes them:
    SELU's 1.0507009873554805), each value once, the first spelling winning."""
    callees = resolver.spellings(text) if resolver is not None and "(" in text else ()
    defaults = tuple(
        Spelling(number(v), repr(float(v)))
        for _, _, v in params
        if isinstance(v, float) and not number(v).is_Integer
    )
    first: dict[sp.Expr, Spelling] = {}
    for s in (*own, *callees, *defaults):
        first.setdefault(s.value, s)
    return tuple(first.values())
