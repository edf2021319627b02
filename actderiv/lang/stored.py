"""Expressions as records store them (SymPy's printed form) → SymPy, through an allow-list.

Records keep every expression as the string SymPy prints (``Piecewise((1, x > 0), (0, True))``,
``Abs(x)``, ``exp(x)/(exp(x) + 1)**2``). A record read from a cache file is untrusted text, so it
never reaches ``sympify``: its syntax tree is checked node by node and built from SymPy's
constructors, as :mod:`actderiv.lang.parse` does for formulas (docs/ARCHITECTURE.md). Only what
records hold is allowed: numbers, ``x``, ``y``, the parameters, ``E``, ``pi``, ``oo``, arithmetic,
the functions below, comparisons, ``&``, ``|``, ``~`` and ``Piecewise``. Pure: no I/O.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from typing import Any, Final

import sympy as sp

from actderiv.lang.grammar import MAX_EXPONENT

#: Longest stored expression read back (the longest shipped one is a few thousand characters).
MAX_STORED_LENGTH: Final = 100_000
#: Deepest syntax tree read back.
MAX_STORED_DEPTH: Final = 200

_FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "Abs": sp.Abs,
    "sign": sp.sign,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "asinh": sp.asinh,
    "acosh": sp.acosh,
    "atanh": sp.atanh,
    "sech": sp.sech,
    "csch": sp.csch,
    "coth": sp.coth,
    "sec": sp.sec,
    "csc": sp.csc,
    "cot": sp.cot,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "Heaviside": sp.Heaviside,
    "Max": sp.Max,
    "Min": sp.Min,
    "Eq": sp.Eq,
    "Ne": sp.Ne,
}
_CONSTANTS: Final[dict[str, Any]] = {
    "E": sp.E,
    "pi": sp.pi,
    "oo": sp.oo,
}
_BINARY: Final[dict[type, Callable[[Any, Any], Any]]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.BitAnd: sp.And,
    ast.BitOr: sp.Or,
}
_COMPARE: Final[dict[type, Callable[[Any, Any], Any]]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
}


def parse_stored(text: str, symbols: Mapping[str, sp.Symbol]) -> sp.Expr:
    """The SymPy expression a record stores as ``text``; ``symbols`` gives x, y and the
    parameters their symbols.

    Raises:
        ValueError: the text is not an expression a record holds.
    """
    if not isinstance(text, str) or len(text) > MAX_STORED_LENGTH:
        raise ValueError("not a stored expression")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, MemoryError, RecursionError, ValueError):
        raise ValueError("not a stored expression") from None
    try:
        return _Builder(symbols).build(tree.body, 0)
    except (TypeError, AttributeError, RecursionError, ZeroDivisionError, OverflowError):
        raise ValueError("not a stored expression") from None


class _Builder:
    def __init__(self, symbols: Mapping[str, sp.Symbol]) -> None:
        self.symbols = symbols

    def build(self, node: ast.AST, depth: int) -> Any:
        if depth > MAX_STORED_DEPTH:
            raise ValueError("stored expression nested too deep")
        inner = depth + 1
        if isinstance(node, ast.Constant) and type(node.value) is bool:
            return sp.true if node.value else sp.false
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value: int | float = node.value  # type: ignore[assignment]  # (checked just above)
            if abs(value) > 10**100:
                raise ValueError("number too large")
            return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in _CONSTANTS:
                return _CONSTANTS[node.id]
            raise ValueError(f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd | ast.Invert):
            value = self.build(node.operand, inner)
            if isinstance(node.op, ast.Invert):
                return sp.Not(value)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base, exponent = self.build(node.left, inner), self.build(node.right, inner)
            if exponent.is_number and not abs(float(exponent)) <= MAX_EXPONENT:
                raise ValueError("exponent too large")
            if base.is_Number and exponent.is_Number:  # keep constants such as 2**(1/2) exact
                return sp.Pow(base, exponent, evaluate=False)
            return base**exponent
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.build(node.left, inner), self.build(node.right, inner)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            left = self.build(node.left, inner)
            return _COMPARE[type(node.ops[0])](left, self.build(node.comparators[0], inner))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            if node.func.id == "Piecewise":
                pieces = []
                for arg in node.args:
                    if not (isinstance(arg, ast.Tuple) and len(arg.elts) == 2):
                        raise ValueError("a Piecewise takes (value, condition) pairs")
                    pieces.append((self.build(arg.elts[0], inner), self.build(arg.elts[1], inner)))
                return sp.Piecewise(*pieces)
            function = _FUNCTIONS.get(node.func.id)
            if function is not None and 1 <= len(node.args) <= 16:
                return function(*(self.build(arg, inner) for arg in node.args))
        raise ValueError(f"{type(node).__name__} is not allowed in a stored expression")
