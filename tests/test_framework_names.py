"""Every elementwise activation that PyTorch, JAX or Keras ships is findable in the catalog.

Lists as of torch 2.13 (torch.nn.functional), jax.nn 0.10 and Keras 3 (keras.activations);
multi-input functions (softmax, log_softmax, glu, standardize, ...) are not elementwise.
"""

from __future__ import annotations

import pytest

from actderiv import api

CATALOG = api.load_catalog()

TORCH = [
    "threshold",
    "relu",
    "hardtanh",
    "hardswish",
    "relu6",
    "elu",
    "selu",
    "celu",
    "leaky_relu",
    "prelu",
    "rrelu",
    "gelu",
    "logsigmoid",
    "hardshrink",
    "tanhshrink",
    "softsign",
    "softplus",
    "softshrink",
    "tanh",
    "sigmoid",
    "hardsigmoid",
    "silu",
    "mish",
]
JAX = [
    "relu",
    "relu6",
    "sigmoid",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "soft_sign",
    "silu",
    "swish",
    "log_sigmoid",
    "leaky_relu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "elu",
    "celu",
    "selu",
    "gelu",
    "squareplus",
    "mish",
    "identity",
    "tanh",
]
KERAS = [
    "celu",
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "mish",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "swish",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "tanh",
    "threshold",
]


@pytest.mark.parametrize("name", sorted(set(TORCH + JAX + KERAS)))
def test_framework_activation_is_in_the_catalog(name: str) -> None:
    assert CATALOG.get(name) is not None, f"{name} is not a key or alias"


def test_framework_defaults_that_differ_have_their_own_entries() -> None:
    assert CATALOG.require("keras_leaky_relu").param_dict == {"negative_slope": 0.2}
    assert CATALOG.require("leaky_relu").param_dict == {"negative_slope": 0.01}
    assert CATALOG.require("jax.nn.gelu").name == "gelu_tanh"  # JAX defaults to the tanh form
