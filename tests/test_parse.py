"""Formula text → SymPy (actderiv.lang.parse): exact numbers, branches, ties, catalog calls."""

from __future__ import annotations

import builtins

import pytest
import sympy as sp
import sympy.parsing.sympy_parser

from actderiv.catalog.load import parse_catalog
from actderiv.engine.formula import CatalogResolver, formula_of
from actderiv.errors import FormulaError, Location
from actderiv.lang.parse import Scope, X, Y, number, param_symbol, parse_formula

ALPHA = sp.Symbol("alpha", positive=True)
SCOPE = Scope({"alpha": ALPHA})

CATALOG_TOML = """\
[activations.sigmoid]
title = "Logistic sigmoid"
expr = "1/(1 + exp(-x))"

[activations.swish]
title = "Swish"
expr = "x*sigmoid(beta*x)"
params = { beta = 1.5 }

[activations.leaky]
title = "Leaky ReLU"
expr = "x if x > 0 else slope*x"
params = { slope = 0.01 }
"""


def parse(text: str, scope: Scope = SCOPE) -> sp.Expr:
    return parse_formula(text, scope)


def at(expr: sp.Expr, x: float | int) -> sp.Expr:
    """The value of ``expr`` at ``x`` (exact when ``x`` is)."""
    return expr.subs(X, sp.nsimplify(x))


def slope_at(expr: sp.Expr, x: float | int) -> sp.Expr:
    """The derivative of ``expr`` at ``x``, taken from the branch that applies at ``x``."""
    return at(sp.diff(expr, X), x)


@pytest.fixture
def resolver() -> CatalogResolver:
    return CatalogResolver(parse_catalog(CATALOG_TOML, "cat.toml"))


# --------------------------------------------------------------------------------------------
# Names and numbers


def test_x_is_the_real_input_symbol() -> None:
    assert parse("x") == X
    assert parse("x") == sp.Symbol("x", real=True)
    assert parse("x") != sp.Symbol("x")


def test_parameters_are_the_scope_symbols() -> None:
    assert parse("alpha*x") == ALPHA * X
    assert parse("alpha").is_positive is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [("pi", sp.pi), ("e", sp.E), ("e**x", sp.exp(X)), ("2*pi*x", 2 * sp.pi * X)],
)
def test_constants(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.01", sp.Rational(1, 100)),
        ("0.1*x", X / 10),
        ("0.3", sp.Rational(3, 10)),
        ("-0.3", sp.Rational(-3, 10)),
        ("1e-3", sp.Rational(1, 1000)),
        ("2.5e3", sp.Integer(2500)),
        ("1_000*x", 1000 * X),
        ("0x10*x", 16 * X),
        ("1.0", sp.Integer(1)),
        ("1e12", sp.Integer(10**12)),
        ("x**0.5", sp.sqrt(X)),
        ("x**-1.5", X ** sp.Rational(-3, 2)),
    ],
)
def test_decimals_become_exact_rationals(text: str, expected: sp.Expr) -> None:
    value = parse(text)

    assert value == expected
    assert not value.has(sp.Float)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.01, sp.Rational(1, 100)),
        (1.0, sp.Integer(1)),
        (3, sp.Integer(3)),
        (1e20, sp.Integer(10**20)),
        (2.5e-7, sp.Rational(1, 4_000_000)),
        ("0.125", sp.Rational(1, 8)),
    ],
)
def test_number_is_exact(value: float | int | str, expected: sp.Rational) -> None:
    assert number(value) == expected


@pytest.mark.parametrize(
    ("default", "assumption"),
    [(1.5, "positive"), (-0.01, "negative"), (0.0, "real")],
)
def test_parameter_symbols_carry_the_sign_of_their_default(default: float, assumption: str) -> None:
    symbol = param_symbol("a", default)

    assert symbol == sp.Symbol("a", **{assumption: True})


# --------------------------------------------------------------------------------------------
# Branches and conditions


