"""Every elementwise activation of JAX, Flax, Keras 3, TensorFlow, MLX, PaddlePaddle and ONNX is
found by its fully qualified name, at its framework's documented defaults (issue 22;
docs/frameworks.md).

The tables below are each framework's list as its source defines it (jax 0.10.2, installed here;
the heads of the flax, keras (keras.activations and keras.ops), mlx and onnx repositories;
TensorFlow's nn_ops.py and math_ops.py; Paddle's nn/functional/activation.py): qualified name
(the framework's prefix + the function's name) → catalog key. Values are checked against jax.nn
itself, against torch where the entry is PyTorch's function, and against each framework's
documented formula transcribed below (the other frameworks are not installed here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import mpmath
import pytest
from click.testing import CliRunner, Result

from actderiv import api
from actderiv.catalog.load import load_catalog
from actderiv.catalog.model import FRAMEWORKS, qualified_names
from actderiv.cli import ExitStatus, cli
from actderiv.errors import CatalogErrors, UnknownActivationError

CATALOG = api.load_catalog()
ROOT = Path(__file__).parent.parent
Run = Callable[..., Result]

JAX: Final = {
    "celu": "celu",
    "elu": "elu",
    "gelu": "gelu_tanh",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "hard_tanh": "hardtanh",
    "identity": "identity",
    "leaky_relu": "leaky_relu",
    "log_sigmoid": "logsigmoid",
    "mish": "mish",
    "relu": "relu",
    "relu6": "relu6",
    "selu": "selu",
    "sigmoid": "sigmoid",
    "silu": "silu",
    "swish": "silu",
    "soft_sign": "softsign",
    "softplus": "softplus",
    "sparse_plus": "sparse_plus",
    "sparse_sigmoid": "sparse_sigmoid",
    "squareplus": "squareplus",
    "tanh": "tanh",
}
FLAX: Final = {  # flax.linen and flax.nnx re-export jax.nn; PReLU is a layer
    "celu": "celu",
    "elu": "elu",
    "gelu": "gelu_tanh",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "hard_tanh": "hardtanh",
    "leaky_relu": "leaky_relu",
    "log_sigmoid": "logsigmoid",
    "relu": "relu",
    "relu6": "relu6",
    "selu": "selu",
    "sigmoid": "sigmoid",
    "silu": "silu",
    "swish": "silu",
    "soft_sign": "softsign",
    "softplus": "softplus",
    "tanh": "tanh",
    "PReLU": "prelu_flax",
}
KERAS: Final = {
    "celu": "celu",
    "elu": "elu",
    "exponential": "exponential",
    "gelu": "gelu",
    "hard_shrink": "hardshrink",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "hard_tanh": "hardtanh",
    "leaky_relu": "keras_leaky_relu",
    "linear": "identity",
    "log_sigmoid": "logsigmoid",
    "mish": "mish",
    "relu": "relu",
    "relu6": "relu6",
    "selu": "selu",
    "sigmoid": "sigmoid",
    "silu": "silu",
    "swish": "silu",
    "soft_shrink": "softshrink",
    "softplus": "softplus",
    "softsign": "softsign",
    "sparse_plus": "sparse_plus",
    "sparse_sigmoid": "sparse_sigmoid",
    "squareplus": "squareplus",
    "tanh": "tanh",
    "tanh_shrink": "tanhshrink",
    "threshold": "threshold",
}
TF: Final = {
    "tf.nn.relu": "relu",
    "tf.nn.relu6": "relu6",
    "tf.nn.leaky_relu": "keras_leaky_relu",
    "tf.nn.elu": "elu",
    "tf.nn.selu": "selu",
    "tf.nn.gelu": "gelu",
    "tf.nn.silu": "swish",
    "tf.nn.swish": "swish",
    "tf.nn.sigmoid": "sigmoid",
    "tf.nn.tanh": "tanh",
    "tf.nn.softplus": "softplus",
    "tf.nn.softsign": "softsign",
    "tf.math.sigmoid": "sigmoid",
    "tf.math.tanh": "tanh",
    "tf.math.softplus": "softplus",
    "tf.math.log_sigmoid": "logsigmoid",
}
MLX: Final = {
    "celu": "celu",
    "elu": "elu",
    "gelu": "gelu",
    "gelu_approx": "gelu_tanh",
    "gelu_fast_approx": "quick_gelu",
    "hard_shrink": "hardshrink",
    "hard_tanh": "hardtanh",
    "hardswish": "hardswish",
    "leaky_relu": "leaky_relu",
    "log_sigmoid": "logsigmoid",
    "mish": "mish",
    "prelu": "prelu",
    "relu": "relu",
    "relu2": "squared_relu",
    "relu6": "relu6",
    "selu": "selu_mlx",
    "sigmoid": "sigmoid",
    "silu": "silu",
    "softplus": "softplus",
    "softshrink": "softshrink",
    "softsign": "softsign",
    "step": "binary_step",
    "tanh": "tanh",
}
PADDLE: Final = {
    "celu": "celu",
    "elu": "elu",
    "gelu": "gelu",
    "hardshrink": "hardshrink",
    "hardtanh": "hardtanh",
    "hardsigmoid": "hardsigmoid_paddle",
    "hardswish": "hardswish",
    "leaky_relu": "leaky_relu",
    "prelu": "prelu",
    "rrelu": "rrelu",
    "relu": "relu",
    "log_sigmoid": "logsigmoid",
    "relu6": "relu6",
    "selu": "selu",
    "silu": "silu",
    "softshrink": "softshrink",
    "softsign": "softsign",
    "swish": "silu",
    "mish": "mish",
    "tanhshrink": "tanhshrink",
    "thresholded_relu": "threshold",
    "sigmoid": "sigmoid",
    "tanh": "tanh",
    "softplus": "softplus",
}
ONNX: Final = {
    "Celu": "celu",
    "Elu": "elu",
    "Gelu": "gelu",
    "HardSigmoid": "hardsigmoid_onnx",
    "HardSwish": "hardswish",
    "LeakyRelu": "leaky_relu",
    "Mish": "mish",
    "PRelu": "prelu",
    "Relu": "relu",
    "Selu": "selu_onnx",
    "Shrink": "hardshrink",
    "Sigmoid": "sigmoid",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "Swish": "swish",
    "Tanh": "tanh",
    "ThresholdedRelu": "threshold",
}
KERAS_OPS: Final = {  # keras.ops: the same functions, but gelu defaults to approximate=True
    "relu": "relu",
    "relu6": "relu6",
    "sigmoid": "sigmoid",
    "sparse_sigmoid": "sparse_sigmoid",
    "softplus": "softplus",
    "softsign": "softsign",
    "soft_shrink": "softshrink",
    "sparse_plus": "sparse_plus",
    "silu": "silu",
    "swish": "silu",
    "squareplus": "squareplus",
    "log_sigmoid": "logsigmoid",
    "leaky_relu": "keras_leaky_relu",
    "hard_sigmoid": "hardsigmoid",
    "hard_silu": "hardswish",
    "hard_swish": "hardswish",
    "elu": "elu",
    "selu": "selu",
    "gelu": "gelu_tanh",
    "celu": "celu",
    "tanh_shrink": "tanhshrink",
    "hard_tanh": "hardtanh",
    "hard_shrink": "hardshrink",
    "threshold": "threshold",
    "tanh": "tanh",
}

#: torch.nn.functional: the entry at PyTorch's defaults (gelu_tanh is F.gelu, approximate="tanh";
#: keras_leaky_relu F.leaky_relu with Keras' slope: neither is PyTorch's default).
TORCH: Final = {
    name: name
    for name in [
        "celu",
        "elu",
        "gelu",
        "hardshrink",
        "hardsigmoid",
        "hardswish",
        "hardtanh",
        "leaky_relu",
        "logsigmoid",
        "mish",
        "prelu",
        "relu",
        "relu6",
        "rrelu",
        "selu",
        "sigmoid",
        "silu",
        "softplus",
        "softshrink",
        "softsign",
        "tanh",
        "tanhshrink",
        "threshold",
    ]
}

#: Every qualified name → catalog key.
NAMES: Final[dict[str, str]] = {
    **{f"torch.nn.functional.{k}": v for k, v in TORCH.items()},
    **{f"jax.nn.{k}": v for k, v in JAX.items()},
    **{f"flax.linen.{k}": v for k, v in FLAX.items()},
    **{f"flax.nnx.{k}": v for k, v in {**FLAX, "identity": "identity"}.items()},
    **{f"keras.activations.{k}": v for k, v in KERAS.items()},
    **{f"keras.ops.{k}": v for k, v in KERAS_OPS.items()},
    **TF,
    **{f"mlx.nn.{k}": v for k, v in MLX.items()},
    **{f"paddle.nn.functional.{k}": v for k, v in PADDLE.items()},
    **{f"onnx.{k}": v for k, v in ONNX.items()},
}
#: Qualified names that the catalog also has but that are not in the lists above.
OLDER: Final = {"tf.keras.activations.hard_sigmoid": "hard_sigmoid_keras2"}


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _elu(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * (math.exp(x) - 1)


def _clip(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


#: Each framework's function as its documentation or source states it, at its defaults.
DOCUMENTED: Final[dict[str, Callable[[float], float]]] = {
    "onnx.HardSigmoid": lambda x: max(0, min(1, 0.2 * x + 0.5)),
    "onnx.HardSwish": lambda x: x * max(0, min(1, x / 6 + 0.5)),
    "onnx.Selu": lambda x: 1.05070102214813232421875 * _elu(x, 1.67326319217681884765625),
    "onnx.Elu": lambda x: x if x >= 0 else 1.0 * (math.exp(x) - 1),
    "onnx.Celu": lambda x: max(0, x) + min(0, 1.0 * (math.exp(x / 1.0) - 1)),
    "onnx.LeakyRelu": lambda x: x if x >= 0 else 0.01 * x,
    "onnx.Shrink": lambda x: x + 0.0 if x < -0.5 else (x - 0.0 if x > 0.5 else 0.0),
    "onnx.ThresholdedRelu": lambda x: x if x > 1.0 else 0.0,
    "onnx.Swish": lambda x: x * _sigmoid(1.0 * x),
    "onnx.Softplus": lambda x: math.log(math.exp(x) + 1),
    "onnx.Gelu": lambda x: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    "onnx.Mish": lambda x: x * math.tanh(math.log1p(math.exp(x))),
    "paddle.nn.functional.hardsigmoid": lambda x: _clip(0.1666667 * x + 0.5, 0, 1),
    "paddle.nn.functional.hardswish": lambda x: (
        0 if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)
    ),
    "paddle.nn.functional.selu": lambda x: 1.0507009873554805 * _elu(x, 1.6732632423543772),
    "paddle.nn.functional.thresholded_relu": lambda x: x if x > 1.0 else 0.0,
    "paddle.nn.functional.hardtanh": lambda x: _clip(x, -1.0, 1.0),
    "paddle.nn.functional.rrelu": lambda x: x if x >= 0 else (1 / 8 + 1 / 3) / 2 * x,
    "paddle.nn.functional.softshrink": lambda x: (
        x - 0.5 if x > 0.5 else (x + 0.5 if x < -0.5 else 0)
    ),
    "mlx.nn.selu": lambda x: _elu(x, 1.67326) * 1.0507,
    "mlx.nn.gelu_approx": lambda x: (
        0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    ),
    "mlx.nn.gelu_fast_approx": lambda x: x * _sigmoid(1.702 * x),
    "mlx.nn.relu2": lambda x: max(x, 0) ** 2,
    "mlx.nn.step": lambda x: 1.0 if x >= 0.0 else 0.0,
    "mlx.nn.hard_shrink": lambda x: x if abs(x) > 0.5 else 0.0,
    "mlx.nn.leaky_relu": lambda x: max(0.01 * x, x),
    "mlx.nn.celu": lambda x: max(x, 0.0) + 1.0 * (math.exp(min(x, 0.0) / 1.0) - 1),
    "keras.activations.leaky_relu": lambda x: x if x >= 0 else 0.2 * x,
    "keras.activations.hard_sigmoid": lambda x: 0 if x <= -3 else (1 if x >= 3 else x / 6 + 0.5),
    "keras.activations.hard_silu": lambda x: 0 if x < -3 else (x if x > 3 else x * (x + 3) / 6),
    "keras.activations.sparse_sigmoid": lambda x: 0 if x <= -1 else (1 if x >= 1 else (x + 1) / 2),
    "keras.activations.squareplus": lambda x: (x + math.sqrt(x * x + 4)) / 2,
    "keras.activations.soft_shrink": lambda x: x - 0.5 if x > 0.5 else (x + 0.5 if x < -0.5 else 0),
    "keras.activations.gelu": lambda x: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    "keras.ops.gelu": lambda x: (
        0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    ),
    "keras.ops.leaky_relu": lambda x: x if x >= 0 else 0.2 * x,
    "tf.nn.leaky_relu": lambda x: x if x >= 0 else 0.2 * x,
    "tf.nn.gelu": lambda x: 0.5 * x * (1 + math.erf(x / 1.4142135623730951)),
    "tf.nn.silu": lambda x: x * _sigmoid(1.0 * x),
    "tf.nn.relu6": lambda x: min(max(x, 0), 6),
    "flax.linen.PReLU": lambda x: x if x >= 0 else 0.01 * x,
}

#: Sample points: both sides of every kink of the functions above, and the smooth parts.
POINTS: Final = (
    -7.0,
    -3.5,
    -2.75,
    -2.25,
    -1.2,
    -0.8,
    -0.3,
    0.0,
    0.3,
    0.8,
    1.2,
    2.25,
    2.75,
    3.5,
    7.0,
)


def _values(name: str, points: tuple[float, ...] = POINTS) -> list[float]:
    """The catalog entry called ``name``, evaluated at ``points`` (mpmath, 30 digits)."""
    from actderiv.engine.formula import CatalogResolver, formula_of
    from actderiv.lang.parse import X
    from actderiv.numerics import compile_mp, real_value

    formula = formula_of(CATALOG.require(name), CatalogResolver(CATALOG))
    f = compile_mp(formula.at_defaults(formula.expr))
    out = []
    with mpmath.workdps(30):
        for x in points:
            value = real_value(f, {X: mpmath.mpf(x)})
            assert value is not None, (name, x)
            out.append(float(value))
    return out


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_framework_name_finds_its_entry(name: str) -> None:
    assert CATALOG.require(name).name == NAMES[name]


@pytest.mark.parametrize(
    "name", ["ONNX.HARDSIGMOID", "Jax.NN.Gelu", "KERAS.activations.LEAKY_RELU"]
)
def test_a_framework_name_is_found_in_any_case_where_unambiguous(name: str) -> None:
    assert (
        CATALOG.require(name).name
        == NAMES[next(n for n in NAMES if n.casefold() == name.casefold())]
    )


def test_the_catalog_has_no_framework_name_the_tables_do_not_list() -> None:
    catalogued = {n: s.name for s in CATALOG for n in qualified_names(s.aliases)}
    assert catalogued == {**NAMES, **OLDER}


def test_every_framework_has_its_own_prefix_in_the_tables() -> None:
    found = {f for f in FRAMEWORKS if any(qualified_names(NAMES, f))}
    assert found == set(FRAMEWORKS)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_every_framework_name_cites_its_documentation(name: str) -> None:
    spec = CATALOG.require(name)
    authors = {
        "torch": "PyTorch",
        "jax": "JAX",
        "flax": "Flax",
        "keras": "Keras",
        "tensorflow": "TensorFlow",
        "mlx": "MLX",
        "paddle": "PaddlePaddle",
        "onnx": "ONNX",
    }[next(f for f in FRAMEWORKS if qualified_names([name], f))]
    assert any(r.authors == authors and r.link.startswith("https://") for r in spec.references)


def test_docs_frameworks_lists_every_framework_name_with_its_entry() -> None:
    text = (ROOT / "docs" / "frameworks.md").read_text(encoding="utf-8")
    rows = {
        cells[1].strip("` "): cells[2].strip("` ")
        for line in text.splitlines()
        if line.startswith("| `") and len(cells := line.split("|")) > 3
    }
    assert {n: rows.get(n) for n in NAMES} == NAMES


def test_framework_defaults_that_differ_from_pytorch_have_their_own_entries() -> None:
    assert CATALOG.require("onnx.HardSigmoid").param_dict == {"alpha": 0.2, "beta": 0.5}
    assert CATALOG.require("hardsigmoid").expr == "relu6(x + 3)/6"  # PyTorch: slope 1/6
    assert CATALOG.require("keras.activations.leaky_relu").param_dict == {"negative_slope": 0.2}
    assert CATALOG.require("tf.nn.leaky_relu").param_dict == {"negative_slope": 0.2}
    assert CATALOG.require("jax.nn.leaky_relu").param_dict == {"negative_slope": 0.01}
    assert CATALOG.require("jax.nn.gelu").name == "gelu_tanh"
    assert CATALOG.require("keras.activations.gelu").name == "gelu"  # approximate=False
    assert CATALOG.require("keras.ops.gelu").name == "gelu_tanh"  # approximate=True
    assert CATALOG.require("onnx.Selu").param_dict == {
        "alpha": 1.67326319217681884765625,
        "gamma": 1.05070102214813232421875,
    }
    assert CATALOG.require("paddle.nn.functional.hardsigmoid").param_dict["slope"] == 0.1666667


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_values_match_the_documented_formula(name: str) -> None:
    expected = [DOCUMENTED[name](x) for x in POINTS]
    assert _values(name) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_onnx_selu_differs_from_pytorch_selu_by_its_float32_constants() -> None:
    onnx, torch_like = _values("onnx.Selu"), _values("selu")
    assert onnx != pytest.approx(torch_like, rel=1e-10)
    assert onnx == pytest.approx(torch_like, rel=1e-6)


@pytest.mark.parametrize("name", sorted(n for n in NAMES if n.startswith("flax.")))
def test_flax_names_are_jax_nn_reexports_except_prelu(name: str) -> None:
    function = name.rsplit(".", 1)[1]
    if function == "PReLU":
        assert NAMES[name] == "prelu_flax"
    else:
        assert NAMES[name] == JAX[function]


@pytest.mark.parametrize(
    "name",
    sorted(n for n in NAMES if CATALOG.require(n).torch is not None and n not in DOCUMENTED)[::4],
)
def test_values_match_torch_where_the_entry_is_pytorchs(name: str, torch: Any) -> None:
    from actderiv.frameworks.torch import torch_function

    fn = torch_function(CATALOG.require(name))
    assert fn is not None
    got = fn(torch.tensor(POINTS, dtype=torch.float64)).tolist()
    assert _values(name) == pytest.approx(got, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", sorted(n for n in NAMES if n.startswith("torch.")))
def test_torch_names_match_torch_at_its_defaults(name: str, torch: Any) -> None:
    spec = CATALOG.require(name)
    fn = getattr(torch.nn.functional, name.removeprefix("torch.nn.functional."))
    x = torch.tensor(POINTS, dtype=torch.float64)
    if spec.name == "prelu":  # the slope is a required tensor; 0.25 is nn.PReLU's initial one
        got = fn(x, torch.tensor([0.25], dtype=torch.float64))
    elif spec.name == "threshold":  # threshold and value are required
        got = fn(x, 1.0, 0.0)
    else:
        got = fn(x)
    assert spec.torch == name.removeprefix("torch.nn.functional.")
    assert _values(name) == pytest.approx(got.tolist(), rel=1e-9, abs=1e-12)


# --- lookup: exact first, then ignoring case where one entry has the name ---------------------


def _catalog(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(body, encoding="utf-8")
    return path


_TWO_CASES = """
[activations.first]
title = "first"
expr = "x"
aliases = ["fw.nn.ReLU"]

