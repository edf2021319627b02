"""SymPy expression → the one-line display form people read (the ``display`` strings of a
record, the terminal): ``^`` for powers, ``|u|``, ``≤``, ``-1 ≤ x ≤ 1``, branches as
``a if c; b otherwise`` and constants as the source wrote them (:mod:`actderiv.lang.spelling`).

Not meant to be parsed back: the machine fields of a record are SymPy's own strings
(docs/ARCHITECTURE.md, "The record contract"). Pure: no I/O, no printing.
"""

from __future__ import annotations

from typing import Any, Final

import sympy as sp
from sympy.printing.str import StrPrinter

from actderiv.lang.spelling import Spelling, ordered_terms, spelled

_RELATIONS: Final = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
_FLIPPED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


class DisplayPrinter(StrPrinter):  # type: ignore[misc]  # SymPy ships no type information
    """SymPy's string printer with the display conventions above."""

    def _as_ordered_terms(self, expr: Any, order: Any = None) -> Any:
        terms = ordered_terms(expr, order or self.order)
        return super()._as_ordered_terms(expr, order) if terms is None else terms

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        parts = []
        for value, cond in expr.args:
            shown = self._print(value)
            if isinstance(value, sp.Piecewise):  # (folded by the engine; kept readable here)
                shown = f"({shown})"
            when = "otherwise" if cond is sp.true else f"if {self._print(cond)}"
            parts.append(f"{shown} {when}")
        return "; ".join(parts)

    def _print_Abs(self, expr: Any) -> str:
        return f"|{self._print(expr.args[0])}|"

    def _print_Relational(self, expr: Any) -> str:
        lhs, rhs, op = expr.lhs, expr.rhs, expr.rel_op
        if lhs.is_number and not rhs.is_number and op in _FLIPPED:  # 0 < x → x > 0
            lhs, rhs, op = rhs, lhs, _FLIPPED[op]
        return f"{self._print(lhs)} {_RELATIONS[op]} {self._print(rhs)}"

    def _print_And(self, expr: Any) -> str:
        interval = _interval(expr)
        if interval is not None:
            return str(interval(self))
        return " and ".join(self._operand(a) for a in sorted(expr.args, key=sp.default_sort_key))

    def _print_Or(self, expr: Any) -> str:
        return " or ".join(self._operand(a) for a in sorted(expr.args, key=sp.default_sort_key))

    def _print_Not(self, expr: Any) -> str:
        return f"not ({self._print(expr.args[0])})"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "always"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "never"

    def _operand(self, arg: Any) -> str:
        text = str(self._print(arg))
        return f"({text})" if isinstance(arg, sp.And | sp.Or) and _interval(arg) is None else text


def _interval(expr: Any) -> Any:
    """``(x >= -1) & (x <= 1)`` → a printer of ``-1 ≤ x ≤ 1``; None when not such a pair."""
    if not isinstance(expr, sp.And) or len(expr.args) != 2:
        return None
    bounds: dict[str, tuple[sp.Expr, str]] = {}
    variable = None
    for rel in expr.args:
        if not isinstance(rel, sp.Lt | sp.Le | sp.Gt | sp.Ge):
            return None
        lhs, rhs, op = rel.lhs, rel.rhs, rel.rel_op
        if lhs.is_number and not rhs.is_number:
            lhs, rhs, op = rhs, lhs, _FLIPPED[op]
        if not (isinstance(lhs, sp.Symbol) and rhs.is_number) or variable not in (None, lhs):
            return None
        variable = lhs
        side = "low" if op in (">", ">=") else "high"
        if side in bounds:
            return None
        bounds[side] = (rhs, "<" if op in ("<", ">") else "≤")
    if len(bounds) != 2:
        return None
    (low, low_op), (high, high_op) = bounds["low"], bounds["high"]

    def show(printer: DisplayPrinter) -> str:
        return (
            f"{printer._print(low)} {low_op} {printer._print(variable)} "
            f"{high_op} {printer._print(high)}"
        )

    return show


def display(expr: sp.Basic, spellings: tuple[Spelling, ...] = ()) -> str:
    """``expr`` in the display form, with constants as ``spellings`` write them."""
    text = str(DisplayPrinter().doprint(spelled(expr, spellings)))
    return text.replace("**", "^")
