"""The command-line interface: help for every command, one real run of each, exit statuses, and
the JSON contract of docs/ARCHITECTURE.md (required keys; every expression string parses back
with SymPy).
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import sympy as sp
from click.testing import Result

from actderiv import __version__, api
from actderiv.cli import ExitStatus, cli
from actderiv.engine.derivation import Derivation
from actderiv.errors import ActderivError

ROOT = Path(__file__).resolve().parent.parent

Run = Callable[..., Result]

#: Any ANSI escape sequence; and the SGR sequences that set a colour (not bold or dim).
ANSI = re.compile(r"\x1b\[")
ANSI_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;|4[0-7]|10[0-7]|48;)[0-9;]*m")


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture
def warm(tiny: Run, shared_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``tiny`` with a cache shared by this module's tests that only read records (for speed).

    Tests of the cache itself, and the round-trip tests, keep the empty per-test cache.
    """
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(shared_cache))
    return tiny


def json_of(result: Result) -> Any:
    assert result.exit_code == ExitStatus.OK, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout)


# --------------------------------------------------------------------------------------------
# --help for every command and subcommand


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command path, found the way click finds them (the group loads modules lazily, so
    ``group.commands`` alone would hold only what earlier tests happened to import)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


COMMAND_PATHS = [(), *_command_paths(cli)]
assert len(COMMAND_PATHS) > 15  # every command and subcommand, not only the group


def test_the_commands_of_the_brief_exist() -> None:
    assert {" ".join(p) for p in COMMAND_PATHS} >= {
        "",
        "cache",
        "cache clear",
        "cache path",
        "derive",
        "list",
        "show",
    }


def _summary(path: tuple[str, ...]) -> str:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command.get_short_help_str(limit=40).removesuffix("...")


@pytest.mark.parametrize("path", COMMAND_PATHS, ids=lambda p: " ".join(p) or "actderiv")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(run: Run, path: tuple[str, ...], flag: str) -> None:
    result = run(*path, flag)

    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    usage = " ".join(("Usage: cli", *path, "[OPTIONS]"))
    assert result.stdout.startswith(f"{usage}")
    assert f"\n\n  {_summary(path)}" in result.stdout
    assert "\nOptions:\n" in result.stdout
    assert "  -h, --help " in result.stdout


