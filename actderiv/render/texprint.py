"""SymPy's LaTeX printer with actderiv's conventions (see :mod:`actderiv.render.latex`).

Imported only when expressions must be printed; documents of already printed fragments are
assembled by :mod:`actderiv.render.latex` without SymPy. Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sympy as sp
from sympy.printing.latex import LatexPrinter

from actderiv.lang.named import NamedFunction
from actderiv.lang.spelling import Spelled, ordered_terms
from actderiv.render.tex import (
    _GREEK_ALIASES,
    GREEK,
    LatexOptions,
    function_tex,
    markdown_safe,
    param_tex,
)


class ActderivLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with actderiv's conventions for names, numbers and branches."""

    printmethod = "_actderiv_latex"

    def __init__(
        self,
        options: LatexOptions | None = None,
        *,
        function: str | None = None,
        spacing: bool = False,
        symbols: Mapping[str, str] | None = None,
    ) -> None:
        options = options or LatexOptions()
        # Upright names (\mathrm{scale}) would run into the next factor: "scalex". Expressions
        # that have them get a thin space between factors; the others print tight as usual.
        mul = None if not spacing else (r" \mkern3mu " if options.dialect == "markdown" else r"\,")
        super().__init__({"mul_symbol": mul, "fold_short_frac": False})
        self._options = options
        self._function = function
        self._symbols = symbols or {}

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> Any:
        terms = ordered_terms(expr, order or self.order)  # x + 10^{-7}, as x + 1/10^7
        return super()._as_ordered_terms(expr, order) if terms is None else terms

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        dialect = self._options.dialect
        if expr.name == "y" and self._function is not None:
            return function_tex(self._function, dialect) + "(x)"
        return param_tex(expr.name, dialect, self._symbols)

    def _print_Pi(self, expr: sp.Expr) -> str:
        # the inherited method goes through _print_Symbol, which this class overrides
        return r"\pi"

    def _print_Float(self, expr: sp.Float) -> str:
        text = f"{float(expr):.{self._options.precision}g}"
        mantissa, _, exponent = text.partition("e")
        if not exponent:
            return text
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        rows = []
        for value, cond in expr.args:
            shown = self._print(value)
            if cond is sp.true:
                rows.append(shown + r" & \text{otherwise}")
            else:
                rows.append(shown + r" & \text{if } " + self._print(cond))
        newline = r" \cr " if self._options.dialect == "markdown" else r" \\ "
        return r"\begin{cases} " + newline.join(rows) + r" \end{cases}"

    def _print_And(self, expr: sp.And) -> str:
        return r" \text{ and } ".join(self._print(a) for a in _ordered(expr.args))

    def _print_Or(self, expr: sp.Or) -> str:
        return r" \text{ or } ".join(self._print(a) for a in _ordered(expr.args))

    def _print_Abs(self, expr: sp.Abs, exp: str | None = None) -> str:
        tex = r"\left\lvert " + self._print(expr.args[0]) + r" \right\rvert"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_NamedFunction(self, expr: NamedFunction, exp: str | None = None) -> str:
        # σ, softplus, Φ, φ (actderiv.lang.named): \sigma(x), \Phi^{2}(x)
        head = expr.tex if exp is None else f"{expr.tex}^{{{exp}}}"
        return f"{head}({self._print(expr.args[0])})"

    # SymPy's printer looks up subclasses of Function by their own name only
    _print_Sigmoid = _print_Softplus = _print_NormalCDF = _print_NormalPDF = _print_NamedFunction

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        tex = r"H\left(" + self._print(expr.args[0]) + r"\right)"
        return f"{tex}^{{{exp}}}" if exp is not None else tex


def _upright(name: str, symbols: Mapping[str, str] | None) -> bool:
    """Whether ``name`` prints upright in full (a long name with no symbol declared)."""
    if symbols and name in symbols:
        return False
    return len(name) > 1 and _GREEK_ALIASES.get(name, name.rstrip("_") or name) not in GREEK


def _ordered(args: Iterable[Any]) -> list[Any]:
    return sorted(args, key=sp.default_sort_key)


def to_latex(
    expr: sp.Basic,
    options: LatexOptions | None = None,
    *,
    function: str | None = None,
    symbols: Mapping[str, str] | None = None,
) -> str:
    """``expr`` as LaTeX (or GitHub Markdown math), with ``y`` printed as ``function``(x) and
    parameters as their declared ``symbols`` (else by :func:`actderiv.render.tex.name_tex`)."""
    upright = any(
        _upright(s.name, symbols)
        for s in expr.free_symbols
        if isinstance(s, sp.Symbol) and not isinstance(s, Spelled)
    )
    printer = ActderivLatexPrinter(options, function=function, spacing=upright, symbols=symbols)
    tex = str(printer.doprint(expr))
    if options is not None and options.dialect == "markdown":
        return markdown_safe(tex)
    return tex