def test_conditional_expression_becomes_piecewise() -> None:
    assert parse("x if x > 0 else alpha*(exp(x) - 1)") == sp.Piecewise(
        (X, X > 0), (ALPHA * (sp.exp(X) - 1), True)
    )


def test_nested_conditionals_keep_their_order() -> None:
    expr = parse("0 if x < 0 else (x if x < 6 else 6)")

    assert [at(expr, v) for v in (-1, 0, 3, 6, 7)] == [0, 0, 3, 6, 6]
    assert isinstance(expr, sp.Piecewise)


def test_chained_comparison_means_both() -> None:
    expr = parse("x if 0 < x < 6 else 0")

    assert expr == sp.Piecewise((X, sp.And(X > 0, X < 6)), (0, True))
    assert [at(expr, v) for v in (-1, 0, 3, 6, 7)] == [0, 0, 3, 0, 0]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("1 if x > 0 and x < 2 else 0", [0, 0, 1, 0, 0]),
        ("1 if x < 0 or x >= 2 else 0", [1, 0, 0, 1, 1]),
        ("1 if not x > 0 else 0", [1, 1, 0, 0, 0]),
        ("1 if not (x > 0 and x < 2) else 0", [1, 1, 0, 1, 1]),
        ("1 if x == 0 else 0", [0, 1, 0, 0, 0]),
        ("1 if x != 0 else 0", [1, 0, 1, 1, 1]),
        ("1 if x <= 0 else 0", [1, 1, 0, 0, 0]),
        ("1 if x >= 2 else 0", [0, 0, 0, 1, 1]),
    ],
)
def test_conditions_with_and_or_not(text: str, values: list[int]) -> None:
    expr = parse(text)

    assert [at(expr, v) for v in (-1, 0, 1, 2, 3)] == values


# --------------------------------------------------------------------------------------------
# max / min / clip / heaviside: the value and the slope exactly at the tie


@pytest.mark.parametrize(
    ("text", "tie", "slope_at_tie"),
    [
        ("max(0, x)", 0, 0),  # ReLU: the first argument wins the tie, so ReLU'(0) = 0
        ("max(x, 0)", 0, 1),
        ("min(x, 6)", 6, 1),
        ("min(6, x)", 6, 0),
    ],
)
def test_max_and_min_ties_go_to_the_first_argument(text: str, tie: int, slope_at_tie: int) -> None:
    expr = parse(text)

    assert at(expr, tie) == tie
    assert slope_at(expr, tie) == slope_at_tie


def test_max_of_three() -> None:
    expr = parse("max(0, x, 1)")

    assert [at(expr, v) for v in (-2, 0, 0.5, 1, 3)] == [1, 1, 1, 1, 3]
    assert slope_at(expr, 1) == 1  # the tie between x and 1 goes to x, which comes first


def test_relu6_as_min_of_max() -> None:
    expr = parse("min(max(0, x), 6)")

    assert [at(expr, v) for v in (-1, 0, 3, 6, 7)] == [0, 0, 3, 6, 6]
    assert [slope_at(expr, v) for v in (-1, 0, 3, 6, 7)] == [0, 0, 1, 1, 0]


def test_clip_is_torch_clamp_with_slope_one_at_the_bounds() -> None:
    expr = parse("clip(x, -1, 1)")

    assert expr == sp.Piecewise((-1, X < -1), (1, X > 1), (X, True))
    assert [at(expr, v) for v in (-5, -1, 0, 1, 5)] == [-1, -1, 0, 1, 1]
    assert [slope_at(expr, v) for v in (-5, -1, 0, 1, 5)] == [0, 1, 1, 1, 0]


def test_heaviside_is_one_at_zero() -> None:
    expr = parse("heaviside(x)")

    assert expr == sp.Piecewise((0, X < 0), (1, True))
    assert [at(expr, v) for v in (-1, 0, 1)] == [0, 1, 1]


