"""Every real zero of the argument of |.|, sign and the conditions of a branch is a switch point,
found exactly (a polynomial's roots as CRootOf, printed to 17 digits) or certified in an
isolating interval (interval arithmetic, where no closed form exists); where the zeros cannot
all be found, the derivation, its verification and its properties say so instead of omitting
them."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp

from actderiv.api import load_catalog
from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions
from actderiv.engine.derive import derive
from actderiv.engine.formula import CatalogResolver, formula_from_text, formula_of
from actderiv.engine.isolate import IsolatedRoot
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
    # sin(x) + exp(-x) = 1/2 has infinitely many zeros on x > 0 (and none below): solveset gives
    # no finite set, and the interval search certifies zeros one after another until its budget
    # of evaluations runs out, so the list it has is not complete. It is not used: the
    # derivation notes the argument, verify has an undecided check, the properties decide nothing.
    formula = formula_from_text("max(sin(x) + exp(-x), 1/2)", {}, None)
    missed: list[str] = []
    with budget.collecting() as spent:
        assert switch_points(formula.expr, formula, OPTS, missed) == []
    assert missed == ["sin(x) - 1/2 + exp(-x)"]
    assert any("interval evaluations" in m for m in spent)
    d = derive(formula, options=OPTS)
    assert any("sin(x) - 1/2 + exp(-x) = 0" in n and "undecided" in n for n in d.notes)
    checks = {c.name: c for c in verify_derivation(formula, d).checks}
    assert checks["breakpoints"].status == "undecided"
    props = properties_of(formula)
    assert props["continuity"] is None
    assert "sin(x) - 1/2 + exp(-x) = 0" in props["notes"][0]


def test_minsin_switches_at_zero_alone_exactly() -> None:
    # x - sin(x): solveset finds no zeros and infinitely many critical points (2*pi*k); its
    # derivative's enclosure over the whole line is [0, 2], so it rises strictly, and it is
    # exactly 0 at 0. (Before: no switch point, an undecided check, no properties.)
    formula = formula_from_text("min(x, sin(x))", {}, None)
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert [(p.exact, p.at_defaults, p.root) for p in points] == [(0, 0, None)]
    d = derive(formula, options=OPTS)
    assert d.breakpoints == ()  # C1 at 0: both pieces have slope 1 there
    assert not any("undecided" in n for n in d.notes)
    statuses = {c.name: c.status for c in verify_derivation(formula, d).checks}
    assert set(statuses.values()) <= {"proved", "confirmed"}, statuses
    props = properties_of(formula)
    assert props["continuity"] == 2
    assert props["range"]["high"] == "1"


def _gelu(x: mpmath.mpf) -> mpmath.mpf:
    return x * (1 + mpmath.erf(x / mpmath.sqrt(2))) / 2


def test_gelu_10_switches_where_gelu_is_10_isolated_not_guessed() -> None:
    # clip(gelu(x), -10, 10): gelu(x) = 10 just above 10 (no closed form), gelu(x) = -10 never
    catalog = load_catalog()
    formula = formula_of(catalog.require("gelu_10"), CatalogResolver(catalog))
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert len(points) == 1
    (point,) = points
    root = point.root
    assert isinstance(root, IsolatedRoot)
    assert str(point.at_defaults) == "10.000000000000000"
    with mpmath.workdps(80):
        truth = mpmath.findroot(lambda x: _gelu(x) - 10, 10)
        lo, hi = (mpmath.mpf(q.p) / q.q for q in (root.lo, root.hi))
        assert lo < truth < hi
        assert hi - lo < mpmath.mpf(10) ** -39 * truth
        assert _gelu(lo) < 10 < _gelu(hi)
        assert abs(mpmath.mpf(str(point.exact)) - truth) < mpmath.mpf(10) ** -38
        assert 7e-23 < truth - 10 < 8e-23  # not 10, which the 17 digits print
    d = derive(formula, options=OPTS)
    (kink,) = d.breakpoints
    assert (kink.left, kink.right, kink.value) == (1, 0, 1)  # gelu'(x0) = 1 + 7e-22
    assert kink.continuous is True
    assert kink.differentiable is False
    statuses = {c.name: c.status for c in verify_derivation(formula, d).checks}
    assert set(statuses.values()) <= {"proved", "confirmed"}, statuses
    assert "breakpoints" not in statuses
    props = properties_of(formula)
    assert props["continuity"] == 0
    assert props["range"]["high"] == "10"  # the clip value, attained beyond the point
    # the point prints with its 17 digits, not as the 10 they round to
    assert props["continuity_limited_at"] == "10.000000000000000"
    assert props["dead_zones"] == [{"low": "10.000000000000000", "high": "oo"}]


def test_every_zero_of_a_bounded_oscillation_is_isolated() -> None:
    # x/10 = sin(x): seven zeros, 0 exactly and six only numerically; beyond |x| = 16 the
    # enclosure of x/10 - sin(x) excludes 0
    formula = formula_from_text("min(x/10, sin(x))", {}, None)
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    with mpmath.workdps(60):
        for p in points:
            if p.root is None:
                assert p.exact == 0
                continue
            assert isinstance(p.root, IsolatedRoot)
            lo, hi = (mpmath.mpf(q.p) / q.q for q in (p.root.lo, p.root.hi))
            zero = mpmath.findroot(lambda x: x / 10 - mpmath.sin(x), (lo + hi) / 2)
            assert lo < zero < hi
    assert [round(p.value, 6) for p in points] == [
        -8.423204, -7.068174, -2.852342, 0.0, 2.852342, 7.068174, 8.423204,
    ]  # fmt: skip


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


def test_a_zero_strictly_inside_a_monotone_piece_is_isolated() -> None:
    # tanh(x) + 1 - x: no closed form (it was missed before); it falls on x > 0 and is positive
    # below, so its one zero is certified in an interval and printed to 17 digits
    formula = formula_from_text("max(x - 1, tanh(x))", {}, None)
    missed: list[str] = []
    (point,) = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert isinstance(point.root, IsolatedRoot)
    with mpmath.workdps(60):
        zero = mpmath.findroot(lambda x: mpmath.tanh(x) + 1 - x, 2)
    assert str(point.at_defaults) == mpmath.nstr(zero, 17)
    (kink,) = _breakpoints("max(x - 1, tanh(x))")
    assert kink[1] == pytest.approx(float(1 - mpmath.tanh(zero) ** 2), rel=1e-15)
    assert kink[2] == 1.0


def test_zeros_of_a_product_are_found_factor_by_factor() -> None:
    formula = formula_from_text("max(x, x*exp(-abs(x)))", {}, None)
    missed: list[str] = []
    points = switch_points(formula.expr, formula, OPTS, missed)
    assert missed == []
    assert [p.value for p in points] == [0.0]
