"""actderiv signal: mean-field gain, fixed point, chi1 and edge of chaos (issue #21)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

import mpmath
import numpy as np
import pytest
from click.testing import CliRunner

from actderiv.catalog.load import default_catalog_paths, load_catalogs
from actderiv.cli import cli
from actderiv.engine import signal
from actderiv.errors import InvalidInput


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalogs(default_catalog_paths())


def _run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["signal", *args])


# --- known values ---


@pytest.mark.parametrize(("w", "b"), [(0.7, 0.0), (1.2, 0.3), (1.35, 0.05), (0.9, 1.7)])
def test_relu_closed_forms(catalog: Any, w: float, b: float) -> None:
    r = signal.signal_by_name(catalog, "relu", sigma_w=w, sigma_b=b, critical=False)
    assert r.gain == pytest.approx(math.sqrt(2), rel=1e-12)
    assert r.q_star == pytest.approx(b * b / (1 - w * w / 2), rel=1e-10, abs=1e-12)
    assert r.chi1 == pytest.approx(w * w / 2, rel=1e-10)
    assert r.depth_scale == pytest.approx(-1 / math.log(w * w / 2), rel=1e-9)


def test_relu_diverges_above_sqrt2_and_edge_only_at_b0(catalog: Any) -> None:
    r = signal.signal_by_name(catalog, "relu", sigma_w=1.6, sigma_b=0.2)
    assert r.q_star is None
    assert r.chi1 is None
    assert "diverges" in r.reasons["q_star"]
    assert signal.signal_by_name(catalog, "relu").critical_sigma_w == pytest.approx(math.sqrt(2))
    assert r.critical_sigma_w is None  # chi1 < 1 wherever q* is finite


def test_tanh_edge_of_chaos_at_one_with_no_bias(catalog: Any) -> None:
    r = signal.signal_by_name(catalog, "tanh")
    assert r.critical_sigma_w == pytest.approx(1.0, rel=1e-9)
    assert r.q_star == 0.0
    assert r.chi1 == pytest.approx(1.0)
    assert r.depth_scale is None
    assert r.regime == "critical"
    assert r.gain == pytest.approx(1.592537419722, rel=1e-10)
    assert r.torch_gain == pytest.approx(5 / 3)
    assert r.torch_note
    assert "heuristic" in r.torch_note


def test_tanh_critical_line_has_chi1_one(catalog: Any) -> None:
    spec = catalog.require("tanh")
    from actderiv.engine.formula import CatalogResolver, formula_of

    formula = formula_of(spec, CatalogResolver(catalog))
    for b, w in signal.critical_line(formula, 0.05, 0.5, 3):
        assert w is not None
        assert w > 1
        r = signal.signal_of(formula, w, b, critical=False)
        assert r.chi1 == pytest.approx(1.0, abs=1e-8)


def test_selu_fixed_point_is_mean_zero_variance_one(catalog: Any) -> None:
    r = signal.signal_by_name(catalog, "selu", critical=False)
    assert r.gain == pytest.approx(1.0, abs=1e-9)
    assert r.q_star == pytest.approx(1.0, abs=1e-9)
    assert r.torch_gain == 0.75
    assert r.torch_note


def test_parameters_are_honoured(catalog: Any) -> None:
    # leaky ReLU with slope s: E[f(z)²] = (1 + s²)/2, chi1 = W²(1 + s²)/2 for every q
    r = signal.signal_by_name(catalog, "leaky_relu", {"negative_slope": 0.3}, sigma_w=1.1)
    assert r.gain == pytest.approx(math.sqrt(2 / 1.09), rel=1e-12)
    assert r.torch_gain == pytest.approx(math.sqrt(2 / 1.09))
    assert r.chi1 == pytest.approx(1.21 * 1.09 / 2, rel=1e-10)
    assert r.critical_sigma_w == pytest.approx(math.sqrt(2 / 1.09), rel=1e-9)
    elu = signal.signal_by_name(catalog, "elu", {"alpha": 0.5}, critical=False)
    assert elu.params == {"alpha": 0.5}
    assert elu.gain != signal.signal_by_name(catalog, "elu", critical=False).gain
    with pytest.raises(InvalidInput, match="no parameter"):
        signal.signal_by_name(catalog, "elu", {"beta": 1.0})


# --- independent checks: Gauss–Hermite in numpy, and simulated networks ---

_Z, _WZ = np.polynomial.hermite_e.hermegauss(240)
_WZ = _WZ / math.sqrt(2 * math.pi)


def _gh_fixed_point(f: Any, df: Any, w: float, b: float) -> tuple[float, float]:
    q = 1.0
    for _ in range(20000):
        q_new = w * w * float(np.sum(_WZ * f(math.sqrt(q) * _Z) ** 2)) + b * b
        if abs(q_new - q) < 1e-15:
            break
        q = q_new
    return q, w * w * float(np.sum(_WZ * df(math.sqrt(q) * _Z) ** 2))


_MP: dict[str, tuple[Any, Any]] = {
    "tanh": (mpmath.tanh, lambda x: mpmath.sech(x) ** 2),
    "arctan": (mpmath.atan, lambda x: 1 / (1 + x * x)),
    "sinusoid": (mpmath.sin, mpmath.cos),
}


def _mp_moment(g: Any, q: float) -> float:
    with mpmath.workdps(30):
        s = mpmath.sqrt(q)
        pts = [-mpmath.inf, -4, -1, 0, 1, 4, mpmath.inf]
        return float(mpmath.quad(lambda t: g(s * t) ** 2 * mpmath.npdf(t), pts))


def _sech2(x: Any) -> Any:
    return 1 / np.cosh(x) ** 2


@pytest.mark.parametrize(
    ("name", "f", "df", "w", "b"),
    [
        ("tanh", np.tanh, _sech2, 1.5, 0.1),
        ("tanh", np.tanh, _sech2, 2.3, 0.7),
        ("arctan", np.arctan, lambda x: 1 / (1 + x * x), 1.8, 0.4),
        ("sinusoid", np.sin, np.cos, 1.1, 0.2),
    ],
)
def test_against_gauss_hermite(
    catalog: Any, name: str, f: Any, df: Any, w: float, b: float
) -> None:
    q, c = _gh_fixed_point(f, df, w, b)  # the fixed point reached from q = 1 (to ~1e-9)
    r = signal.signal_by_name(catalog, name, sigma_w=w, sigma_b=b, critical=False)
    assert r.q_star == pytest.approx(q, rel=1e-6)
    assert r.chi1 == pytest.approx(c, rel=1e-6)
    # and at 30 digits with mpmath: q* is a fixed point, chi1 is right to 1e-10
    fm, dfm = _MP[name]
    assert r.q_star is not None
    assert w * w * _mp_moment(fm, r.q_star) + b * b == pytest.approx(r.q_star, rel=1e-11)
    assert r.chi1 == pytest.approx(w * w * _mp_moment(dfm, r.q_star), rel=1e-10)
    assert r.gain == pytest.approx(_mp_moment(fm, 1.0) ** -0.5, rel=1e-11)


def _simulate(f: Any, df: Any, w: float, b: float, q0: float, seed: int) -> tuple[float, float]:
    """Mean second moment of pre-activations, and geometric mean of the per-layer growth of the
    gradient's squared norm, in a random network of width 1000 and depth 30."""
    rng = np.random.default_rng(seed)
    n, depth = 1000, 30
    h = rng.normal(0, math.sqrt(q0), n)
    hs, ws = [], []
    for _ in range(depth):
        wm = rng.normal(0, w / math.sqrt(n), (n, n))
        h = wm @ f(h) + rng.normal(0, b, n) if b > 0 else wm @ f(h)
        hs.append(h)
        ws.append(wm)
    delta = rng.normal(0, 1, n)
    logs = []
    for layer in range(depth - 1, 0, -1):
        new = df(hs[layer - 1]) * (ws[layer].T @ delta)
        logs.append(math.log(float(new @ new) / float(delta @ delta)))
        delta = new
    return float(np.mean([float(x @ x) / n for x in hs])), math.exp(float(np.mean(logs)))