@pytest.mark.parametrize(
    ("path", "usage"),
    [
        ((), "Usage: cli [OPTIONS] COMMAND [ARGS]..."),
        (("list",), "Usage: cli list [OPTIONS]"),
        (("show",), "Usage: cli show [OPTIONS] [NAME]"),
        (("derive",), "Usage: cli derive [OPTIONS] EXPR"),
        (("cache",), "Usage: cli cache [OPTIONS] COMMAND [ARGS]..."),
        (("cache", "clear"), "Usage: cli cache clear [OPTIONS]"),
        (("cache", "path"), "Usage: cli cache path [OPTIONS]"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_usage_lines(run: Run, path: tuple[str, ...], usage: str) -> None:
    assert run(*path, "--help").stdout.splitlines()[0] == usage


def test_help_lists_the_global_options_and_commands(run: Run) -> None:
    out = run("--help").stdout

    for option in ("--version", "--catalog FILE", "--color / --no-color", "--traceback"):
        assert f"\n  {option} " in out
    assert "var: ACTDERIV_CATALOG]" in out
    listed = re.findall(r"^  (\w+) ", out.split("Commands:\n", 1)[1], re.M)
    assert listed == sorted(p[0] for p in COMMAND_PATHS if len(p) == 1)
    assert {"cache", "derive", "list", "show"} <= set(listed)


def test_version(run: Run) -> None:
    result = run("--version")

    assert result.exit_code == ExitStatus.OK
    assert result.stdout == f"actderiv, version {__version__}\n"


def test_python_dash_m_runs_the_cli() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-m", "actderiv", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )

    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout.startswith("Usage: actderiv [OPTIONS] COMMAND [ARGS]...\n")


def test_every_command_is_found_in_the_module_the_lazy_group_names() -> None:
    """The group imports a command's module only when the command runs: the map must be true."""
    import importlib

    from actderiv.cli._base import COMMAND_MODULES

    for name, module in COMMAND_MODULES.items():
        importlib.import_module(f"actderiv.cli.{module}")
        assert name in cli.commands, f"{name} is not defined in actderiv.cli.{module}"
    assert set(cli.commands) == set(COMMAND_MODULES)
    modules = {p.stem for p in (ROOT / "actderiv" / "cli").glob("*.py") if p.stem[0] != "_"}
    assert modules == set(COMMAND_MODULES.values())


#: What the CLI may import from actderiv: itself, the service layer, errors, the terminal
#: renderers and the model types; everything else goes through actderiv.service.Workspace.
CLI_MAY_IMPORT = (
    "actderiv.cli",
    "actderiv.service",
    "actderiv.errors",
    "actderiv.render.terminal",
    "actderiv.render.framework_view",
    "actderiv.render.signal_view",
    "actderiv.render.grid",
    "actderiv.render.safe",  # escapes for error messages
    "actderiv.render.json",
    "actderiv.catalog.model",
    "actderiv.catalog.names",
    "actderiv.schema",  # `actderiv schema` prints the record types' JSON Schema
)


def test_the_cli_goes_through_the_service_layer() -> None:
    import ast

    imported = set()
    for path in (ROOT / "actderiv" / "cli").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] if node.module != "actderiv" else []
                names += [f"actderiv.{a.name}" for a in node.names if node.module == "actderiv"]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            imported |= {(path.name, n) for n in names if n.startswith("actderiv")}

    assert imported  # the walk sees the imports
    assert {
        (file, name)
        for file, name in imported
        if not name.startswith(CLI_MAY_IMPORT) and name != "actderiv.__version__"
    } == set()


def test_the_workspace_answers_without_the_cli(tiny_catalog_path: Path) -> None:
    from actderiv.service import Workspace

    ws = Workspace([tiny_catalog_path])

    assert [s.name for s in ws.specs(["PIECEWISE"])] == ["relu", "elu"]
    assert [s.name for s in ws.named(["ReLU", "relu", "logistic"])] == ["relu", "sigmoid"]
    summary = ws.verify(ws.named(["relu"]))
    assert summary["summary"]["failed"] == 0
    assert ws.check("sigmoid", "y*(1 - y)")["equal"] is True
    outcome = Workspace([tiny_catalog_path]).add("cube", "x**3", dry_run=True)
    assert (outcome.written, outcome.failed, outcome.target) == (False, [], tiny_catalog_path)
    assert "[activations.cube]" in outcome.toml
    with pytest.raises(ValueError, match="several were given"):
        Workspace([tiny_catalog_path, tiny_catalog_path]).target()


# --------------------------------------------------------------------------------------------
# list


def test_list_shows_a_table_with_every_entry(warm: Run) -> None:
    result = warm("list")

    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].strip() == "4 activations"
    names = [m.group(1) for line in lines if (m := re.match(r"│ (\w+) +│", line))]
    assert names == ["sigmoid", "relu", "swish", "elu"]


def test_list_json_is_an_array_of_records(warm: Run) -> None:
    records = json_of(warm("list", "--json"))

    assert [(r["name"], r["title"], r["aliases"]) for r in records] == [
        ("sigmoid", "Logistic sigmoid", ["logistic", "Sigmoid"]),
        ("relu", "Rectified linear unit", ["ReLU"]),
        ("swish", "Swish", []),
        ("elu", "Exponential linear unit", []),
    ]
    assert all(r["verified"] is True for r in records)


@pytest.mark.parametrize("tag", ["piecewise", "PIECEWISE"])
def test_list_tag_filters_ignoring_case(warm: Run, tag: str) -> None:
    table = warm("list", "--tag", tag)
    records = json_of(warm("list", "--tag", tag, "--json"))

    assert table.exit_code == ExitStatus.OK
    assert table.stdout.splitlines()[0].strip() == "2 activations"
    assert "│ relu " in table.stdout
    assert "│ elu " in table.stdout
    assert "sigmoid" not in table.stdout
    assert [r["name"] for r in records] == ["relu", "elu"]


def test_list_with_repeated_tags_takes_any(warm: Run) -> None:
    records = json_of(warm("list", "--tag", "self-gated", "--tag", "piecewise", "--json"))

    assert [r["name"] for r in records] == ["relu", "swish", "elu"]


def test_list_with_unknown_tag_is_empty(warm: Run) -> None:
    assert json_of(warm("list", "--tag", "nosuch", "--json")) == []


@pytest.mark.parametrize("columns", ["30", "80", "200"])
@pytest.mark.parametrize("args", [(), ("--columns", "name,expr,range,tags,dead_zones")])
def test_list_writes_the_text_rich_would_write(
    warm: Run, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], columns: str
) -> None:
    """Without colour the table goes out in one piece (Grid.plain_text), not through Rich's
    render pipeline; the text is the same, folded or cropped alike at any width."""
    from rich.console import Console

    from actderiv.render.grid import Grid

    monkeypatch.setenv("COLUMNS", columns)
    seen: list[tuple[Grid, int]] = []
    plain_text = Grid.plain_text

    def spy(grid: Grid, width: int) -> str:
        seen.append((grid, width))
        return plain_text(grid, width)

    monkeypatch.setattr(Grid, "plain_text", spy)
    result = warm("list", *args)
    grid, width = seen[0]  # (then once more for the grid without the columns hidden at width)
    through_rich = io.StringIO()
    Console(file=through_rich, width=width, highlight=False, soft_wrap=False).print(grid)

    assert result.exit_code == ExitStatus.OK
    assert width == int(columns)
    assert result.stdout == through_rich.getvalue()


