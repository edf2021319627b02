"""The printer every target shares: numbers, arithmetic, conditions, branches, and an allow-list
of functions; anything else is refused with a :class:`~actderiv.errors.CodegenError`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from actderiv.codegen.stable import plain_functions
from actderiv.errors import CodegenError


class Printer(StrPrinter):  # type: ignore[misc]  # SymPy ships no type information
    """The shared part: numbers, arithmetic, an allow-list of functions; everything else refused.

    Subclasses give the function tables and how branches and conditions are written.
    """

    target = ""
    functions: Mapping[str, str] = {}
    scalar_functions: Mapping[str, str] = {}

    #: Whether parameters may be arrays (tensors) at run time: then an expression in the
    #: parameters alone is printed with array functions and array branches, as one in ``x``.
    array_params = True
    #: Whether branches are printed for a backward, which a second derivative differentiates
    #: (set by ``generate``), and whether this target then masks them (see ``_masked``).
    masked_branches = False
    can_mask = False

    def __init__(
        self,
        var: sp.Symbol,
        var_name: str,
        names: Mapping[str, str] | None = None,
        params: tuple[sp.Symbol, ...] = (),
    ) -> None:
        super().__init__({"order": "none"})
        self.var = var
        self.var_name = var_name
        self.names = dict(names or {})
        """The identifier of each parameter by its name (when a name had to change)."""
        self.arrays: frozenset[sp.Symbol] = frozenset({var, *(params if self.array_params else ())})
        """The symbols that may be arrays: the variable, and the parameters where they may be."""
        self.used: set[str] = set()
        self.defaults: dict[sp.Symbol, float] = {}
        """The parameters' default values, at which a masked branch's stand-in point is probed
        (see ``_masked``); a parameter without one is probed at 1."""

    def varies(self, expr: Any) -> bool:
        """Whether ``expr`` may be an array (it holds the variable or an array parameter)."""
        return bool(getattr(expr, "free_symbols", frozenset()) & self.arrays)

    # numbers and names

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Boolean:
            return self._number(expr)
        return str(super()._print(expr, **kwargs))

    def _number(self, expr: sp.Expr) -> str:
        if expr.is_Integer:
            return self._integer(int(expr))
        value = complex(sp.N(expr, 30))
        if value.imag != 0:
            raise CodegenError(f"{self.target}: the formula has a complex constant {expr}")
        real = value.real
        if math.isinf(real):
            return self._infinity(real > 0)
        if math.isnan(real):
            raise CodegenError(f"{self.target}: the formula has an undefined constant {expr}")
        return repr(real)

    def _integer(self, n: int) -> str:
        return str(n)

    def _infinity(self, positive: bool) -> str:
        self.used.add("math")
        return "math.inf" if positive else "-math.inf"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        if expr == self.var:
            return self.var_name
        return self.names.get(str(expr.name), str(expr.name))

    def emptyPrinter(self, expr: Any) -> str:  # SymPy's name
        raise CodegenError(
            f"{self.target}: cannot generate code for {type(expr).__name__} ({expr})"
        )

    _print_Basic = emptyPrinter

    # arithmetic

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.base, expr.exp
        prec = precedence(expr)
        if exp == sp.Rational(1, 2):
            return self._call("sqrt", base)
        if exp == -sp.Rational(1, 2):
            return f"1/{self._call('sqrt', base)}"
        if exp == -1:
            return f"1/{self.parenthesize(base, prec, strict=False)}"
        return self._power(base, exp)

    def _power(self, base: sp.Expr, exp: sp.Expr) -> str:
        prec = precedence(sp.Pow(base, exp, evaluate=False))
        return f"{self.parenthesize(base, prec, strict=True)}**{self.parenthesize(exp, prec)}"

    # functions

    def _call(self, name: str, *args: sp.Expr) -> str:
        scalar = not any(self.varies(a) for a in args)
        table = self.scalar_functions if scalar else self.functions
        template = table.get(name)
        if template is None:
            raise CodegenError(
                f"{self.target}: no {'scalar ' if scalar else ''}function for {name}() "
                f"(the {self.target} printer knows: {', '.join(sorted(table))})"
            )
        self.used.add(template.split("(", 1)[0])
        if "math." in template:
            self.used.add("math")
        printed = [
            self._print(a) if scalar or a.has(self.var) else self._parameter_array(a) for a in args
        ]
        return template.format(*printed) if "{" in template else f"{template}({', '.join(printed)})"

    def _parameter_array(self, expr: sp.Expr) -> str:
        """An argument in the parameters alone, passed to an array function (where the target's
        array functions take Python numbers, as NumPy's and JAX's do, as it is)."""
        return str(self._print(expr))

    def _print_Function(self, expr: Any) -> str:
        return self._call(expr.func.__name__, *expr.args)

    def _print_Exp1(self, expr: Any) -> str:
        return self._number(expr)

    _print_Pi = _print_Exp1

    # conditions

    def _print_Relational(self, expr: Any) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        lhs = self.parenthesize(expr.lhs, precedence(expr))
        rhs = self.parenthesize(expr.rhs, precedence(expr))
        return f"{lhs} {op} {rhs}"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "True"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "False"

    def _print_And(self, expr: Any) -> str:
        return self._join(expr, "and", "&")

    def _print_Or(self, expr: Any) -> str:
        return self._join(expr, "or", "|")

    def _print_Not(self, expr: Any) -> str:
        inner = self._print(expr.args[0])
        return f"not ({inner})" if not self.varies(expr) else f"~({inner})"

    def _join(self, expr: Any, scalar_op: str, array_op: str) -> str:
        op = array_op if self.varies(expr) else scalar_op
        return f" {op} ".join(f"({self._print(a)})" for a in expr.args)

    # branches

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1][1] is not sp.true:
            pieces.append((sp.nan, sp.true))
        conds = [c for _, c in pieces]
        out = self._masked(pieces[-1][0], conds, len(pieces) - 1)
        for i in reversed(range(len(pieces) - 1)):
            value, cond = pieces[i]
            if self.varies(cond):
                chosen = self._masked(value, conds, i)
                out = self._select(self._condition(cond), chosen, out)
            else:
                out = f"({self._branch_value(value)} if {self._print(cond)} else {out})"
        return out

    def _masked(self, value: sp.Expr, conds: list[Any], i: int) -> str:
        """The value of piece ``i``; in a backward (``masked_branches``, where the target can
        select elementwise), with the variable replaced, where the piece is not chosen, by a
        point where it is: the select passes a zero gradient to the piece it did not choose,
        and 0 times a non-finite slope there (log(x) at x < 0, exp(x) at x = 1000) would be
        NaN in a second derivative."""
        if not (self.masked_branches and self.can_mask and value.has(self.var)):
            return self._branch_value(value)
        if not _risky(value, self.var):
            return self._branch_value(value)
        region = sp.And(conds[i], *[sp.Not(c) for c in conds[:i]])
        safe = self._stand_in(value, region) if region not in (sp.true, sp.false) else None
        if safe is None:
            return self._branch_value(value)
        name = self.var_name
        inside = self._full(safe)
        self.var_name = self._select(self._condition(region), name, inside)
        try:
            return self._branch_value(value)
        finally:
            self.var_name = name

    def _stand_in(self, value: sp.Expr, region: Any) -> sp.Expr | None:
        """A point of ``region`` where ``value`` and its first derivatives (in the variable and
        every parameter) are finite and real, the parameters at their defaults: the double
        backward passes 0 through every operation of the unchosen piece there, and 0 times an
        infinite or NaN intermediate is NaN (eplaf's |x|**d*log(|x|) at the midpoint x = 0 of
        [-1, 1]). The first candidate when none is (no worse than no probe), None when the
        region is no interval of the variable."""
        candidates = _candidates(region, self.var)
        if not candidates:
            return None
        symbols = sorted(value.free_symbols - {self.var}, key=str)
        env = {s: sp.Float(self.defaults.get(s, 1.0)) for s in symbols}
        exprs = [plain_functions(value)]
        exprs += [sp.diff(exprs[0], s) for s in (self.var, *symbols)]
        for point in candidates:
            at = {**env, self.var: point.xreplace(env)}
            if all(_finite_real(e.xreplace(at)) for e in exprs):
                return point
        return candidates[0]

    def _branch_value(self, value: sp.Expr) -> str:
        return self._print(value)

    def _condition(self, cond: Any) -> str:
        return str(self._print(cond))

    def _select(self, cond: str, value: str, otherwise: str) -> str:
        """Elementwise ``value`` where ``cond`` holds, else ``otherwise`` (printed code)."""
        raise NotImplementedError

    def array(self, expr: sp.Expr) -> str:
        """``expr`` as an array of the variable's shape (a constant is broadcast)."""
        if not expr.has(self.var):
            return self._full(expr)
        return str(self.doprint(expr))

    def _full(self, expr: sp.Expr) -> str:
        raise NotImplementedError