@pytest.mark.parametrize(
    ("name", "f", "df", "w", "b"),
    [
        ("tanh", np.tanh, _sech2, 1.5, 0.1),
        ("relu", lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), 1.2, 0.3),
        ("elu", lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
         lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), 1.3, 0.2),
    ],
)  # fmt: skip
def test_against_simulated_networks(
    catalog: Any, name: str, f: Any, df: Any, w: float, b: float
) -> None:
    r = signal.signal_by_name(catalog, name, sigma_w=w, sigma_b=b, critical=False)
    assert r.q_star is not None
    assert r.chi1 is not None
    q, growth = _simulate(f, df, w, b, r.q_star, seed=21)
    assert q == pytest.approx(r.q_star, rel=0.05)
    assert growth == pytest.approx(r.chi1, rel=0.05)


# --- PyTorch's calculate_gain ---


@pytest.mark.torch
def test_torch_gain_matches_calculate_gain(catalog: Any, torch: Any) -> None:
    names = {"identity": "linear", "sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
    names |= {"leaky_relu": "leaky_relu", "selu": "selu"}
    for ours, theirs in names.items():
        r = signal.signal_by_name(catalog, ours, critical=False)
        assert r.torch_gain == pytest.approx(torch.nn.init.calculate_gain(theirs), rel=1e-12)
    assert signal.signal_by_name(
        catalog, "leaky_relu", {"negative_slope": 0.2}, critical=False
    ).torch_gain == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", 0.2))
    assert signal.signal_by_name(catalog, "gelu", critical=False).torch_gain is None
    with pytest.raises(ValueError, match="gelu"):
        torch.nn.init.calculate_gain("gelu")


# --- where there is no answer ---


def test_jump_makes_chi1_null_and_exit_1() -> None:
    out = _run("threshold", "--json")
    assert out.exit_code == 1
    data = json.loads(out.stdout)
    assert data["chi1"] is None
    assert "jumps" in data["reasons"]["chi1"]
    assert data["gain"] is not None


def test_divergent_map_is_null_and_exit_1() -> None:
    out = _run("relu", "--sigma-w", "2", "--sigma-b", "0.5", "--json")
    assert out.exit_code == 1
    assert json.loads(out.stdout)["q_star"] is None


def test_parameter_out_of_range_is_an_error() -> None:
    out = _run("--formula", "log(x)")
    assert out.exit_code == 1
    assert "Error:" in out.output
    out = _run("relu", "--sigma-w", "-1")
    assert out.exit_code == 1
    assert "σ_w" in out.output


# --- the command and the typed result ---


def test_cli_json_and_terminal() -> None:
    out = _run("tanh", "--sigma-w", "1.5", "--sigma-b", "0.1", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["q_star"] == pytest.approx(0.8133223269, rel=1e-9)
    assert set(data) >= {"gain", "torch_gain", "q_star", "chi1", "critical_sigma_w"}
    out = _run("--formula", "x*sigmoid(a*x)", "-p", "a=1.5")
    assert out.exit_code == 0
    assert "gain" in out.output
    out = _run("relu", "--critical-line", "--points", "3", "--json")
    assert json.loads(out.stdout)["critical_sigma_w"][0] == pytest.approx(math.sqrt(2))


def test_critical_line_pgfplots(tmp_path: Any) -> None:
    out = _run("tanh", "--critical-line", "--points", "3", "-o", str(tmp_path / "l.tex"))
    assert out.exit_code == 0, out.output
    assert "addplot" in (tmp_path / "l.tex").read_text()


def test_repr_latex(catalog: Any) -> None:
    tex = signal.signal_by_name(catalog, "relu", sigma_w=1.2, critical=False)._repr_latex_()
    assert tex.startswith("$$")
    assert "\\chi_1" in tex
    assert "0.72" in tex


def test_help_does_not_import_sympy() -> None:
    code = "import sys\nfrom actderiv.cli import cli\n"
    code += "try:\n    cli(['signal', '--help'])\nexcept SystemExit:\n    pass\n"
    code += "assert 'sympy' not in sys.modules, 'sympy imported'\n"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def _gh_critical(f: Any, df: Any, b: float) -> float:
    """The W in [1, 3] where chi1 = 1, by bisection on plain iteration (Gauss–Hermite)."""
    lo, hi = 1.0, 3.0
    for _ in range(50):
        mid = (lo + hi) / 2
        _, c = _gh_fixed_point(f, df, mid, b)
        lo, hi = (mid, hi) if c < 1 else (lo, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize(("name", "f", "df"), [("tanh", np.tanh, _sech2)])
@pytest.mark.parametrize("b", [0.05, 0.3])
def test_edge_of_chaos_against_brute_force(
    catalog: Any, name: str, f: Any, df: Any, b: float
) -> None:
    r = signal.signal_by_name(catalog, name, sigma_b=b)
    assert r.critical_sigma_w == pytest.approx(_gh_critical(f, df, b), rel=1e-7)


def test_python_api(catalog: Any) -> None:
    from actderiv import signal_api

    r = signal_api.signal(catalog, "relu", sigma_w=1.2, sigma_b=0.3)
    assert isinstance(r, signal.SignalResult)
    assert r.chi1 == pytest.approx(0.72)
    typed = signal_api.signal(catalog, formula="max(0, x)", sigma_w=1.2, sigma_b=0.3)
    assert typed.q_star == pytest.approx(r.q_star)
    assert typed.name is None
    line = signal_api.critical_line(catalog, "relu", b_range=(0.0, 1.0), points=2)
    assert line[0][1] == pytest.approx(math.sqrt(2))
    assert line[1][1] is None
    cols = signal_api.signal_columns(catalog, "tanh")
    assert cols == {"gain": pytest.approx(1.59253742), "critical_sigma_w": pytest.approx(1.0)}
    with pytest.raises(InvalidInput, match="one of them"):
        signal_api.signal(catalog)


def test_the_examples_of_docs_signal_md_run() -> None:
    import doctest
    from pathlib import Path

    page = Path(__file__).resolve().parent.parent / "docs" / "signal.md"
    result = doctest.testfile(str(page), module_relative=False)
    assert result.attempted >= 4
    assert result.failed == 0
