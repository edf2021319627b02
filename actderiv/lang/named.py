"""The field's vocabulary of named functions: σ, softplus, Φ, φ (sech is SymPy's own).

These are SymPy functions that stand for a formula of the primitive functions (``definition``);
:func:`expand_named` writes them out again. They appear only in printed forms (the display form,
LaTeX) and never in a record's machine fields, which stay SymPy-parseable (docs/ARCHITECTURE.md,
"The record contract"). Each prints as the field writes it: ``σ(x)`` in text, ``\\sigma(x)`` in
LaTeX; :func:`legend` says what each one used in an expression means. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

import sympy as sp


class NamedFunction(sp.Function):  # type: ignore[misc]  # SymPy ships no type information
    """A named function of one argument, equal to ``definition(u)`` for every real u."""

    nargs = 1
    #: how it prints in text and in LaTeX (the argument follows in parentheses)
    text: ClassVar[str] = ""
    tex: ClassVar[str] = ""

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    @classmethod
    def class_key(cls) -> tuple[int, int, str]:
        # printing order only: after symbols, before sums, as papers write x·σ(x)·(1 − σ(x))
        return 2, 1, cls.__name__

    def _eval_is_real(self) -> bool | None:
        return bool(self.args[0].is_real) or None

    def _eval_is_finite(self) -> bool | None:
        return True if self.args[0].is_real else None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        u = sp.Dummy("u", real=True)
        return sp.diff(self.definition(u), u).subs(u, self.args[0])

    def _sympystr(self, printer: Any) -> str:
        return f"{self.text}({printer._print(self.args[0])})"

    def _latex(self, printer: Any, exp: str | None = None) -> str:
        head = self.tex if exp is None else f"{self.tex}^{{{exp}}}"
        return f"{head}({printer._print(self.args[0])})"


class Sigmoid(NamedFunction):
    text = "σ"
    tex = r"\sigma"

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return 1 / (1 + sp.exp(-u))


class Softplus(NamedFunction):
    text = "softplus"
    tex = r"\operatorname{softplus}"

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.log(1 + sp.exp(u))


class NormalCDF(NamedFunction):
    text = "Φ"
    tex = r"\Phi"

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return (1 + sp.erf(u / sp.sqrt(2))) / 2


class NormalPDF(NamedFunction):
    text = "φ"
    tex = r"\phi"

    @classmethod
    def definition(cls, u: sp.Expr) -> sp.Expr:
        return sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)


NAMED: Final[tuple[type[NamedFunction], ...]] = (Sigmoid, Softplus, NormalCDF, NormalPDF)


def expand_named(expr: Any) -> Any:
    """``expr`` with every named function written out in primitive functions (an identity)."""
    if not isinstance(expr, sp.Basic) or not expr.atoms(NamedFunction):
        return expr
    return expr.replace(
        lambda e: isinstance(e, NamedFunction), lambda e: type(e).definition(e.args[0])
    )


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """What one named function means: ``σ(x) = 1/(1 + exp(-x))``."""

    name: str  # as printed in text: σ
    display: str  # σ(x) = 1/(1 + exp(-x))
    latex: str  # \sigma(x) = \frac{1}{1 + e^{-x}}


_LEGEND: Final[dict[str, LegendEntry]] = {
    "σ": LegendEntry("σ", "σ(x) = 1/(1 + exp(-x))", r"\sigma(x) = \frac{1}{1 + e^{-x}}"),
    "softplus": LegendEntry(
        "softplus",
        "softplus(x) = log(1 + exp(x))",
        r"\operatorname{softplus}(x) = \log\left(1 + e^{x}\right)",
    ),
    "Φ": LegendEntry(
        "Φ",
        "Φ(x) = (1 + erf(x/√2))/2, the standard normal CDF",
        r"\Phi(x) = \frac{1}{2}\left(1 + \operatorname{erf}\frac{x}{\sqrt{2}}\right)",
    ),
    "φ": LegendEntry(
        "φ",
        "φ(x) = exp(-x^2/2)/√(2π), the standard normal density",
        r"\phi(x) = \frac{e^{-x^{2}/2}}{\sqrt{2\pi}}",
    ),
    "sech": LegendEntry(
        "sech", "sech(x) = 1/cosh(x)", r"\operatorname{sech}(x) = \frac{1}{\cosh x}"
    ),
}


def legend(*exprs: Any) -> list[LegendEntry]:
    """The named functions (and sech) that the expressions use, in a fixed order."""
    used: set[str] = set()
    for expr in exprs:
        if isinstance(expr, sp.Basic):
            used |= {f.text for f in expr.atoms(NamedFunction)}
            if expr.has(sp.sech):
                used.add("sech")
    return [entry for key, entry in _LEGEND.items() if key in used]
