"""`check` catches the errors public sources actually contain, and accepts correct forms.

The wrong forms are those published tables and activation packages print. Each test asserts the
verdict and that the counterexample is right: ``expected`` is the true value at x (mpmath's
numerical derivative of the catalog's f, or f itself), ``got`` is the claim's value.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable

import mpmath
import pytest
from click.testing import Result

from actderiv import api, schema
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


def _three_digits(value: str) -> str:
    return mpmath.nstr(mpmath.mpf(value), 3)


# (entry, kind, claim as a public source or a careless user states it)
WRONG = [
    ("selu", "derivative", "scale*(y + alpha if x < 0 else 1)"),  # old Wikipedia
    ("softsign", "derivative", "1 - y**2"),  # old Wikipedia
    ("tanh", "function", "2/(1 + exp(2*x)) - 1"),  # a transcription
    ("cloglog", "function", "1 - exp(-exp(-x))"),  # an activation package
    (
        "hard_elish",
        "function",  # an activation package's negative branch
        "x*min(1, (x + 1)/2) if x >= 0 else (1 + exp(-x))*max(0, min(1, (x + 1)/2))",
    ),
    ("sigmoid", "derivative", "y*(1 - y)**2"),  # a published table (issue 24)
    ("silu", "derivative", "y*(1 - y)"),  # the sigmoid's form applied to SiLU
    (  # the Mish paper's form with 4*x + 6 mistyped as 4*x + 5
        "mish",
        "derivative",
        "exp(x)*(4*(x+1) + 4*exp(2*x) + exp(3*x) + exp(x)*(4*x+5))/(2*exp(x) + exp(2*x) + 2)**2",
    ),
    (  # GELU's tanh form with 3*0.044715 = 0.134145 rounded to 0.13
        "gelu_tanh",
        "derivative",
        "0.5*(1 + tanh(0.7978845608*(x + 0.044715*x**3))) + 0.5*x*(1 - "
        "tanh(0.7978845608*(x + 0.044715*x**3))**2)*0.7978845608*(1 + 0.13*x**2)",
    ),
    ("relu", "derivative", "1 if x > 0 and x < 100 else 0"),  # wrong only far out
    ("relu", "function", "max(0, x) if x < 1000 else 0"),  # wrong only far out
    ("tanh", "derivative", "1 - y**2 + exp(-40000*(x + 1.3)**2)"),  # a narrow bump
    ("sigmoid", "derivative", "y*(1 - y) + exp(-(x - 4)**2/1e-6)"),  # a narrower one
    ("relu", "derivative", "42 if x == 0 else (1 if x > 0 else 0)"),  # 42 at the kink
    ("softplus", "derivative", "y"),  # right only far out on the left
]


@pytest.mark.parametrize(("name", "kind", "claim"), WRONG, ids=[f"{w[0]}:{w[2]}" for w in WRONG])
def test_a_wrong_claim_gets_a_convincing_counterexample(
    run: Callable[..., Result], name: str, kind: str, claim: str
) -> None:
    """Issue 24: the counterexample's values are the truth and the claim's at x, and they
    differ in their first three significant digits; issue 18: never "the same function"."""
    result = run("check", name, f"--{kind}", claim, "--json")
    assert result.exit_code == ExitStatus.VERIFY_FAILED, result.output
    out = json.loads(result.stdout)
    schema.check(out, "check")
    assert (out["equal"], out["verdict"]) == (False, "wrong")
    example = out["counterexample"]
    x = float(example["x"])
    if out["note"] is None or "further out" not in out["note"]:
        assert abs(x) <= 10
    assert _three_digits(example["expected"]) != _three_digits(example["got"]), example
    assert out["regions"]
    if x != 0 or kind == "function":  # (at relu's kink the truth is the convention)
        truth = _true_value(name, x, kind == "function")
        assert float(example["expected"]) == pytest.approx(float(truth), rel=1e-9, abs=1e-15)
    assert float(example["got"]) == pytest.approx(
        float(_claim_value(name, claim, x)), rel=1e-9, abs=1e-15
    )


@pytest.mark.parametrize(
    ("name", "kind", "claim"),
    [w for w in WRONG if w[0] in ("sigmoid", "silu", "tanh", "relu")],
)
def test_the_same_wrong_claim_gives_byte_identical_json(
    run: Callable[..., Result], name: str, kind: str, claim: str
) -> None:
    first = run("check", name, f"--{kind}", claim, "--json").stdout
    second = run("check", name, f"--{kind}", claim, "--json").stdout
    assert first == second


def test_the_counterexample_is_the_same_in_a_fresh_interpreter_and_hash_seed() -> None:
    claim = ["check", "sigmoid", "-d", "y*(1 - y)**2", "--json"]
    outputs = [
        subprocess.run(
            [sys.executable, "-m", "actderiv", *claim],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    example = json.loads(outputs[0])["counterexample"]
    assert abs(float(example["x"])) <= 10
    assert float(example["relative"]) > 0.5  # where the values differ plainly, not in a tail


def test_a_claim_wrong_only_far_out_says_so(run: Callable[..., Result]) -> None:
    claim = "1 if x > 0 and x < 100 else 0"
    out = json.loads(run("check", "relu", "-d", claim, "--json").stdout)
    assert out["verdict"] == "wrong"
    assert "differs only further out" in out["note"]
    assert float(out["counterexample"]["x"]) >= 100
    assert out["regions"][0][0] >= 99


def test_a_narrow_bump_is_found_at_its_peak(run: Callable[..., Result]) -> None:
    out = json.loads(
        run("check", "tanh", "-d", "1 - y**2 + exp(-40000*(x + 1.3)**2)", "--json").stdout
    )
    assert out["verdict"] == "wrong"
    assert float(out["counterexample"]["x"]) == pytest.approx(-1.3, abs=1e-3)
    assert float(out["counterexample"]["difference"]) == pytest.approx(1.0, rel=1e-3)


def test_a_claim_off_by_a_tiny_exact_factor_is_wrong_and_says_it_is_slight(
    run: Callable[..., Result],
) -> None:
    """1 + 1/10**10 is exact: no rounded constant explains it, so it is not "the same"."""
    result = run("check", "sigmoid", "-d", "y*(1-y)*(1+1/10**10)", "--json")
    assert result.exit_code == ExitStatus.VERIFY_FAILED
    out = json.loads(result.stdout)
    assert out["verdict"] == "wrong"
    assert "only slightly" in out["note"]
    assert float(out["counterexample"]["relative"]) == pytest.approx(1e-10, rel=1e-2)


def test_a_difference_below_the_working_precision_is_still_found(
    run: Callable[..., Result],
) -> None:
    """The claim's own numbers set the precision: 1e-40 is told apart, and printed apart."""
    out = json.loads(run("check", "tanh", "-d", "1/cosh(x)**2 + 1e-40*exp(-x**2)", "--json").stdout)
    assert out["verdict"] == "wrong"
    example = out["counterexample"]
    assert example["expected"] != example["got"]
    assert float(example["relative"]) == pytest.approx(1e-40, rel=1e-2)


