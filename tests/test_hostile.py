"""Hostile text through every CLI entry point that takes text: refused, quickly, with no effect.

Each case runs the CLI (the ``run`` fixture) in a forked child process, so that an input that
hangs, say inside Python's big-integer arithmetic, where no signal can interrupt it, is killed
after ``LIMIT`` seconds and fails its test instead of freezing the whole suite. This is a hang
guard, not a benchmark. The child's working directory is the test's ``tmp_path``, so a formula
that managed to run ``touch PWNED`` would leave a file there.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

# Imported here so that forked children start with SymPy and the engine already loaded.
from actderiv.cli import ExitStatus

LIMIT = 10.0
"""Seconds a refusal may take before it counts as a hang."""

MARKER = "PWNED"
"""A file that hostile inputs try to create in the working directory."""

if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
    pytest.skip("the hang guard needs os.fork", allow_module_level=True)

_FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Outcome:
    """What one CLI run in a child process did."""

    exit_code: int
    stdout: str
    stderr: str
    seconds: float


def _child(conn: multiprocessing.connection.Connection, invoke: Callable[[], Result]) -> None:
    try:
        result = invoke()
        conn.send(("done", result.exit_code, result.stdout, result.stderr))
    except BaseException:  # the parent reports it; a traceback is a failure of the test
        conn.send(("crash", traceback.format_exc()))
    finally:
        conn.close()


class Isolated:
    """One CLI run in a forked child; :meth:`outcome` waits at most ``LIMIT`` seconds for it."""

    def __init__(self, invoke: Callable[[], Result], label: str) -> None:
        self.label = label
        self.conn, child_conn = _FORK.Pipe(duplex=False)
        self.process = _FORK.Process(target=_child, args=(child_conn, invoke), daemon=True)
        self.started = time.monotonic()
        self.process.start()
        child_conn.close()

    def outcome(self) -> Outcome:
        remaining = max(0.0, self.started + LIMIT - time.monotonic())
        ready = multiprocessing.connection.wait([self.conn], timeout=remaining)
        seconds = time.monotonic() - self.started
        if not ready:
            self.process.kill()
            self.process.join()
            pytest.fail(f"{self.label}: still running after {LIMIT:g} s (killed)")
        try:
            message = self.conn.recv()
        except EOFError:
            self.process.join()
            pytest.fail(f"{self.label}: the child died (exit code {self.process.exitcode})")
        self.process.join()
        if message[0] == "crash":
            pytest.fail(f"{self.label}: crashed with a traceback:\n{message[1]}")
        _, exit_code, stdout, stderr = message
        return Outcome(exit_code, stdout, stderr, seconds)


def guarded(run: Callable[..., Result], *args: str) -> Outcome:
    """Run the CLI with ``args`` in a child process; fail the test if it hangs or crashes."""
    return Isolated(lambda: run(*args), label=f"actderiv {_short(args)}").outcome()


def _short(args: Sequence[str]) -> str:
    text = " ".join(repr(a) if len(a) < 60 else repr(a[:57]) + "..." for a in args)
    return text[:300]


def assert_refused(outcome: Outcome) -> None:
    """Exit 1 or 2, an 'Error: ...' on stderr, no traceback, nothing on stdout, in time."""
    assert outcome.exit_code in (ExitStatus.ERROR, ExitStatus.USAGE), outcome
    if outcome.exit_code == ExitStatus.ERROR:
        assert outcome.stderr.startswith("Error: "), outcome.stderr[:500]
    else:
        assert "\nError: " in outcome.stderr, outcome.stderr[:500]
    assert "Traceback" not in outcome.stderr
    assert outcome.stdout == ""
    assert outcome.seconds < LIMIT


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run in ``tmp_path`` and check, after every test, that no marker file appeared."""
    monkeypatch.chdir(tmp_path)
    yield
    assert not (tmp_path / MARKER).exists(), "a hostile input had a side effect"


# --------------------------------------------------------------------------------------------
# The corpus

