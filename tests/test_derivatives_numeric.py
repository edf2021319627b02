"""Derivatives of typed formulas against mpmath's numerical differentiation of the formula.

The formulas here were not used to develop the engine; the Hypothesis test generates more from
the grammar. Every readable derivative, and every self-referential form found, must agree with
a 30-digit numerical derivative of f at many points away from breakpoints.
"""

from __future__ import annotations

from typing import Any

import mpmath
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actderiv import api
from actderiv.engine.budget import EngineOptions
from actderiv.lang.parse import X, Y
from actderiv.numerics import compile_mp, real_value

FAST = EngineOptions()
POINTS = [-9.7, -4.1, -2.3, -1.1, -0.55, -0.23, 0.07, 0.31, 0.62, 1.3, 2.7, 4.4, 8.9]

FORMULAS: list[tuple[str, dict[str, float]]] = [
    ("x**3 - 2*x + 1", {}),
    ("exp(-x**2/2)*cos(3*x)", {}),
    ("x*atan(x) - log(1 + x**2)/2", {}),
    ("log(cosh(x))", {}),
    ("x/(1 + x**2)", {}),
    ("sqrt(x**2 + c) - sqrt(c)", {"c": 2.0}),
    ("asinh(a*x)/a", {"a": 0.7}),
    ("x*erfc(-x)", {}),
    ("tanh(x)**3", {}),
    ("sin(x)/(2 + cos(x))", {}),
    ("x*exp(-abs(x))", {}),
    ("log1p(exp(-abs(x))) + max(x, 0)", {}),
    ("expm1(x)/(1 + exp(x))", {}),
    ("(x + 1)**(3/2) if x > -1 else 0", {}),
    ("x**2 if x < 1 else 2*x - 1", {}),
    ("atan(x)**2 + sech(x)", {}),
    ("x*tanh(exp(x))", {}),
    ("x*sigmoid(2*x) + softplus(x)/3", {}),
    ("clip(x, -2, 3)**2", {}),
    ("min(x**2, 4) * sign(x)", {}),
    ("x*heaviside(x - 1)", {}),
    ("exp(x) - 1 if x < 0 else x + x**2/2", {}),
    ("a*x + b*x**2", {"a": 0.3, "b": -1.5}),
    ("1/(1 + exp(-k*(x - m)))", {"k": 3.0, "m": 0.5}),
    ("cos(x)**2 - sin(x)**2", {}),
    ("erf(x)*exp(x/10)", {}),
    ("log(1 + abs(x))*sign(x)", {}),
    ("x/sqrt(1 + x**2)", {}),
    ("acosh(1 + x**2)", {}),
    ("x if abs(x) < 2 else 2*sign(x)", {}),
]


def _check(text: str, params: dict[str, float], order: int = 1) -> None:
    catalog = api.load_catalog()
    d = api.derive_formula(text, params=params, catalog=catalog, order=order, options=FAST)
    env0: dict[Any, Any] = {
        sym: mpmath.mpf(value)
        for sym in d.expr.free_symbols - {X}
        for name, value in params.items()
        if sym.name == name
    }
    f, g = compile_mp(d.expr), compile_mp(d.derivative)
    kinks = [float(bp.x) for bp in d.breakpoints]
    selfref = compile_mp(d.self_referential.expr) if d.self_referential else None
    checked = 0
    with mpmath.workdps(30):
        for p in POINTS:
            if any(abs(p - k) < 1e-3 for k in kinks):
                continue
            env = {**env0, X: mpmath.mpf(p)}
            try:
                want = mpmath.diff(lambda t: f({**env0, X: t}), mpmath.mpf(p), order)
            except (ValueError, ZeroDivisionError):
                continue
            if not mpmath.isfinite(want) or isinstance(want, mpmath.mpc):
                continue
            got = real_value(g, env)
            assert got is not None, (text, p)
            assert mpmath.almosteq(got, want, 1e-12, 1e-15), (text, p, got, want)
            if selfref is not None:
                y = real_value(f, env)
                via_y = real_value(selfref, {**env, Y: y})
                assert via_y is not None, (text, p)
                assert mpmath.almosteq(via_y, want, 1e-10, 1e-14), (text, p)
            checked += 1
    assert checked >= 5, f"too few points checked for {text}"


@pytest.mark.parametrize(("text", "params"), FORMULAS, ids=[t for t, _ in FORMULAS])
def test_first_derivative_matches_mpmath(text: str, params: dict[str, float]) -> None:
    _check(text, params)


@pytest.mark.parametrize(("text", "params"), FORMULAS[:12], ids=[t for t, _ in FORMULAS[:12]])
def test_second_derivative_matches_mpmath(text: str, params: dict[str, float]) -> None:
    _check(text, params, order=2)


_LEAF = st.sampled_from(["x", "x", "2*x", "(x - 1)", "0.5", "3"])
_UNARY = st.sampled_from(["exp", "tanh", "sin", "atan", "erf", "cos", "asinh", "sigmoid"])


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(_UNARY, children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(" ".join),
        children.map(lambda c: f"({c})/(1 + ({c})**2)"),
        children.map(lambda c: f"log(1 + ({c})**2)"),
        st.tuples(children, children).map(lambda t: f"{t[0]} if x < 0.25 else {t[1]}"),
    )


FORMULA_TEXT = st.recursive(_LEAF, _grow, max_leaves=5)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULA_TEXT)
def test_generated_formulas_have_correct_derivatives(text: str) -> None:
    _check(text, {})