PY_SCALAR: Final = {
    "exp": "math.exp",
    "log": "math.log",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "asin": "math.asin",
    "acos": "math.acos",
    "atan": "math.atan",
    "sinh": "math.sinh",
    "cosh": "math.cosh",
    "tanh": "math.tanh",
    "asinh": "math.asinh",
    "acosh": "math.acosh",
    "atanh": "math.atanh",
    "erf": "math.erf",
    "erfc": "math.erfc",
    "sqrt": "math.sqrt",
    "Abs": "abs",
    "sign": "math.copysign(1.0, {0}) if {0} != 0 else 0.0",
    "sec": "1/math.cos({0})",
    "csc": "1/math.sin({0})",
    "cot": "1/math.tan({0})",
    "sech": "1/math.cosh({0})",
    "csch": "1/math.sinh({0})",
    "coth": "1/math.tanh({0})",
}


def array_table(prefix: str, **special: str) -> dict[str, str]:
    table = {
        name: f"{prefix}.{name}"
        for name in ("exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "sign")
    }
    table.update(
        {
            "Abs": f"{prefix}.abs",
            "sec": f"1/{prefix}.cos({{0}})",
            "csc": f"1/{prefix}.sin({{0}})",
            "cot": f"1/{prefix}.tan({{0}})",
            "csch": f"1/{prefix}.sinh({{0}})",
            "coth": f"1/{prefix}.tanh({{0}})",
            "expm1": f"{prefix}.expm1",
            "log1p": f"{prefix}.log1p",
            "softplus": "_softplus",
            "sigmoid": "_sigmoid",
            "sech": "_sech",  # what stabilize writes sech_, met unstabilized (a transcription)
            "sech_": "_sech",
            "exp_clipped": "_exp_clipped",
            "exp_bounded": f"{prefix}.exp",
        }
    )
    table.update(special)
    return table


def _risky(value: sp.Expr, var: sp.Symbol) -> bool:
    """Whether a branch's value may be non-finite away from its branch (a function of ``var``
    or a power of it that is not a polynomial's; 1/a in the parameters alone is the same at
    every x, and no stand-in point changes it)."""
    return any(
        not (isinstance(e, sp.Pow) and e.exp.is_Integer and e.exp > 0)
        for e in sp.preorder_traversal(value)
        if isinstance(e, sp.Pow | sp.Function) and e.has(var)
    )


def _finite_real(value: sp.Expr) -> bool:
    """Whether ``value`` (a number once evaluated) is finite and real."""
    try:
        number = complex(sp.N(value, 20))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return math.isfinite(number.real) and math.isfinite(number.imag) and number.imag == 0


def _candidates(cond: Any, var: sp.Symbol) -> list[sp.Expr]:
    """Points where ``cond`` holds, the likeliest first (see :func:`_bounds`): in an interval
    its midpoint, then points a quarter and three quarters of the way; on a half-line, points 1,
    2 and 1/2 inside its end."""
    parts = _bounds(cond, var)
    if parts is None:
        return []
    lower, upper = parts
    if lower is None and upper is None:
        return []
    if lower is not None and upper is not None:
        if lower == upper:
            return [lower]
        width = upper - lower
        return [
            lower + width * k for k in (sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(3, 4))
        ]
    if lower is not None:
        return [lower + k for k in (1, 2, sp.Rational(1, 2))]
    assert upper is not None
    return [upper - k for k in (1, 2, sp.Rational(1, 2))]


_TURNED: Final = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "=="}