#: Hostile formulas: (id, text). Each must be refused by every entry point that takes a formula.
FORMULAS: list[tuple[str, str]] = [
    ("attribute", "x.real"),
    ("dunder attribute", "x.__class__"),
    ("subclasses", "x.__class__.__mro__[1].__subclasses__()"),
    ("dunder name", "__builtins__"),
    ("__import__", f"__import__('os').system('touch {MARKER}')"),
    ("open", f"open('{MARKER}', 'w')"),
    ("eval", f"eval(\"__import__('os').system('touch {MARKER}')\")"),
    ("exec", f"exec(\"open('{MARKER}', 'w')\")"),
    ("getattr", "getattr(x, '__class__')"),
    ("globals", "globals()"),
    ("import statement", "import os"),
    ("from import", "from os import system"),
    ("f-string", f'f\'{{__import__("os").system("touch {MARKER}")}}\''),
    ("string", "'x'"),
    ("list comprehension", "[x for x in (1, 2)]"),
    ("generator", "sum(x for x in (1, 2))"),
    ("lambda", f"(lambda: __import__('os').system('touch {MARKER}'))()"),
    ("walrus", "(x := 1)"),
    ("subscript", "x[0]"),
    ("keyword argument", "max(x, key=abs)"),
    ("star args", "max(*[x, 0])"),
    ("9**9**9", "9**9**9"),
    ("10**10**10", "10**10**10"),
    ("2**1000", "2**1000"),
    ("x**65", "x**65"),
    ("1e999999", "1e999999"),
    ("huge int literal", "9" * 1999),
    ("10_000 parentheses", "(" * 10_000 + "x" + ")" * 10_000),
    ("999 parentheses", "(" * 999 + "x" + ")" * 999),
    ("deep calls", "exp(" * 300 + "x" + ")" * 300),
    ("deep unary minus", "-" * 1999 + "x"),
    ("long sum", "+".join(["x"] * 900)),
    ("1 MB", "x+" * 500_000 + "x"),
    ("NUL", "x\x00"),
    ("NUL then code", f"x\x00; __import__('os').system('touch {MARKER}')"),
    ("newline then code", f"x\n__import__('os').system('touch {MARKER}')"),
    ("escape sequence", "x\x1b[2J"),
    ("fullwidth x", "\uff58"),
    ("Cyrillic x", "\u0445"),
    ("Greek alpha", "\u03b1*x"),
    ("right-to-left override", "x\u202e+1"),
    ("zero-width space", "x\u200b"),
    ("empty", ""),
    ("blank", "   "),
]

#: Hostile values for ``--param a=VALUE``.
PARAM_VALUES: list[tuple[str, str]] = [
    ("__import__", f"__import__('os').system('touch {MARKER}')"),
    ("1e999999", "1e999999"),
    ("nan", "nan"),
    ("inf", "inf"),
    ("-inf", "-inf"),
    ("1e13", "1e13"),
    ("9**9**9", "9**9**9"),
    ("hexadecimal", "0x10"),
    ("NUL", "1\x00"),
    ("empty", ""),
    ("formula", "exp(1)"),
    ("1 MB", "9" * 1_000_000),
]

#: Hostile names for ``show NAME``.
SHOW_NAMES: list[tuple[str, str]] = [
    ("__class__", "__class__"),
    ("__init__", "__init__"),
    ("__import__", f"__import__('os').system('touch {MARKER}')"),
    ("path", "../../../etc/passwd"),
    ("NUL", "relu\x00"),
    ("fullwidth", "\uff52\uff45\uff4c\uff55"),
    ("Cyrillic s", "\u0455igmoid"),
    ("empty", ""),
]


def _ids(cases: list[tuple[str, str]]) -> list[str]:
    return [label for label, _ in cases]


def _texts(cases: list[tuple[str, str]]) -> list[str]:
    return [text for _, text in cases]


