"""The field's vocabulary (issue 19): σ, softplus, Φ, φ and sech in printed forms, the readability
measure, output-only forms that hold in float64, and derivatives that agree with their kinks."""

from __future__ import annotations

from typing import Any

import mpmath
import pytest
import sympy as sp

from actderiv.engine.vocabulary import kinds, measure, ops, scales
from actderiv.lang.named import NormalCDF, NormalPDF, Sigmoid, Softplus, expand_named
from actderiv.lang.parse import X, Y
from actderiv.numerics import compile_mp, real_value
from actderiv.pipelines import derive, derive_formula, formula_record, load_catalog
from actderiv.records import display_text, printed_forms, readability
from actderiv.render.tex import LatexOptions
from actderiv.render.texprint import to_latex


@pytest.mark.parametrize(
    ("text", "params", "derivative"),
    [
        ("1/(1+exp(-x))", {}, "σ(x)*(1 - σ(x))"),
        ("log(1+exp(x))", {}, "σ(x)"),
        ("log(1 + exp(b*x))/b", {"b": 2.0}, "σ(b*x)"),
        ("(1+erf(x/sqrt(2)))/2", {}, "φ(x)"),
        ("exp(-x**2/2)/sqrt(2*pi)", {}, "-x*φ(x)"),
        ("x*(1+erf(x/sqrt(2)))/2", {}, "x*φ(x) + Φ(x)"),
        ("x*(1+erf(x/(s*sqrt(2))))/2", {"s": 2.0}, "Φ(x/s) + x*φ(x/s)/s"),
        ("x/(1+exp(-x))", {}, "σ(x)*(x*(1 - σ(x)) + 1)"),
        ("x*tanh(log(1+exp(x)))", {}, "x*σ(x)*sech(softplus(x))^2 + tanh(softplus(x))"),
        # numeric scales print like symbolic ones: σ(2x), not (2x + exp(2x) + 1)/(4cosh(x)^2)
        ("x*sigmoid(2*x)", {}, "σ(2*x)*(2*x*(1 - σ(2*x)) + 1)"),
        ("x*sigmoid(3*x)", {}, "σ(3*x)*(3*x*(1 - σ(3*x)) + 1)"),
        ("x*sigmoid(1.702*x)", {}, "σ(1.702*x)*(1.702*x*(1 - σ(1.702*x)) + 1)"),
        ("log(1+exp(2*x))", {}, "2*σ(2*x)"),
        ("x*(1+erf(x/(2*sqrt(2))))/2", {}, "x*φ(x/2)/2 + Φ(x/2)"),
        # a number before the factors, not a minus before the sum: -1.679*σ*(x*σ - x - 1)
        ("x*sigmoid(x)*1.67917679", {}, "1.67917679*σ(x)*(x*(1 - σ(x)) + 1)"),
    ],
)
def test_typed_formulas_print_in_named_functions(
    text: str, params: dict[str, float], derivative: str
) -> None:
    record = formula_record(text, params=params, catalog=load_catalog())
    assert record["display"]["derivative"] == derivative
    # the machine field stays SymPy's primitive functions, parseable as before
    machine = sp.sympify(record["derivative"])
    assert not machine.atoms(sp.Function) - machine.atoms(
        sp.exp, sp.log, sp.erf, sp.tanh, sp.cosh, sp.sech, sp.Abs, sp.sign
    )
    assert record["legend"], "a named form carries its legend"
    named = [c for c in record["verification"]["checks"] if c["name"].startswith("named form")]
    assert named
    assert all(c["status"] in ("proved", "confirmed") for c in named)


def test_legend_defines_each_named_function_used() -> None:
    record = formula_record("x*tanh(log(1+exp(x)))")
    assert [e["name"] for e in record["legend"]] == ["σ", "softplus", "sech"]
    assert record["legend"][0]["display"] == "σ(x) = 1/(1 + exp(-x))"
    assert record["latex"]["derivative"].count(r"\sigma(x)") == 1