def test_list_from_the_cache_loads_neither_the_api_nor_the_derivation_records(
    warm: Run, shared_cache: Path, tiny_catalog_path: Path, modules_after: Any
) -> None:
    assert warm("list").exit_code == ExitStatus.OK  # every record is in the cache now
    loaded = modules_after.cli("--catalog", str(tiny_catalog_path), "list", cache=shared_cache)

    assert "actderiv.cli.inspect" in loaded  # the probe sees what list loads
    assert not {"actderiv.api", "actderiv.results", "actderiv.engine.derivation", "sympy"} & loaded
    assert "rich.panel" not in loaded


def test_list_reports_every_catalog_problem(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        '[activations.a]\ntitle = "A"\nexpr = "tanhh(x)"\n\n'
        '[activations.b]\ntitle = "B"\nexpr = "x"\nparams = { k = "1" }\n',
        encoding="utf-8",
    )

    result = run("--catalog", str(path), "list")

    assert result.exit_code == ExitStatus.ERROR
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: {path}:3: activations.a.expr: unknown function 'tanhh' "
        "(did you mean tanh or atanh?)\n"
        "    tanhh(x)\n"
        "    ^^^^^\n"
        f"{path}:8: activations.b.params: parameter 'k' must have a number as default, "
        "not a string\n"
    )


def test_catalog_from_the_environment(
    run: Run, tiny_catalog_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("ACTDERIV_CATALOG", str(tiny_catalog_path))

    assert [r["name"] for r in json_of(run("list", "--tag", "smooth", "--json"))] == [
        "sigmoid",
        "swish",
    ]


# --------------------------------------------------------------------------------------------
# show


def test_show_relu(warm: Run) -> None:
    result = warm("show", "relu")

    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    lines = [line.strip("│ ").rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("╭─ relu — Rectified linear unit ─")
    assert "f'(x)              0 if x ≤ 0; 1 otherwise" in lines
    assert "f'(x) in y = f(x)  0 if y ≤ 0; 1 otherwise   (needs only the output y)" in lines
    assert "verified           yes" in lines


@pytest.mark.parametrize(("name", "same_as"), [("RELU", "relu"), ("logistic", "sigmoid")])
def test_show_finds_aliases_in_any_case(warm: Run, name: str, same_as: str) -> None:
    result = warm("show", name)

    assert result.exit_code == ExitStatus.OK
    assert result.stdout == warm("show", same_as).stdout
    assert result.stdout.startswith(f"╭─ {same_as} — ")


def test_show_json_has_the_required_keys(warm: Run) -> None:
    record = json_of(warm("show", "relu", "--json"))

    assert {
        key: record[key]
        for key in (
            "name",
            "aliases",
            "params",
            "expr",
            "derivative",
            "self_referential",
            "output_only",
            "verified",
        )
    } == {
        "name": "relu",
        "aliases": ["ReLU"],
        "params": {},
        "expr": "Piecewise((0, x <= 0), (x, True))",
        "derivative": "Piecewise((0, x <= 0), (1, True))",
        "self_referential": "Piecewise((0, y <= 0), (1, True))",
        "output_only": True,
        "verified": True,
    }
    assert [
        {k: bp[k] for k in ("x", "left", "right", "torch")} for bp in record["breakpoints"]
    ] == [{"x": "0", "left": "0", "right": "1", "torch": "0"}]


def test_show_json_of_an_entry_without_pytorch_has_null_torch_values(warm: Run) -> None:
    record = json_of(warm("show", "swish", "--json"))

    assert record["name"] == "swish"
    assert record["params"] == {"beta": 1.0}
    assert record["expr"] == "x/(1 + exp(-beta*x))"  # the call to sigmoid is expanded
    assert record["breakpoints"] == []


def test_show_order_2(tiny: Run) -> None:
    record = json_of(tiny("show", "elu", "--order", "2", "--json"))

    assert record["order"] == 2
    assert record["derivative"] == "Piecewise((0, x > 0), (alpha*exp(x), True))"
    assert [{k: bp[k] for k in ("x", "left", "right")} for bp in record["breakpoints"]] == [
        {"x": "0", "left": "1", "right": "0"}
    ]


def test_show_with_respect_to_a_parameter(tiny: Run) -> None:
    record = json_of(tiny("show", "swish", "--wrt", "beta", "--json"))

    assert record["wrt"] == "beta"
    assert record["derivative"] == "x**2*exp(beta*x)/(exp(beta*x) + 1)**2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("nosuch", "no activation named 'nosuch'"),
        ("sigmod", "no activation named 'sigmod' (did you mean sigmoid?)"),
        ("logistc", "no activation named 'logistc' (did you mean sigmoid?)"),
    ],
)
def test_show_unknown_name(warm: Run, tiny_catalog_path: Path, name: str, message: str) -> None:
    result = warm("show", name)

    assert result.exit_code == ExitStatus.ERROR
    assert result.stdout == ""
    assert result.stderr == f"Error: {tiny_catalog_path}: {message}\n"


