"""The catalog against PyTorch and JAX: values, gradients and kink values at many points.

Each entry's definition and derivative are evaluated with mpmath (40 digits) at the entry's
default parameters and compared with the framework's float64 values and autograd gradients
(``torch.autograd`` / ``jax.grad``) on a fixed grid, at ±100, beside every breakpoint and at each
breakpoint itself. Nothing here is cached or printed; torch and jax are imported only when a
comparison asks for them (``pip install 'actderiv[torch]'`` / ``'actderiv[jax]'``).

Modules: :mod:`~actderiv.frameworks.names` (which framework function each entry maps to, and
the call as text, without importing either framework), :mod:`~actderiv.frameworks.torch` and
:mod:`~actderiv.frameworks.jax` (the functions and their autograd gradients),
:mod:`~actderiv.frameworks.compare` (the comparison) and :mod:`~actderiv.frameworks.record` (its
JSON object). Only this package imports torch and jax.

Pure: no printing, no click, no Rich.
"""

from actderiv.frameworks.compare import (
    ABS_TOL,
    POINTS,
    REL_TOL,
    Comparison,
    EntryComparison,
    KinkResult,
    Mismatch,
    compare,
)
from actderiv.frameworks.jax import jax_function
from actderiv.frameworks.names import (
    FRAMEWORKS,
    JAX_FUNCTIONS,
    FrameworkNotInstalled,
    jax_call_text,
    torch_call_text,
)
from actderiv.frameworks.record import SCHEMA_VERSION, comparison_record
from actderiv.frameworks.torch import torch_function

__all__ = [
    "ABS_TOL",
    "FRAMEWORKS",
    "JAX_FUNCTIONS",
    "POINTS",
    "REL_TOL",
    "SCHEMA_VERSION",
    "Comparison",
    "EntryComparison",
    "FrameworkNotInstalled",
    "KinkResult",
    "Mismatch",
    "compare",
    "comparison_record",
    "jax_call_text",
    "jax_function",
    "torch_call_text",
    "torch_function",
]
