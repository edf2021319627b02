"""The catalog against PyTorch: values, autograd away from kinks, and autograd at each kink.

Runs whenever torch is installed; CI installs it and sets ACTDERIV_REQUIRE_TORCH=1 so that a
missing torch fails instead of skipping.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import mpmath
import pytest

from actderiv import api, frameworks
from actderiv.catalog.model import ActivationSpec
from actderiv.lang.parse import X, number
from actderiv.numerics import compile_mp

CATALOG = api.load_catalog()
TORCH_ENTRIES = [spec for spec in CATALOG if spec.torch]
POINTS = [
    -30.0,
    -12.5,
    -7.1,
    -4.2,
    -3.3,
    -2.6,
    -1.9,
    -1.3,
    -0.77,
    -0.41,
    -0.13,
    -0.031,
    0.029,
    0.12,
    0.43,
    0.81,
    1.27,
    1.83,
    2.45,
    3.1,
    3.7,
    4.6,
    6.3,
    9.9,
    14.2,
    30.0,
]
REL = 1e-7


def torch_call(spec: ActivationSpec, x: Any) -> Any:
    """Apply the PyTorch function the entry names, at the entry's default parameters."""
    fn = frameworks.torch_function(spec)
    assert fn is not None, spec.name
    return fn(x)


def test_the_catalog_names_every_pytorch_activation() -> None:
    expected = {
        "relu",
        "relu6",
        "leaky_relu",
        "prelu",
        "rrelu",
        "elu",
        "selu",
        "celu",
        "gelu",
        "silu",
        "mish",
        "sigmoid",
        "tanh",
        "softplus",
        "softsign",
        "hardtanh",
        "hardsigmoid",
        "hardswish",
        "logsigmoid",
        "tanhshrink",
        "softshrink",
        "hardshrink",
        "threshold",
    }
    assert expected <= {spec.torch for spec in TORCH_ENTRIES}


@pytest.mark.parametrize("spec", TORCH_ENTRIES, ids=lambda s: s.name)
def test_definition_and_derivative_match_torch(spec: ActivationSpec, torch: Any) -> None:
    record = api.record(CATALOG, spec.name)
    d = api.derive(CATALOG, spec.name)
    defaults = {
        sym: number(value)
        for sym in d.expr.free_symbols - {X}
        for name, value in d.params
        if sym.name == name
    }
    f = compile_mp(d.expr.subs(defaults))
    g = compile_mp(d.derivative.subs(defaults))
    kinks = [float(Fraction(bp["x"])) for bp in record["breakpoints"]]
    points = [p for p in POINTS if all(abs(p - k) > 1e-6 for k in kinks)]
    x = torch.tensor(points, dtype=torch.float64, requires_grad=True)
    y = torch_call(spec, x)
    y.sum().backward()
    for i, p in enumerate(points):
        with mpmath.workdps(30):
            want_f, want_g = float(f({X: mpmath.mpf(p)})), float(g({X: mpmath.mpf(p)}))
        assert float(y[i]) == pytest.approx(want_f, rel=REL, abs=1e-12), f"f({p})"
        assert float(x.grad[i]) == pytest.approx(want_g, rel=REL, abs=1e-12), f"f'({p})"


@pytest.mark.parametrize("spec", TORCH_ENTRIES, ids=lambda s: s.name)
def test_the_value_at_each_kink_is_what_autograd_returns(spec: ActivationSpec, torch: Any) -> None:
    record = api.record(CATALOG, spec.name)
    for bp in record["breakpoints"]:
        assert bp["torch"] is not None, f"no PyTorch value at x = {bp['x']}"
        x = torch.tensor([float(Fraction(bp["x"]))], dtype=torch.float64, requires_grad=True)
        torch_call(spec, x).sum().backward()
        expected = float(Fraction(bp["torch"]))
        assert float(x.grad[0]) == pytest.approx(expected, rel=REL, abs=1e-12), bp
