"""The PyTorch target: a printer with torch.where branches, and a module with an
autograd.Function (hand-written backward for the input and for every parameter), a function and
an nn.Module whose parameters can be trained (docs/ARCHITECTURE.md, "Generated code that
trains")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

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
    python_file,
)
from actderiv.codegen.source import CodegenSource

#: The keyword arguments of a generated nn.Module besides the parameters.
MODULE_KEYWORDS: Final = frozenset({"trainable", "num_parameters", "inplace"})
#: The locals of the generated functions besides those every Python target has.
TORCH_LOCALS: Final = frozenset({"chosen", "tensors", "grads", "v"})


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

    can_mask = True

    def _condition(self, cond: Any) -> str:
        printed = str(self._print(cond))
        if cond.has(self.var):
            return printed
        self.used.add("_tensor")  # in the parameters alone: a bool or a tensor of bools
        return f"_tensor({printed}, {self.var_name})"

    def _select(self, cond: str, value: str, otherwise: str) -> str:
        return f"torch.where({cond}, {value}, {otherwise})"

    def _branch_value(self, value: sp.Expr) -> str:
        # torch.where of two Python numbers would give the default dtype (float32)
        return self._print(value) if value.has(self.var) else self._full(value)

    def _full(self, expr: sp.Expr) -> str:
        if not self.varies(expr):
            return f"torch.full_like({self.var_name}, {self._print(expr)})"
        self.used.add("_full_like")  # a parameter may be a number or a (per-channel) tensor
        return f"_full_like({self.var_name}, {self._print(expr)})"

    def _parameter_array(self, expr: sp.Expr) -> str:
        # torch's functions take tensors only, and a parameter may be a Python number
        self.used.add("_tensor")
        return f"_tensor({self._print(expr)}, {self.var_name})"


_TORCH_HELPERS: Final = {
    "_tensor": '''
def _tensor(value, like):
    """A value of the parameters as a tensor (Python numbers too) on the device of ``like``."""
    if isinstance(value, torch.Tensor):
        return value
    dtype = torch.bool if isinstance(value, bool) else like.dtype
    return torch.tensor(value, dtype=dtype, device=like.device)
''',
    "_full_like": '''
def _full_like(like, value):
    """``value`` (a number, or a tensor of parameters) broadcast to the shape of ``like``."""
    if isinstance(value, torch.Tensor):
        return torch.zeros_like(like) + value
    return torch.full_like(like, value)
''',
    "_sum_to": '''
def _sum_to(grad, like):
    """``grad`` summed over the dimensions along which ``like`` was broadcast."""
    return grad if grad.shape == like.shape else grad.sum_to_size(like.shape)
''',
    "_restore": '''
def _restore(numbers, tensors):
    """The parameters in order: the saved tensors where ``numbers`` holds None."""
    rest = iter(tensors)
    return [next(rest) if n is None else n for n in numbers]
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
    "_parameter": '''
def _parameter(value, num_parameters):
    """A trainable parameter: ``num_parameters`` copies of a number, or a copy of a tensor."""
    if isinstance(value, torch.Tensor):
        return torch.nn.Parameter(value.detach().clone())
    return torch.nn.Parameter(torch.full((num_parameters,), float(value)))
''',
    "_channels": '''
def _channels(value, x):
    """A per-channel parameter shaped to broadcast along dimension 1 of ``x`` (as nn.PReLU)."""
    if isinstance(value, torch.Tensor) and value.dim() == 1 and value.numel() > 1 and x.dim() > 1:
        return value.view(-1, *([1] * (x.dim() - 2)))
    return value
''',
    "_describe": '''
def _describe(module, names):
    """The parameters' values for extra_repr, a trainable one marked so."""
    parts = []
    for name in names:
        value = getattr(module, name)
        if isinstance(value, torch.Tensor):
            values = value.detach().flatten().tolist()
            shown = [f"{v:.6g}" for v in values[:8]] + (["..."] if len(values) > 8 else [])
            text = shown[0] if len(values) == 1 else f"[{', '.join(shown)}]"
            trained = " (trainable)" if isinstance(value, torch.nn.Parameter) else ""
            parts.append(f"{name}={text}{trained}")
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)
''',
}


def identifiers(source: CodegenSource) -> Names:
    """The entry's function NAME, its nn.Module Name and its autograd.Function NameFunction
    (which NAME calls, where the parameters are locals). The module keeps each parameter as an
    attribute of its own name, beside ``trainable``, ``num_parameters`` and ``inplace``."""
    name = mangle(source.name, PYTHON_NAMES)
    camel = mangle(camel_case(source.name), PYTHON_NAMES)
    own = {camel, f"{camel}Function"}
    taken = PYTHON_NAMES | TORCH_ATTRIBUTES | MODULE_KEYWORDS | TORCH_LOCALS | own
    return name_params(source, name, taken, camel)


def torch_file(source: CodegenSource, names: Names, p: Printed) -> str:
    if not names.params:
        return _plain_file(source, names, p)
    return _trainable_file(source, names, p)


def _unpack(names: list[str], code: str, value: str) -> str:
    """``a, _, c = value``: the parameters that ``code`` uses (``_`` for the others), or nothing
    when it uses none."""
    if not any(mentions(code, n) for n in names):
        return ""
    targets = ", ".join(n if mentions(code, n) else "_" for n in names)
    return f"\n        {f'({targets},)' if len(names) == 1 else targets} = {value}"


def _quoted(names: list[str]) -> str:
    """``("a", "b")``, as ruff format writes a tuple of strings."""
    return "(" + ", ".join(f'"{n}"' for n in names) + (",)" if len(names) == 1 else ")")


def _trainable_file(source: CodegenSource, names: Names, p: Printed) -> str:
    name, camel, idents = names.entry, names.camel, names.idents
    title = source.title
    kw = keyword_params(names)
    args = "".join(f", {n}" for n in idents)
    values = f"({idents[0]},)" if len(idents) == 1 else f"({', '.join(idents)})"
    output_only = p.backward is not None
    first = 2 if output_only else 1  # the index of the first parameter in apply's arguments
    used = set(p.used) | {"_sum_to", "_restore", "_trainable", "_parameter", "_channels"}
    used |= {"_describe"}
    blocks = helpers(array_helpers("torch"), frozenset(used))
    blocks.extend(helpers(_TORCH_HELPERS, frozenset(used)))
    grads = "".join(
        f"\n        if ctx.needs_input_grad[{i}]:"
        f"\n            grads[{i}] = _sum_to(grad_out * {paren(d)}, {n})"
        for i, (n, d) in enumerate(zip(idents, p.partials, strict=True), start=first)
    )
    x_code = " ".join([p.derivative, *idents])  # each parameter's gradient is summed to its shape
    inplace_arg = ", inplace" if output_only else ""
    x_backward = f"""
        x, *tensors = ctx.saved_tensors{_unpack(idents, x_code, "_restore(ctx.numbers, tensors)")}
        grads = [None] * {first + len(idents)}
        if ctx.needs_input_grad[0]:
            grads[0] = _sum_to(grad_out * {paren(p.derivative)}, x){grads}
        return tuple(grads)"""
    x_save = f"""ctx.save_for_backward(x, *(v for v in {values} if isinstance(v, torch.Tensor)))
        ctx.numbers = [None if isinstance(v, torch.Tensor) else v for v in {values}]"""
    if p.backward is not None:
        x_save_inner = x_save.replace("\n        ", "\n            ")
        nones = "".join(", None" for _ in idents)
        y_params = _unpack(idents, p.backward, "ctx.numbers").replace("\n", "\n    ")
        doc = f'''"""{title}.

    Its backward for x needs only the output: while every parameter is a Python number, forward
    saves y, not x, and may overwrite its input (inplace=True). A tensor parameter, whose
    gradient needs x, makes it save x and ignore inplace."""'''
        forward = f"""
        y = {p.forward}
        ctx.by_output = not any(isinstance(v, torch.Tensor) for v in {values})
        if ctx.by_output:
            if inplace:
                ctx.mark_dirty(x)
                y = x.copy_(y)
            ctx.save_for_backward(y)
            ctx.numbers = {values}
        else:
            {x_save_inner}
        return y"""
        backward = f"""
        if ctx.by_output:
            (y,) = ctx.saved_tensors{y_params}
            return grad_out * {paren(p.backward)}, None{nones}{x_backward}"""
    else:
        doc = f'''"""{title}.

    Its backward needs the input, so forward saves x (and the parameters that are tensors)."""'''
        forward = f"""
        {x_save}
        return {p.forward}"""
        backward = x_backward
    blocks.append(
        f"""
class {camel}Function(torch.autograd.Function):
    {doc}

    @staticmethod
    def forward(ctx, x{inplace_arg}{args}):{forward}

    @staticmethod
    def backward(ctx, grad_out):{backward}
"""
    )
    kw_inplace = f"{kw}, inplace=False" if output_only else kw
    pass_inplace = ", inplace=self.inplace" if output_only else ""
    blocks.append(
        f'''