[activations.second]
title = "second"
expr = "2*x"
aliases = ["fw.nn.relu"]
"""


def test_qualified_names_that_differ_in_case_alone_each_find_their_entry(tmp_path: Path) -> None:
    catalog = load_catalog(_catalog(tmp_path, _TWO_CASES))

    assert catalog.require("fw.nn.ReLU").name == "first"
    assert catalog.require("fw.nn.relu").name == "second"
    with pytest.raises(UnknownActivationError):
        catalog.require("FW.NN.RELU")  # ambiguous ignoring case: neither is guessed
    assert set(catalog.suggest("FW.NN.RELU")) == {"fw.nn.ReLU", "fw.nn.relu"}
    assert catalog.require("FIRST").name == "first"


def test_plain_names_that_differ_in_case_alone_are_refused(tmp_path: Path) -> None:
    body = _TWO_CASES.replace("fw.nn.ReLU", "Lin").replace("fw.nn.relu", "lin")
    with pytest.raises(CatalogErrors, match="'lin' is already used by 'first'"):
        load_catalog(_catalog(tmp_path, body))


def test_a_qualified_name_used_twice_exactly_is_refused(tmp_path: Path) -> None:
    body = _TWO_CASES.replace("fw.nn.ReLU", "fw.nn.relu")
    with pytest.raises(CatalogErrors, match=r"'fw\.nn\.relu' is already used by 'first'"):
        load_catalog(_catalog(tmp_path, body))


# --- list --framework ------------------------------------------------------------------------

_LISTED = """
[activations.relu]
title = "relu"
expr = "max(0, x)"
aliases = ["jax.nn.relu", "onnx.Relu", "tf.nn.relu"]

