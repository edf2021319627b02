"""The NumPy target: a printer whose branches run only where chosen, and the module it writes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import sympy as sp

from actderiv.codegen.printer import PY_SCALAR, Printer, array_table
from actderiv.codegen.rules import (
    PYTHON_NAMES,
    Names,
    Printed,
    array_helpers,
    helpers,
    keyword_params,
    math_import,
    name_params,
    paren,
    pass_params,
    python_file,
    python_identifier,
)
from actderiv.codegen.source import CodegenSource


class NumpyPrinter(Printer):
    target = "numpy"
    functions: Mapping[str, str] = array_table(
        "np",
        asin="np.arcsin",
        acos="np.arccos",
        atan="np.arctan",
        asinh="np.arcsinh",
        acosh="np.arccosh",
        atanh="np.arctanh",
        erf="_erf",
        erfc="_erfc",
    )
    scalar_functions = PY_SCALAR

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # Each branch runs only where it is chosen, so a discarded branch never overflows
        # or warns (np.where would evaluate every branch everywhere). The parameters the
        # pieces use are passed along, masked as x is where they are arrays.
        if not any(self.varies(c) for _, c in expr.args):
            return str(super()._print_Piecewise(expr))
        self.used.add("_piecewise")
        v = self.var_name
        params = sorted(
            (s for s in expr.free_symbols if s in self.arrays and s != self.var), key=str
        )
        names = [str(self._print(s)) for s in params]
        head = ", ".join([v, *names])
        pieces = ", ".join(
            f"(lambda {head}: {self._print(c)}, lambda {head}: {self._print(e)})"
            for e, c in expr.args
        )
        if not names:
            return f"_piecewise({v}, [{pieces}])"
        args = f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"
        return f"_piecewise({v}, [{pieces}], {args})"

    def _full(self, expr: sp.Expr) -> str:
        if self.varies(expr):  # a parameter may be an array (one value per channel)
            return f"(np.zeros(np.shape({self.var_name})) + {self._print(expr)})"
        return f"np.full(np.shape({self.var_name}), {self._print(expr)}, dtype=np.float64)"


_NUMPY_ONLY_HELPERS: Final = {
    "_piecewise": '''
def _piecewise(v, pieces, params=()):
    """Evaluate each (condition, value) piece only where it is the first that holds; the
    parameters that are arrays are broadcast with v and masked as it is."""
    v = np.asarray(v, dtype=np.float64)
    shape = np.broadcast_shapes(v.shape, *(np.shape(p) for p in params))
    v = np.broadcast_to(v, shape)
    params = [np.broadcast_to(p, shape) if np.ndim(p) else p for p in params]
    out = np.full(shape, np.nan)
    todo = np.ones(shape, dtype=bool)
    for cond, value in pieces:
        mask = todo & np.broadcast_to(cond(v, *params), shape)
        if mask.any():
            out[mask] = value(v[mask], *(p[mask] if np.ndim(p) else p for p in params))
        todo &= ~mask
    return out
''',
    "_sum_to": '''
def _sum_to(grad, like):
    """``grad`` summed over the dimensions along which ``like`` was broadcast."""
    shape = np.shape(like)
    if np.shape(grad) == shape:
        return grad
    grad = np.sum(grad, axis=tuple(range(np.ndim(grad) - len(shape))))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return np.sum(grad, axis=axes, keepdims=True) if axes else grad
''',
    "_erf": """
try:  # SciPy is optional: without it, math.erf runs element by element
    from scipy.special import erf as _erf
    from scipy.special import erfc as _erfc
except ImportError:
    _erf = np.vectorize(math.erf, otypes=[np.float64])
    _erfc = np.vectorize(math.erfc, otypes=[np.float64])
""",
}


def identifiers(source: CodegenSource) -> Names:
    """The entry's functions are NAME_forward, NAME_derivative and NAME_backward (which calls
    NAME_derivative where the parameters are locals)."""
    name = python_identifier(source.name)
    own = {f"{name}_forward", f"{name}_derivative", f"{name}_backward", f"{name}_grads"}
    return name_params(source, name, PYTHON_NAMES | own)


def numpy_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name = names.entry
    kw = keyword_params(names)
    used = p.used | ({"_erf"} if "_erfc" in p.used else set()) | ({"_sum_to"} if kw else set())
    blocks = helpers({**_NUMPY_ONLY_HELPERS, **array_helpers("np")}, frozenset(used))
    blocks.append(
        f'''
def {name}_forward(x{kw}):
    """{source.title}: f(x), elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return {p.forward}
'''
    )
    blocks.append(
        f'''
def {name}_derivative(x{kw}):
    """f'(x), elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return {p.derivative}
'''
    )
    if p.backward is not None:
        blocks.append(
            f'''
def {name}_backward(y, grad_out{kw}):
    """The gradient with respect to x, from the output y = {name}_forward(x) alone."""
    y = np.asarray(y, dtype=np.float64)
    return grad_out * {paren(p.backward)}
'''
        )
    else:
        blocks.append(
            f'''
def {name}_backward(x, grad_out{kw}):
    """The gradient with respect to x (this backward needs the input x)."""
    return grad_out * {name}_derivative(x{pass_params(names)})
'''
        )
    if names.params:
        grads = "".join(
            f"\n        _sum_to(grad_out * {paren(d)}, {n}),"
            for n, d in zip(names.idents, p.partials, strict=True)
        )
        listed = ", ".join(f"grad_{n}" for n, _, _ in names.params)
        blocks.append(
            f'''
def {name}_grads(x, grad_out{kw}):
    """The backward in x and in every parameter: (grad_x, {listed}), each summed over the
    dimensions along which its argument was broadcast (a parameter may be an array)."""
    x = np.asarray(x, dtype=np.float64)
    return (
        _sum_to(grad_out * {name}_derivative(x{pass_params(names)}), x),{grads}
    )
'''
        )
    return python_file(source, names, "numpy", [*math_import(used), "import numpy as np"], blocks)
