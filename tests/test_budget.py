"""Work budgets: counted in steps (SymPy nodes and polynomial-algorithm calls), never in seconds.

No test here depends on timing: a budget ends at the same point of the work on any machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sympy as sp

from actderiv import api
from actderiv.catalog.model import Catalog
from actderiv.engine import budget
from actderiv.engine.budget import (
    EngineOptions,
    WorkExhausted,
    attempt,
    collecting,
    fresh_state,
    spent,
    work_budget,
)
from actderiv.errors import BudgetExceeded
from actderiv.lang.parse import X

DATA = Path(__file__).parent / "data"


def _work() -> sp.Expr:
    """Some symbolic work that creates thousands of nodes, and 0 when it is done."""
    y, z = sp.symbols("y z")
    return sp.expand((X + y + z) ** 14) - sp.expand((X + y + z) ** 7 * (X + y + z) ** 7)


def _steps(fn: object) -> int:
    fresh_state()
    start = spent()
    assert callable(fn)
    fn()
    return spent() - start


def test_the_same_work_takes_nearly_the_same_steps() -> None:
    """Within a percent (SymPy keeps a few memos that ``fresh_state`` cannot clear): the
    budgets in engine/budget.py leave margins of several times either way."""
    _work()  # SymPy imports some modules on first use, and builds their constants then
    first, second = _steps(_work), _steps(_work)
    assert first > 500
    assert abs(first - second) <= first / 100


def test_a_budget_runs_out_at_a_step_count_and_says_where() -> None:
    _work()
    needed = _steps(_work)
    fresh_state()
    with collecting() as exhausted:
        assert attempt(_work, needed // 10, "fallback", "a test simplify") == "fallback"
    assert exhausted == [f"the budget of {needed // 10:,} steps was spent in a test simplify"]
    fresh_state()
    with collecting() as exhausted:
        assert attempt(_work, 2 * needed, None, "a test simplify") == 0
    assert exhausted == []


def test_the_budget_signal_passes_through_except_exception() -> None:
    """SymPy catches Exception in places; the signal that ends a budget is not one."""
    assert not issubclass(WorkExhausted, Exception)

    def swallowing() -> str:
        try:
            _work()
        except Exception:
            return "swallowed"
        return "finished"

    fresh_state()
    assert attempt(swallowing, 100, "fallback") == "fallback"


def test_an_inner_budget_never_outlives_the_outer_one() -> None:
    fresh_state()
    with pytest.raises(WorkExhausted) as caught, work_budget(100, "the outer work") as outer:
        # The inner attempt would allow far more: the outer budget ends it, and is not absorbed
        # as the inner attempt's fallback.
        attempt(_work, 10**9, "inner fallback", "the inner work")
    assert caught.value.budget is outer
    assert str(caught.value) == "the budget of 100 steps was spent in the outer work"


def test_polynomial_work_is_counted() -> None:
    """Factoring creates few expression nodes: its algorithms' calls count as steps."""
    x, y = sp.symbols("x y")
    poly = sp.expand((x**3 + y**2 * x + 7) * (x**2 - y**3 + 2) * (x * y + 5))
    assert _steps(lambda: sp.factor_list(poly)) > 500


def test_a_muted_block_keeps_its_messages() -> None:
    fresh_state()
    with collecting() as outer:
        with collecting(propagate=False) as inner:
            attempt(_work, 50, None, "a rewrite")
        assert inner == ["the budget of 50 steps was spent in a rewrite"]
    assert outer == []


def test_the_hang_guard_is_an_error_never_a_fallback() -> None:
    def hangs() -> None:
        raise BudgetExceeded(60.0, "the derivation")

    with pytest.raises(BudgetExceeded):
        attempt(hangs, 1000, None)


def test_a_broad_except_inside_the_guarded_work_cannot_swallow_the_hang_guard() -> None:
    """SymPy catches ``Exception`` in many places; the guard's signal must pass through them (a
    swallowed one would let the work finish with whatever answer the handler left)."""
    import time

    swallowed = []

    def spin() -> None:
        end = time.process_time() + 10.0  # processor time: spent only while this runs
        while time.process_time() < end:
            try:
                sum(range(1000))
            except Exception as exc:
                swallowed.append(exc)

    with pytest.raises(BudgetExceeded, match="the spin"), budget.hang_guard(0.05, "the spin"):
        spin()
    assert swallowed == []


def test_budgets_must_be_positive() -> None:
    with pytest.raises(ValueError, match="work budgets must be positive"):
        EngineOptions(step=0)
    with pytest.raises(ValueError, match="positive number of steps"), work_budget(0):
        pass


def test_a_record_whose_budget_ran_out_says_so_and_is_not_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ACTDERIV_NO_CACHE", raising=False)
    monkeypatch.setattr(budget, "PROPERTIES", 50)
    catalog: Catalog = api.load_catalogs([DATA / "tiny.toml"])
    spec = next(iter(catalog))

    record = api.records(catalog, [spec])[0]

    assert record["properties"] is None
    assert record["exhausted"] == ["the budget of 50 steps was spent in the properties"]
    records_dir = Path(os.environ["ACTDERIV_CACHE_DIR"]) / "records"
    assert not list(records_dir.rglob("*.json"))


def test_a_record_within_its_budgets_has_no_exhausted_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")
    catalog = api.load_catalogs([DATA / "tiny.toml"])

    for record in api.records(catalog, list(catalog)):
        assert "exhausted" not in record
