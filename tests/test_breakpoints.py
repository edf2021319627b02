"""Every real zero of the argument of |.|, sign and the conditions of a branch is a switch point,
found exactly (a polynomial's roots as CRootOf, printed to 17 digits); where a zero cannot be
found, the derivation, its verification and its properties say so instead of omitting it."""

from __future__ import annotations

import mpmath
import sympy as sp

from actderiv.engine.budget import EngineOptions
from actderiv.engine.derive import derive
from actderiv.engine.formula import formula_from_text
from actderiv.engine.kinks import switch_points
from actderiv.engine.properties import properties_of
from actderiv.engine.verify import verify_derivation

OPTS = EngineOptions(search_self_referential=False)


def _breakpoints(
    text: str, **params: float
) -> list[tuple[float, float, float, float, bool | None]]:
    d = derive(formula_from_text(text, params, None), options=OPTS)
    return [
        (float(b.x), float(b.left), float(b.right), float(b.value), b.differentiable)
        for b in d.breakpoints
    ]


def _one_sided(f_text: str, root: sp.Expr, side: int) -> float:
    """mpmath's one-sided derivative of f (plain: abs, +, *, /, powers) just beside ``root``."""
    f = sp.lambdify(sp.Symbol("x", real=True), sp.sympify(f_text), "mpmath")
    with mpmath.workdps(80):
        x0 = mpmath.mpf(str(sp.N(root, 80)))
        return float(mpmath.diff(f, x0 + side * mpmath.mpf(10) ** -40, 1))


def test_irrational_roots_of_a_cubic_inside_abs_are_all_kinks() -> None:
    # x^3 - 3x + 1 has three real roots, which SymPy's radicals write with I (casus
    # irreducibilis); the old code listed none of them.
    found = _breakpoints("x/(1 + abs(x**3 - 3*x + 1))")
    roots = sp.Poly(sp.sympify("x**3 - 3*x + 1")).real_roots()
    assert [b[0] for b in found] == [float(sp.Float(sp.N(r, 17), 17)) for r in roots]
    for (_, left, right, value, differentiable), root in zip(found, roots, strict=True):
        assert differentiable is False
        assert value == 1.0  # sign(0) = 0: the derivative as written is 1/(1 + 0)
        assert abs(left - _one_sided("x/(1 + Abs(x**3 - 3*x + 1))", root, -1)) < 1e-9
        assert abs(right - _one_sided("x/(1 + Abs(x**3 - 3*x + 1))", root, +1)) < 1e-9


def test_rational_version_b_lists_its_second_tiny_kink() -> None:
    # rational_activations' version B at its leaky-ReLU start: the polynomial in |.| is 0 at 0
    # and at x ~ -1.2e-5 (b1 being small); the table used to list 0 alone.
    b = {"b1": 4.812831860534153e-05, "b2": 3.9802479055059194}
    b |= {"b3": 1.5837587665720168e-05, "b4": 0.30183382839661377}
    text = "(1 + x)/(1 + abs(b1*x + b2*x**2 + b3*x**3 + b4*x**4))"
    found = _breakpoints(text, **b)
    assert len(found) == 2
    (x0, left, right, _value, differentiable), zero = found
    assert zero[0] == 0.0
    assert -1.21e-5 < x0 < -1.20e-5
    assert differentiable is False
    plain = text.replace("abs", "Abs")
    for k, v in b.items():
        plain = plain.replace(k, f"({sp.nsimplify(v, rational=True)})")
    inner = sp.cancel(sp.sympify(plain.split("Abs(")[1][:-2]) / sp.Symbol("x"))
    root = next(r for r in sp.Poly(inner).real_roots() if r < 0)
    assert abs(left - _one_sided(plain, root, -1)) < 1e-12
    assert abs(right - _one_sided(plain, root, +1)) < 1e-12
    assert left != right


def test_a_switch_point_not_found_is_said_not_omitted() -> None:
    # x = sin(x) only at 0, which SymPy's solveset does not find (nor, the critical points of
    # x - sin(x) being infinitely many, the monotone pieces): the derivation notes it, verify
    # has an undecided check, and the properties decide nothing (they said "range (-oo, oo),
    # proved" when the pieces were taken as one).
    formula = formula_from_text("min(x, sin(x))", {}, None)
    missed: list[str] = []
    assert switch_points(formula.expr, formula, OPTS, missed) == []
    assert missed == ["x - sin(x)"]
    d = derive(formula, options=OPTS)
    assert any("x - sin(x) = 0" in n and "undecided" in n for n in d.notes)
    checks = {c.name: c for c in verify_derivation(formula, d).checks}
    assert checks["breakpoints"].status == "undecided"
    props = properties_of(formula)
    assert props["range"]["high"] is None
    assert props["continuity"] is None
    assert "x - sin(x) = 0" in props["notes"][0]


def test_a_zero_at_a_critical_point_of_a_monotone_piece_is_found() -> None:
    # x - tanh(x) has derivative tanh(x)^2: increasing, and 0 at its one critical point
    formula = formula_from_text("max(x, tanh(x))", {}, None)
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert [p.value for p in points] == [0.0]
    props = properties_of(formula)
    assert props["range"]["low"] == "-1"
    assert props["continuity"] == 2


def test_a_zero_strictly_inside_a_monotone_piece_is_missed_not_guessed() -> None:
    formula = formula_from_text("max(x - 1, tanh(x))", {}, None)
    missed: list[str] = []
    assert switch_points(formula.expr, formula, OPTS, missed) == []
    assert missed == ["-x + tanh(x) + 1"]


def test_zeros_of_a_product_are_found_factor_by_factor() -> None:
    formula = formula_from_text("max(x, x*exp(-abs(x)))", {}, None)
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert [p.value for p in points] == [0.0]