def write_catalog(folder: Path, expr: str, extra: str = "") -> Path:
    """A catalog file whose one entry has ``expr`` as its formula (any text, TOML-escaped)."""
    path = folder / "hostile.toml"
    body = f'[activations.evil]\ntitle = "Evil"\nexpr = {json.dumps(expr)}\n{extra}'
    path.write_text(body, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# derive EXPR


@pytest.mark.parametrize("text", _texts(FORMULAS), ids=_ids(FORMULAS))
def test_derive_refuses_hostile_formulas(
    run: Callable[..., Result], tiny_catalog_path: Path, text: str
) -> None:
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "derive", "--", text)

    assert_refused(outcome)
    assert outcome.stderr.startswith("Error: <formula>: ")


def test_derive_refusal_marks_the_formula(
    run: Callable[..., Result], tiny_catalog_path: Path
) -> None:
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "derive", "x.__class__")

    assert outcome.exit_code == ExitStatus.ERROR
    assert outcome.stderr == (
        "Error: <formula>: attribute access (a.b) is not allowed in a formula\n"
        "    x.__class__\n"
        "    ^^^^^^^^^^^\n"
    )


# --------------------------------------------------------------------------------------------
# derive --param NAME=VALUE


@pytest.mark.parametrize("value", _texts(PARAM_VALUES), ids=_ids(PARAM_VALUES))
def test_derive_refuses_hostile_parameter_values(
    run: Callable[..., Result], tiny_catalog_path: Path, value: str
) -> None:
    outcome = guarded(
        run, "--catalog", str(tiny_catalog_path), "derive", "x*a", "--param", f"a={value}"
    )

    assert_refused(outcome)
    assert outcome.exit_code == ExitStatus.USAGE
    assert "Error: Invalid value for '--param' / '-p': " in outcome.stderr


PARAM_NAMES: list[tuple[str, str]] = [
    ("empty", "=1"),
    ("space", "a b=1"),
    ("Greek", "\u03b1=1"),
    ("NUL", "a\x00=1"),
    ("dunder", "__class__=1"),
    ("underscore", "_a=1"),
    ("x", "x=2"),
    ("y", "y=2"),
    ("pi", "pi=2"),
    ("function", "exp=2"),
    ("__import__", f"__import__('os').system('touch {MARKER}')=1"),
]


@pytest.mark.parametrize("param", _texts(PARAM_NAMES), ids=_ids(PARAM_NAMES))
def test_derive_refuses_hostile_parameter_names(
    run: Callable[..., Result], tiny_catalog_path: Path, param: str
) -> None:
    name = param.partition("=")[0]
    outcome = guarded(
        run, "--catalog", str(tiny_catalog_path), "derive", f"x*{name}", "--param", param
    )

    assert_refused(outcome)
    assert outcome.exit_code == ExitStatus.USAGE
    assert outcome.stderr.endswith(
        f"\nError: Invalid value for '--param' / '-p': parameter name {name!r} must be an ASCII "
        "identifier (no leading '_') other than x, y, e, pi and the function names\n"
    )


def test_derive_refuses_a_parameter_without_a_value(
    run: Callable[..., Result], tiny_catalog_path: Path
) -> None:
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "derive", "x", "--param", "a")

    assert_refused(outcome)
    assert outcome.stderr.endswith(
        "\nError: Invalid value for '--param' / '-p': 'a' is not NAME=VALUE\n"
    )


# --------------------------------------------------------------------------------------------
# --catalog FILE with hostile text inside


@pytest.mark.parametrize("text", _texts(FORMULAS), ids=_ids(FORMULAS))
def test_list_refuses_a_catalog_with_a_hostile_formula(
    run: Callable[..., Result], tmp_path: Path, text: str
) -> None:
    path = write_catalog(tmp_path, text)

    outcome = guarded(run, "--catalog", str(path), "list")

    assert_refused(outcome)
    assert outcome.exit_code == ExitStatus.ERROR
    assert outcome.stderr.startswith(f"Error: {path}:3: activations.evil.expr: ")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "[activations.__class__]",
            "activations.__class__: name must be snake_case: lower-case letters, digits and "
            "'_', starting with a letter",
        ),
        (
            "[activations.\"__import__('os')\"]",
            "activations.__import__('os'): name must be snake_case: lower-case letters, digits "
            "and '_', starting with a letter",
        ),
    ],
)
def test_list_refuses_a_catalog_with_a_hostile_key(
    run: Callable[..., Result], tmp_path: Path, header: str, message: str
) -> None:
    path = tmp_path / "hostile.toml"
    path.write_text(f'{header}\ntitle = "Evil"\nexpr = "x"\n', encoding="utf-8")

    outcome = guarded(run, "--catalog", str(path), "list")

    assert_refused(outcome)
    assert message in outcome.stderr


