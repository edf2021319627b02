"""The JAX target: a printer with jnp.where branches, and a module with a custom JVP in the input
and every parameter (so jax.grad, jit and vmap differentiate parameters too), and a Flax module
whose trainable parameters are ``self.param`` (docs/ARCHITECTURE.md, "Generated code that
trains")."""

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
    camel_case,
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

    can_mask = True

    def _select(self, cond: str, value: str, otherwise: str) -> str:
        return f"jnp.where({cond}, {value}, {otherwise})"

    def _full(self, expr: sp.Expr) -> str:
        if self.varies(expr):  # a parameter may be an array (one value per channel)
            return f"(jnp.zeros_like({self.var_name}) + {self._print(expr)})"
        return f"jnp.full_like({self.var_name}, {self._print(expr)})"


#: Names a parameter may not take: the Flax module's fields and methods (flax.linen.Module),
#: the module's own fields, and the locals of the generated functions.
FLAX_NAMES: Final = frozenset(
    """
    name parent param params variable variables apply init init_with_output bind unbind setup
    scope path is_initializing make_rng sow perturb tabulate module_paths lazy_init clone copy
    is_mutable_collection has_variable has_rng put_variable get_variable
    trainable num_parameters chosen terms flax SymbolicZero
    """.split()  # noqa: SIM905  # a word list, as written
)


def identifiers(source: CodegenSource) -> Names:
    """The entry's functions NAME and NAME_derivative and its Flax module Name (and _NAME_primal,
    _NAME_jvp, which no parameter can shadow: parameter names start with a letter)."""
    name = mangle(source.name, PYTHON_NAMES)
    camel = mangle(camel_case(source.name), PYTHON_NAMES | {name})
    taken = PYTHON_NAMES | FLAX_NAMES | {camel} | {f"{n}_dot" for n, _, _ in source.params}
    return name_params(source, name, taken, camel)


_JAX_HELPERS: Final = {
    "_tangent": '''
def _tangent(terms, y):
    """The sum of the tangent terms, as an array of y's shape and type (zeros if none)."""
    total = sum(terms[1:], terms[0]) if terms else jnp.zeros_like(y)
    return jnp.broadcast_to(total, jnp.shape(y)).astype(y.dtype)
''',
    "_trainable": '''
def _trainable(trainable, names):
    """The names chosen by ``trainable``: True (all), False (none), or a name or names."""
    if trainable is True or trainable is False:
        return set(names) if trainable else set()
    chosen = {trainable} if isinstance(trainable, str) else set(trainable)
    unknown = sorted(chosen - set(names))
    if unknown:
        raise ValueError(f"no parameter {unknown[0]!r} (parameters: {', '.join(names)})")
    return chosen
''',
}


def _trainable_jax(source: CodegenSource, names: Names, p: Printed) -> list[str]:
    """The blocks of an entry with parameters: a custom JVP in x and every parameter (whose
    tangents are skipped when they are symbolic zeros), the function, and the Flax module."""
    name, idents = names.entry, names.idents
    kw = keyword_params(names)
    args = "".join(f", {n}" for n in idents)
    slopes = [
        ("x_dot", p.derivative),
        *((f"{n}_dot", d) for n, d in zip(idents, p.partials, strict=True)),
    ]
    terms = "".join(
        f"\n    if not isinstance({t}, SymbolicZero):\n        terms.append({paren(d)} * {t})"
        for t, d in slopes
    )
    dots = ", ".join(t for t, _ in slopes)
    blocks = [
        f"""
@jax.custom_jvp
def _{name}_primal(x{args}):
    return {p.forward}
""",
        f"""
def _{name}_jvp(primals, tangents):
    x{args} = primals
    {dots} = tangents
    y = _{name}_primal(x{args})
    terms = []{terms}
    return y, _tangent(terms, y)
""",
        f"""
_{name}_primal.defjvp(_{name}_jvp, symbolic_zeros=True)
""",
        f'''
def {name}(x{kw}):
    """{source.title}, with a custom JVP in x and in every parameter.

    Each parameter is a Python number or an array that broadcasts against x (one value per
    channel: the last axis); jax.grad, jit and vmap differentiate it as they do x.
    """
    return _{name}_primal(x{args})
''',
    ]
    every = {n for n, _, _ in names.params}
    if set(source.trainable) >= every:
        trainable = "True"
    elif source.trainable:
        chosen = [ident for n, ident, _ in names.params if n in source.trainable]
        trainable = (
            "(" + ", ".join(f'"{c}"' for c in chosen) + ("," if len(chosen) == 1 else "") + ")"
        )
    else:
        trainable = "False"
    quoted = "(" + ", ".join(f'"{n}"' for n in idents) + ("," if len(idents) == 1 else "") + ")"
    fields = "".join(f"\n        {n}: float = {v!r}" for _, n, v in names.params)
    learned = "".join(
        f"""
            {n} = (
                self.param("{n}", lambda key, n=self.num_parameters: jnp.full((n,), self.{n}))
                if "{n}" in chosen
                else self.{n}
            )"""
        for n in idents
    )
    passed = ", ".join(f"{n}={n}" for n in idents)
    blocks.append(
        f'''
try:
    import flax.linen
except ImportError:  # Flax is optional: without it, the functions above are all there is
    pass
else:

    class {names.camel}(flax.linen.Module):
        """{source.title}, as a Flax module.

        ``trainable`` is True (every parameter), False (none) or the names of the parameters
        to train: each is a ``self.param`` of ``num_parameters`` values (one per channel, the
        last axis of the input), starting at its value.
        """
{fields}
        trainable: object = {trainable}
        num_parameters: int = 1

        @flax.linen.compact
        def __call__(self, x):
            chosen = _trainable(self.trainable, {quoted}){learned}
            return {name}(x, {passed})
'''
    )
    return blocks


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
    if idents:
        used = p.used | {"_tangent", "_trainable"}
        blocks = helpers(array_helpers("jnp"), used)
        blocks.extend(helpers(_JAX_HELPERS, used))
        blocks.extend(_trainable_jax(source, names, p))
        blocks.append(
            f'''
def {name}_derivative(x{kw}):
    """f'(x), elementwise."""
    return {p.derivative}
'''
        )
        imports = [i for i in imports if i not in ("import functools", "")]
        imports.append("from jax.custom_derivatives import SymbolicZero")
        return python_file(source, names, "jax", imports, blocks)
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
