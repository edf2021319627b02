"""--formula EXPR (with -p and --name) wherever a command takes a catalog name: show, compare,
plot, gradient (and codegen: tests/test_codegen_train.py). Typed formulas go through derive's
path; their JSON validates against the schema, and a label reaches LaTeX escaped."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema

from actderiv import schema


def check(value: Any, kind: str) -> None:
    """Strictly against the generated schema (jsonschema), and by the store's own validator."""
    jsonschema.Draft202012Validator(schema.json_schema(kind)).validate(value)
    schema.check(value, kind)


def test_show_takes_a_formula_with_a_name(run: Callable[..., Any]) -> None:
    result = run("show", "--formula", "a*x + x**3", "-p", "a=1.5", "--name", "cubic")
    assert result.exit_code == 0, result.stderr
    assert "cubic — f(x) = a*x + x**3" in result.stdout
    record = json.loads(
        run("show", "--formula", "a*x + x**3", "-p", "a=1.5", "--name", "sb", "--json").stdout
    )
    check(record, "record")
    assert record["name"] == "sb"
    by_derive = json.loads(run("derive", "a*x + x**3", "-p", "a=1.5", "--json").stdout)
    assert {**by_derive, "name": "sb", "title": "f(x) = a*x + x**3"} == record
    unnamed = json.loads(run("show", "--formula", "-x", "--json").stdout)  # a leading minus
    assert unnamed == json.loads(run("derive", "-x", "--json").stdout)


def test_show_takes_a_name_or_a_formula(run: Callable[..., Any]) -> None:
    both = run("show", "relu", "--formula", "x")
    assert both.exit_code == 2
    assert "one of them" in both.stderr
    assert run("show").exit_code == 2
    assert run("show", "elu", "-p", "alpha=2").exit_code == 2


def test_compare_puts_formulas_beside_entries(run: Callable[..., Any]) -> None:
    args = ("compare", "relu", "--formula", "a*x + x**3", "-p", "a=2", "--name", "cubic")
    result = run(*args, "--json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    check(rows, "compare")
    assert [r["name"] for r in rows] == ["relu", "cubic"]
    assert rows[1]["properties"]["monotonic"] is True
    table = run(*args)
    assert table.exit_code == 0
    assert "cubic" in table.stdout
    assert run("compare").exit_code == 2
    assert run("compare", "relu", "-p", "a=1").exit_code == 2


def test_plot_draws_formulas_and_escapes_their_labels(run: Callable[..., Any]) -> None:
    result = run("plot", "silu", "--formula", "x*sigmoid(b*x)", "-p", "b=2", "--name", "swish2")
    assert result.exit_code == 0, result.stderr
    assert "swish2(x)" in result.stdout
    assert "silu(x)" in result.stdout
    tex = run(
        "plot", "--formula", "x*sigmoid(x)", "--name", "a}b\\$%", "--format", "pgfplots",
        "--points", "3",
    )  # fmt: skip
    assert tex.exit_code == 0, tex.stderr
    assert r"\addlegendentry{$\text{a\}b\textbackslash{}\$\%}(x)$}" in tex.stdout
    unnamed = run("plot", "--formula", "x*sigmoid(x)", "--format", "pgfplots", "--points", "3")
    assert r"\text{x*sigmoid(x)}(x)" in unnamed.stdout
    assert run("plot").exit_code == 2
    assert run("plot", "relu", "--name", "r").exit_code == 2


def test_gradient_takes_a_formula(run: Callable[..., Any]) -> None:
    by_option = run("gradient", "--formula", "x*sigmoid(b*x)", "-p", "b=1.5", "--json")
    assert by_option.exit_code == 0, by_option.stderr
    result = json.loads(by_option.stdout)
    check(result, "gradient")
    by_flag = run("gradient", "x*sigmoid(b*x)", "--formula", "-p", "b=1.5", "--json")
    assert json.loads(by_flag.stdout) == result