def test_list_refuses_a_catalog_that_is_not_text(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(bytes(range(256)))

    outcome = guarded(run, "--catalog", str(path), "list")

    assert_refused(outcome)
    assert outcome.stderr == (
        f"Error: {path}: cannot read catalog: 'utf-8' codec can't decode byte 0x80 in position "
        "128: invalid start byte\n"
    )


def test_hostile_claims_in_a_catalog_never_run(run: Callable[..., Result], tmp_path: Path) -> None:
    command = f'__import__("os").system("touch {MARKER}")'
    claims = (
        "[activations.evil.claims]\n"
        f"derivative = {json.dumps(command)}\n"
        'self_referential = "y.__class__"\n'
        "kinks = [{ x = \"open('PWNED', 'w')\", value = \"9**9**9\" }]\n"
    )
    path = write_catalog(tmp_path, "x", claims)

    outcome = guarded(run, "--catalog", str(path), "show", "evil", "--json")

    # Whether such claims should stop the catalog from loading is tested in test_catalog.py;
    # here they must simply never run, never crash and never hang.
    assert "Traceback" not in outcome.stderr
    assert outcome.seconds < LIMIT


# --------------------------------------------------------------------------------------------
# show NAME


@pytest.mark.parametrize("name", _texts(SHOW_NAMES), ids=_ids(SHOW_NAMES))
def test_show_refuses_hostile_names(run: Callable[..., Result], name: str) -> None:
    outcome = guarded(run, "show", "--", name)

    assert_refused(outcome)
    assert outcome.exit_code == ExitStatus.ERROR
    assert f": no activation named {name!r}" in outcome.stderr


# --------------------------------------------------------------------------------------------
# Regressions: inputs that once crashed, were accepted, or hung (found by these tests, since fixed)


@pytest.mark.parametrize(
    ("text", "caret"),
    [("log(0)*x", "^^^^^^"), ("sqrt(-1)*x", "^^^^^^^^"), ("acosh(0)*x", "^^^^^^^^")],
)
def test_derive_refuses_formulas_that_are_not_real(
    run: Callable[..., Result], tiny_catalog_path: Path, text: str, caret: str
) -> None:
    # Was: a traceback (actderiv.numerics.NotNumeric) from the verification step.
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "derive", text)

    assert_refused(outcome)
    assert outcome.stderr == (
        f"Error: <formula>: this part is not a finite real number\n    {text}\n    {caret}\n"
    )


