"""Gradients through stacked layers: the bound from max|f'|, the verdict, and Gaussian gains."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import mpmath
import pytest
from click.testing import Result

from actderiv import api
from actderiv.engine.gradient import gradient_by_name, gradient_of_text

Run = Callable[..., Result]


def gradient(name: str, depth: int = 10) -> dict[str, object]:
    return gradient_by_name(api.load_catalog(), name, depth)


def gains(name: str) -> dict[str, float]:
    out = gradient(name)["gains"]
    assert isinstance(out, dict)
    return out


def test_sigmoid_vanishes_as_a_quarter_to_the_depth() -> None:
    g = gradient("sigmoid", 10)
    assert g["max_abs_derivative"] == {"value": "1/4", "at": "0"}
    assert g["bound"] == mpmath.nstr(mpmath.mpf(1) / 4**10, 6) == "9.53674e-7"
    assert g["verdict"] == "vanishes"
    assert g["method"] == "proved"
    assert gains("sigmoid")["mean"] == pytest.approx(0.5, abs=1e-12)  # σ(z) - 1/2 is odd


def test_relu_passes_or_blocks() -> None:
    g = gradient("relu", 50)
    assert g["slopes"] == ["0", "1"]
    assert g["bound"] == "1.0"
    assert g["verdict"] == "preserved"


def test_tanh_is_bounded_by_one() -> None:
    g = gradient("tanh", 7)
    assert g["max_abs_derivative"] == {"value": "1", "at": "0"}
    assert g["verdict"] == "preserved"
    assert g["slopes"] is None


def test_he_gain_of_relu() -> None:
    # He et al. 2015: E[relu'(z)^2] = E[relu(z)^2] = 1/2, so weights need variance 2/fan_in
    g = gains("relu")
    assert g["derivative_second_moment"] == pytest.approx(0.5, abs=1e-12)
    assert g["second_moment"] == pytest.approx(0.5, abs=1e-12)
    assert g["mean"] == pytest.approx(1 / math.sqrt(2 * math.pi), abs=1e-12)
    assert g["variance_preserving_gain"] == pytest.approx(math.sqrt(2), abs=1e-12)


def test_selu_fixed_point() -> None:
    # Klambauer et al. 2017: SELU's constants make mean 0, variance 1 a fixed point
    g = gradient("selu", 5)
    moments = g["gains"]
    assert isinstance(moments, dict)
    assert moments["mean"] == pytest.approx(0, abs=1e-6)
    assert moments["second_moment"] == pytest.approx(1, abs=1e-6)
    assert g["self_normalizing"] is True
    assert g["verdict"] == "can explode"  # max|f'| = λα ≈ 1.758 on the negative side


def test_elu_fixed_point_is_not_selu() -> None:
    g = gradient("elu")
    assert g["self_normalizing"] is False


def test_typed_formula() -> None:
    g = gradient_of_text("x if x > 0 else a*x", {"a": 0.5}, 3)
    assert g["slopes"] == ["1", "1/2"]
    assert g["verdict"] == "preserved"
    assert g["gains"]["derivative_second_moment"] == pytest.approx(0.625, abs=1e-12)  # type: ignore[index]


def test_depth_is_checked() -> None:
    with pytest.raises(ValueError, match="depth must be between 1 and 10000"):
        gradient("relu", 0)


def test_cli_json(run: Run) -> None:
    result = run("gradient", "sigmoid", "--depth", "3", "--json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["bound"] == "0.015625"
    assert out["verdict"] == "vanishes"
    assert out["depth"] == 3


def test_cli_table(run: Run) -> None:
    result = run("--no-color", "gradient", "sigmoid", "--depth", "10")
    assert result.exit_code == 0, result.stderr
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("╭─ sigmoid: gradient through 10 layers ─")
    assert "│ through 10 layers  |gradient| ≤ (1/4)^10 = 9.53674e-7   (unit weights)" in lines[2]
    assert lines[3].startswith("│ verdict            vanishes")


def test_cli_formula_with_param(run: Run) -> None:
    result = run("gradient", "x if x > 0 else a*(exp(x) - 1)", "-p", "a=1", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["verdict"] == "preserved"


def test_cli_bad_depth(run: Run) -> None:
    result = run("gradient", "relu", "--depth", "0")
    assert result.exit_code == 2
    assert "--depth" in result.stderr


def test_cli_formula_not_defined_everywhere(run: Run) -> None:
    result = run("gradient", "log(x)", "--formula")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: f is not real and finite on the whole real line: no gradient analysis\n"
    )
