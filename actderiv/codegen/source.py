"""What code generation needs from a catalog entry: f(x), f'(x), and f' in y = f(x).

:func:`codegen_source` gathers it (the search for the form in ``y`` runs under a work budget);
:func:`inert` makes catalog text safe to place in generated comments and docstrings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import mpmath
import sympy as sp

from actderiv.catalog.model import Catalog
from actderiv.errors import CodegenError
from actderiv.lang.parse import X, Y, number
from actderiv.numerics import NotNumeric, compile_mp, real_value

# --- what a catalog entry needs -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CodegenSource:
    """One activation, ready to print: f(x), f'(x), and f' in y = f(x) when that suffices."""

    name: str
    title: str
    formula: str
    expr: sp.Expr
    derivative: sp.Expr
    backward: sp.Expr | None
    """f'(x) written in ``y`` alone (the backward then saves only the output), or None."""
    params: tuple[tuple[str, sp.Symbol, float], ...]

    @property
    def output_only(self) -> bool:
        return self.backward is not None


def codegen_source(
    catalog: Catalog,
    name: str,
    params: Mapping[str, float] | None = None,
    *,
    search: bool = True,
    selfref_steps: int | None = None,
) -> CodegenSource:
    """Gather what code generation needs for the catalog entry ``name`` (key or alias).

    ``params`` overrides the catalog defaults (they become the generated keyword defaults). The
    form in ``y`` comes from the engine's self-referential search, run within its work budget
    (``selfref_steps``, default ``budget.SELF_REFERENTIAL``), and is checked again at the chosen
    parameters. ``search=False`` skips the search (the service passes it when the cached record
    already says that the backward needs ``x``): the backward then uses ``x``.

    Raises:
        UnknownActivationError: no entry has that name.
        CodegenError: ``params`` names a parameter the entry does not have.
    """
    from actderiv.engine import budget
    from actderiv.engine.budget import EngineOptions, attempt
    from actderiv.engine.forms import differentiate
    from actderiv.engine.formula import CatalogResolver, Formula, formula_of
    from actderiv.engine.selfref import self_referential

    spec = catalog.require(name)
    formula = formula_of(spec, CatalogResolver(catalog))
    overrides = dict(params or {})
    unknown = sorted(set(overrides) - set(formula.symbols))
    if unknown:
        known = ", ".join(formula.symbols) or "none"
        raise CodegenError(f"{spec.name} has no parameter {unknown[0]!r} (parameters: {known})")
    values = tuple((n, sym, float(overrides.get(n, v))) for n, sym, v in formula.params)
    f = formula.expr
    derivative = differentiate(f)
    backward: sp.Expr | None = None
    if search:
        steps = selfref_steps or budget.SELF_REFERENTIAL
        opts = EngineOptions(self_referential=steps)
        found = attempt(
            lambda: self_referential(f, 1, formula, opts),
            steps,
            None,
            "the self-referential search",
        )
        if found is not None and found.output_only:
            backward = found.expr
    if backward is not None and overrides:
        moved = Formula(f, values, formula.source)
        if not _holds(backward, f, derivative, moved):
            backward = None
    return CodegenSource(
        name=spec.name,
        title=inert(spec.title),
        formula=inert(spec.expr),
        expr=f,
        derivative=derivative,
        backward=backward,
        params=values,
    )


_CHECK_XS: Final = (-7.3, -2.2, -0.91, -0.137, 0.0137, 0.5, 1.37, 2.71, 5.5, 13.1)


def _holds(h: sp.Expr, f: sp.Expr, g: sp.Expr, formula: Any) -> bool:
    """Whether ``h(y = f(x)) == g(x)`` at sample points, at the parameters of ``formula``."""
    env0 = {sym: mpmath.mpf(v) for _, sym, v in formula.params}
    try:
        hf, ff, gf = (compile_mp(e) for e in (h, f, g))
    except NotNumeric:
        return False
    checked = 0
    with mpmath.workdps(30):
        for xv in _CHECK_XS:
            env = {**env0, X: mpmath.mpf(xv)}
            y, want = real_value(ff, env), real_value(gf, env)
            if y is None or want is None:
                continue
            got = real_value(hf, {**env, Y: y})
            if got is None or abs(got - want) > 1e-10 * max(1, abs(want)):
                return False
            checked += 1
    return checked > 0


def with_defaults(expr: sp.Expr, source: CodegenSource) -> sp.Expr:
    """``expr`` with every parameter replaced by its value in ``source``."""
    return expr.subs({sym: number(v) for _, sym, v in source.params})


def inert(text: str) -> str:
    """Catalog text made safe to place in generated comments and docstrings: one line, printable
    characters only, no backslash or double quote (which could end a docstring) and no ``*/``
    or ``/*`` (which end or nest a C comment). Titles and formulas come from user catalogs."""
    text = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    text = text.replace("\\", "/").replace('"', "'")
    return text.replace("*/", "* /").replace("/*", "/ *")