def {name}(x{kw_inplace}):
    """{title}, with a hand-written backward.

    Each parameter is a Python number or a tensor that broadcasts against x (a scalar, or one
    value per channel); a tensor that requires grad gets its gradient, summed over the
    dimensions along which it was broadcast.
    """
    return {camel}Function.apply(x{inplace_arg}{args})
'''
    )
    every = {n for n, _, _ in names.params}
    if set(source.trainable) >= every:
        trainable = "True"
    elif source.trainable:
        trainable = _quoted([ident for n, ident, _ in names.params if n in source.trainable])
    else:
        trainable = "False"
    attrs = "".join(
        f'\n        self.{n} = _parameter({n}, num_parameters) if "{n}" in chosen else {n}'
        for n in idents
    )
    passed = "".join(f", {n}=_channels(self.{n}, x)" for n in idents)
    extra_inplace = ' + f", inplace={self.inplace}"' if output_only else ""
    init_inplace = ", inplace=False" if output_only else ""
    set_inplace = "\n        self.inplace = inplace" if output_only else ""
    blocks.append(
        f'''
class {camel}(torch.nn.Module):
    """{title}, as a module.

    ``trainable`` is True (every parameter), False (none) or the names of the parameters to
    train: each becomes a torch.nn.Parameter of ``num_parameters`` values (one per channel,
    dimension 1 of the input, as in nn.PReLU), starting at its value.
    """

    def __init__(self{kw}, trainable={trainable}, num_parameters=1{init_inplace}):
        super().__init__()
        chosen = _trainable(trainable, {_quoted(idents)}){attrs}{set_inplace}

    def forward(self, x):
        return {name}(x{passed}{pass_inplace})

    def extra_repr(self):
        return _describe(self, {_quoted(idents)}){extra_inplace}