def test_list_refuses_a_catalog_formula_that_is_not_real(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    # Was: a traceback (actderiv.numerics.NotNumeric) from 'list'.
    path = write_catalog(tmp_path, "log(0)*x")

    outcome = guarded(run, "--catalog", str(path), "list")

    assert_refused(outcome)
    assert outcome.stderr == (
        f"Error: {path}:3: activations.evil.expr: this part is not a finite real number\n"
        "    log(0)*x\n"
        "    ^^^^^^\n"
    )


@pytest.mark.parametrize(
    "value", ["\uff15", "\u0665", "\U0001d7d3"], ids=["fullwidth", "arabic", "math"]
)
def test_derive_refuses_confusable_digits_in_parameter_values(
    run: Callable[..., Result], tiny_catalog_path: Path, value: str
) -> None:
    # Was: float() read each of these as 5.
    outcome = guarded(
        run, "--catalog", str(tiny_catalog_path), "derive", "x*a", "--param", f"a={value}"
    )

    assert_refused(outcome)
    assert outcome.stderr.endswith(
        f"\nError: Invalid value for '--param' / '-p': {value!r} is not a number\n"
    )


def test_error_about_a_huge_parameter_value_stays_short(
    run: Callable[..., Result], tiny_catalog_path: Path
) -> None:
    # Was: the whole 1 MB value echoed back in the error message.
    outcome = guarded(
        run, "--catalog", str(tiny_catalog_path), "derive", "x*a", "--param", "a=" + "9" * 10**6
    )

    assert_refused(outcome)
    assert outcome.stderr.endswith(
        "\nError: Invalid value for '--param' / '-p': '" + "9" * 40 + "…' must be a finite "
        "number below 1e12\n"
    )


def test_error_about_a_huge_activation_name_stays_short(
    run: Callable[..., Result], tiny_catalog_path: Path
) -> None:
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "show", "x" * 10**6)

    assert_refused(outcome)
    assert outcome.stderr == (
        f"Error: {tiny_catalog_path}: no activation named '" + "x" * 60 + "…'\n"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "9**(9**9 + 0*x)",
            "exponent larger than 64 in magnitude\n    9**(9**9 + 0*x)\n        ^^^^^^^^^^",
        ),
        (
            "((((9**64)**64)**64)**64)**64",
            "constant larger than 1e100 in magnitude\n"
            "    ((((9**64)**64)**64)**64)**64\n"
            "       ^^^^^^^^^^^",
        ),
    ],
    ids=["exponent hidden behind 0*x", "chain of allowed exponents"],
)
def test_derive_refuses_formulas_that_used_to_hang(
    run: Callable[..., Result], tiny_catalog_path: Path, text: str, message: str
) -> None:
    # Was: SymPy computed 9**387420489 (or 9**(64**5)) inside parse_formula, forever.
    outcome = guarded(run, "--catalog", str(tiny_catalog_path), "derive", text)

    assert_refused(outcome)
    assert outcome.stderr == f"Error: <formula>: {message}\n"


