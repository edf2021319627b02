"""Property tests of the parser (Hypothesis): bounded, never runs code, and round-trips.

- Random text (formula-like tokens and arbitrary characters): parsing either succeeds or raises
  FormulaError, never anything else, and finishes quickly.
- Formulas generated from the grammar: printing the parsed expression back in the formula
  language and parsing that gives an equal expression.
"""

from __future__ import annotations

import contextlib
import time

import mpmath
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actderiv.errors import FormulaError
from actderiv.lang.parse import Scope, X, param_symbol, parse_formula
from actderiv.lang.unparse import to_formula
from actderiv.numerics import compile_mp

A = param_symbol("a", 0.5)
SCOPE = Scope({"a": A})
TOKENS = [
    "x",
    "a",
    "y",
    "e",
    "pi",
    "1",
    "2.5",
    "1e3",
    "9",
    "64",
    "(",
    ")",
    "+",
    "-",
    "*",
    "/",
    "**",
    " if ",
    " else ",
    " and ",
    " or ",
    " not ",
    "<",
    "<=",
    ">",
    "==",
    "!=",
    ",",
    "exp(",
    "log(",
    "tanh(",
    "max(",
    "min(",
    "abs(",
    "sqrt(",
    "erf(",
    "clip(",
    "heaviside(",
    ".",
    "__class__",
    "[",
    "]",
    "lambda",
    ":",
    "'",
    '"',
    "__import__(",
    "import ",
    "^",
    "@",
    "%",
    "\x00",
    "é",
    "ｘ",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_token_soup_parses_or_raises_formula_error_quickly(text: str) -> None:
    start = time.monotonic()
    with contextlib.suppress(FormulaError):
        parse_formula(text, SCOPE)
    assert time.monotonic() - start < 2.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_parses_or_raises_formula_error(text: str) -> None:
    with contextlib.suppress(FormulaError):
        parse_formula(text, SCOPE)


_LEAF = st.sampled_from(["x", "a", "2", "0.5", "pi", "e", "(x - 1)"])
_FUNC = st.sampled_from(["exp", "tanh", "atan", "sin", "erf", "abs", "sqrt", "log1p", "sign"])


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(_FUNC, inner).map(
            lambda t: f"{t[0]}(({t[1]})**2)" if t[0] in ("sqrt", "log1p") else f"{t[0]}({t[1]})"
        ),
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({' '.join(t)})"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"min({t[0]}, {t[1]})"),
        st.tuples(inner, inner, st.sampled_from(["<", "<=", ">", ">="])).map(
            lambda t: f"({t[0]} if x {t[2]} 0.25 else {t[1]})"
        ),
        inner.map(lambda c: f"({c})**2"),
    )


FORMULAS = st.recursive(_LEAF, _grow, max_leaves=6)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULAS)
def test_printing_and_parsing_back_gives_an_equal_expression(text: str) -> None:
    expr = parse_formula(text, SCOPE)
    printed = to_formula(expr)
    again = parse_formula(printed, SCOPE)
    if again == expr:
        return
    # the same function written another way: compare values (at and around the branch points)
    f, g = compile_mp(expr), compile_mp(again)
    for xv in (-2.3, -1.0, -0.5, 0.0, 0.25, 0.5, 0.7, 1.0, 1.9, 3.1):
        env = {X: mpmath.mpf(xv), A: mpmath.mpf("0.5")}
        assert mpmath.almosteq(f(env), g(env), 1e-20), (text, printed, xv)
