"""What code generation needs from a catalog entry or a typed formula: f(x), f'(x), f' in
y = f(x), and the partial derivative of f in each parameter (the backward of a trainable
parameter).

:func:`codegen_source` gathers it for a catalog entry, :func:`formula_source` for a typed formula
(the search for the form in ``y`` runs under a work budget); :func:`inert` makes catalog text safe
to place in generated comments and docstrings.
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
    partials: tuple[sp.Expr, ...] = ()
    """∂f/∂p for each parameter, in the order of ``params`` (as the engine derives them)."""
    trainable: tuple[str, ...] = ()
    """The parameters a generated module trains unless told otherwise (PReLU's, as PyTorch)."""

    @property
    def output_only(self) -> bool:
        return self.backward is not None

    def partial(self, name: str) -> sp.Expr:
        """∂f/∂``name`` (derived on demand for a source built without its partials)."""
        for i, (n, sym, _) in enumerate(self.params):
            if n == name:
                return self.partials[i] if self.partials else _partial(self.expr, sym)
        raise KeyError(name)


def _partial(f: sp.Expr, sym: sp.Symbol) -> sp.Expr:
    """∂f/∂p as the engine derives a parameter's partial derivative (docs/ARCHITECTURE.md)."""
    from actderiv.engine.forms import differentiate

    return differentiate(f, 1, sym)


#: The PyTorch functions whose parameters PyTorch's modules learn by default (nn.PReLU's weight).
LEARNED_IN_TORCH: Final = frozenset({"prelu"})


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
    from actderiv.engine.formula import CatalogResolver, formula_of

    spec = catalog.require(name)
    formula = formula_of(spec, CatalogResolver(catalog))
    overrides = dict(params or {})
    unknown = sorted(set(overrides) - set(formula.symbols))
    if unknown:
        known = ", ".join(formula.symbols) or "none"
        raise CodegenError(f"{spec.name} has no parameter {unknown[0]!r} (parameters: {known})")
    trainable = tuple(formula.symbols) if spec.torch in LEARNED_IN_TORCH else ()
    return _source(
        formula,
        overrides,
        name=spec.name,
        title=spec.title,
        text=spec.expr,
        trainable=trainable,
        search=search,
        selfref_steps=selfref_steps,
    )


def formula_source(
    text: str,
    params: Mapping[str, float] | None = None,
    *,
    catalog: Catalog | None = None,
    name: str = "activation",
    search: bool = True,
    selfref_steps: int | None = None,
) -> CodegenSource:
    """What code generation needs for a typed formula ``text`` (which may call ``catalog``'s
    entries), with ``params`` as its parameters and their defaults, named ``name``.

    The formula is parsed as ``derive`` parses it (lang/grammar.py and lang/parse.py, through
    the engine's ``formula_from_text``): one path from text to SymPy, never ``sympify``.

    Raises:
        FormulaError: ``text`` is not an allowed formula.
    """
    from actderiv.engine.formula import CatalogResolver, formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    formula = formula_from_text(text, dict(params or {}), resolver)
    return _source(
        formula,
        {},
        name=name,
        title=f"f(x) = {text}",
        text=text,
        search=search,
        selfref_steps=selfref_steps,
    )


def _source(
    formula: Any,
    overrides: Mapping[str, float],
    *,
    name: str,
    title: str,
    text: str,
    trainable: tuple[str, ...] = (),
    search: bool,
    selfref_steps: int | None,
) -> CodegenSource:
    from actderiv.engine import budget
    from actderiv.engine.budget import EngineOptions, attempt
    from actderiv.engine.forms import differentiate
    from actderiv.engine.formula import Formula
    from actderiv.engine.selfref import self_referential

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
        name=name,
        title=inert(title),
        formula=inert(text),
        expr=f,
        derivative=derivative,
        backward=backward,
        params=values,
        partials=tuple(_partial(f, sym) for _, sym, _ in values),
        trainable=trainable,
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
    characters only, no backslash or double quote (which could end a docstring), no ``*/``
    or ``/*`` (which end or nest a C comment) and no ``??`` (C99 reads ``??/`` as a backslash,
    which would splice the next line on). Titles and formulas come from user catalogs."""
    text = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    text = text.replace("\\", "/").replace('"', "'")
    text = text.replace("*/", "* /").replace("/*", "/ *")
    while "??" in text:  # "???" holds two
        text = text.replace("??", "? ?")
    return text