def test_show_wrt_a_name_that_is_not_a_parameter_is_a_usage_error(tiny: Run) -> None:
    result = tiny("show", "relu", "--wrt", "alpha")

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == (
        "Usage: cli show [OPTIONS] [NAME]\n"
        "Try 'cli show --help' for help.\n"
        "\n"
        "Error: Invalid value for '--wrt': 'alpha' is not a parameter (parameters: none)\n"
    )


@pytest.mark.parametrize("order", ["0", "21", "-1", "two"])
def test_show_order_out_of_range_is_a_usage_error(tiny: Run, order: str) -> None:
    result = tiny("show", "relu", "--order", order)

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert "Error: Invalid value for '--order' / '-n': " in result.stderr


# --------------------------------------------------------------------------------------------
# derive


def test_derive_json(tiny: Run) -> None:
    record = json_of(tiny("derive", "x*tanh(x)", "--json"))
    x = sp.Symbol("x", real=True)

    assert {
        k: record[k] for k in ("name", "title", "aliases", "params", "expr", "order", "wrt")
    } == {
        "name": None,
        "title": None,
        "aliases": [],
        "params": {},
        "expr": "x*tanh(x)",
        "order": 1,
        "wrt": "x",
    }
    derivative = sp.sympify(record["derivative"], locals={"x": x})
    assert sp.simplify(derivative - sp.diff(x * sp.tanh(x), x)) == 0
    assert record["breakpoints"] == []
    assert record["verified"] is True


def test_derive_with_respect_to_a_parameter(tiny: Run) -> None:
    record = json_of(tiny("derive", "x*a", "--param", "a=2", "--wrt", "a", "--json"))

    assert {k: record[k] for k in ("params", "expr", "wrt", "derivative")} == {
        "params": {"a": 2.0},
        "expr": "a*x",
        "wrt": "a",
        "derivative": "x",
    }


def test_derive_order_2(tiny: Run) -> None:
    record = json_of(tiny("derive", "x*exp(-x**2)", "--order", "2", "--json"))
    x = sp.Symbol("x", real=True)

    assert record["order"] == 2
    derivative = sp.sympify(record["derivative"], locals={"x": x})
    assert sp.simplify(derivative - sp.diff(x * sp.exp(-(x**2)), x, 2)) == 0


def test_derive_expands_calls_to_catalog_entries(tiny: Run) -> None:
    record = json_of(tiny("derive", "x*sigmoid(x)", "--json"))

    assert record["expr"] == "x/(1 + exp(-x))"
    assert "sigmoid" not in record["derivative"]


def test_derive_terminal_output(tiny: Run) -> None:
    result = tiny("derive", "x*a", "-p", "a=2")

    assert result.exit_code == ExitStatus.OK
    assert result.stderr == ""
    lines = [line.strip("│ ").rstrip() for line in result.stdout.splitlines()]
    assert lines[0].startswith("╭─ formula ─")
    assert "f(x)               a*x" in lines
    assert "f'(x)              a" in lines


