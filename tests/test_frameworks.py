"""``actderiv verify --against torch|jax``: the catalog against torch.nn.functional and jax.nn.

The torch tests run whenever torch is installed and the JAX tests whenever jax is; CI installs
both and sets ACTDERIV_REQUIRE_TORCH=1 and ACTDERIV_REQUIRE_JAX=1, so that they never skip there.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from actderiv import api, frameworks
from actderiv.cli._base import ExitStatus
from actderiv.frameworks.compare import Truth, point_mismatches
from actderiv.frameworks.record import json_number

CATALOG = api.load_catalog()
TORCH_ENTRIES = [spec.name for spec in CATALOG if spec.torch]

Run = Callable[..., Result]

# ELU written with CELU's formula, alpha = 2: PyTorch's elu(x, alpha=2.0) is 2(e^x - 1) for
# x <= 0, not 2(e^(x/2) - 1). The confusion is easy to make; the comparison must catch it.
ELU_AS_CELU = """\
[activations.elu]
title = "ELU, written with CELU's formula"
expr = "x if x > 0 else alpha*(exp(x/alpha) - 1)"
params = { alpha = 2.0 }
tags = ["pytorch"]
torch = "elu"
"""
# The right ELU formula with alpha = 1.5: jax.nn.elu is called at JAX's default alpha = 1.
ELU_WRONG_ALPHA = """\
[activations.elu]
title = "ELU with a default that is not JAX's"
expr = "x if x > 0 else alpha*(exp(x) - 1)"
params = { alpha = 1.5 }
tags = ["jax"]
"""


def _catalog(tmp_path: Path, text: str) -> str:
    path = tmp_path / "user.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def _json(result: Result) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(result.stdout)
    return value


# --- the mapping tables ------------------------------------------------------------------------


def test_every_jax_mapping_names_a_catalog_key() -> None:
    assert set(frameworks.JAX_FUNCTIONS) <= set(CATALOG.keys)


def test_every_entry_tagged_jax_has_a_jax_counterpart() -> None:
    tagged = {spec.name for spec in CATALOG.with_tag("jax")}
    assert tagged <= set(frameworks.JAX_FUNCTIONS)


def test_every_jax_mapping_names_a_jax_nn_function(jax: Any) -> None:
    missing = [name for name, _ in frameworks.JAX_FUNCTIONS.values() if not hasattr(jax.nn, name)]
    assert missing == []


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("gelu", "jax.nn.gelu(x, approximate=False)"),
        ("gelu_tanh", "jax.nn.gelu(x)"),
        ("softsign", "jax.nn.soft_sign(x)"),
        ("threshold", None),
    ],
)
def test_jax_calls(name: str, call: str | None) -> None:
    assert frameworks.jax_call_text(CATALOG.require(name)) == call


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("elu", "torch.nn.functional.elu(x, alpha=1.0)"),
        ("gelu_tanh", "torch.nn.functional.gelu(x, approximate='tanh')"),
        ("prelu", "torch.nn.functional.prelu(x, weight=tensor([0.25]))"),
        ("selu", "torch.nn.functional.selu(x)"),
        ("threshold", "torch.nn.functional.threshold(x, 1.0, 0.0)"),
        ("swish", None),
    ],
)
def test_torch_calls(name: str, call: str | None) -> None:
    assert frameworks.torch_call_text(CATALOG.require(name)) == call


def test_an_entry_without_a_torch_name_has_no_torch_function() -> None:
    assert frameworks.torch_function(CATALOG.require("swish")) is None


def test_a_framework_that_returns_nan_or_inf_where_f_is_finite_overflows() -> None:
    truth = Truth(f=lambda x: 1.0, df=lambda x: 0.5, kinks=())
    found = point_mismatches([1.0, 2.0], [math.inf, 1.0], [0.5, math.nan], truth)
    assert [(m.kind, m.x) for m in found] == [("overflow", 1.0), ("overflow", 2.0)]
    assert found[0].detail == "f is finite but the framework gives inf"
    assert found[1].detail == "f' is finite but the framework gives nan"


def test_non_finite_numbers_are_strings_in_json() -> None:
    assert [json_number(v) for v in (math.nan, math.inf, -math.inf, 1.5, None)] == [
        "nan",
        "inf",
        "-inf",
        1.5,
        None,
    ]


# --- PyTorch -----------------------------------------------------------------------------------


def test_the_shipped_catalog_agrees_with_torch(run: Run, torch: Any) -> None:
    result = run("--no-color", "verify", "--against", "torch", "--all")
    assert result.exit_code == ExitStatus.OK, result.stdout
    assert result.stderr == ""
    assert " 0 mismatches" in result.stdout
    for name in TORCH_ENTRIES:
        assert f"│ {name} " in result.stdout


def test_the_shipped_catalog_agrees_with_torch_json(run: Run, torch: Any) -> None:
    result = run("verify", "--against", "torch", "--all", "--json")
    assert result.exit_code == ExitStatus.OK
    data = _json(result)
    assert data["kind"] == "actderiv-framework-check"
    assert data["framework"] == "torch"
    assert data["version"] == torch.__version__
    assert data["tolerance"] == {"rel": 1e-7, "abs": 1e-12}
    summary = data["summary"]
    assert summary["mismatches"] == 0
    assert summary["by_kind"] == {"value": 0, "derivative": 0, "kink": 0, "overflow": 0}
    assert summary["checked"] == len(TORCH_ENTRIES)
    assert summary["skipped"] == len(CATALOG) - len(TORCH_ENTRIES)
    assert summary["points"] >= 200 * len(TORCH_ENTRIES)
    checked = [r for r in data["results"] if r["status"] != "skipped"]
    assert [r["name"] for r in checked] == TORCH_ENTRIES
    assert {r["status"] for r in checked} == {"ok"}
    # The catalog records PyTorch's value at every kink; autograd returns exactly that.
    kinks = [k for r in checked for k in r["kinks"]]
    assert kinks
    assert all(k["ok"] and k["got"] == pytest.approx(k["recorded"], rel=1e-7) for k in kinks)


def test_an_entry_that_disagrees_with_torch_is_reported(
    run: Run, torch: Any, tmp_path: Path
) -> None:
    path = _catalog(tmp_path, ELU_AS_CELU)
    result = run("--catalog", path, "verify", "--against", "torch", "--all", "--json")
    assert result.exit_code == ExitStatus.VERIFY_FAILED
    [entry] = _json(result)["results"]
    assert entry["status"] == "mismatch"
    kinds = {m["kind"] for m in entry["mismatches"]}
    assert kinds == {"value", "derivative", "kink"}
    # ELU and this formula agree for x > 0, and both saturate at -2 by x = -100.
    assert all(-100 < m["x"] <= 0 for m in entry["mismatches"])
    [kink] = entry["kinks"]
    assert kink == {
        "x": 0.0,
        "left": 1.0,
        "right": 1.0,
        "as_written": 1.0,
        "recorded": 1.0,
        "got": 2.0,
        "choice": "outside",
        "ok": False,
    }
    terminal = run("--no-color", "--catalog", path, "verify", "--against", "torch", "elu")
    assert terminal.exit_code == ExitStatus.VERIFY_FAILED
    assert "MISMATCH" in terminal.stdout
    assert "247 mismatches" in terminal.stdout
    assert "mismatches not shown (--json lists all)" in terminal.stdout


def test_entries_without_a_torch_function_are_skipped(run: Run, torch: Any) -> None:
    result = run("verify", "--against", "torch", "swish", "relu", "--json")
    assert result.exit_code == ExitStatus.OK
    data = _json(result)
    assert data["summary"]["skipped"] == 1
    assert [(r["name"], r["status"], r["skipped"]) for r in data["results"]] == [
        ("swish", "skipped", "no torch.nn.functional counterpart"),
        ("relu", "ok", None),
    ]


# --- JAX ---------------------------------------------------------------------------------------


def test_the_shipped_catalog_agrees_with_jax(run: Run, jax: Any) -> None:
    result = run("--no-color", "verify", "--against", "jax", "--all")
    assert result.exit_code == ExitStatus.OK, result.stdout
    assert result.stderr == ""
    assert " 0 mismatches" in result.stdout
    assert "note: leaky_relu: at x = 0 JAX gives 1 (right: left 0.01, right 1)" in result.stdout


def test_the_shipped_catalog_agrees_with_jax_json(run: Run, jax: Any) -> None:
    result = run("verify", "--against", "jax", "--all", "--json")
    assert result.exit_code == ExitStatus.OK
    data = _json(result)
    assert data["framework"] == "jax"
    assert data["version"] == jax.__version__
    assert data["summary"]["mismatches"] == 0
    assert data["summary"]["checked"] == len(frameworks.JAX_FUNCTIONS)
    by_name = {r["name"]: r for r in data["results"]}
    # Where JAX picks another subgradient than the catalog's formula, that is a note, not a
    # mismatch: the catalog makes no claim about JAX's value at a kink.
    choices = {
        name: [(k["x"], k["got"], k["choice"]) for k in by_name[name]["kinks"]]
        for name in ("relu", "leaky_relu", "hardtanh", "sparse_sigmoid")
    }
    assert choices == {
        "relu": [(0.0, 0.0, "as written")],
        "leaky_relu": [(0.0, 1.0, "right")],
        "hardtanh": [(-1.0, 1.0, "right"), (1.0, 1.0, "left")],
        "sparse_sigmoid": [(-1.0, 0.25, "between"), (1.0, 0.25, "between")],
    }
    assert all(k["recorded"] is None for r in by_name.values() for k in r["kinks"])


def test_a_default_that_is_not_jaxs_is_reported(run: Run, jax: Any, tmp_path: Path) -> None:
    path = _catalog(tmp_path, ELU_WRONG_ALPHA)
    result = run("--catalog", path, "verify", "--against", "jax", "elu", "--json")
    assert result.exit_code == ExitStatus.VERIFY_FAILED
    [entry] = _json(result)["results"]
    assert entry["call"] == "jax.nn.elu(x)"
    assert {m["kind"] for m in entry["mismatches"]} == {"value", "derivative"}
    assert all(m["x"] < 0 for m in entry["mismatches"])
    # At 0 the one-sided derivatives are 1.5 and 1; JAX's 1 is one of them: a note only.
    assert entry["notes"] == [
        "at x = 0 JAX gives 1 (right: left 1.5, right 1), the formula as written 1.5"
    ]


# --- without the framework ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "message"),
    [
        ("torch", "Error: PyTorch is not installed: pip install 'actderiv[torch]'\n"),
        ("jax", "Error: JAX is not installed: pip install 'actderiv[jax]'\n"),
    ],
)
def test_a_missing_framework_is_one_line_and_a_usage_error(
    run: Run, monkeypatch: pytest.MonkeyPatch, framework: str, message: str
) -> None:
    monkeypatch.setitem(sys.modules, framework, None)  # `import torch` now fails
    result = run("verify", "--against", framework, "relu")
    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == message


def test_against_needs_names_or_all(run: Run) -> None:
    result = run("verify", "--against", "torch")
    assert result.exit_code == ExitStatus.USAGE
    assert "name one or more activations, or use --all (not both)" in result.stderr
