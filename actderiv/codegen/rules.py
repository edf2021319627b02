"""What every target shares: the targets, the names generated code reserves, the provenance
header, identifier helpers, and the templates of the stable helpers and of a Python file."""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Final

import sympy as sp

from actderiv import __version__
from actderiv.codegen.source import CodegenSource
from actderiv.codegen.stable import EXP_CLIP
from actderiv.errors import CodegenError

#: The targets ``generate`` knows, in the order the CLI lists them.
TARGETS: Final = ("numpy", "torch", "jax", "c")

#: Names every generated Python module uses or depends on, which no generated identifier may
#: take: keywords, builtins (super, staticmethod, abs, …), the modules it imports, and the
#: arguments and locals of its functions.
PYTHON_NAMES: Final = frozenset(
    {*keyword.kwlist, *(n for n in dir(builtins) if not n.startswith("_"))}
    | {"np", "math", "torch", "jax", "jnp", "functools", "scipy"}
    | {"x", "y", "grad_out", "ctx", "self", "inplace", "primals", "tangents", "x_dot"}
)

#: What the generated torch code must not replace when it stores a parameter as ``ctx.NAME``
#: (an autograd context) or ``self.NAME`` (a ``torch.nn.Module``); listed from torch 2.
TORCH_ATTRIBUTES: Final = frozenset(
    """
    apply apply_boxed apply_jvp dirty_tensors mark_dirty mark_non_differentiable
    mark_shared_storage materialize_grads maybe_clear_saved_tensors metadata name
    needs_input_grad next_functions non_differentiable register_hook register_prehook
    requires_grad save_for_backward save_for_forward saved_for_forward saved_tensors
    saved_variables set_materialize_grads to_save
    T_destination add_module bfloat16 buffers call_super_init children compile cpu cuda double
    dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter
    get_submodule half ipu load_state_dict modules mtia named_buffers named_children
    named_modules named_parameters parameters register_backward_hook register_buffer
    register_forward_hook register_forward_pre_hook register_full_backward_hook
    register_full_backward_pre_hook register_load_state_dict_post_hook
    register_load_state_dict_pre_hook register_module register_parameter
    register_state_dict_post_hook register_state_dict_pre_hook requires_grad_ set_extra_state
    set_submodule share_memory state_dict to to_empty train training type xpu zero_grad
    """.split()  # noqa: SIM905  # a word list, as written
)

#: Names a generated C file uses or that <math.h> may define as macros (which no scope hides):
#: C99 keywords, the C99 <math.h> functions, its macros and the POSIX M_ constants, the
#: helpers, and the arguments of the generated functions.
C_NAMES: Final = frozenset(
    """
    auto break case char const continue default do double else enum extern float for goto if
    inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while bool true false
    acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 frexp
    ilogb ldexp log log10 log1p log2 logb modf scalbn scalbln cbrt fabs hypot pow sqrt erf erfc
    lgamma tgamma ceil floor nearbyint rint lrint llrint round lround llround trunc fmod
    remainder remquo copysign nan nextafter nexttoward fdim fmax fmin fma
    fpclassify isfinite isinf isnan isnormal signbit isgreater isgreaterequal isless
    islessequal islessgreater isunordered INFINITY NAN HUGE_VAL HUGE_VALF HUGE_VALL
    FP_INFINITE FP_NAN FP_NORMAL FP_SUBNORMAL FP_ZERO FP_FAST_FMA FP_FAST_FMAF FP_FAST_FMAL
    FP_ILOGB0 FP_ILOGBNAN MATH_ERRNO MATH_ERREXCEPT math_errhandling float_t double_t
    M_E M_LOG2E M_LOG10E M_LN2 M_LN10 M_PI M_PI_2 M_PI_4 M_1_PI M_2_PI M_2_SQRTPI M_SQRT2
    M_SQRT1_2 DOMAIN SING OVERFLOW UNDERFLOW TLOSS PLOSS
    actderiv_softplus actderiv_sigmoid actderiv_exp_clipped actderiv_sign x y grad
    """.split()  # noqa: SIM905  # a word list, as written
)

_IDENTIFIER: Final = r"[A-Za-z][A-Za-z0-9_]*"


@dataclass(frozen=True, slots=True)
class Printed:
    forward: str
    derivative: str
    backward: str | None
    used: frozenset[str]
    partials: tuple[str, ...] = ()
    """∂f/∂p of each parameter as an array in x, in the order of the parameters."""


@dataclass(frozen=True, slots=True)
class Names:
    """The identifiers of one generated file: the entry's, and each parameter's by its name in
    the catalog (the same name, unless it clashed with a name the target uses)."""

    entry: str
    params: tuple[tuple[str, str, float], ...]
    """(name in the catalog, identifier in the code, default) of each parameter, in order."""
    camel: str = ""

    @property
    def symbols(self) -> dict[str, str]:
        """Each parameter's identifier by its catalog name (what the printers write)."""
        return {name: ident for name, ident, _ in self.params}

    @property
    def idents(self) -> list[str]:
        return [ident for _, ident, _ in self.params]