def test_latex_of_named_functions() -> None:
    s, z = Sigmoid(X), Softplus(X)
    tex = to_latex(NormalCDF(X) + X * NormalPDF(X) + s * sp.sech(z) ** 2, LatexOptions())
    for piece in (r"\Phi(x)", r"\phi(x)", r"\sigma(x)", r"\operatorname{softplus}(x)"):
        assert piece in tex
    assert r"\operatorname{sech}^{2}" in tex


def test_named_functions_expand_to_their_definitions() -> None:
    env = {X: mpmath.mpf("0.7")}
    for named, plain in (
        (Sigmoid(X), 1 / (1 + sp.exp(-X))),
        (Softplus(X), sp.log(1 + sp.exp(X))),
        (NormalCDF(X), (1 + sp.erf(X / sp.sqrt(2))) / 2),
        (NormalPDF(X), sp.exp(-(X**2) / 2) / sp.sqrt(2 * sp.pi)),
    ):
        a = compile_mp(expand_named(named))(env)
        b = compile_mp(plain)(env)
        assert abs(a - b) < 1e-25


def test_quick_gelu_prints_as_silu_at_its_scale() -> None:
    """x·σ(1.702x), as the GELU paper writes it: f' = σ(1.702x)(1 + 1.702x(1 − σ(1.702x)))
    (the scale kept whole, not the cosh form, 13 operations, that was printed before)."""
    d = derive(load_catalog(), "quick_gelu")
    _, derivative, _ = printed_forms(d)
    assert display_text(derivative, d.spellings) == "σ(1.702*x)*(1.702*x*(1 - σ(1.702*x)) + 1)"
    assert ops(derivative) == 12
    named, plain = compile_mp(expand_named(derivative)), compile_mp(d.derivative)
    for xv in ("-3.1", "0.4", "2.7"):
        env = {X: mpmath.mpf(xv)}
        assert abs(named(env) - plain(env)) < 1e-12


def test_scales_are_the_numeric_factors_of_named_arguments() -> None:
    k = sp.Rational(851, 500)
    assert scales(Sigmoid(k * X) * (1 + X)) == [k]
    assert scales(Sigmoid(X) + Softplus(2 * X) + sp.sech(X / 3) ** 2) == [2, sp.Rational(1, 3)]
    assert scales(Sigmoid(sp.Symbol("beta") * X)) == []  # a parameter's scale stays as it is


def test_tie_goes_to_the_named_function_f_already_prints() -> None:
    s = Sigmoid(2 * X)
    named = s * (2 * X * (1 - s) + 1)
    plain = (2 * X + sp.exp(2 * X) + 1) / (4 * sp.cosh(X) ** 2)
    assert ops(named) == ops(plain) == 9
    assert measure(plain) < measure(named)  # σ needs a line of legend of its own
    assert measure(named, kinds(X * s)) < measure(plain, kinds(X * s))  # f prints σ already


def test_measure_counts_each_named_function_as_one_operation() -> None:
    s = Sigmoid(X)
    assert ops(s * (1 + X * (1 - s))) == 6
    assert ops(s) == 1
    assert ops(sp.Piecewise((1, X > 0), (Y + 1, True))) == 2


def test_mixed_form_is_labelled_and_shorter_for_silu() -> None:
    d = derive(load_catalog(), "silu")
    _, derivative, selfref = printed_forms(d)
    assert display_text(selfref) == "y + σ(x)*(1 - y)"
    assert d.self_referential is not None
    assert not d.self_referential.output_only
    assert readability(derivative, selfref)["shortest"] == "self_referential"


@pytest.mark.parametrize("alpha", [0.5, 3.0])
def test_isru_output_only_for_any_alpha(alpha: float) -> None:
    record = formula_record("x/sqrt(1 + a*x**2)", params={"a": alpha})
    assert record["output_only"]
    form = sp.sympify(record["self_referential"])
    assert sp.simplify(form - sp.sympify("(1 - a*y**2)**(3/2)")) == 0


def test_cloglog_output_only_form() -> None:
    record = formula_record("1 - exp(-exp(x))")
    assert record["output_only"]
    assert record["verified"]


