"""`check` catches the errors public sources actually contain, and accepts correct forms.

The wrong forms are those published tables and activation packages print. Each test asserts the
verdict and that the counterexample is right: ``expected`` is the true value at x (mpmath's
numerical derivative of the catalog's f, or f itself), ``got`` is the claim's value.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import mpmath
import pytest
from click.testing import Result

from actderiv import api
from actderiv.cli import ExitStatus
from actderiv.lang.parse import X, Y, number
from actderiv.numerics import compile_mp

CATALOG = api.load_catalog()


def _true_value(name: str, x: float, function: bool) -> mpmath.mpf:
    d = api.derive(CATALOG, name)
    defaults = {s: number(v) for s in d.expr.free_symbols - {X} for n, v in d.params if s.name == n}
    f = compile_mp(d.expr.subs(defaults))
    with mpmath.workdps(30):
        if function:
            return f({X: mpmath.mpf(x)})
        return mpmath.diff(lambda t: f({X: t}), mpmath.mpf(x))


def _claim_value(name: str, claim: str, x: float) -> mpmath.mpf:
    from actderiv.engine.formula import CatalogResolver, formula_of
    from actderiv.lang.parse import Scope, parse_formula

    spec = CATALOG.require(name)
    formula = formula_of(spec, CatalogResolver(CATALOG))
    expr = parse_formula(claim, Scope(formula.symbols, None, allow_y=True))
    env = {
        **{s: mpmath.mpf(float(formula.defaults[s])) for s in formula.defaults},
        X: mpmath.mpf(x),
    }
    with mpmath.workdps(30):
        y = compile_mp(formula.expr)(env)
        return compile_mp(expr)({**env, Y: y})


WRONG = [
    # (entry, kind, claim as a public source states it, verdicts that describe it)
    ("selu", "derivative", "scale*(y + alpha if x < 0 else 1)", {"region"}),  # old Wikipedia
    ("softsign", "derivative", "1 - y**2", {"everywhere"}),  # old Wikipedia
    ("tanh", "function", "2/(1 + exp(2*x)) - 1", {"everywhere"}),  # a transcription
    ("cloglog", "function", "1 - exp(-exp(-x))", {"everywhere"}),  # an activation package
    (
        "hard_elish",
        "function",  # an activation package's negative branch
        "x*min(1, (x + 1)/2) if x >= 0 else (1 + exp(-x))*max(0, min(1, (x + 1)/2))",
        {"region"},
    ),
    ("relu", "derivative", "1 if x >= 0 else 0", {"kink"}),  # the x >= 0 branch at the kink
    ("leaky_relu", "derivative", "1 if x >= 0 else negative_slope", {"kink"}),
]


@pytest.mark.parametrize(
    ("name", "kind", "claim", "verdicts"), WRONG, ids=[f"{w[0]}-{w[1]}" for w in WRONG]
)
def test_check_catches_published_errors(
    run: Callable[..., Result], name: str, kind: str, claim: str, verdicts: set[str]
) -> None:
    result = run("check", name, f"--{kind}", claim, "--json")
    assert result.exit_code == ExitStatus.VERIFY_FAILED, result.output
    out = json.loads(result.stdout)
    assert out["equal"] is False
    assert out["verdict"] in verdicts
    example = out["counterexample"]
    x = float(example["x"])
    if out["verdict"] == "kink":
        return  # at a kink the 'true' value is the convention: checked in test_kink_* below
    truth = _true_value(name, x, kind == "function")
    assert float(example["expected"]) == pytest.approx(float(truth), rel=1e-9, abs=1e-15)
    assert float(example["got"]) == pytest.approx(
        float(_claim_value(name, claim, x)), rel=1e-9, abs=1e-15
    )
    assert abs(float(example["got"]) - float(example["expected"])) > 1e-6 * max(
        1.0, abs(float(example["expected"]))
    )


def test_kink_counterexample_names_pytorchs_value(run: Callable[..., Result]) -> None:
    out = json.loads(run("check", "relu", "-d", "1 if x >= 0 else 0", "--json").stdout)
    assert out["counterexample"] == {"x": "0", "expected": "0", "got": "1.0"}
    assert "PyTorch's autograd" in out["detail"]


def test_a_wrong_region_is_located(run: Callable[..., Result]) -> None:
    out = json.loads(
        run("check", "selu", "-d", "scale*(y + alpha if x < 0 else 1)", "--json").stdout
    )
    assert out["regions"], out
    assert all(hi < 0 for _, hi in out["regions"])  # wrong only on the negative branch


CORRECT = [
    ("sigmoid", "1/(4*cosh(x/2)**2)"),
    ("sigmoid", "exp(-x)/(1 + exp(-x))**2"),
    ("sigmoid", "y*(1 - y)"),
    ("tanh", "1 - y**2"),
    ("tanh", "sech(x)**2"),
    ("softplus", "1 - exp(-y)"),
    ("softplus", "sigmoid(x)"),
    ("softsign", "(1 - abs(y))**2"),
    ("selu", "scale*(y/scale + alpha if x <= 0 else 1)"),
    ("elu", "y + alpha if x <= 0 else 1"),
    ("relu", "0 if x <= 0 else 1"),
    ("logsigmoid", "1 - exp(y)"),
    ("arctan", "cos(y)**2"),
]


@pytest.mark.parametrize(("name", "claim"), CORRECT, ids=[f"{n}:{c}" for n, c in CORRECT])
def test_check_accepts_correct_forms_that_look_nothing_alike(
    run: Callable[..., Result], name: str, claim: str
) -> None:
    result = run("check", name, "--derivative", claim, "--json")
    assert result.exit_code == ExitStatus.OK, result.output
    out = json.loads(result.stdout)
    assert (out["equal"], out["verdict"], out["counterexample"]) == (True, "same", None)


def test_check_needs_exactly_one_claim(run: Callable[..., Result]) -> None:
    result = run("check", "relu")
    assert result.exit_code == ExitStatus.USAGE
    assert "give exactly one of --derivative and --function" in result.stderr


def test_a_claim_that_does_not_parse_is_an_error_with_a_caret(run: Callable[..., Result]) -> None:
    result = run("check", "relu", "-d", "x.__class__")
    assert result.exit_code == ExitStatus.ERROR
    assert result.stdout == ""
    assert result.stderr == (
        "Error: <derivative>: attribute access (a.b) is not allowed in a formula\n"
        "    x.__class__\n"
        "    ^^^^^^^^^^^\n"
    )
