"""The JSON Schema generated from actderiv's types: valid draft 2020-12, printed by ``actderiv
schema``, and every ``--json`` output of every command validates against it (strictly: no key
the types do not name)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict, get_type_hints

import jsonschema
import pytest
from click.testing import CliRunner, Result

from actderiv import schema, typeschema
from actderiv.cli import ExitStatus, cli
from actderiv.cli.schema import KINDS
from actderiv.store import listing

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.toml"


def _validate(value: Any, kind: str) -> None:
    """Strictly against the generated schema (jsonschema), and by the store's own validator."""
    document = schema.json_schema(kind)
    jsonschema.Draft202012Validator(document).validate(value)
    schema.check(value, kind)


# --- the schema itself -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [None, *schema.KINDS])
def test_the_schema_is_valid_draft_2020_12(kind: str | None) -> None:
    document = schema.json_schema(kind)

    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert document["$id"].startswith("https://")
    assert document["$defs"]


def test_the_whole_schema_has_a_definition_per_kind() -> None:
    document = schema.json_schema()

    assert {f"kind-{k}" for k in schema.KINDS} <= set(document["$defs"])
    assert "Record" in document["$defs"]


def test_the_command_offers_every_kind() -> None:
    assert set(KINDS) == set(schema.KINDS)


def test_the_command_prints_the_schema(run: Callable[..., Result]) -> None:
    result = run("schema", "--kind", "record")

    assert result.exit_code == ExitStatus.OK
    assert json.loads(result.stdout) == schema.json_schema("record")


def test_schema_help_does_not_import_sympy() -> None:
    code = (
        "import sys\n"
        "from actderiv.cli import main\n"
        "sys.argv = ['actderiv', 'schema', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'sympy' not in sys.modules, 'sympy was imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "--kind" in done.stdout


class _Inner(TypedDict):
    a: int


class _Outer(TypedDict):
    """An outer thing."""

    s: str
    f: float
    b: bool
    n: None
    choice: Literal["x", "y"]
    items: list[_Inner]
    table: dict[str, int | None]
    maybe: _Inner | None
    later: NotRequired[str]


def test_the_generator_knows_each_annotation() -> None:
    document = typeschema.document(_Outer, "https://example.org/outer.json", "outer")
    outer = document["$defs"]["_Outer"]

    assert document["$ref"] == "#/$defs/_Outer"
    assert outer["required"] == sorted(set(get_type_hints(_Outer)) - {"later"})
    assert outer["additionalProperties"] is False
    assert outer["description"] == "An outer thing."
    props = outer["properties"]
    assert props["s"] == {"type": "string"}
    assert props["f"] == {"type": "number"}
    assert props["b"] == {"type": "boolean"}
    assert props["n"] == {"type": "null"}
    assert props["choice"] == {"enum": ["x", "y"]}
    assert props["items"] == {"type": "array", "items": {"$ref": "#/$defs/_Inner"}}
    assert props["table"]["additionalProperties"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}]
    }
    assert document["$defs"]["_Inner"]["properties"] == {"a": {"type": "integer"}}
    jsonschema.Draft202012Validator.check_schema(document)


@pytest.mark.parametrize(
    "value",
    [
        {"s": 1},
        {"s": "s", "f": True},  # a bool is not a number in JSON Schema
        {"s": "s", "f": 1.0, "b": True, "n": None, "choice": "z"},
        {
            "s": "s",
            "f": 1,
            "b": True,
            "n": None,
            "choice": "x",
            "items": [{"a": 1.5}],
            "table": {},
            "maybe": None,
        },
    ],
)
def test_the_validator_refuses_what_jsonschema_refuses(value: dict[str, Any]) -> None:
    document = typeschema.document(_Outer, "https://example.org/outer.json", "outer")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(value, document)
    with pytest.raises(ValueError, match=r"\$"):
        typeschema.check(value, _Outer)


def test_the_validator_allows_extra_keys_unless_strict() -> None:
    value = {"a": 1, "new": "key"}

    typeschema.check(value, _Inner)
    with pytest.raises(ValueError, match="unexpected key 'new'"):
        typeschema.check(value, _Inner, strict=True)


def test_the_list_rows_type_is_the_schemas() -> None:
    assert get_type_hints(listing.Row) == get_type_hints(schema.ListRow)


