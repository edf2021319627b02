"""The textbook benchmark (benchmarks/textbook.py) in CI: every printed derivative is no longer
than the form a paper or textbook prints, plus one operation (issue 19, item 3)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "textbook.py"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("actderiv_textbook_benchmark", BENCH)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_textbook_cases_have_sources_and_cover_forty_entries() -> None:
    bench = _benchmark()
    assert len(bench.CASES) >= 40
    assert len({c.name for c in bench.CASES}) == len(bench.CASES)
    assert all(c.source.strip() and c.shown.strip() for c in bench.CASES)


def test_printed_derivatives_are_no_longer_than_the_textbook_forms_plus_one() -> None:
    bench = _benchmark()
    results = bench.run()  # the shipped records: instant once they are built
    longer = [
        f"{r.case.name}: printed {r.printed} ({r.form}) > textbook {r.textbook} + 1"
        for r in results
        if not r.passed
    ]
    assert not longer, longer
    median, _ = bench.summary(results)
    assert median <= 1.0