def _bounds(cond: Any, var: sp.Symbol) -> tuple[sp.Expr | None, sp.Expr | None] | None:
    """The lower and upper end of the interval ``cond`` (None for an open side; both the same
    for an equation); None for other conditions."""
    parts = cond.args if isinstance(cond, sp.And) else (cond,)
    lower: list[sp.Expr] = []
    upper: list[sp.Expr] = []
    for part in parts:
        if not isinstance(part, sp.core.relational.Relational) or part.rel_op == "!=":
            return None
        # lhs - rhs = k*var + r with a number k != 0: var op -r/k (op turned round if k < 0),
        # so that c >= -x is seen as x >= -c (puaf)
        difference = part.lhs - part.rhs
        k = sp.diff(difference, var)
        rest = sp.expand(difference - k * var)
        if not (k.is_number and k.is_nonzero) or rest.has(var):
            return None
        op = part.rel_op if k > 0 else _TURNED[part.rel_op]
        rhs = -rest / k
        if op == "==":
            return rhs, rhs
        (lower if op in (">", ">=") else upper).append(rhs)
    if len(lower) > 1 or len(upper) > 1:
        if not all(b.is_number for b in lower + upper):
            return None
        lower, upper = [sp.Max(*lower)] if lower else [], [sp.Min(*upper)] if upper else []
    return (lower[0] if lower else None), (upper[0] if upper else None)