def check_names(source: CodegenSource) -> None:
    """Refuse an entry or parameter name that is no plain ASCII identifier: such a name would
    reach the generated code as written."""
    for what, name in [
        ("entry name", source.name),
        *(("parameter name", n) for n, _, _ in source.params),
    ]:
        if re.fullmatch(_IDENTIFIER, name) is None:
            shown = name if len(name) <= 40 else name[:40] + "…"
            raise CodegenError(
                f"{what} {shown!r} cannot be used in generated code: it must be ASCII letters, "
                "digits and '_', starting with a letter"
            )


def mangle(name: str, taken: AbstractSet[str]) -> str:
    """``name``, with ``_`` appended until it is none of ``taken``."""
    while name in taken:
        name += "_"
    return name


def name_params(
    source: CodegenSource, entry: str, taken: AbstractSet[str], camel: str = ""
) -> Names:
    """The identifiers of ``source``'s parameters, each away from ``taken`` and from the others."""
    originals = {n for n, _, _ in source.params}
    params: list[tuple[str, str, float]] = []
    for n, _, v in source.params:
        others = (originals - {n}) | {ident for _, ident, _ in params}
        params.append((n, mangle(n, taken | others), v))
    return Names(entry=entry, params=tuple(params), camel=camel)


def formula_text(expr: sp.Expr | None) -> str:
    from actderiv.lang.unparse import to_formula

    if expr is None:
        return ""
    try:
        return to_formula(expr)
    except ValueError:
        return str(expr)


def header(source: CodegenSource, names: Names, target: str, comment: str) -> list[str]:
    lines = [
        f"{source.name} — {source.title}",
        f"f(x)  = {source.formula}",
        f"f'(x) = {formula_text(source.derivative)}",
    ]
    if source.backward is not None:
        lines.append(
            f"f'(x) = {formula_text(source.backward)}  in y = f(x): the backward needs only y"
        )
    else:
        lines.append("the backward needs the input x")
    if source.params:
        lines.append(
            "parameters: "
            + ", ".join(
                f"{n} = {literal(v)}" + (f" (argument {ident})" if ident != n else "")
                for n, ident, v in names.params
            )
        )
    lines.append(f"generated by actderiv {__version__} (target: {target}); do not edit")
    return [f"{comment} {line}".rstrip() for line in lines]


def literal(value: float) -> str:
    return repr(float(value))


def python_identifier(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def camel_case(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part) or "Activation"


def keyword_params(names: Names) -> str:
    """``, *, alpha=1.0, …`` for a signature (empty without parameters)."""
    if not names.params:
        return ""
    return ", *" + "".join(f", {n}={literal(v)}" for _, n, v in names.params)


def pass_params(names: Names, prefix: str = "") -> str:
    """``, alpha=alpha, …``: the parameters passed on by keyword."""
    return "".join(f", {n}={prefix}{n}" for n in names.idents)


def array_helpers(mod: str) -> dict[str, str]:
    """The stable helpers for NumPy (``mod = "np"``), torch (``"torch"``) or jax.numpy
    (``"jnp"``)."""
    clip = repr(EXP_CLIP)
    relu = "torch.clamp(u, min=0.0)" if mod == "torch" else f"{mod}.maximum(u, 0.0)"
    clipped = f"torch.clamp(u, max={clip})" if mod == "torch" else f"{mod}.minimum(u, {clip})"
    text = {
        "_softplus": '''
def _softplus(u):
    """log(1 + exp(u)) without overflow: max(u, 0) + log1p(exp(-|u|))."""
    return RELU + MOD.log1p(MOD.exp(-MOD.abs(u)))
''',
        "_sigmoid": '''
def _sigmoid(u):
    """1/(1 + exp(-u)) without overflow, from exp(-|u|) <= 1."""
    e = MOD.exp(-MOD.abs(u))
    return MOD.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
        "_sech": '''
def _sech(u):
    """1/cosh(u) without overflow."""
    e = MOD.exp(-MOD.abs(u))
    return 2.0 * e / (1.0 + e * e)
''',
        "_exp_clipped": '''
def _exp_clipped(u):
    """exp(u) for u <= CLIP: an exponential inside another function, which saturates."""
    return MOD.exp(CLIPPED)
''',
    }
    return {
        k: v.replace("RELU", relu)
        .replace("CLIPPED", clipped)
        .replace("CLIP", clip)
        .replace("MOD", mod)
        for k, v in text.items()
    }


def helpers(table: Mapping[str, str], used: frozenset[str]) -> list[str]:
    return [text.strip("\n") for name, text in table.items() if name in used]


def python_file(
    source: CodegenSource, names: Names, target: str, imports: list[str], blocks: list[str]
) -> str:
    """Header, imports, then top-level blocks two blank lines apart (as ruff format does)."""
    head = "\n".join(header(source, names, target, "#"))
    body = "\n\n\n".join(b.strip("\n") for b in blocks)
    text = f"{head}\n\n{chr(10).join(imports)}\n\n\n{body}\n"
    return "\n".join(line.rstrip() for line in text.split("\n"))


def math_import(used: frozenset[str]) -> list[str]:
    return ["import math"] if used & {"math", "_erf", "_erfc"} else []


def mentions(code: str, name: str) -> bool:
    """Whether the printed ``code`` uses the name ``name`` (so that no unused local is made)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code) is not None


def paren(code: str) -> str:
    return code if code.replace("_", "").replace(".", "").isalnum() else f"({code})"