def test_derive_refusal_is_an_error_with_a_caret(tiny: Run) -> None:
    result = tiny("derive", "tanhh(x)")

    assert result.exit_code == ExitStatus.ERROR
    assert result.stdout == ""
    assert result.stderr == (
        "Error: <formula>: unknown function 'tanhh' (did you mean tanh or atanh?)\n"
        "    tanhh(x)\n"
        "    ^^^^^\n"
    )


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("a=abc", "'abc' is not a number"),
        ("a=", "'' is not a number"),
        ("a=1e999", "'1e999' must be a finite number below 1e12"),
        ("a=nan", "'nan' is not a number"),
        ("a=0x10", "'0x10' is not a number"),
        ("a", "'a' is not NAME=VALUE"),
        (
            "=2",
            "parameter name '' must be an ASCII identifier (no leading '_') other than x, y, e, "
            "pi and the function names",
        ),
        (
            "1a=2",
            "parameter name '1a' must be an ASCII identifier (no leading '_') other than x, y, "
            "e, pi and the function names",
        ),
    ],
)
def test_derive_bad_param_is_a_usage_error(tiny: Run, param: str, message: str) -> None:
    result = tiny("derive", "x*a", "--param", param)

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == (
        "Usage: cli derive [OPTIONS] EXPR\n"
        "Try 'cli derive --help' for help.\n"
        "\n"
        f"Error: Invalid value for '--param' / '-p': {message}\n"
    )


def test_derive_wrt_a_name_that_is_not_a_parameter_is_a_usage_error(tiny: Run) -> None:
    result = tiny("derive", "x*a", "--param", "a=2", "--wrt", "b")

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr == (
        "Usage: cli derive [OPTIONS] EXPR\n"
        "Try 'cli derive --help' for help.\n"
        "\n"
        "Error: Invalid value for '--wrt': 'b' is not a parameter (parameters: a)\n"
    )


def test_derive_without_expr_is_a_usage_error(tiny: Run) -> None:
    result = tiny("derive")

    assert result.exit_code == ExitStatus.USAGE
    assert result.stderr.endswith("\nError: Missing argument 'EXPR'.\n")


# --------------------------------------------------------------------------------------------
# formulas that start with a minus sign, and the global options after the command


@pytest.mark.parametrize(
    ("args", "expr"),
    [
        (("-log(1 + exp(-x))",), "-log(1 + exp(-x))"),
        (("-x*exp(x)", "--order", "2"), "-x*exp(x)"),
        (("--order", "2", "-x*exp(x)"), "-x*exp(x)"),
        (("-a*x", "-p", "a=-1"), "-a*x"),
        (("-n2", "-x**3"), "-x**3"),
        (("-2",), "-2"),
        (("--", "-pi*x"), "-pi*x"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else None,
)
def test_derive_takes_a_formula_that_starts_with_a_minus_sign(
    tiny: Run, args: tuple[str, ...], expr: str
) -> None:
    record = json_of(tiny("derive", "--json", *args))

    assert sp.sympify(record["expr"]) == sp.sympify(expr)


def test_a_formula_that_reads_as_an_option_is_still_one(tiny: Run) -> None:
    result = tiny("derive", "-pi*x")  # -p i*x: the help says to write -- before it

    assert result.exit_code == ExitStatus.USAGE
    assert "'i*x' is not NAME=VALUE" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("derive", "x", "--bogus"), "No such option '--bogus'"),
        (("list", "-x"), "No such option '-x'"),
        (("derive", "-x", "-p"), "Option '-p' requires an argument"),
    ],
)
def test_unknown_options_are_still_usage_errors(
    tiny: Run, args: tuple[str, ...], message: str
) -> None:
    result = tiny(*args)

    assert result.exit_code == ExitStatus.USAGE
    assert message in result.stderr


def test_add_and_check_and_gradient_take_formulas_with_a_minus_sign(
    run: Run, tmp_path: Path
) -> None:
    mine = tmp_path / "mine.toml"

    added = run("add", "neg_exp", "-x*exp(x)", "--catalog", str(mine))
    checked = run("check", "sigmoid", "--derivative", "-y*(y - 1)", "--json")
    gradient = json_of(run("gradient", "-x", "--formula", "--depth", "3", "--json"))

    assert added.exit_code == ExitStatus.OK, added.output
    assert 'expr = "-x*exp(x)"' in mine.read_text(encoding="utf-8")
    assert json.loads(checked.stdout)["equal"] is True
    assert gradient["depth"] == 3


