"""The PyTorch target: a printer with torch.where branches, and a module with an
autograd.Function (hand-written backward), a function and an nn.Module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from actderiv.codegen.printer import PY_SCALAR, Printer, array_table
from actderiv.codegen.rules import (
    PYTHON_NAMES,
    TORCH_ATTRIBUTES,
    Names,
    Printed,
    array_helpers,
    camel_case,
    helpers,
    keyword_params,
    mangle,
    math_import,
    mentions,
    name_params,
    paren,
    pass_params,
    python_file,
)
from actderiv.codegen.source import CodegenSource


class TorchPrinter(Printer):
    target = "torch"
    functions: Mapping[str, str] = array_table(
        "torch",
        asin="torch.asin",
        acos="torch.acos",
        atan="torch.atan",
        asinh="torch.asinh",
        acosh="torch.acosh",
        atanh="torch.atanh",
        erf="torch.erf",
        erfc="torch.erfc",
        sigmoid="torch.sigmoid",
    )
    scalar_functions = PY_SCALAR

    def _where(self, cond: Any, value: sp.Expr, otherwise: str) -> str:
        return f"torch.where({self._print(cond)}, {self._branch_value(value)}, {otherwise})"

    def _branch_value(self, value: sp.Expr) -> str:
        # torch.where of two Python numbers would give the default dtype (float32)
        return self._print(value) if value.has(self.var) else self._full(value)

    def _full(self, expr: sp.Expr) -> str:
        return f"torch.full_like({self.var_name}, {self._print(expr)})"


def identifiers(source: CodegenSource) -> Names:
    """The entry's function NAME, its nn.Module Name and its autograd.Function NameFunction
    (which NAME calls, where the parameters are locals). Parameters are also stored as
    attributes of the autograd context and of the module."""
    name = mangle(source.name, PYTHON_NAMES)
    camel = mangle(camel_case(source.name), PYTHON_NAMES)
    own = {camel, f"{camel}Function"}
    return name_params(source, name, PYTHON_NAMES | TORCH_ATTRIBUTES | own, camel)


def torch_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name = names.entry
    camel = names.camel
    idents = names.idents
    kw = keyword_params(names)
    args = "".join(f", {n}" for n in idents)
    nones = "".join(", None" for _ in idents)
    store = "".join(f"\n        ctx.{n} = {n}" for n in idents)
    slope = p.backward if p.backward is not None else p.derivative
    load = "".join(f"\n        {n} = ctx.{n}" for n in idents if mentions(slope, n))
    attrs = "".join(f"\n        self.{n} = {n}" for n in idents)
    blocks = helpers(array_helpers("torch"), p.used)
    if p.backward is not None:
        kw_inplace = f"{kw}, inplace=False" if kw else ", *, inplace=False"
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs only the output, so forward saves y, not x,
    and may overwrite its input (inplace=True)."""

    @staticmethod
    def forward(ctx, x, inplace{args}):
        y = {p.forward}
        if inplace:
            ctx.mark_dirty(x)
            y = x.copy_(y)
        ctx.save_for_backward(y){store}
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors{load}
        return grad_out * {paren(p.backward)}, None{nones}
'''
        )
        blocks.append(
            f'''
def {name}(x{kw_inplace}):
    """{source.title}, with a hand-written backward that uses only the output."""
    return {camel}Function.apply(x, inplace{args})
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def __init__(self{kw_inplace}):
        super().__init__(){attrs}
        self.inplace = inplace

    def forward(self, x):
        return {name}(x{pass_params(names, "self.")}, inplace=self.inplace)
"""
        )
    else:
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs the input, so forward saves x."""

    @staticmethod
    def forward(ctx, x{args}):
        ctx.save_for_backward(x){store}
        return {p.forward}

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors{load}
        return grad_out * {paren(p.derivative)}{nones}
'''
        )
        blocks.append(
            f'''
def {name}(x{kw}):
    """{source.title}, with a hand-written backward."""
    return {camel}Function.apply(x{args})
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def __init__(self{kw}):
        super().__init__(){attrs}

    def forward(self, x):
        return {name}(x{pass_params(names, "self.")})
"""
        )
    return python_file(source, names, "torch", [*math_import(p.used), "import torch"], blocks)