# --------------------------------------------------------------------------------------------
# Functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("log1p(x)", sp.log(1 + X)),
        ("expm1(x)", sp.exp(X) - 1),
        ("log1p(exp(x))", sp.log(1 + sp.exp(X))),
        ("abs(x)", sp.Abs(X)),
        ("sign(x)", sp.sign(X)),
        ("sqrt(x)", sp.sqrt(X)),
        ("erf(x/sqrt(2))", sp.erf(X / sp.sqrt(2))),
        ("erfc(x)", sp.erfc(X)),
        ("tanh(x)", sp.tanh(X)),
        ("atan(x)", sp.atan(X)),
        ("asinh(x)", sp.asinh(X)),
        ("sech(x)", sp.sech(X)),
        ("x/(1 + abs(x))", X / (1 + sp.Abs(X))),
    ],
)
def test_functions_map_to_sympy(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected


def test_y_is_the_output_symbol_in_claims() -> None:
    claim = parse_formula("y*(1 - y)", Scope({}, allow_y=True))

    assert claim == Y * (1 - Y)
    assert sp.Symbol("y", real=True) == Y


# --------------------------------------------------------------------------------------------
# Calls to catalog entries go through the resolver and are expanded at the callee's defaults


def test_call_to_catalog_entry_is_expanded(resolver: CatalogResolver) -> None:
    expr = parse_formula("x*sigmoid(2*x)", Scope({}, resolver))

    assert expr == X / (1 + sp.exp(-2 * X))
    assert not expr.atoms(sp.Function) - {sp.exp(-2 * X)}


def test_callee_parameters_take_their_defaults(resolver: CatalogResolver) -> None:
    expr = parse_formula("swish(x)", Scope({}, resolver))

    assert expr == X / (1 + sp.exp(-sp.Rational(3, 2) * X))


def test_caller_parameter_does_not_leak_into_the_callee(resolver: CatalogResolver) -> None:
    beta = sp.Symbol("beta", positive=True)

    expr = parse_formula("beta*swish(x)", Scope({"beta": beta}, resolver))

    assert expr == beta * X / (1 + sp.exp(-sp.Rational(3, 2) * X))


def test_calls_nest(resolver: CatalogResolver) -> None:
    expr = parse_formula("sigmoid(sigmoid(x))", Scope({}, resolver))

    assert expr == 1 / (1 + sp.exp(-1 / (1 + sp.exp(-X))))


def test_piecewise_callee_is_expanded_with_its_argument(resolver: CatalogResolver) -> None:
    expr = parse_formula("leaky(2*x)", Scope({}, resolver))

    assert [at(expr, v) for v in (-1, 0, 1)] == [sp.Rational(-1, 50), 0, 2]


def test_catalog_entry_with_a_call_parses_through_formula_of(resolver: CatalogResolver) -> None:
    formula = formula_of(resolver.catalog.require("swish"), resolver)
    beta = sp.Symbol("beta", positive=True)

    assert formula.expr == X / (1 + sp.exp(-beta * X))
    assert formula.params == (("beta", beta, 1.5),)
    assert formula.at_defaults(formula.expr) == X / (1 + sp.exp(-sp.Rational(3, 2) * X))


def test_call_without_resolver_is_an_unknown_function() -> None:
    with pytest.raises(FormulaError) as info:
        parse("sigmoid(x)")

    assert str(info.value) == "unknown function 'sigmoid'\n    sigmoid(x)\n    ^^^^^^^"


# --------------------------------------------------------------------------------------------
# Refusals that need the translation (the grammar alone cannot see them)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1/0", "division by zero\n    1/0\n    ^^^"),
        ("x/0", "division by zero\n    x/0\n    ^^^"),
        ("x/0.0", "division by zero\n    x/0.0\n    ^^^^^"),
        ("x/(1 - 1)", "division by zero\n    x/(1 - 1)\n    ^^^^^^^^^"),
        ("x/(x - x)", "division by zero\n    x/(x - x)\n    ^^^^^^^^^"),
        ("exp(x) + 1/(2*0)", "division by zero\n    exp(x) + 1/(2*0)\n             ^^^^^^^"),
        ("0**-1", "zero to a negative power\n    0**-1\n    ^^^^^"),
    ],
)
def test_division_by_zero_is_refused(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)

    assert str(info.value) == message


