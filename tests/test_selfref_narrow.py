"""A form in y = f(x) for a narrow bump (GARF's Gaussian, exp(-x^2/(2 sigma^2)) with sigma = 0.1)
is decided: confirmed where it is right, failed where it is wrong. At the sample points out to
|x| = 50, y = exp(-50 x^2) is too small for any comparison in y to decide; the points near the
origin (numerics.NEAR_ORIGIN_XS) are where it is decided."""

from __future__ import annotations

import dataclasses

import pytest

from actderiv.engine.budget import EngineOptions
from actderiv.engine.claims import check_derivative
from actderiv.engine.derivation import SelfReferential
from actderiv.engine.derive import derive
from actderiv.engine.formula import formula_from_text
from actderiv.engine.verify import verify_derivation
from actderiv.lang.parse import Scope, parse_formula

GAUSSIAN = "exp(-x**2/(2*sigma**2))"


def _checks(form: str | None, sigma: float = 0.1) -> dict[str, str]:
    formula = formula_from_text(GAUSSIAN, {"sigma": sigma}, None)
    d = derive(formula, options=EngineOptions(search_self_referential=form is None))
    if form is not None:
        expr = parse_formula(form, Scope(formula.symbols, None, allow_y=True))
        d = dataclasses.replace(
            d,
            self_referential=SelfReferential(expr=expr, output_only=False),
            named=None,
        )
    return {c.name: c.status for c in verify_derivation(formula, d).checks}


def test_the_right_form_is_found_and_confirmed() -> None:
    formula = formula_from_text(GAUSSIAN, {"sigma": 0.1}, None)
    d = derive(formula)
    assert d.self_referential is not None
    assert str(d.self_referential.expr) == "-x*y/sigma**2"
    checks = {c.name: c.status for c in verify_derivation(formula, d).checks}
    assert checks["self-referential form"] == "confirmed"


@pytest.mark.parametrize("sigma", [0.1, 0.02])
def test_the_right_form_is_confirmed_for_narrow_bumps(sigma: float) -> None:
    assert _checks("-x*y/sigma**2", sigma)["self-referential form"] == "confirmed"


@pytest.mark.parametrize(
    "wrong",
    [
        "-2*x*y/sigma**2",  # twice the derivative
        "-x*y/sigma",  # sigma for sigma^2
        "-x*y**2/sigma**2",  # y^2 for y: equal at x = 0 only
        "-x*y/sigma**2 + 1e-6*y",  # a small error
    ],
)
def test_a_wrong_form_for_a_narrow_bump_fails(wrong: str) -> None:
    assert _checks(wrong)["self-referential form"] == "failed"


def test_a_wrong_claimed_form_for_a_narrow_bump_is_wrong() -> None:
    formula = formula_from_text(GAUSSIAN, {"sigma": 0.1}, None)
    d = derive(formula, options=EngineOptions(search_self_referential=False))
    scope = Scope(formula.symbols, None, allow_y=True)
    right = check_derivative(formula, d, parse_formula("-x*y/sigma**2", scope))
    assert right.verdict in ("identical", "same")
    wrong = check_derivative(formula, d, parse_formula("-2*x*y/sigma**2", scope))
    assert wrong.verdict == "wrong"
    assert wrong.counterexample is not None
