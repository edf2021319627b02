"""Which framework function each catalog entry maps to, and how a framework is imported.

Nothing here imports torch or jax: the call texts are built from the catalog alone, and
:func:`import_framework` loads a framework only when a comparison asks for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final, Literal

from actderiv.errors import ActderivError

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec

Framework = Literal["torch", "jax"]

#: The frameworks ``compare`` knows, with the extra that installs each.
FRAMEWORKS: Final[dict[str, str]] = {"torch": "PyTorch", "jax": "JAX"}

#: jax.nn functions by catalog key: (function name, keyword arguments). The entry's default
#: parameters must be JAX's defaults, since JAX is called at its own defaults. jax.nn.swish is
#: jax.nn.silu and jax.nn.hard_silu is jax.nn.hard_swish (the same objects), so one name each
#: is enough. Not elementwise, so not here: glu, softmax, log_softmax, logsumexp, logmeanexp,
#: standardize, one_hot. jax.nn.log1mexp (log(1 − e^−x), x > 0) has no catalog entry.
JAX_FUNCTIONS: Final[dict[str, tuple[str, tuple[tuple[str, bool], ...]]]] = {
    "relu": ("relu", ()),
    "relu6": ("relu6", ()),
    "leaky_relu": ("leaky_relu", ()),  # JAX's default negative_slope is 0.01, like PyTorch's
    "elu": ("elu", ()),
    "selu": ("selu", ()),
    "celu": ("celu", ()),
    "gelu": ("gelu", (("approximate", False),)),  # JAX's default is approximate=True
    "gelu_tanh": ("gelu", ()),
    "silu": ("silu", ()),
    "swish": ("swish", ()),  # the catalog's swish at its default beta = 1
    "mish": ("mish", ()),
    "sigmoid": ("sigmoid", ()),
    "tanh": ("tanh", ()),
    "softplus": ("softplus", ()),
    "softsign": ("soft_sign", ()),
    "hardtanh": ("hard_tanh", ()),
    "hardsigmoid": ("hard_sigmoid", ()),
    "hardswish": ("hard_swish", ()),
    "logsigmoid": ("log_sigmoid", ()),
    "identity": ("identity", ()),
    "squareplus": ("squareplus", ()),
    "sparse_plus": ("sparse_plus", ()),
    "sparse_sigmoid": ("sparse_sigmoid", ()),
}


class FrameworkNotInstalled(ActderivError, ImportError):
    """The framework a comparison needs is not installed; the message says how to install it."""

    def __init__(self, framework: str) -> None:
        self.framework = framework
        super().__init__(
            f"{FRAMEWORKS.get(framework, framework)} is not installed: "
            f"pip install 'actderiv[{framework}]'"
        )


def import_framework(framework: str) -> Any:
    try:
        return importlib.import_module(framework)
    except ImportError as exc:
        raise FrameworkNotInstalled(framework) from exc


def torch_kwargs(spec: ActivationSpec) -> dict[str, Any]:
    """The keyword arguments of the torch call: the entry's parameters and its torch_kwargs."""
    return {**spec.param_dict, **dict(spec.torch_kwargs)}


def torch_call_text(spec: ActivationSpec) -> str | None:
    """The torch call :func:`~actderiv.frameworks.torch.torch_function` makes, as text (None
    without a torch name)."""
    if spec.torch is None:
        return None
    params = spec.param_dict
    if spec.torch == "prelu":
        args = [f"weight=tensor([{params['a']!r}])"]
    elif spec.torch == "selu":
        args = []
    elif spec.torch == "threshold":
        args = [repr(params["threshold"]), repr(params["value"])]
    else:
        args = [f"{k}={v!r}" for k, v in torch_kwargs(spec).items()]
    return f"torch.nn.functional.{spec.torch}({', '.join(['x', *args])})"


def jax_call_text(spec: ActivationSpec) -> str | None:
    """The jax.nn call :func:`~actderiv.frameworks.jax.jax_function` makes, as text (None
    without a counterpart)."""
    found = JAX_FUNCTIONS.get(spec.name)
    if found is None:
        return None
    name, kwargs = found
    return f"jax.nn.{name}({', '.join(['x', *(f'{k}={v!r}' for k, v in kwargs)])})"


def framework_version(framework: str) -> str:
    return str(getattr(import_framework(framework), "__version__", "unknown"))
