"""The formula language: an allow-list over Python's expression syntax, checked without SymPy.

Formulas are read with :func:`ast.parse` and walked node by node; anything not on the allow-list
(attribute access, subscripts, lambdas, comprehensions, strings, keyword arguments, unknown names,
huge literals or exponents) is refused with a :class:`FormulaError` that marks the offending text.
No text is ever evaluated. Pure: no I/O, no SymPy (so the catalog can be validated cheaply).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from actderiv.errors import FormulaError

MAX_LENGTH: Final = 2000
"""Longest formula accepted, in characters."""
MAX_DEPTH: Final = 64
"""Deepest nesting of the syntax tree."""
MAX_NODES: Final = 1000
"""Most syntax-tree nodes in one formula (a flat sum of 500 terms fits)."""
MAX_LITERAL: Final = 1e12
"""Largest absolute value of a numeric literal."""
MAX_LITERAL_DIGITS: Final = 40
"""Longest numeric literal, in characters."""
MAX_EXPONENT: Final = 64
"""Largest absolute value of a constant exponent in ``a ** b``, and of the product of the
exponents of nested powers (``((x+1)**8)**8`` has degree 64: ``((x+1)**64)**64`` is refused)."""
MAX_FUNCTION_ARGS: Final = 16
"""Most arguments of ``max`` and ``min``."""

#: Operators whose chains are flat: ``a+b-c+d`` is one sum, nested no deeper than its terms.
_CHAINS: Final = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))

#: Functions a formula may call: name → (fewest, most) arguments (``None``: any number ≥ fewest).
FUNCTIONS: Final[dict[str, tuple[int, int | None]]] = {
    "exp": (1, 1),
    "log": (1, 1),
    "log1p": (1, 1),
    "expm1": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "sign": (1, 1),
    "max": (2, None),
    "min": (2, None),
    "clip": (3, 3),
    "heaviside": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "sinh": (1, 1),
    "cosh": (1, 1),
    "tanh": (1, 1),
    "asinh": (1, 1),
    "acosh": (1, 1),
    "atanh": (1, 1),
    "sech": (1, 1),
    "csch": (1, 1),
    "coth": (1, 1),
    "sec": (1, 1),
    "erf": (1, 1),
    "erfc": (1, 1),
}
#: Names of constants.
CONSTANTS: Final = frozenset({"pi", "e"})
#: Names with a fixed meaning: the input and, in claims, the output.
VARIABLES: Final = frozenset({"x", "y"})
RESERVED: Final = frozenset(FUNCTIONS) | CONSTANTS | VARIABLES

_BINOPS: Final = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)
_UNARYOPS: Final = (ast.USub, ast.UAdd)
_CMPOPS: Final = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_NODE_HINTS: Final = {
    "Attribute": "attribute access (a.b) is not allowed in a formula",
    "Subscript": "indexing (a[b]) is not allowed in a formula",
    "Lambda": "lambda is not allowed in a formula",
    "JoinedStr": "strings are not allowed in a formula",
    "FormattedValue": "strings are not allowed in a formula",
    "ListComp": "comprehensions are not allowed in a formula",
    "GeneratorExp": "comprehensions are not allowed in a formula",
    "SetComp": "comprehensions are not allowed in a formula",
    "DictComp": "comprehensions are not allowed in a formula",
    "NamedExpr": "assignment (:=) is not allowed in a formula",
    "Starred": "*args is not allowed in a formula",
    "Await": "await is not allowed in a formula",
    "Yield": "yield is not allowed in a formula",
    "BitXor": "'^' is not a power here: write a**b",
    "MatMult": "'@' is not allowed in a formula",
    "FloorDiv": "'//' is not allowed in a formula: write a/b",
    "Mod": "'%' is not allowed in a formula",
}


@dataclass(frozen=True, slots=True)
class Names:
    """The names a formula may use besides the fixed functions and constants."""

    params: frozenset[str] = frozenset()
    calls: frozenset[str] = frozenset()
    allow_y: bool = False

    @classmethod
    def of(
        cls, params: Iterable[str] = (), calls: Iterable[str] = (), allow_y: bool = False
    ) -> Names:
        return cls(frozenset(params), frozenset(calls), allow_y)


def check_formula(text: str, names: Names) -> ast.expr:
    """Check ``text`` against the formula grammar and return its syntax tree.

    Raises:
        FormulaError: the text is too long, does not parse, or uses something not allowed; the
            error marks the offending span.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be text, not {type(text).__name__}", repr(text))
    _check_characters(text)
    tree = _parse(text)
    _Checker(text, names).check(tree.body)
    return tree.body


def called_names(tree: ast.expr) -> list[str]:
    """The catalog entries a checked tree calls (built-in functions left out), in order."""
    return [
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id not in FUNCTIONS
    ]