'''
    )
    return python_file(source, names, "torch", [*math_import(p.used), "import torch"], blocks)


def _plain_file(source: CodegenSource, names: Names, p: Printed) -> str:
    """An entry without parameters: the autograd.Function, the function and the module."""
    name, camel = names.entry, names.camel
    blocks = helpers(array_helpers("torch"), p.used)
    blocks.extend(helpers(_TORCH_HELPERS, p.used))
    if p.backward is not None:
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs only the output, so forward saves y, not x,
    and may overwrite its input (inplace=True)."""

    @staticmethod
    def forward(ctx, x, inplace):
        y = {p.forward}
        if inplace:
            ctx.mark_dirty(x)
            y = x.copy_(y)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors
        return grad_out * {paren(p.backward)}, None
'''
        )
        blocks.append(
            f'''
def {name}(x, *, inplace=False):
    """{source.title}, with a hand-written backward that uses only the output."""
    return {camel}Function.apply(x, inplace)
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def __init__(self, *, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return {name}(x, inplace=self.inplace)
"""
        )
    else:
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs the input, so forward saves x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return {p.forward}

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * {paren(p.derivative)}
'''
        )
        blocks.append(
            f'''
def {name}(x):
    """{source.title}, with a hand-written backward."""
    return {camel}Function.apply(x)
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def forward(self, x):
        return {name}(x)
"""
        )
    return python_file(source, names, "torch", [*math_import(p.used), "import torch"], blocks)
