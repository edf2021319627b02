"""Formula text → SymPy expression, through the allow-listed grammar only.

The text is checked by :mod:`actderiv.lang.grammar` and the checked syntax tree is then
translated node
by node into SymPy constructors; no text ever reaches ``eval``, ``sympify`` or ``parse_expr``.
Pure: no I/O, no printing.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import sympy as sp

from actderiv.errors import FormulaError, Location
from actderiv.lang.grammar import MAX_EXPONENT, Names, check_formula
from actderiv.lang.spelling import Spelling

X: Final = sp.Symbol("x", real=True)
"""The input of every activation."""
Y: Final = sp.Symbol("y", real=True)
"""The output ``f(x)``, in claims and self-referential forms."""

MAX_CONSTANT_DIGITS: Final = 100
"""Largest power of ten that a constant power in a formula may reach."""

Resolver = Callable[[str], Callable[[sp.Expr], sp.Expr]]
"""Maps a catalog key to a function that applies that entry (at its defaults) to an argument."""


def param_symbol(name: str, default: float | None = None) -> sp.Symbol:
    """The symbol for a parameter: real, and of the sign of its default when that is not zero.

    The sign assumption lets SymPy simplify ``sqrt(a**2)`` and pick the right branch when it
    solves for ``x``; every result is stated for parameters of that sign.
    """
    if default is not None and default > 0:
        return sp.Symbol(name, positive=True)
    if default is not None and default < 0:
        return sp.Symbol(name, negative=True)
    return sp.Symbol(name, real=True)


def number(value: float | int | str) -> sp.Rational:
    """An exact rational for a decimal number, so that 0.01 stays 1/100 and never drifts."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return sp.Integer(int(value))
    return sp.Rational(repr(value) if isinstance(value, float) else str(value))


@dataclass(frozen=True, slots=True)
class Scope:
    """What names mean while a formula is translated."""

    params: Mapping[str, sp.Symbol]
    resolve: Resolver | None = None
    allow_y: bool = False

    @property
    def names(self) -> Names:
        calls: frozenset[str] = frozenset()
        if self.resolve is not None:
            calls = frozenset(getattr(self.resolve, "names", ())) - frozenset(self.params)
        return Names.of(self.params, calls, self.allow_y)


def parse_formula(text: str, scope: Scope, location: Location | None = None) -> sp.Expr:
    """Check ``text`` against the grammar and translate it into a SymPy expression.

    Raises:
        FormulaError: the text is not an allowed formula (the error marks where).
    """
    return parse_spelled(text, scope, location)[0]


def parse_spelled(
    text: str, scope: Scope, location: Location | None = None
) -> tuple[sp.Expr, tuple[Spelling, ...]]:
    """:func:`parse_formula`, and how the text spelled its constants (decimals such as
    0.044715 or 1e-7, roots such as sqrt(2/pi)), for the printers (docs/ARCHITECTURE.md,
    "Constants as written").

    Raises:
        FormulaError: the text is not an allowed formula (the error marks where).
    """
    try:
        tree = check_formula(text, scope.names)
        translator = _Translator(text, scope)
        return translator.value(tree), tuple(dict.fromkeys(translator.spellings))
    except FormulaError as exc:
        raise (exc.with_location(location) if location else exc) from None