def _check_characters(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"formula is {len(text)} characters long; at most {MAX_LENGTH} are allowed",
            text[:80],
            (MAX_LENGTH if MAX_LENGTH < 80 else 79, 80),
        )
    if not text.strip():
        raise FormulaError("formula is empty", text)
    for i, ch in enumerate(text):
        if ch == "\x00":
            raise FormulaError("formula contains a NUL byte", text, (i, i + 1))
        if ch in "\r\n":
            raise FormulaError("a formula must be on one line", text, (i, i + 1))
        if not ch.isascii():
            raise FormulaError(
                f"character {ch!r} (U+{ord(ch):04X}) is not allowed: formulas are plain ASCII",
                text,
                (i, i + 1),
            )
        if not ch.isprintable():
            raise FormulaError(
                f"control character U+{ord(ch):04X} is not allowed", text, (i, i + 1)
            )


def _parse(text: str) -> ast.Expression:
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        offset = (exc.offset or 1) - 1 + (len(text) - len(text.lstrip()))
        msg = exc.msg
        if msg.startswith("invalid syntax"):
            msg = "invalid syntax"
        raise FormulaError(msg, text, (max(0, offset), max(0, offset) + 1)) from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula is nested too deeply", text, (0, len(text))) from None


class _Checker:
    """Walks a syntax tree iteratively and refuses the first node off the allow-list."""

    def __init__(self, text: str, names: Names) -> None:
        self.text = text.strip()
        self.lead = len(text) - len(text.lstrip())
        self.full = text
        self.names = names

    def fail(self, node: ast.AST, message: str) -> FormulaError:
        start = getattr(node, "col_offset", 0) + self.lead
        end = getattr(node, "end_col_offset", None)
        end = start + 1 if end is None else end + self.lead
        return FormulaError(message, self.full, (start, max(end, start + 1)))

    def check(self, root: ast.expr) -> None:
        # (node, nesting depth, role, product of the constant exponents of the powers around it)
        stack: list[tuple[ast.AST, int, str, float]] = [(root, 1, "value", 1.0)]
        count = 0
        while stack:
            node, depth, role, power = stack.pop()
            count += 1
            if count > MAX_NODES:
                raise self.fail(root, f"formula has more than {MAX_NODES} parts")
            if depth > MAX_DEPTH:
                raise self.fail(node, f"formula is nested more than {MAX_DEPTH} levels deep")
            inner = power
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
                exponent = _constant_value(node.right)
                if (
                    exponent is not None
                    and not any(isinstance(n, ast.Name) for n in ast.walk(node.right))
                    and any(isinstance(n, ast.Name) for n in ast.walk(node.left))
                ):  # a polynomial's degree; constants are bounded by their size when parsed
                    inner = power * max(1.0, abs(exponent))
                    if inner > MAX_EXPONENT and abs(exponent) <= MAX_EXPONENT:
                        raise self.fail(
                            node,
                            f"nested powers multiply to an exponent larger than {MAX_EXPONENT}",
                        )
            # children in reverse, so that the leftmost problem in the text is found first
            for child, child_role in reversed(self.visit(node, role)):
                flat = _same_chain(node, child) and child is getattr(node, "left", None)
                base = isinstance(node, ast.BinOp) and child is node.left
                stack.append(
                    (child, depth if flat else depth + 1, child_role, inner if base else power)
                )

    def visit(self, node: ast.AST, role: str) -> Sequence[tuple[ast.AST, str]]:
        """Check one node in its role ('value' or 'condition'); return its children and roles."""
        kind = type(node).__name__
        if role == "condition":
            return self.visit_condition(node)
        if isinstance(node, ast.Constant):
            self.check_number(node)
            return []
        if isinstance(node, ast.Name):
            self.check_name(node)
            return []
        if isinstance(node, ast.BinOp):
            if not isinstance(node.op, _BINOPS):
                raise self.fail(
                    node, _NODE_HINTS.get(type(node.op).__name__, "operator not allowed")
                )
            if isinstance(node.op, ast.Pow):
                self.check_exponent(node.right)
            return [(node.left, "value"), (node.right, "value")]
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                raise self.fail(node, "'not' makes a condition, not a number; use it after 'if'")
            if not isinstance(node.op, _UNARYOPS):
                raise self.fail(node, "operator not allowed in a formula")
            return [(node.operand, "value")]
        if isinstance(node, ast.Call):
            return [(arg, "value") for arg in self.check_call(node)]
        if isinstance(node, ast.IfExp):
            return [(node.body, "value"), (node.test, "condition"), (node.orelse, "value")]
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise self.fail(
                node, "a comparison is a condition, not a number: write 'a if cond else b'"
            )
        raise self.fail(
            node, _NODE_HINTS.get(kind, f"{_describe(node)} is not allowed in a formula")
        )

    def visit_condition(self, node: ast.AST) -> Sequence[tuple[ast.AST, str]]:
        if isinstance(node, ast.Compare):
            for op in node.ops:
                if not isinstance(op, _CMPOPS):
                    raise self.fail(node, f"comparison {type(op).__name__} is not allowed")
            return [(node.left, "value")] + [(c, "value") for c in node.comparators]
        if isinstance(node, ast.BoolOp):
            return [(v, "condition") for v in node.values]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return [(node.operand, "condition")]
        raise self.fail(node, "a condition must be a comparison, possibly joined by and/or/not")

    def check_number(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(node, f"{type(value).__name__} literals are not allowed in a formula")
        source = ast.get_source_segment(self.text, node) or ""
        if len(source) > MAX_LITERAL_DIGITS:
            raise self.fail(node, f"number literal longer than {MAX_LITERAL_DIGITS} characters")
        if not abs(value) <= MAX_LITERAL:  # also catches inf and nan (1e999999)
            raise self.fail(node, f"number literal larger than {MAX_LITERAL:g} in magnitude")
        mantissa = source.lower().split("e")[0]
        if (value == 0 and any(d in mantissa for d in "123456789")) or (
            0 < abs(value) < sys.float_info.min
        ):
            raise self.fail(
                node, f"number literal smaller than {sys.float_info.min:.4g} in magnitude"
            )

    def check_name(self, node: ast.Name) -> None:
        name = node.id
        if name in self.names.calls or name in FUNCTIONS:
            raise self.fail(node, f"{name!r} is a function: call it, as in {name}(x)")
        if name == "y" and not self.names.allow_y:
            raise self.fail(
                node, "'y' (the output f(x)) is only allowed in claims about a derivative"
            )
        if name in VARIABLES or name in CONSTANTS or name in self.names.params:
            return
        if name.startswith("__"):
            raise self.fail(node, f"dunder name {name!r} is not allowed in a formula")
        raise self.fail(node, f"unknown name {name!r}{_name_hint(name, self.names)}")

    def check_call(self, node: ast.Call) -> list[ast.expr]:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, "only named functions can be called, as in exp(x)")
        name = node.func.id
        if node.keywords:
            raise self.fail(
                node.keywords[0].value, "keyword arguments are not allowed in a formula"
            )
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.fail(arg, "*args is not allowed in a formula")
        if name in FUNCTIONS:
            low, high = FUNCTIONS[name]
            n = len(node.args)
            if high is None and n > MAX_FUNCTION_ARGS:
                raise self.fail(node, f"{name}() takes at most {MAX_FUNCTION_ARGS} arguments")
            if n < low or (high is not None and n > high):
                want = (
                    f"{low}"
                    if low == high
                    else f"at least {low}"
                    if high is None
                    else f"{low}–{high}"
                )
                raise self.fail(node, f"{name}() takes {want} argument(s), got {n}")
            return list(node.args)
        if name in self.names.calls:
            if len(node.args) != 1:
                raise self.fail(
                    node, f"catalog function {name}() takes 1 argument, got {len(node.args)}"
                )
            return list(node.args)
        if name in VARIABLES or name in CONSTANTS or name in self.names.params:
            raise self.fail(node.func, f"{name!r} is not a function")
        raise self.fail(node.func, f"unknown function {name!r}{_name_hint(name, self.names)}")

    def check_exponent(self, exponent: ast.expr) -> None:
        if not any(isinstance(n, ast.Name) for n in ast.walk(exponent)):
            value = _constant_value(exponent)
            if value is None:
                raise self.fail(
                    exponent, "a constant exponent must be a plain number such as 3 or 1/2"
                )
            if abs(value) > MAX_EXPONENT:
                raise self.fail(exponent, f"exponent larger than {MAX_EXPONENT} in magnitude")


def _same_chain(parent: ast.AST, child: ast.AST) -> bool:
    """Whether ``child`` continues ``parent``'s chain of sums or of products (``a+b+c``)."""
    if not (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp)):
        return False
    return any(isinstance(parent.op, ops) and isinstance(child.op, ops) for ops in _CHAINS)


def _constant_value(node: ast.expr) -> float | None:
    """The value of a plain-number exponent: a literal, -literal, or literal/literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _constant_value(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        num, den = _constant_value(node.left), _constant_value(node.right)
        if num is None or den is None or den == 0:
            return None
        return num / den
    return None


def _describe(node: ast.AST) -> str:
    return {
        "List": "a list",
        "Tuple": "a tuple",
        "Set": "a set",
        "Dict": "a dict",
        "Slice": "a slice",
    }.get(type(node).__name__, type(node).__name__)


def _name_hint(name: str, names: Names) -> str:
    import difflib

    pool = sorted((set(FUNCTIONS) | CONSTANTS | {"x"} | names.params | names.calls) - {name})
    close = difflib.get_close_matches(name, pool, n=2, cutoff=0.7)
    return f" (did you mean {' or '.join(close)}?)" if close else ""
