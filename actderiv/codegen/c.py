"""The C target: a printer of C99 <math.h> expressions, and a file of three functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import sympy as sp
from sympy.printing.precedence import precedence

from actderiv.codegen.printer import Printer
from actderiv.codegen.rules import (
    C_NAMES,
    Names,
    Printed,
    header,
    helpers,
    literal,
    mangle,
    name_params,
)
from actderiv.codegen.source import CodegenSource
from actderiv.codegen.stable import EXP_CLIP

_C_MATH: Final = (
    "exp log sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh erf erfc sqrt expm1 log1p"
)


class CPrinter(Printer):
    target = "c"
    functions: Mapping[str, str] = {
        **{n: n for n in _C_MATH.split()},
        "Abs": "fabs",
        "sign": "actderiv_sign",
        "sec": "1.0/cos({0})",
        "csc": "1.0/sin({0})",
        "cot": "1.0/tan({0})",
        "sech": "1.0/cosh({0})",
        "sech_": "1.0/cosh({0})",
        "csch": "1.0/sinh({0})",
        "coth": "1.0/tanh({0})",
        "softplus": "actderiv_softplus",
        "sigmoid": "actderiv_sigmoid",
        "exp_clipped": "actderiv_exp_clipped",
        "exp_bounded": "exp",
    }
    scalar_functions = functions

    def _integer(self, n: int) -> str:
        return f"{n}.0"

    def _infinity(self, positive: bool) -> str:
        return "INFINITY" if positive else "-INFINITY"

    def _power(self, base: sp.Expr, exp: sp.Expr) -> str:
        return f"pow({self._print(base)}, {self._print(exp)})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1.0/{self.parenthesize(expr.base, precedence(expr), strict=False)}"
        return str(super()._print_Pow(expr, rational))

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "1"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "0"

    def _print_And(self, expr: Any) -> str:
        return " && ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: Any) -> str:
        return " || ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"!({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1][1] is not sp.true:
            pieces.append((sp.nan, sp.true))
        out = "NAN" if pieces[-1][0] is sp.nan else self._print(pieces[-1][0])
        for value, cond in reversed(pieces[:-1]):
            out = f"(({self._print(cond)}) ? {self._print(value)} : {out})"
        return out

    def array(self, expr: sp.Expr) -> str:
        return str(self.doprint(expr))


_C_HELPERS: Final = {
    "actderiv_softplus": """
/* log(1 + exp(u)) without overflow */
static inline double actderiv_softplus(double u) {
    return fmax(u, 0.0) + log1p(exp(-fabs(u)));
}
""",
    "actderiv_sigmoid": """
/* 1/(1 + exp(-u)) without overflow */
static inline double actderiv_sigmoid(double u) {
    double e = exp(-fabs(u));
    return u >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
""",
    "actderiv_exp_clipped": """
/* exp(u) for u <= CLIP: an exponential inside another function, which saturates */
static inline double actderiv_exp_clipped(double u) {
    return exp(fmin(u, CLIP));
}
""".replace("CLIP", repr(EXP_CLIP)),
    "actderiv_sign": """
static inline double actderiv_sign(double u) {
    return (double)((u > 0.0) - (u < 0.0));
}
""",
}


def identifiers(source: CodegenSource) -> Names:
    """The entry's functions are NAME_forward, NAME_derivative, NAME_backward and, for each
    parameter P, NAME_partial_P (∂f/∂P)."""
    name = source.name
    own = {f"{name}_forward", f"{name}_derivative", f"{name}_backward"}
    own |= {f"{name}_partial_{n}" for n, _, _ in source.params}
    return name_params(source, name, C_NAMES | own)


def c_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name = names.entry
    params = "".join(f", double {n}" for n in names.idents)
    call = "".join(f", {n}" for n in names.idents)
    blocks = ["\n".join(["/*", *header(source, names, "c", " *"), " */"]), "#include <math.h>"]
    blocks.extend(helpers(_C_HELPERS, p.used))
    if names.params:
        suffixes: list[str] = []  # one macro per parameter, even for names that differ in case
        for n, _, _ in names.params:
            suffixes.append(mangle(n.upper(), set(suffixes)))
        blocks.append(
            "\n".join(
                f"#define {name.upper()}_DEFAULT_{suffix} {literal(v)}"
                for suffix, (_, _, v) in zip(suffixes, names.params, strict=True)
            )
        )
    blocks.append(
        f"/* f(x) */\ndouble {name}_forward(double x{params}) {{\n    return {p.forward};\n}}"
    )
    blocks.append(
        f"/* f'(x) */\ndouble {name}_derivative(double x{params}) {{\n"
        f"    return {p.derivative};\n}}"
    )
    if p.backward is not None:
        blocks.append(
            f"/* grad * f'(x), from the output y = {name}_forward(x) alone */\n"
            f"double {name}_backward(double y, double grad{params}) {{\n"
            f"    return grad * ({p.backward});\n}}"
        )
    else:
        blocks.append(
            f"/* grad * f'(x), from the input x (this backward needs it) */\n"
            f"double {name}_backward(double x, double grad{params}) {{\n"
            f"    return grad * {name}_derivative(x{call});\n}}"
        )
    for (n, _, _), partial in zip(names.params, p.partials, strict=True):
        blocks.append(
            f"/* df/d{n}: the gradient of parameter {n} is the sum of grad * df/d{n} */\n"
            f"double {name}_partial_{n}(double x{params}) {{\n    return {partial};\n}}"
        )
    return "\n\n".join(b.strip("\n") for b in blocks) + "\n"