def test_catalog_after_the_command_means_what_it_means_before(
    run: Run, tiny_catalog_path: Path, shared_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(shared_cache))
    tiny = str(tiny_catalog_path)

    before = json_of(run("--catalog", tiny, "list", "--json"))
    after = json_of(run("list", "--json", "--catalog", tiny))

    assert after == before
    assert [r["name"] for r in after] == ["sigmoid", "relu", "swish", "elu"]


def test_catalogs_before_and_after_the_command_are_layered_in_order(
    run: Run, tiny_catalog_path: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[activations.cube]\ntitle = "Cube"\nexpr = "x**3"\n', encoding="utf-8")

    split = run("--catalog", str(tiny_catalog_path), "show", "cube", "--catalog", str(extra))
    only_after = run("show", "relu", "--catalog", str(extra))

    assert split.exit_code == ExitStatus.OK, split.output
    assert only_after.exit_code == ExitStatus.ERROR
    assert "no activation named 'relu'" in only_after.stderr


def test_catalog_after_the_command_replaces_the_environment_s(
    run: Run, tiny_catalog_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = tmp_path / "extra.toml"
    extra.write_text('[activations.cube]\ntitle = "Cube"\nexpr = "x**3"\n', encoding="utf-8")
    monkeypatch.setenv("ACTDERIV_CATALOG", str(tiny_catalog_path))

    result = run("catalog", "check", "--json", "--catalog", str(extra))

    assert json_of(result)["files"] == [str(extra)]


def test_color_and_traceback_after_the_command(tiny: Run) -> None:
    coloured = tiny("show", "relu", "--color")
    plain = tiny("show", "relu", "--color", "--no-color")

    assert COLOUR.search(coloured.stdout)
    assert not ANSI.search(plain.stdout)
    with pytest.raises(ActderivError, match="no activation named 'nosuch'"):
        tiny("show", "nosuch", "--traceback")


@pytest.mark.parametrize("path", COMMAND_PATHS[1:], ids=" ".join)
def test_every_command_s_help_lists_the_global_options(run: Run, path: tuple[str, ...]) -> None:
    out = run(*path, "--help").stdout

    for option in ("--catalog FILE", "--color / --no-color", "--traceback"):
        assert f"\n  {option} " in out, option


def test_the_help_says_where_the_options_and_a_leading_minus_go(run: Run) -> None:
    assert "may also follow the command" in " ".join(run("--help").stdout.split())
    derive = " ".join(run("derive", "--help").stdout.split())
    assert "EXPR may start with a minus sign" in derive
    assert 'actderiv derive "-log(1 + exp(-x))"' in derive
    assert 'actderiv add neg_exp "-x*exp(x)" --catalog' in run("add", "--help").stdout


# --------------------------------------------------------------------------------------------
# cache


def test_cache_path_prints_the_cache_folder(run: Run) -> None:
    result = run("cache", "path")

    assert result.exit_code == ExitStatus.OK
    assert result.stdout == f"{os.environ['ACTDERIV_CACHE_DIR']}\n"


def test_cache_clear_removes_what_show_and_list_stored(tiny: Run, run: Run) -> None:
    folder = os.environ["ACTDERIV_CACHE_DIR"]
    assert tiny("show", "relu", "--json").exit_code == ExitStatus.OK
    assert tiny("list", "--tag", "pytorch").exit_code == ExitStatus.OK  # a part: not stored
    assert tiny("list").exit_code == ExitStatus.OK

    first = run("cache", "clear")
    second = run("cache", "clear")

    assert first.exit_code == second.exit_code == ExitStatus.OK
    # show and list stored the tiny catalog's records (it has 4 entries), its snapshot and the
    # rows of its whole table (``cache clear`` itself does not load a catalog).
    assert first.stdout == (
        f"removed 4 cached result(s), 1 catalog snapshot(s) and 1 list table(s) from {folder}\n"
    )
    assert second.stdout == (
        f"removed 0 cached result(s), 0 catalog snapshot(s) and 0 list table(s) from {folder}\n"
    )
    assert list(Path(folder).rglob("*.json")) == []


def test_cached_record_is_the_same_as_a_fresh_one(tiny: Run) -> None:
    fresh = tiny("show", "sigmoid", "--json").stdout
    cached = tiny("show", "sigmoid", "--json").stdout

    assert cached == fresh
    assert (
        len(list(Path(os.environ["ACTDERIV_CACHE_DIR"]).joinpath("records").rglob("*.json"))) == 1
    )


# --------------------------------------------------------------------------------------------
# Colour: JSON never has escapes; NO_COLOR and --no-color are honoured


@pytest.mark.parametrize(
    "args",
    [("show", "relu", "--json"), ("list", "--json"), ("derive", "x*tanh(x)", "--json")],
    ids=["show", "list", "derive"],
)
def test_json_has_no_ansi_escapes_even_with_color_forced(warm: Run, args: tuple[str, ...]) -> None:
    result = warm("--color", *args)

    assert result.exit_code == ExitStatus.OK
    assert not ANSI.search(result.stdout)
    json.loads(result.stdout)


def test_color_flag_forces_colour_on_the_terminal_view(tiny: Run) -> None:
    # The counterpart of the tests around it: colour does appear when asked for.
    assert COLOUR.search(tiny("--color", "show", "relu").stdout)


def test_no_color_environment_variable_is_honoured(
    tiny: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = tiny("show", "relu").stdout
    monkeypatch.setenv("NO_COLOR", "1")
    plain = tiny("show", "relu").stdout

    assert COLOUR.search(coloured)
    assert not COLOUR.search(plain)
    assert "verified           yes" in ANSI_SEQUENCE.sub("", plain)


def test_no_color_flag_is_honoured(tiny: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")

    assert not COLOUR.search(tiny("--no-color", "show", "relu").stdout)


def test_output_without_a_terminal_has_no_escapes(tiny: Run) -> None:
    assert not ANSI.search(tiny("show", "relu").stdout)


# --------------------------------------------------------------------------------------------
# JSON round trip: every expression string parses back into what actderiv built


def _symbols(params: dict[str, float]) -> dict[str, sp.Symbol]:
    """x and y real; each parameter positive, negative or real, after the sign of its default."""
    out = {"x": sp.Symbol("x", real=True), "y": sp.Symbol("y", real=True)}
    for name, default in params.items():
        sign = "positive" if default > 0 else "negative" if default < 0 else "real"
        out[name] = sp.Symbol(name, **{sign: True})
    return out


def _same(text: str | None, built: sp.Expr | None, symbols: dict[str, sp.Symbol]) -> None:
    if built is None:
        assert text is None
        return
    assert text is not None
    parsed = sp.sympify(text, locals=symbols)
    assert parsed == built or sp.simplify(parsed - built) == 0, (text, built)


def _assert_round_trip(record: dict[str, Any], d: Derivation) -> None:
    symbols = _symbols(record["params"])
    _same(record["expr"], d.expr, symbols)
    _same(record["derivative"], d.derivative, symbols)
    _same(record["self_referential"], d.self_referential and d.self_referential.expr, symbols)
    assert len(record["breakpoints"]) == len(d.breakpoints)
    for shown, bp in zip(record["breakpoints"], d.breakpoints, strict=True):
        for key in ("x", "left", "right", "torch"):
            _same(shown[key], getattr(bp, key), symbols)
    for name, text in record["param_derivatives"].items():
        _same(text, dict(d.param_derivatives)[name], symbols)


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("sigmoid", ()),
        ("relu", ()),
        ("swish", ()),
        ("elu", ()),
        ("elu", ("--order", "2")),
        ("swish", ("--wrt", "beta")),
    ],
)
def test_show_json_round_trips(
    tiny: Run, tiny_catalog_path: Path, name: str, options: tuple[str, ...]
) -> None:
    record = json_of(tiny("show", name, *options, "--json"))
    order = int(options[1]) if options[:1] == ("--order",) else 1
    wrt = options[1] if options[:1] == ("--wrt",) else None

    built = api.derive(api.load_catalog(tiny_catalog_path), name, order=order, wrt=wrt)

    _assert_round_trip(record, built)


@pytest.mark.parametrize(
    ("text", "params", "wrt"),
    [
        ("x*tanh(x)", {}, None),
        ("x*a", {"a": 2.0}, "a"),
        ("x if x > 0 else 0.01*x", {}, None),
        ("clip(x, -1, 1)", {}, None),
        ("log1p(exp(k*x))/k", {"k": 2.0}, None),
        ("x*sigmoid(x)", {}, None),
        ("x if x > 0 else s*x", {"s": -0.5}, None),
    ],
)
def test_derive_json_round_trips(
    tiny: Run,
    tiny_catalog_path: Path,
    text: str,
    params: dict[str, float],
    wrt: str | None,
) -> None:
    args = [f"--param={k}={v}" for k, v in params.items()] + (["--wrt", wrt] if wrt else [])
    record = json_of(tiny("derive", text, *args, "--json"))
    catalog = api.load_catalog(tiny_catalog_path)

    built = api.derive_formula(text, params=params, catalog=catalog, wrt=wrt)

    _assert_round_trip(record, built)


# --------------------------------------------------------------------------------------------
# Regressions: bugs found by these tests, since fixed


@pytest.mark.parametrize("name", ["x", "y", "e", "pi", "exp"])
def test_derive_refuses_parameters_named_like_the_formula_language(tiny: Run, name: str) -> None:
    # Was: accepted; 'derive x --param x=2 --wrt x' answered 0 (the parameter x was another
    # symbol than the input x).
    result = tiny("derive", "x", "--param", f"{name}=2", "--wrt", name)

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr.endswith(
        f"\nError: Invalid value for '--param' / '-p': parameter name {name!r} must be an ASCII "
        "identifier (no leading '_') other than x, y, e, pi and the function names\n"
    )


@pytest.fixture
def contained_budget(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Give actderiv.engine.budget a fresh deadline stack and restore SIGPROF afterwards.

    A NaN budget once stayed on the module-level stack and broke every later derivation in the
    process; should that come back, it must not spill into the rest of the session.
    """
    from actderiv.engine import budget

    monkeypatch.setattr(budget, "_deadlines", [])
    handler = signal.getsignal(signal.SIGPROF)
    yield
    signal.setitimer(signal.ITIMER_PROF, 0)
    signal.signal(signal.SIGPROF, handler)


@pytest.mark.usefixtures("contained_budget")
def test_derive_timeout_nan_is_a_usage_error(tiny: Run) -> None:
    # Was: 'Error: Invalid value NaN (not a number)', exit 1, from inside the budget code.
    result = tiny("derive", "x*tanh(x)", "--timeout", "nan")

    assert result.exit_code == ExitStatus.USAGE
    assert result.stdout == ""
    assert result.stderr.endswith(
        "\nError: Invalid value for '--timeout': nan is not a finite number\n"
    )


@pytest.mark.usefixtures("contained_budget")
def test_a_nan_budget_does_not_break_later_derivations(tiny: Run) -> None:
    # Was: the NaN deadline stayed on the budget stack and every later derivation failed.
    from actderiv.engine.budget import EngineOptions

    with pytest.raises(ValueError, match=r"^a time limit must be a positive number of seconds"):
        api.derive_formula("x*tanh(x)", options=EngineOptions(timeout=float("nan")))

    assert tiny("derive", "x*tanh(x)", "--json").exit_code == ExitStatus.OK


def test_derive_refuses_an_infinite_formula(tiny: Run) -> None:
    # Was: accepted, exit 0, with expr 'oo' and derivative 0.
    result = tiny("derive", "atanh(1) + x", "--json")

    assert result.exit_code == ExitStatus.ERROR
    assert result.stdout == ""
    assert result.stderr == (
        "Error: <formula>: this part is not a finite real number\n    atanh(1) + x\n    ^^^^^^^^\n"
    )


# --------------------------------------------------------------------------------------------
# shell completion


def _complete(words: str, tmp_path: Path, shell: str = "bash") -> list[str]:
    env = {
        **os.environ,
        "_ACTDERIV_COMPLETE": f"{shell}_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    out = subprocess.run(
        [sys.executable, "-m", "actderiv"], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_completion_offers_commands(tmp_path: Path) -> None:
    assert "plain,show" in _complete("actderiv sh", tmp_path)


def test_completion_offers_activation_names(tmp_path: Path) -> None:
    found = _complete("actderiv show sigm", tmp_path)

    assert "plain,sigmoid" in found
    assert all(line.startswith("plain,sigm") for line in found)


def test_completion_reads_the_catalog_given_with_catalog(
    tmp_path: Path, tiny_catalog_path: Path
) -> None:
    found = _complete(f"actderiv --catalog {tiny_catalog_path} verify ", tmp_path)
    after = _complete(f"actderiv verify --catalog {tiny_catalog_path} ", tmp_path)

    assert found == ["plain,sigmoid", "plain,relu", "plain,swish", "plain,elu"]
    assert after == found


def test_completion_scripts_are_printed_for_each_shell(tmp_path: Path) -> None:
    for shell in ("bash", "zsh", "fish"):
        env = {**os.environ, "_ACTDERIV_COMPLETE": f"{shell}_source"}
        out = subprocess.run(
            [sys.executable, "-m", "actderiv"], env=env, capture_output=True, text=True
        )
        assert out.returncode == 0
        assert "_ACTDERIV_COMPLETE" in out.stdout, shell