def test_a_wrong_region_is_located(run: Callable[..., Result]) -> None:
    out = json.loads(
        run("check", "selu", "-d", "scale*(y + alpha if x < 0 else 1)", "--json").stdout
    )
    assert out["regions"], out
    assert all(hi < 0 for _, hi in out["regions"])  # wrong only on the negative branch


KINKS = [
    ("relu", "1 if x >= 0 else 0"),  # the x >= 0 branch at the kink
    ("leaky_relu", "1 if x >= 0 else negative_slope"),
    ("hardswish", "(2*x + 3)/6 if -3 <= x <= 3 else (0 if x < -3 else 1)"),  # issue 19
]


@pytest.mark.parametrize(("name", "claim"), KINKS, ids=[k[0] for k in KINKS])
def test_a_claim_that_differs_only_at_a_kink_is_not_wrong(
    run: Callable[..., Result], name: str, claim: str
) -> None:
    result = run("check", name, "-d", claim, "--json")
    assert result.exit_code == ExitStatus.OK, result.output
    out = json.loads(result.stdout)
    schema.check(out, "check")
    assert out["verdict"] == "kink"
    assert "frameworks choose" in out["detail"]


def test_kink_counterexample_names_pytorchs_value(run: Callable[..., Result]) -> None:
    out = json.loads(run("check", "relu", "-d", "1 if x >= 0 else 0", "--json").stdout)
    assert out["counterexample"]["x"] == "0"
    assert (out["counterexample"]["expected"], out["counterexample"]["got"]) == ("0", "1.0")
    assert "PyTorch's autograd gives 0" in out["detail"]
    assert "the right derivative" in out["detail"]


