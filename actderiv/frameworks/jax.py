"""JAX: the jax.nn function of an entry, and its values and gradients (compiled, in float64)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from actderiv.frameworks.names import JAX_FUNCTIONS, import_framework

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec


def jax_function(spec: ActivationSpec) -> Callable[[Any], Any] | None:
    """The jax.nn function for the entry (see :data:`JAX_FUNCTIONS`), at JAX's defaults.

    Returns None when jax.nn has no counterpart of the entry.

    Raises:
        FrameworkNotInstalled: jax cannot be imported.
    """
    found = JAX_FUNCTIONS.get(spec.name)
    if found is None:
        return None
    jax = import_framework("jax")
    name, kwargs = found
    fn = getattr(jax.nn, name)
    options = dict(kwargs)
    return lambda x: fn(x, **options)


def jax_evaluate(fn: Callable[[Any], Any], xs: Sequence[float]) -> tuple[list[float], ...]:
    jax = import_framework("jax")
    jnp = importlib.import_module("jax.numpy")
    # float64 only inside this block: JAX's global default (float32) is left alone.
    with jax.enable_x64(True):
        x = jnp.asarray(list(xs), dtype=jnp.float64)
        # Compiled, as models run: f and f' of each point at once (one XLA compilation).
        y, grad = jax.jit(jax.vmap(jax.value_and_grad(fn)))(x)
        return [float(v) for v in y.tolist()], [float(g) for g in grad.tolist()]
