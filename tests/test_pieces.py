"""Piecewise forms tidied for people (actderiv.engine.pieces): nested branches folded, dead
branches dropped, |u| and sign(u) written out where a piece fixes their sign; each tidied form
is still proved equal to SymPy's derivative."""

from __future__ import annotations

import pytest
import sympy as sp

from actderiv.engine.derive import derive
from actderiv.engine.formula import formula_from_text
from actderiv.engine.pieces import tidy_pieces
from actderiv.engine.verify import verify_derivation
from actderiv.lang.parse import X as x
from actderiv.records import display_text


@pytest.mark.parametrize(
    ("expr", "tidy"),
    [
        # a dead branch (x = 0 after x >= 0) and x/|x| on x < 0
        (
            sp.Piecewise(
                (1, x >= 0), (sp.Piecewise((0, sp.Eq(x, 0)), (x / (2 * sp.Abs(x)), True)), True)
            ),
            sp.Piecewise((1, x >= 0), (sp.Rational(-1, 2), True)),
        ),
        # sign(1 - exp(-x)) is 1 on x > 0
        (
            sp.Piecewise(
                (sp.Rational(3, 2) + sp.exp(-x) * sp.sign(1 - sp.exp(-x)) / 2, x > 0), (1, True)
            ),
            sp.Piecewise((sp.Rational(3, 2) + sp.exp(-x) / 2, x > 0), (1, True)),
        ),
        # a piece over two intervals is split where that removes |x|
        (
            sp.Piecewise(
                (x - 2 * x / sp.Abs(x), ((x > -2) & (x < -1)) | ((x > 1) & (x < 2))), (0, True)
            ),
            sp.Piecewise((x + 2, (x > -2) & (x < -1)), (x - 2, (x > 1) & (x < 2)), (0, True)),
        ),
        # |x| on a piece that spans 0 stays; a point branch that applies stays
        (
            sp.Piecewise((x * sp.Abs(x), x < 1), (1, True)),
            sp.Piecewise((x * sp.Abs(x), x < 1), (1, True)),
        ),
        (
            sp.Piecewise((0, sp.Eq(x, 0)), (sp.cos(x) / x, True)),
            sp.Piecewise((0, sp.Eq(x, 0)), (sp.cos(x) / x, True)),
        ),
    ],
)
def test_tidy_pieces_folds_drops_dead_branches_and_fixes_signs(
    expr: sp.Expr, tidy: sp.Expr
) -> None:
    assert tidy_pieces(expr) == tidy


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x if x >= 0 else abs(x)/2", "1 if x ≥ 0; -1/2 otherwise"),
        ("x + abs(1 - exp(-x))/2 + x/2 if x > 0 else x", "3/2 + exp(-x)/2 if x > 0; 1 otherwise"),
    ],
)
def test_derivative_display_has_no_nested_branch_eq_or_constant_sign(text: str, shown: str) -> None:
    formula = formula_from_text(text, {}, None)
    d = derive(formula)
    text_shown = display_text(d.derivative)
    assert text_shown == shown
    assert "otherwise otherwise" not in text_shown
    readable = next(c for c in verify_derivation(formula, d).checks if c.name == "readable form")
    assert readable.status == "proved"