@pytest.mark.parametrize(
    "rows",
    [
        [{"name": "a", "expr": "x", "derivative": "1", "output_only": None, "tags": ["t"]}],
        [{"name": "a", "expr": "x", "derivative": "1", "output_only": 1, "tags": []}],
        [{"name": "a", "expr": "x", "derivative": "1", "output_only": True, "tags": [2]}],
        [{"name": "a", "expr": "x", "derivative": "1", "output_only": True}],
        [{"name": "a", "expr": "x", "derivative": "1", "output_only": True, "tags": [], "x": 1}],
        {"name": "a"},
    ],
)
def test_the_row_check_of_list_agrees_with_the_schema(rows: Any) -> None:
    """``list`` checks rows by hand (so as not to import the schema module): the same rows."""
    try:
        _validate(rows, "rows")
    except (jsonschema.ValidationError, ValueError):
        with pytest.raises(ValueError, match=r"not a row|not rows"):
            listing._rows(rows)
    else:
        assert listing._rows(rows) == rows


# --- every command's JSON ----------------------------------------------------------------


@pytest.fixture(scope="module")
def module_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema-cache")


@pytest.fixture
def tiny(module_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``tiny("show", "relu", "--json")``: the command's JSON on tests/data/tiny.toml; the
    tests share one cache folder, so each entry is derived once for the module."""
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(module_cache))
    runner = CliRunner()

    def invoke(*args: str, status: int = ExitStatus.OK) -> Any:
        result = runner.invoke(cli, ["--catalog", str(TINY), *args], catch_exceptions=False)
        assert result.exit_code == status, result.output
        return json.loads(result.stdout)

    return invoke


def test_show_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("show", "relu", "--json"), "record")


def test_show_json_of_a_self_referential_entry(tiny: Callable[..., Any]) -> None:
    _validate(tiny("show", "sigmoid", "--json"), "record")


def test_derive_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("derive", "x/(1 + abs(x))", "--json"), "record")


def test_list_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("list", "--json"), "list")


def test_verify_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("verify", "relu", "sigmoid", "--json"), "verify")


def test_check_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("check", "sigmoid", "--derivative", "y*(1 - y)", "--json"), "check")


def test_check_json_with_a_counterexample(tiny: Callable[..., Any]) -> None:
    found = tiny("check", "relu", "--derivative", "2", "--json", status=ExitStatus.VERIFY_FAILED)
    _validate(found, "check")
    assert found["counterexample"] is not None


def test_compare_json(tiny: Callable[..., Any]) -> None:
    compared = tiny("compare", "relu", "sigmoid", "--json")
    _validate(compared, "compare")
    assert compared[0]["signal"]["gain"] == pytest.approx(2**0.5)  # ReLU: He et al.'s √2


def test_signal_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("signal", "relu", "--sigma-w", "1.2", "--sigma-b", "0.3", "--json"), "signal")


def test_signal_json_without_an_answer(tiny: Callable[..., Any]) -> None:
    found = tiny("signal", "relu", "--sigma-w", "2", "--json", status=1)  # q diverges
    _validate(found, "signal")
    assert found["q_star"] is None
    assert found["reasons"]["q_star"]


def test_critical_line_json(tiny: Callable[..., Any]) -> None:
    _validate(
        tiny("signal", "sigmoid", "--critical-line", "--points", "3", "--json"), "critical-line"
    )


def test_gradient_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("gradient", "relu", "--depth", "4", "--json"), "gradient")


def test_export_json(tiny: Callable[..., Any], tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["--catalog", str(TINY), "export", "relu", "--format", "json", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == ExitStatus.OK, result.output
    _validate(json.loads(out.read_text(encoding="utf-8")), "export")


def test_add_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("add", "double", "2*x", "--dry-run", "--json"), "add")


def test_catalog_check_json(tiny: Callable[..., Any]) -> None:
    _validate(tiny("catalog", "check", "--json"), "catalog-check")


def test_cache_clear_json(tiny: Callable[..., Any]) -> None:
    tiny("show", "relu", "--json")
    cleared = tiny("cache", "clear", "--json")

    _validate(cleared, "cache-clear")
    assert cleared["removed"]["records"] >= 1


def test_verify_against_json(tiny: Callable[..., Any], torch: object) -> None:
    _validate(tiny("verify", "relu", "--against", "torch", "--json"), "framework-check")
