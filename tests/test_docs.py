"""The examples in the documentation run: docs/api.md and the docstrings of the public API."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from pathlib import Path

import pytest

import actderiv.api
import actderiv.results

ROOT = Path(__file__).resolve().parent.parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _examples(text: str) -> int:
    return len(doctest.DocTestParser().get_examples(text))


@pytest.mark.parametrize(
    ("page", "least"),
    [pytest.param("docs/api.md", 30, marks=pytest.mark.slow), ("README.md", 6)],
)
def test_the_python_examples_of_the_docs_run(page: str, least: int) -> None:
    path = ROOT / page
    assert _examples(path.read_text(encoding="utf-8")) >= least  # the page is really tested

    result = doctest.testfile(str(path), module_relative=False, optionflags=FLAGS)

    assert result.failed == 0


@pytest.mark.parametrize("module", [actderiv.api, actderiv.results], ids=lambda m: m.__name__)
def test_the_docstring_examples_run(module: object) -> None:
    result = doctest.testmod(module, optionflags=FLAGS)  # type: ignore[arg-type]

    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_api_function_is_documented_and_typed() -> None:
    import inspect

    for name in actderiv.api.__all__:
        item = getattr(actderiv.api, name)
        assert inspect.getdoc(item), name
        if inspect.isfunction(item):
            hints = inspect.get_annotations(item)
            assert "return" in hints, name


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("elu", {}),
        ("gelu", {}),
        ("swish", {"wrt": "beta"}),
        ("tanh", {"order": 2}),
        ("leaky_relu", {"wrt": "negative_slope"}),
        ("elu", {"wrt": "alpha", "order": 2}),
    ],
)
def test_the_notebook_latex_of_a_report_compiles(
    compile_latex: Callable[..., str], tmp_path: Path, name: str, kwargs: dict[str, object]
) -> None:
    report = actderiv.api.report(actderiv.api.load_catalog(), name, **kwargs)  # type: ignore[arg-type]
    latex = report._repr_latex_()
    assert latex.startswith("$")
    assert latex.endswith("$")
    compile_latex(
        "\\documentclass{article}\\usepackage{amsmath}\\begin{document}\n"
        + latex
        + "\n\\end{document}\n",
        tmp_path,
    )


def test_a_verification_report_lists_failures_and_draws_the_verify_table() -> None:
    from rich.console import Console

    summary = {
        "summary": {"proved": 1, "confirmed": 0, "failed": 1, "undecided": 0},
        "results": [
            {
                "name": "bad",
                "verified": False,
                "summary": {"proved": 1, "failed": 1},
                "checks": [
                    {
                        "name": "derivative",
                        "status": "proved",
                        "detail": "",
                        "counterexample": None,
                    },
                    {
                        "name": "claim",
                        "status": "failed",
                        "detail": "at x=1",
                        "counterexample": None,
                    },
                ],
            }
        ],
    }
    report = actderiv.results.VerificationReport(summary)
    console = Console(width=100, no_color=True)
    with console.capture() as captured:
        console.print(report)

    assert not report.ok
    assert report.failures == [
        {
            "activation": "bad",
            "name": "claim",
            "status": "failed",
            "detail": "at x=1",
            "counterexample": None,
        }
    ]
    assert "bad" in captured.get()
    assert "1 failed" in report._repr_latex_()