ROUNDED = [
    # PyTorch's SELU with its float constants; scale*alpha as the float product (issue 19)
    ("selu", "y + 1.7580993408473766 if x <= 0 else 1.0507009873554805"),
    # GELU's tanh form with sqrt(2/pi) truncated to 0.7978845608 (issue 19)
    (
        "gelu_tanh",
        "0.5*(1 + tanh(0.7978845608*(x + 0.044715*x**3))) + 0.5*x*(1 - "
        "tanh(0.7978845608*(x + 0.044715*x**3))**2)*0.7978845608*(1 + 0.134145*x**2)",
    ),
    ("sigmoid", "0.9999999999999999*y*(1 - y)"),  # the float just below 1, to 16 digits
]


@pytest.mark.parametrize(("name", "claim"), ROUNDED, ids=[r[0] for r in ROUNDED])
def test_a_claim_with_rounded_constants_is_equal_within_their_precision(
    run: Callable[..., Result], name: str, claim: str
) -> None:
    result = run("check", name, "-d", claim, "--json")
    assert result.exit_code == ExitStatus.OK, result.output
    out = json.loads(result.stdout)
    schema.check(out, "check")
    assert out["verdict"] == "rounding", out
    assert 0 < float(out["largest_relative"]) <= 1e-6


def test_a_constant_that_is_not_the_truth_rounded_is_wrong(run: Callable[..., Result]) -> None:
    """0.999999999 is not 1 rounded to 9 decimals (that is 1.000000000)."""
    out = json.loads(run("check", "sigmoid", "-d", "0.999999999*y*(1 - y)", "--json").stdout)
    assert out["verdict"] == "wrong"


def test_a_rounded_constant_too_coarse_for_the_difference_is_wrong(
    run: Callable[..., Result],
) -> None:
    """0.9999's last digit could explain a difference of 1e-4, but that is more than the six
    significant digits a claim within its constants' precision must agree to."""
    out = json.loads(run("check", "sigmoid", "-d", "0.9999*y*(1 - y)", "--json").stdout)
    assert out["verdict"] == "wrong"


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
    schema.check(out, "check")
    assert out["equal"] is True
    assert out["verdict"] in ("identical", "same")
    assert out["counterexample"] is None


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


@pytest.mark.parametrize(
    ("name", "claim", "derivative", "names"),
    [
        ("sigmoid", "y*(1 - y)**2", "σ(x)*(1 - σ(x))", ["σ"]),
        ("gelu", "0.5*(1 + erf(x/sqrt(2)))", "x*φ(x) + Φ(x)", ["Φ", "φ"]),
        ("relu", "1 if x > 1 else 0", "0 if x ≤ 0; 1 otherwise", []),
    ],
)
def test_check_prints_the_derivative_as_show_does_with_its_legend(
    run: Callable[..., Result], name: str, claim: str, derivative: str, names: list[str]
) -> None:
    """Issue 19: the true derivative in the field's named functions, each one defined."""
    out = json.loads(run("check", name, "--derivative", claim, "--json").stdout)
    schema.check(out, "check")
    assert out["display"]["derivative"] == derivative
    assert [item["name"] for item in out.get("legend", [])] == names

    shown = run("--no-color", "check", name, "--derivative", claim).stdout
    assert f"f'(x)       {derivative}" in shown
    assert shown.count("│ where ") == len(names)