def test_list_refuses_a_huge_kink_claim_that_used_to_hang(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    # Was: verify turned '1e999999999' into the exact integer 10**999999999, forever.
    path = write_catalog(
        tmp_path, "x", 'claims = { kinks = [{ x = "0", value = "1e999999999" }] }\n'
    )

    outcome = guarded(run, "--catalog", str(path), "list")

    assert_refused(outcome)
    assert outcome.stderr == (
        f"Error: {path}:4: activations.evil.claims: a kink claim's x and value must be finite "
        "numbers below 1e12\n"
    )


# --------------------------------------------------------------------------------------------
# Catalog text that must stay text, and catalogs shaped to exhaust the reader (issue #18)

#: Control characters no catalog text may hold: (id, character).
CONTROL_CHARACTERS: list[tuple[str, str]] = [
    ("ESC", "\x1b"),
    ("BEL", "\x07"),
    ("NUL", "\x00"),
    ("newline", "\n"),
    ("DEL", "\x7f"),
    ("C1 CSI", "\x9b"),
    ("right-to-left override", "\u202e"),
    ("first strong isolate", "\u2068"),
    ("line separator", "\u2028"),
    ("Arabic letter mark", "\u061c"),
]


#: All but the line break, which renderers fold as whitespace instead.
_ESCAPED = [(i, c) for i, c in CONTROL_CHARACTERS if c != "\n"]


@pytest.mark.parametrize("char", _texts(_ESCAPED), ids=_ids(_ESCAPED))
def test_every_control_character_the_loader_refuses_is_escaped_by_the_renderers(char: str) -> None:
    """Defence in depth: text that reaches a renderer without the loader (a record, an API
    caller's spec) is escaped all the same."""
    from actderiv.render.safe import printable

    assert char not in printable("a" + char + "b")


#: Where catalog text sits: (id, TOML lines of an entry with TEXT where the text goes, line).
TEXT_FIELDS: list[tuple[str, str, int]] = [
    ("title", 'title = "TEXT"\nexpr = "x"\n', 2),
    ("tag", 'title = "t"\nexpr = "x"\ntags = ["ok", "TEXT"]\n', 4),
    ("alias", 'title = "t"\nexpr = "x"\naliases = ["TEXT"]\n', 4),
    ("notes", 'title = "t"\nexpr = "x"\nnotes = "TEXT"\n', 4),
    ("reference", 'title = "t"\nexpr = "x"\nreferences = [{ title = "TEXT" }]\n', 4),
    ("torch keyword", 'title = "t"\nexpr = "x"\ntorch_kwargs = { "TEXT" = 1 }\n', 4),
]


@pytest.mark.parametrize(("field", "body", "line"), TEXT_FIELDS, ids=[f for f, _, _ in TEXT_FIELDS])
@pytest.mark.parametrize("char", _texts(CONTROL_CHARACTERS), ids=_ids(CONTROL_CHARACTERS))
@pytest.mark.parametrize("command", ["list", "catalog check"])
def test_control_characters_in_catalog_text_are_refused_at_load_with_file_and_line(
    run: Callable[..., Result],
    tmp_path: Path,
    field: str,
    body: str,
    line: int,
    char: str,
    command: str,
) -> None:
    escaped = json.dumps("a" + char + "[2J b")[1:-1]  # TOML basic strings escape like JSON
    path = tmp_path / "hostile.toml"
    path.write_text("[activations.evil]\n" + body.replace("TEXT", escaped), encoding="utf-8")

    outcome = guarded(run, "--catalog", str(path), *command.split())

    assert outcome.exit_code == ExitStatus.ERROR
    assert f"{path}:{line}: activations.evil." in outcome.stdout + outcome.stderr
    assert f"contains the control character U+{ord(char):04X}" in outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stderr
    if char != "\n":
        assert char not in outcome.stdout + outcome.stderr


@pytest.mark.parametrize("shape", ["[", "{ a = "], ids=["arrays", "inline tables"])
@pytest.mark.parametrize("command", ["list", "catalog check", "show evil"])
def test_deeply_nested_toml_is_refused_with_its_line_not_a_recursion_error(
    run: Callable[..., Result], tmp_path: Path, shape: str, command: str
) -> None:
    # Was: a 5,000-level array (10 KB) crashed list and catalog check with RecursionError.
    closing = "]" if shape == "[" else "}"
    path = write_catalog(tmp_path, "x", "tags = " + shape * 5000 + "1" + closing * 5000 + "\n")

    outcome = guarded(run, "--catalog", str(path), *command.split())

    assert outcome.exit_code == ExitStatus.ERROR
    message = f"{path}:4: arrays and tables nested more than 32 levels deep"
    assert message in outcome.stdout + outcome.stderr
    assert "Traceback" not in outcome.stderr


def test_nesting_a_catalog_needs_is_accepted(run: Callable[..., Result], tmp_path: Path) -> None:
    path = write_catalog(
        tmp_path,
        "max(0, x)",
        'claims = { kinks = [{ x = "0", value = "0" }] }\nreferences = [{ title = "[r]" }]\n',
    )

    outcome = guarded(run, "--catalog", str(path), "catalog", "check")

    assert (outcome.exit_code, outcome.stdout) == (ExitStatus.OK, f"ok: 1 entries in {path}\n")


def _chain(folder: Path, depth: int) -> Path:
    """A catalog whose entry e0 calls e1, which calls e2, … down to e{depth}."""
    entries = [
        f'[activations.e{i}]\ntitle = "e{i}"\nexpr = "{f"e{i + 1}(x) + 1" if i < depth else "x"}"\n'
        for i in range(depth + 1)
    ]
    path = folder / f"chain{depth}.toml"
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def test_a_chain_of_16_calls_loads_and_derives(run: Callable[..., Result], tmp_path: Path) -> None:
    path = _chain(tmp_path, 16)

    assert guarded(run, "--catalog", str(path), "catalog", "check").stdout == (
        f"ok: 17 entries in {path}\n"
    )
    outcome = guarded(run, "--catalog", str(path), "show", "e0", "--json")
    assert outcome.exit_code == ExitStatus.OK, outcome.stderr
    assert json.loads(outcome.stdout)["expr"] == "x + 16"


@pytest.mark.parametrize("command", ["catalog check", "show e0", "list"])
def test_a_chain_of_calls_too_deep_is_reported_as_depth_not_as_a_cycle_by_every_command(
    run: Callable[..., Result], tmp_path: Path, command: str
) -> None:
    # Was: show said "cycle of calls" while catalog check said ok.
    path = _chain(tmp_path, 17)

    outcome = guarded(run, "--catalog", str(path), *command.split())

    assert outcome.exit_code == ExitStatus.ERROR
    chain = " -> ".join(f"e{i}" for i in range(18))
    message = (
        f"{path}:3: activations.e0.expr: chain of calls between entries 17 deep, more than the "
        f"16 allowed: {chain}"
    )
    assert message in outcome.stdout + outcome.stderr
    assert "cycle" not in outcome.stdout + outcome.stderr


# --------------------------------------------------------------------------------------------
# Edited caches: a record whose digest was recomputed after an edit is still not believed

SMALL_CATALOG = """\
[activations.sq]
title = "sq"
expr = "a*x**2"
params = { a = 1.5 }

[activations.lr]
title = "lr"
expr = "max(0.1*x, x)"
[activations.lr.claims]
derivative = "1 if x > 0 else 0.1"
kinks = [{ x = "0", value = "0.1" }]
"""


def _records() -> list[Path]:
    return sorted((Path(os.environ["ACTDERIV_CACHE_DIR"]) / "records").rglob("*.json"))


def _edit_records(edit: Callable[[dict[str, Any]], None]) -> None:
    """Apply ``edit`` to every stored record and store it again under a matching digest (what
    anyone who can write the cache folder can do)."""
    from actderiv.store import core

    for path in _records():
        head, _, body = path.read_text(encoding="utf-8").partition("\n")
        key = json.loads(head)["key"]
        data = json.loads(body)
        edit(data)
        path.write_text(core.stored_text(core.RECORDS, key, data), encoding="utf-8")


def _forty_two(record: dict[str, Any]) -> None:
    record["derivative"] = "42"
    record["display"]["derivative"] = "42"


def _zero_partial(record: dict[str, Any]) -> None:
    for name in record["param_derivatives"]:
        record["param_derivatives"][name] = "0"


def _drop_claim_check(record: dict[str, Any]) -> None:
    checks = record["verification"]["checks"]
    checks[:] = [c for c in checks if c["name"] != "claimed derivative"]


def _bad_text(record: dict[str, Any]) -> None:
    record["derivative"] = "__import__('os').system('touch PWNED')"


RECORD_EDITS = [
    ("derivative changed to 42", _forty_two),
    ("parameter derivative changed to 0", _zero_partial),
    ("failed check removed", _drop_claim_check),
    ("derivative that is code", _bad_text),
]


@pytest.mark.parametrize("edit", [e for _, e in RECORD_EDITS], ids=[i for i, _ in RECORD_EDITS])
def test_verify_rechecks_an_edited_cached_record_instead_of_reporting_it(
    run: Callable[..., Result], tmp_path: Path, edit: Callable[[dict[str, Any]], None]
) -> None:
    # Was: a record edited on disk (derivative 42, digest recomputed) was reported verified.
    path = tmp_path / "small.toml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    first = run("--catalog", str(path), "verify", "--all", "--json")
    assert first.exit_code == ExitStatus.OK, first.stderr
    stored = {p: p.read_text(encoding="utf-8") for p in _records()}
    _edit_records(edit)
    assert any(p.read_text(encoding="utf-8") != text for p, text in stored.items())

    again = run("--catalog", str(path), "verify", "--all", "--json")

    assert again.exit_code == ExitStatus.OK, again.stderr
    assert json.loads(again.stdout) == json.loads(first.stdout)
    # the edited records were misses: computed afresh and stored again as they were
    assert {p: p.read_text(encoding="utf-8") for p in _records()} == stored


@pytest.mark.parametrize(
    "field", [("name", "lr"), ("title", "evil"), ("params", {"a": 2.0}), ("order", 2)], ids=str
)
def test_a_cached_record_of_another_entry_or_options_is_a_miss(
    run: Callable[..., Result], tmp_path: Path, field: tuple[str, Any]
) -> None:
    path = tmp_path / "small.toml"
    path.write_text(SMALL_CATALOG, encoding="utf-8")
    expected = run("--catalog", str(path), "show", "sq", "--json").stdout
    key, value = field
    _edit_records(lambda record: record.update({key: value}))

    assert run("--catalog", str(path), "show", "sq", "--json").stdout == expected


#: Stored expressions a cache file might hold that must never be read back: (id, text).
STORED_TEXTS: list[tuple[str, str]] = [
    ("__import__", f"__import__('os').system('touch {MARKER}')"),
    ("attribute", "x.__class__"),
    ("lambda", "(lambda: 1)()"),
    ("sympify", "sympify('x')"),
    ("unknown name", "z*x"),
    ("huge power", "9**9**9"),
    ("huge literal", "9" * 200),
    ("deep nesting", "(" * 300 + "x" + ")" * 300),
    ("keyword", "exp(x=1)"),
    ("string", "'x'"),
    ("subscript", "x[0]"),
    ("Piecewise of non-pairs", "Piecewise(x, 1)"),
    ("1 MB", "x+" * 500_000 + "x"),
]


@pytest.mark.parametrize("text", _texts(STORED_TEXTS), ids=_ids(STORED_TEXTS))
def test_stored_expressions_are_read_through_an_allow_list(text: str) -> None:
    from actderiv.lang.parse import X
    from actderiv.lang.stored import parse_stored

    refused = r"stored expression|unknown name|too large|not allowed|pairs"
    with pytest.raises(ValueError, match=refused):
        parse_stored(text, {"x": X})


def test_every_expression_of_the_shipped_records_reads_back() -> None:
    from actderiv.lang.parse import X, Y, param_symbol
    from actderiv.lang.stored import parse_stored
    from actderiv.store import cache, core

    layer = core.shipped_layer(cache.SHIPPED_NAME, core.RECORDS)
    texts = 0
    for key in layer:
        record = json.loads(layer[key])
        symbols = {"x": X, "y": Y, **{n: param_symbol(n, v) for n, v in record["params"].items()}}
        for text in [
            record["expr"],
            record["derivative"],
            record["self_referential"],
            *record["param_derivatives"].values(),
            *(b["x"] for b in record["breakpoints"]),
        ]:
            if text is not None:
                parse_stored(text, symbols)
                texts += 1
    assert texts >= 400


@pytest.mark.parametrize("command", ["list", "catalog check"])
def test_an_error_that_quotes_a_hostile_key_never_reaches_the_terminal_raw(
    tmp_path: Path, command: str
) -> None:
    """A catalog key holding ESC (TOML allows any text in a quoted key) is refused, and the error
    that names it shows the escape as text: click strips colour codes only when stderr is not a
    terminal, so a pseudo-terminal is where the escape would act."""
    import pty

    path = tmp_path / "hostile.toml"
    path.write_text(
        '[activations."foo\\u001b[2J\\u001b]0;PWNED\\u0007"]\ntitle = "t"\nexpr = "x"\n',
        encoding="utf-8",
    )
    leader, follower = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "actderiv", "--catalog", str(path), *command.split()],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        timeout=120,
        check=False,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the pseudo-terminal is closed and drained
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)

    assert proc.returncode == ExitStatus.ERROR
    assert b"\x1b" not in shown
    assert b"\x07" not in shown
    assert b"\\x1b[2J" in shown
