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
        # or warns (np.where would evaluate every branch everywhere).
        if not any(c.has(self.var) for _, c in expr.args):
            return str(super()._print_Piecewise(expr))
        self.used.add("_piecewise")
        v = self.var_name
        pieces = ", ".join(
            f"(lambda {v}: {self._print(c)}, lambda {v}: {self._print(e)})" for e, c in expr.args
        )
        return f"_piecewise({v}, [{pieces}])"

    def _full(self, expr: sp.Expr) -> str:
        return f"np.full(np.shape({self.var_name}), {self._print(expr)}, dtype=np.float64)"


_NUMPY_ONLY_HELPERS: Final = {
    "_piecewise": '''
def _piecewise(v, pieces):
    """Evaluate each (condition, value) piece only where it is the first that holds."""
    v = np.asarray(v, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    todo = np.ones(v.shape, dtype=bool)
    for cond, value in pieces:
        mask = todo & np.broadcast_to(cond(v), v.shape)
        if mask.any():
            out[mask] = value(v[mask])
        todo &= ~mask
    return out
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
    own = {f"{name}_forward", f"{name}_derivative", f"{name}_backward"}
    return name_params(source, name, PYTHON_NAMES | own)


def numpy_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name = names.entry
    kw = keyword_params(names)
    used = p.used | ({"_erf"} if "_erfc" in p.used else set())
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
    return python_file(source, names, "numpy", [*math_import(used), "import numpy as np"], blocks)
