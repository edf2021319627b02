"""Constants as the source wrote them (actderiv.lang.spelling) and parameters' declared LaTeX
symbols (the catalog's ``symbols`` field): printed forms only, the mathematics stays exact."""

from __future__ import annotations

import pytest
import sympy as sp

from actderiv.catalog.load import parse_catalog
from actderiv.errors import CatalogError
from actderiv.lang.display import display
from actderiv.lang.parse import Scope, X, parse_spelled
from actderiv.lang.spelling import decimal_tex, decimal_text, spelled
from actderiv.render.tex import name_tex
from actderiv.render.texprint import to_latex

GELU_TANH = "x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x**3)))/2"


def test_decimals_stay_exact_in_the_mathematics_and_as_written_in_print() -> None:
    expr, spellings = parse_spelled(GELU_TANH, Scope({}))
    assert sp.Rational(8943, 200000) in expr.atoms(sp.Rational)  # exact, for proofs
    d = sp.diff(expr, X)
    shown = display(d, spellings)
    assert "0.044715" in shown
    assert "3*0.044715" in shown  # 26829/200000 as the product it is
    assert "sqrt(2/pi)" in shown
    assert "8943" not in shown
    assert "26829" not in shown
    tex = to_latex(spelled(d, spellings))
    assert r"3 \cdot 0.044715" in tex
    assert r"\sqrt{\frac{2}{\pi}}" in tex


@pytest.mark.parametrize(
    ("text", "shown", "tex"),
    [
        ("x*1.702", "1.702*x", r"1.702 x"),
        ("x + 1e-7", "x + 1e-7", r"x + 10^{-7}"),
        ("2.5e-3*x", "2.5e-3*x", r"2.5 \cdot 10^{-3} x"),
        (
            "x*1.0507009873554805*1.6732632423543772",
            "1.0507009873554805*1.6732632423543772*x",
            None,
        ),
        ("0.5*x", "0.5*x", r"0.5 x"),
        ("x/2", "x/2", r"\frac{x}{2}"),  # a fraction written as one stays one
    ],
)
def test_constants_print_as_the_source_wrote_them(text: str, shown: str, tex: str | None) -> None:
    expr, spellings = parse_spelled(text, Scope({}))
    assert display(expr, spellings) == shown
    if tex is not None:
        assert to_latex(spelled(expr, spellings)) == tex


def test_spelled_forms_equal_the_exact_values() -> None:
    expr, spellings = parse_spelled("x*1.0507009873554805*1.6732632423543772 + 0.044715", Scope({}))
    shown = spelled(expr, spellings)
    values = {s: sp.Rational(s.name) for s in shown.free_symbols if s != X}
    assert sp.expand(shown.xreplace(values) - expr) == 0


def test_decimal_helpers() -> None:
    assert decimal_text(sp.Rational(26829, 200000)) == "0.134145"
    assert decimal_text(sp.Rational(-1, 8)) == "-0.125"
    assert decimal_text(sp.Rational(1, 3)) is None
    assert decimal_tex("1e-7") == "10^{-7}"
    assert decimal_tex("0.044715") == "0.044715"


CATALOG = '[activations.lrelu]\ntitle = "L"\nexpr = "x if x > 0 else negative_slope*x"\n'


def test_parameter_symbols_are_read_and_printed() -> None:
    text = (
        CATALOG + 'params = { negative_slope = 0.01 }\nsymbols = { negative_slope = "\\\\alpha" }\n'
    )
    spec = parse_catalog(text, "cat.toml").require("lrelu")
    assert spec.symbols == (("negative_slope", r"\alpha"),)
    slope = sp.Symbol("negative_slope", positive=True)
    assert to_latex(slope * X, symbols=dict(spec.symbols)) == r"\alpha x"


@pytest.mark.parametrize(
    "symbol",
    [r"\\input{/etc/passwd}", r"\\alpha\\beta", "ab", r"\\mathrm{x}", "a_{toolong}", "}", ""],
)
def test_parameter_symbols_outside_the_allow_list_are_refused(symbol: str) -> None:
    text = (
        CATALOG
        + f'params = {{ negative_slope = 0.01 }}\nsymbols = {{ negative_slope = "{symbol}" }}\n'
    )
    with pytest.raises(CatalogError, match="must be a letter or a Greek letter"):
        parse_catalog(text, "cat.toml")


def test_a_symbol_for_an_unknown_parameter_is_refused() -> None:
    text = CATALOG + 'params = { negative_slope = 0.01 }\nsymbols = { slope = "a" }\n'
    with pytest.raises(CatalogError, match="not a parameter"):
        parse_catalog(text, "cat.toml")


@pytest.mark.parametrize(
    ("name", "tex"),
    [("alpha", r"\alpha"), ("lambda_", r"\lambda"), ("lambd", r"\lambda"), ("beta", r"\beta")],
)
def test_greek_names_default_to_greek_letters(name: str, tex: str) -> None:
    assert name_tex(name) == tex


def test_the_reciprocal_of_a_decimal_prints_as_a_division_by_it() -> None:
    """EDM2's mp_silu is silu(x)/0.596: f' printed 250*σ(x)*(…)/149, not …/0.596."""
    from actderiv.pipelines import formula_record, load_catalog

    record = formula_record("x*sigmoid(x)/0.596", catalog=load_catalog())
    assert record["display"]["derivative"] == "σ(x)*(x*(1 - σ(x)) + 1)/0.596"


def test_a_power_of_a_decimal_s_reciprocal_prints_as_a_division() -> None:
    """x(1 + erf(x/1.41421))/2 (Megatron's erf_gelu): f' holds exp(-x²/1.41421²), which
    printed as exp(-10000000000*x^2/19999899241)."""
    from actderiv.pipelines import formula_record

    record = formula_record("x*(1 + erf(x/1.41421))/2")
    assert record["display"]["derivative"] == (
        "x*exp(-x^2/1.41421^2)/(sqrt(pi)*1.41421) + erf(x/1.41421)/2 + 1/2"
    )