def _float64_errors(text: str, params: dict[str, float] | None = None) -> list[float]:
    """The output-only form evaluated at y = f(x) rounded to float64, against f'(x) exactly."""
    d = derive_formula(text, params=params)
    assert d.self_referential is not None
    env0: dict[Any, Any] = {
        s: mpmath.mpf(v) for s in d.expr.free_symbols - {X} for n, v in d.params if s.name == n
    }
    f, g, h = compile_mp(d.expr), compile_mp(d.derivative), compile_mp(d.self_referential.expr)
    errors = []
    with mpmath.workdps(30):
        for xv in [-6 + k * 0.37 for k in range(33)] + [-1.0, 0.0, 1.0]:
            env = {**env0, X: mpmath.mpf(xv)}
            y, want = real_value(f, env), real_value(g, env)
            if y is None or want is None:
                continue
            got = real_value(h, {**env, Y: mpmath.mpf(float(y))})
            assert got is not None, f"undefined at x = {xv}"
            errors.append(float(abs(got - want)))
    return errors


def test_talu_output_form_is_not_chosen_by_an_exact_irrational_equality() -> None:
    # TaLU: tanh(-1) rounded to float64 lies just above -tanh(1); y <= -tanh(1) picked 1 - y^2
    text = "x if x >= 0 else (tanh(x) if x > -1 else tanh(-1))"
    record = formula_record(text)
    assert "tanh(1)" not in (record["self_referential"] or "")
    assert max(_float64_errors(text)) < 1e-12


@pytest.mark.parametrize(
    ("text", "params"),
    [
        ("1/(1+exp(-x))", None),
        ("tanh(x)", None),
        ("x if x > 0 else a*(exp(x) - 1)", {"a": 1.0}),
        ("x/sqrt(1 + a*x**2)", {"a": 1.0}),
        ("max(-1, min(1, x))", None),
        ("exp(-exp(-x))", None),
    ],
)
def test_output_only_forms_hold_with_float64_outputs(
    text: str, params: dict[str, float] | None
) -> None:
    assert max(_float64_errors(text, params)) < 1e-9


def test_derivative_agrees_with_the_breakpoint_table_at_kinks() -> None:
    # symexp: exp(|x|) is 1 at 0, but sign(x)·(exp(|x|) − 1) has derivative 0 there (PyTorch too)
    d = derive_formula("sign(x)*(exp(abs(x)) - 1)")
    (bp,) = d.breakpoints
    assert bp.value == 0
    assert d.derivative.subs(X, 0) == 0
    assert d.derivative.subs(X, 1) == sp.E


def test_decimals_multiplied_together_keep_the_source_s_constants() -> None:
    """transformers' FastGELU multiplies 0.7978845608 by 0.044715: the derivative printed over one
    common denominator, 0.000000000000002*(997355701*x*(…)*(26829*x^2 + 200000) + …), is exact
    but holds five numbers that are not in the source; the printed form holds none."""
    record = formula_record("0.5*x*(1 + tanh(0.7978845608*x*(1 + 0.044715*x*x)))")
    shown = record["display"]["derivative"]
    for number in ("997355701", "26829", "200000", "250000000000000", "0.000000000000002"):
        assert number not in shown
    assert "3*0.044715*0.7978845608*x^2" in shown
    assert "sech(0.7978845608*x*(0.044715*x^2 + 1))^2" in shown


def test_numbers_a_reader_cannot_find_in_the_definition_count_in_the_measure() -> None:
    f = sp.Rational(997355701, 1250000000) * X * (1 + sp.Rational(8943, 200000) * X**2)
    explained = sp.Rational(3 * 8943 * 997355701, 200000 * 1250000000) * X**2
    assert measure(explained, reference=f)[0] == ops(explained)
    # as factor() writes it (SymPy would multiply a number into a sum built with evaluation)
    inner = 997355701 * X * (26829 * X**2 + 200000) + 250000000000000
    merged = sp.Mul(sp.Rational(1, 500000000000000), inner, evaluate=False)
    assert measure(merged, reference=f)[0] == ops(merged) + 2 * 5
    # plain numbers (3, 1/2, 128) and the definition's own cost nothing
    assert measure(128 * X / 2 + sp.Rational(1, 3), reference=X)[0] == ops(
        64 * X + sp.Rational(1, 3)
    )