_UNARY: Final[dict[str, Callable[[Any], Any]]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
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
    "erf": sp.erf,
    "erfc": sp.erfc,
    "log1p": lambda u: sp.log(1 + u),
    "expm1": lambda u: sp.exp(u) - 1,
    "heaviside": lambda u: sp.Piecewise((0, u < 0), (1, True)),
}
_BINARY: Final[dict[type, Callable[[Any, Any], Any]]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_COMPARE: Final[dict[type, Callable[[Any, Any], Any]]] = {
    ast.Lt: sp.Lt,
    ast.LtE: sp.Le,
    ast.Gt: sp.Gt,
    ast.GtE: sp.Ge,
    ast.Eq: sp.Eq,
    ast.NotEq: sp.Ne,
}


def maximum(*args: sp.Expr) -> sp.Expr:
    """``max`` with ties going to the first argument: ``max(0, x)`` has derivative 0 at 0."""
    return _extreme(args, sp.Gt, sp.Ge)


def minimum(*args: sp.Expr) -> sp.Expr:
    """``min`` with ties going to the first argument."""
    return _extreme(args, sp.Lt, sp.Le)


def _extreme(args: tuple[sp.Expr, ...], strict: Any, loose: Any) -> sp.Expr:
    """One piece per argument: a_i where it beats every earlier argument strictly and every
    later one or ties (so ties go to the first); the last argument otherwise. The pieces grow
    with the square of the number of arguments, never exponentially as nested two-argument
    folds do (max of six polynomials took 83 s that way)."""
    if len(args) == 2:  # the common case, printed as it always was
        first, second = args
        return sp.piecewise_fold(sp.Piecewise((first, loose(first, second)), (second, True)))
    pieces = []
    for i, arg in enumerate(args[:-1]):
        beats = [strict(arg, other) for other in args[:i]]
        beats += [loose(arg, other) for other in args[i + 1 :]]
        pieces.append((arg, sp.And(*beats)))
    return sp.piecewise_fold(sp.Piecewise(*pieces, (args[-1], True)))


def clip(u: sp.Expr, low: sp.Expr, high: sp.Expr) -> sp.Expr:
    """``clip(u, lo, hi)`` as torch.clamp: derivative 1 at the bounds themselves."""
    return sp.piecewise_fold(sp.Piecewise((low, sp.Lt(u, low)), (high, sp.Gt(u, high)), (u, True)))


class _Translator:
    def __init__(self, text: str, scope: Scope) -> None:
        self.text = text
        self.scope = scope
        self.spellings: list[Spelling] = []

    def spell(self, node: ast.AST, value: sp.Expr, shape: sp.Expr | None = None) -> None:
        """Record how the text wrote the constant ``value`` (see :mod:`actderiv.lang.spelling`)."""
        start, end = getattr(node, "col_offset", None), getattr(node, "end_col_offset", None)
        if start is not None and end is not None:
            self.spellings.append(Spelling(value, self.text.strip()[start:end], shape))

    def value(self, node: ast.expr) -> sp.Expr:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            value = number(node.value)
            if isinstance(node.value, float) and not value.is_Integer:
                self.spell(node, value)
            return value
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp):
            # A chain a+b+c+… leans left: walk its spine without recursion, so that a flat sum
            # of hundreds of terms needs no deep Python stack; each step is as it always was.
            spine = [node]
            while isinstance(spine[-1].left, ast.BinOp):
                spine.append(spine[-1].left)
            result = self.value(spine[-1].left)
            for step in reversed(spine):
                result = self.binary(step, result, self.value(step.right))
            return result
        if isinstance(node, ast.UnaryOp):
            operand = self.value(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.IfExp):
            body, cond, orelse = (
                self.value(node.body),
                self.condition(node.test),
                self.value(node.orelse),
            )
            return sp.piecewise_fold(sp.Piecewise((body, cond), (orelse, True)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self.value(a) for a in node.args]
            out = self.finite(node, self.call(node.func.id, args))
            if node.func.id == "sqrt" and args[0].is_number and isinstance(out, sp.Mul):
                # SymPy writes sqrt(2/pi) as sqrt(2)/sqrt(pi); the printers write it as here
                self.spell(node, out, sp.Pow(args[0], sp.S.Half, evaluate=False))
            return out
        raise self.fail(node, "not allowed in a formula")  # unreachable: the grammar refused it

    def binary(self, node: ast.BinOp, left: sp.Expr, right: sp.Expr) -> sp.Expr:
        if isinstance(node.op, ast.Div) and right == 0:
            raise self.fail(node, "division by zero")
        if isinstance(node.op, ast.Pow):
            self.check_power(node, left, right)
        return self.finite(node, sp.piecewise_fold(_BINARY[type(node.op)](left, right)))

    def check_power(self, node: ast.BinOp, base: sp.Expr, exponent: sp.Expr) -> None:
        """Refuse powers that SymPy would evaluate into enormous numbers (or never finish)."""
        if base == 0 and exponent.is_negative:
            raise self.fail(node, "zero to a negative power")
        if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
            raise self.fail(node.right, f"exponent larger than {MAX_EXPONENT} in magnitude")
        if base.is_Number and exponent.is_Number and base != 0:
            digits = abs(float(exponent)) * abs(math.log10(abs(float(base))))
            if digits > MAX_CONSTANT_DIGITS:
                raise self.fail(node, f"constant larger than 1e{MAX_CONSTANT_DIGITS} in magnitude")

    def finite(self, node: ast.AST, value: sp.Expr) -> sp.Expr:
        """Refuse parts that are infinite, undefined or complex (log(0), sqrt(-1), atanh(1))."""
        if value.has(sp.oo, -sp.oo, sp.zoo, sp.nan, sp.I):
            raise self.fail(node, "this part is not a finite real number")
        return value

    def name(self, name: str) -> sp.Expr:
        if name == "x":
            return X
        if name == "y":
            return Y
        if name == "pi":
            return sp.pi
        if name == "e":
            return sp.E
        return self.scope.params[name]

    def call(self, name: str, args: list[sp.Expr]) -> sp.Expr:
        if name == "max":
            return maximum(*args)
        if name == "min":
            return minimum(*args)
        if name == "clip":
            return clip(*args)
        if name in _UNARY:
            return sp.piecewise_fold(_UNARY[name](args[0]))
        assert self.scope.resolve is not None
        return sp.piecewise_fold(self.scope.resolve(name)(args[0]))

    def condition(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Compare):
            operands = [self.value(node.left)] + [self.value(c) for c in node.comparators]
            parts = [
                _COMPARE[type(op)](a, b)
                for op, a, b in zip(node.ops, operands, operands[1:], strict=False)
            ]
            return sp.And(*parts)
        if isinstance(node, ast.BoolOp):
            join = sp.And if isinstance(node.op, ast.And) else sp.Or
            return join(*(self.condition(v) for v in node.values))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return sp.Not(self.condition(node.operand))
        raise self.fail(node, "not a condition")  # unreachable: the grammar refused it

    def fail(self, node: ast.AST, message: str) -> FormulaError:
        lead = len(self.text) - len(self.text.lstrip())
        start = getattr(node, "col_offset", 0) + lead
        end = (getattr(node, "end_col_offset", None) or start + 1 - lead) + lead
        return FormulaError(message, self.text, (start, end))