[activations.sigmoid]
title = "sigmoid"
expr = "1/(1 + exp(-x))"
aliases = ["jax.nn.sigmoid"]

[activations.cube]
title = "cube"
expr = "x**3"
"""


def test_list_framework_filters_by_qualified_name(run: Run, tmp_path: Path) -> None:
    import json

    path = str(_catalog(tmp_path, _LISTED))

    def names(*args: str) -> list[str]:
        result = run("--catalog", path, "list", *args, "--json")
        assert result.exit_code == ExitStatus.OK
        return [r["name"] for r in json.loads(result.stdout)]

    assert names("--framework", "jax") == ["relu", "sigmoid"]
    assert names("--framework", "ONNX") == ["relu"]
    assert names("--framework", "tf") == ["relu"]  # tf is tensorflow
    assert names("--framework", "onnx", "--framework", "jax") == ["relu", "sigmoid"]
    assert names("--framework", "mlx") == []
    assert names("--framework", "PyTorch") == []  # pytorch is torch
    assert names() == ["relu", "sigmoid", "cube"]


def test_list_framework_table_shows_the_qualified_names(run: Run, tmp_path: Path) -> None:
    path = str(_catalog(tmp_path, _LISTED))
    run("--catalog", path, "list")  # the whole catalog: its rows are stored
    result = CliRunner().invoke(
        cli, ["--catalog", path, "list", "--framework", "jax"], env={"COLUMNS": "200"}
    )

    assert result.exit_code == ExitStatus.OK
    assert "jax.nn.relu" in result.stdout
    assert "jax.nn.sigmoid" in result.stdout
    assert "onnx.Relu" not in result.stdout  # only the asked framework's names
    assert "cube" not in result.stdout


def test_list_framework_rejects_an_unknown_framework(run: Run) -> None:
    result = run("list", "--framework", "caffe")

    assert result.exit_code == ExitStatus.USAGE
    assert "unknown framework 'caffe'" in result.stderr
    assert "onnx" in result.stderr


def test_list_framework_from_stored_rows_imports_no_sympy(
    run: Run, tmp_path: Path, modules_after: Any
) -> None:
    import os

    path = str(_catalog(tmp_path, _LISTED))
    assert run("--catalog", path, "list").exit_code == ExitStatus.OK  # stores the rows
    cache = Path(os.environ["ACTDERIV_CACHE_DIR"])
    loaded = modules_after.cli("--catalog", path, "list", "--framework", "onnx", cache=cache)

    assert "actderiv.cli.inspect" in loaded
    assert "sympy" not in loaded


# Last: importing JAX starts threads, and the list tests above fork worker processes.
@pytest.mark.parametrize("name", sorted(n for n in NAMES if n.startswith("jax.nn.")))
def test_values_match_jax(name: str, jax: Any) -> None:
    import jax.numpy as jnp

    fn = getattr(jax.nn, name.removeprefix("jax.nn."))
    with jax.enable_x64(True):
        got = [float(v) for v in fn(jnp.asarray(POINTS, dtype=jnp.float64)).tolist()]
    assert _values(name) == pytest.approx(got, rel=1e-9, abs=1e-12)
