"""The JAX target: a printer with jnp.where branches, and a module with a custom JVP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from actderiv.codegen.printer import PY_SCALAR, Printer, array_table
from actderiv.codegen.rules import (
    PYTHON_NAMES,
    Names,
    Printed,
    array_helpers,
    helpers,
    keyword_params,
    mangle,
    math_import,
    name_params,
    paren,
    python_file,
)
from actderiv.codegen.source import CodegenSource


class JaxPrinter(Printer):
    target = "jax"
    functions: Mapping[str, str] = array_table(
        "jnp",
        asin="jnp.arcsin",
        acos="jnp.arccos",
        atan="jnp.arctan",
        asinh="jnp.arcsinh",
        acosh="jnp.arccosh",
        atanh="jnp.arctanh",
        erf="jax.scipy.special.erf",
        erfc="jax.scipy.special.erfc",
        sigmoid="jax.nn.sigmoid",
    )
    scalar_functions = PY_SCALAR

    def _where(self, cond: Any, value: sp.Expr, otherwise: str) -> str:
        return f"jnp.where({self._print(cond)}, {self._print(value)}, {otherwise})"

    def _full(self, expr: sp.Expr) -> str:
        return f"jnp.full_like({self.var_name}, {self._print(expr)})"


def identifiers(source: CodegenSource) -> Names:
    """The entry's functions NAME and NAME_derivative (and _NAME_primal, _NAME_jvp, which no
    parameter can shadow: parameter names start with a letter)."""
    name = mangle(source.name, PYTHON_NAMES)
    return name_params(source, name, PYTHON_NAMES)


def jax_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name = names.entry
    idents = names.idents
    kw = keyword_params(names)
    args = "".join(f", {n}" for n in idents)
    imports = [*math_import(p.used), "import jax", "import jax.numpy as jnp"]
    if any(u.startswith("jax.scipy") for u in p.used):
        imports.append("import jax.scipy.special")
    if idents:
        imports.insert(0, "import functools")
        imports.insert(1, "")
        nondiff = ", ".join(str(i + 1) for i in range(len(idents)))
        decorator = f"@functools.partial(jax.custom_jvp, nondiff_argnums=({nondiff},))"
        jvp_args = f"{', '.join(idents)}, primals, tangents"
    else:
        decorator = "@jax.custom_jvp"
        jvp_args = "primals, tangents"
    slope = p.backward if p.backward is not None else p.derivative
    saves = "from the output y" if p.backward is not None else "from the input x"
    blocks = helpers(array_helpers("jnp"), p.used)
    blocks.append(
        f"""
{decorator}
def _{name}_primal(x{args}):
    return {p.forward}
"""
    )
    blocks.append(
        f"""
@_{name}_primal.defjvp
def _{name}_jvp({jvp_args}):
    (x,), (x_dot,) = primals, tangents
    y = _{name}_primal(x{args})
    return y, {paren(slope)} * x_dot
"""
    )
    blocks.append(
        f'''
def {name}(x{kw}):
    """{source.title}, with a custom JVP (the derivative {saves})."""
    return _{name}_primal(x{args})
'''
    )
    blocks.append(
        f'''
def {name}_derivative(x{kw}):
    """f'(x), elementwise."""
    return {p.derivative}
'''
    )
    return python_file(source, names, "jax", imports, blocks)
