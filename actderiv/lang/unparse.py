"""SymPy expression → text in actderiv's formula language (inverse of :mod:`~actderiv.lang.parse`).

``parse_formula(to_formula(e))`` gives back ``e``: branches print as ``a if cond else b``,
conditions with ``and``/``or``/``not``, ``Abs`` as ``abs`` and ``E`` as ``e``. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter


class _FormulaPrinter(StrPrinter):  # type: ignore[misc]  # SymPy ships no type information
    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        *pieces, (last, last_cond) = expr.args
        if last_cond is not sp.true:
            raise ValueError("a Piecewise without a final 'otherwise' branch has no formula")
        out = str(self._print(last))
        for value, cond in reversed(pieces):
            out = f"({self._print(value)} if {self._print(cond)} else {out})"
        return out

    def _print_And(self, expr: Any) -> str:
        return " and ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"not ({self._print(expr.args[0])})"

    def _print_Abs(self, expr: Any) -> str:
        return f"abs({self._print(expr.args[0])})"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "0 == 0"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "0 != 0"


def to_formula(expr: sp.Expr) -> str:
    """Print ``expr`` in the formula language (every Piecewise must end in a True branch)."""
    return str(_FormulaPrinter({"order": "none"}).doprint(expr))