def test_refusal_carries_the_location_it_was_given() -> None:
    with pytest.raises(FormulaError) as info:
        parse_formula("x/0", SCOPE, Location("cat.toml", "activations.bad.expr", 7))

    assert str(info.value) == (
        "cat.toml:7: activations.bad.expr: division by zero\n    x/0\n    ^^^"
    )


def test_grammar_refusals_pass_through_parse() -> None:
    with pytest.raises(FormulaError) as info:
        parse("x.__class__")

    assert str(info.value) == (
        "attribute access (a.b) is not allowed in a formula\n    x.__class__\n    ^^^^^^^^^^^"
    )


# --------------------------------------------------------------------------------------------
# Nothing reaches eval, sympify or parse_expr


@pytest.mark.parametrize(
    "text",
    [
        "x*sigmoid(beta*x)",
        "x if x > 0 else 0.01*x",
        "min(max(0, x), 6)",
        "clip(x, -1, 1) + heaviside(x)",
        "log1p(exp(x))/beta",
        "x if 0 < x < 6 or not x > -1 else 0",
    ],
)
def test_parsing_never_evaluates_text(
    text: str, resolver: CatalogResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("text was evaluated")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(sympy.parsing.sympy_parser, "parse_expr", forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)

    expr = parse_formula(text, Scope({"beta": sp.Symbol("beta", positive=True)}, resolver))

    assert X in expr.free_symbols


# --------------------------------------------------------------------------------------------
# Numbers SymPy would build eagerly, and parts that are not finite reals.
# Regressions: each of these once got through (the first two never finished, log(0) crashed
# verification with a traceback).


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "9**(9**9 + 0*x)",
            "exponent larger than 64 in magnitude\n    9**(9**9 + 0*x)\n        ^^^^^^^^^^",
        ),
        (
            "9**(9**5 + 0*x)",
            "exponent larger than 64 in magnitude\n    9**(9**5 + 0*x)\n        ^^^^^^^^^^",
        ),
        (
            "2**(4096 + x - x)",
            "exponent larger than 64 in magnitude\n    2**(4096 + x - x)\n        ^^^^^^^^^^^^",
        ),
        (
            "x**(65 + x - x)",
            "exponent larger than 64 in magnitude\n    x**(65 + x - x)\n        ^^^^^^^^^^",
        ),
        (
            "((9**64)**64)**64",
            "constant larger than 1e100 in magnitude\n    ((9**64)**64)**64\n     ^^^^^^^^^^^",
        ),
        (
            "((((9**64)**64)**64)**64)**64",
            "constant larger than 1e100 in magnitude\n"
            "    ((((9**64)**64)**64)**64)**64\n"
            "       ^^^^^^^^^^^",
        ),
        ("log(0)*x", "this part is not a finite real number\n    log(0)*x\n    ^^^^^^"),
        ("sqrt(-1)*x", "this part is not a finite real number\n    sqrt(-1)*x\n    ^^^^^^^^"),
        ("acosh(0)*x", "this part is not a finite real number\n    acosh(0)*x\n    ^^^^^^^^"),
        ("atanh(1) + x", "this part is not a finite real number\n    atanh(1) + x\n    ^^^^^^^^"),
        ("tan(pi/2)*x", "this part is not a finite real number\n    tan(pi/2)*x\n    ^^^^^^^^^"),
    ],
)
def test_huge_and_non_real_constants_are_refused(text: str, message: str) -> None:
    with pytest.raises(FormulaError) as info:
        parse(text)

    assert str(info.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x**(64 + x - x)", X**64),
        ("2**64*x", 2**64 * X),
        ("(2**64)**2", sp.Integer(2**128)),
        ("exp(1000)*x", sp.exp(1000) * X),
    ],
)
def test_large_but_bounded_constants_are_accepted(text: str, expected: sp.Expr) -> None:
    assert parse(text) == expected
