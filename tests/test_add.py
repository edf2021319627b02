"""add, remove and catalog check: nothing a user had is ever lost."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from actderiv.catalog.load import load_catalog
from actderiv.cli import ExitStatus

PROJECT = """\
# My project's activations. This comment must survive every edit.

[activations.first]   # a trailing comment
title = "First"
expr = "x*tanh(x)"

# a comment between entries

[activations.second]
title = "Second"
aliases = ["Zweite"]
expr = "x if x > 0 else 0.5*x"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project.toml"
    path.write_text(PROJECT, encoding="utf-8")
    return path


def test_add_keeps_every_comment_blank_line_and_entry_in_order(
    run: Callable[..., Result], project: Path
) -> None:
    result = run(
        "--catalog",
        str(project),
        "add",
        "third",
        "x*tanh(b*x)",
        "-p",
        "b=1.5",
        "--title",
        "Third",
        "--alias",
        "Drei",
        "--reference",
        "A paper | 2024 | https://x.org",
    )
    assert result.exit_code == ExitStatus.OK, result.output
    text = project.read_text(encoding="utf-8")
    assert text.startswith(PROJECT)  # the old file, byte for byte, then the new entry
    assert text[len(PROJECT) :] == (
        "\n[activations.third]\n"
        'title = "Third"\n'
        'aliases = ["Drei"]\n'
        'expr = "x*tanh(b*x)"\n'
        "params = {b = 1.5}\n"
        'tags = ["user"]\n'
        'references = [{title = "A paper", year = 2024, link = "https://x.org"}]\n'
    )


def test_add_to_the_user_catalog_layers_over_the_bundled_one(run: Callable[..., Result]) -> None:
    result = run("add", "my_swish", "x*sigmoid(b*x)", "-p", "b=1.5")
    assert result.exit_code == ExitStatus.OK, result.output
    user = Path(os.environ["ACTDERIV_CONFIG_DIR"]) / "catalog.toml"
    assert "[activations.my_swish]" in user.read_text(encoding="utf-8")
    listed = json.loads(run("list", "--json").stdout)
    names = [r["name"] for r in listed]
    assert "my_swish" in names
    assert "relu" in names  # the bundled entries are still there
    shown = json.loads(run("show", "MY_SWISH", "--json").stdout)
    assert shown["verified"] is True


@pytest.mark.parametrize(
    ("name", "alias", "owner"),
    [
        ("relu", None, "relu"),  # a bundled key
        ("RELU", None, "relu"),  # ignoring case
        ("my_act", "ReLU", "relu"),  # an alias that is a bundled alias
        ("my_act", "sigmoid", "sigmoid"),  # an alias that is a bundled key
    ],
)
def test_clashing_names_are_refused_and_nothing_is_written(
    run: Callable[..., Result], name: str, alias: str | None, owner: str
) -> None:
    user = Path(os.environ["ACTDERIV_CONFIG_DIR"]) / "catalog.toml"
    args = ["add", name, "x"] + (["--alias", alias] if alias else [])
    result = run(*args)
    assert result.exit_code == ExitStatus.ERROR
    assert f"is already used by {owner!r}" in result.stderr
    assert not user.exists()


def test_override_replaces_a_bundled_entry_in_the_user_catalog(run: Callable[..., Result]) -> None:
    result = run("add", "relu", "x if x > 0 else 0.1*x", "--override")
    assert result.exit_code == ExitStatus.OK, result.output
    shown = json.loads(run("show", "relu", "--json").stdout)
    assert shown["expr"] == "Piecewise((x, x > 0), (x/10, True))"


def test_a_clash_inside_the_target_file_is_refused(
    run: Callable[..., Result], project: Path
) -> None:
    before = project.read_bytes()
    result = run("--catalog", str(project), "add", "zweite", "x")
    assert result.exit_code == ExitStatus.ERROR
    assert "is already used by 'second'" in result.stderr
    assert project.read_bytes() == before


def test_a_failed_check_refuses_the_entry_unless_forced(
    run: Callable[..., Result], project: Path
) -> None:
    before = project.read_bytes()
    wrong = ("--catalog", str(project), "add", "bad", "x*tanh(x)", "--derivative", "tanh(x)")
    result = run(*wrong)
    assert result.exit_code == ExitStatus.VERIFY_FAILED
    assert "not added: a check failed" in result.stdout
    assert project.read_bytes() == before
    forced = run(*wrong, "--force")
    assert forced.exit_code == ExitStatus.VERIFY_FAILED  # still reported as failed
    entry = tomllib.loads(project.read_text(encoding="utf-8"))["activations"]["bad"]
    assert entry["unverified"].startswith("added with --force: claimed derivative:")


def test_dry_run_writes_nothing(run: Callable[..., Result], project: Path) -> None:
    before = project.read_bytes()
    result = run("--catalog", str(project), "add", "third", "x**3", "--dry-run")
    assert result.exit_code == ExitStatus.OK
    assert "dry run: would add to" in result.stdout
    assert project.read_bytes() == before


def test_an_invalid_formula_is_refused_before_anything_is_written(
    run: Callable[..., Result], project: Path
) -> None:
    before = project.read_bytes()
    result = run("--catalog", str(project), "add", "third", "x.__class__")
    assert result.exit_code == ExitStatus.ERROR
    assert "attribute access (a.b) is not allowed" in result.stderr
    assert project.read_bytes() == before


def test_remove_takes_one_entry_and_keeps_the_rest(
    run: Callable[..., Result], project: Path
) -> None:
    result = run("--catalog", str(project), "remove", "ZWEITE")
    assert result.exit_code == ExitStatus.OK, result.output
    assert result.stdout == f"removed second from {project}\n"
    text = project.read_text(encoding="utf-8")
    assert "# My project's activations. This comment must survive every edit." in text
    assert "[activations.first]   # a trailing comment" in text
    assert "second" not in text.lower().replace("# a comment between entries", "")


def test_remove_refuses_an_entry_that_others_call(
    run: Callable[..., Result], project: Path
) -> None:
    assert run("--catalog", str(project), "add", "third", "2*first(x)").exit_code == 0
    before = project.read_bytes()
    result = run("--catalog", str(project), "remove", "first")
    assert result.exit_code == ExitStatus.ERROR
    assert "unknown function 'first'" in result.stderr
    assert project.read_bytes() == before


def test_bundled_entries_cannot_be_removed(run: Callable[..., Result]) -> None:
    result = run("remove", "relu")
    assert result.exit_code == ExitStatus.ERROR
    assert "no entry named 'relu' in this catalog" in result.stderr


def test_catalog_check_reports_every_problem_with_file_and_line(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[activations.a]\ntitle = "A"\nexpr = "x.y"\n\n'
        '[activations.b]\ntitle = "B"\nexpr = "c(x)"\n\n'
        '[activations.c]\ntitle = "C"\nexpr = "b(x)"\naliases = ["A"]\n',
        encoding="utf-8",
    )
    result = run("catalog", "check", str(bad))
    assert result.exit_code == ExitStatus.ERROR
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:3: activations.a.expr: attribute access")
    assert f"{bad}:9: activations.c: name or alias 'A' is already used by 'a'" in lines
    assert any(
        line.startswith(f"{bad}:7: activations.b.expr: cycle of calls between entries")
        for line in lines
    )
    assert lines[-1] == f"3 problem(s) in {bad}"


def test_catalog_check_passes_the_bundled_catalog(run: Callable[..., Result]) -> None:
    result = run("catalog", "check")
    assert result.exit_code == ExitStatus.OK
    assert result.stdout.startswith("ok: ")


def _add_process(catalog: Path, name: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "actderiv",
            "--catalog",
            str(catalog),
            "add",
            name,
            f"x*tanh(x) + {len(name)}*x",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ACTDERIV_CACHE_DIR": str(tmp_path / "cache")}


@pytest.mark.slow
def test_concurrent_adds_all_land(project: Path, tmp_path: Path) -> None:
    names = [f"concurrent_{i}" for i in range(6)]
    procs = [_add_process(project, name, _env(tmp_path)) for name in names]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [0] * len(names), [p.stderr.read() for p in procs if p.stderr]
    catalog = load_catalog(project)
    assert set(names) <= set(catalog.keys)
    assert len(catalog) == 2 + len(names)
    assert project.read_text(encoding="utf-8").startswith(PROJECT)


@pytest.mark.slow
def test_an_add_killed_at_any_moment_never_leaves_a_broken_catalog(
    project: Path, tmp_path: Path
) -> None:
    rng = random.Random(1234)
    landed: set[str] = set()
    for i in range(8):
        name = f"killed_{i}"
        proc = _add_process(project, name, _env(tmp_path))
        time.sleep(rng.uniform(0.2, 2.5))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        if code == 0:
            landed.add(name)
        catalog = load_catalog(project)  # always parses
        present = {k for k in catalog.keys if k.startswith("killed_")}
        # an add that reported success is there; a killed one may or may not have renamed
        assert landed <= present
        landed |= present
        assert project.read_text(encoding="utf-8").startswith(PROJECT)


def test_add_through_a_symlink_writes_the_target_and_keeps_the_link(
    run: Callable[..., Result], project: Path, tmp_path: Path
) -> None:
    # Was: the link was replaced by a regular file and the target never got the entry.
    target_dir = tmp_path / "elsewhere"
    target_dir.mkdir()
    target = target_dir / "real.toml"
    project.rename(target)
    target.chmod(0o640)
    link = tmp_path / "link.toml"
    link.symlink_to(target)

    result = run("--catalog", str(link), "add", "third", "x**3")

    assert result.exit_code == ExitStatus.OK, result.stderr
    assert link.is_symlink()
    assert link.resolve() == target.resolve()
    entries = tomllib.loads(target.read_text(encoding="utf-8"))["activations"]
    assert list(entries) == ["first", "second", "third"]
    assert target.stat().st_mode & 0o777 == 0o640  # the target keeps its permissions
    assert sorted(p.name for p in target_dir.iterdir()) == ["real.toml", "real.toml.lock"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "elsewhere") == ["link.toml"]


def test_remove_through_a_symlink_writes_the_target(
    run: Callable[..., Result], project: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link.toml"
    link.symlink_to(project)

    result = run("--catalog", str(link), "remove", "second")

    assert result.exit_code == ExitStatus.OK, result.stderr
    assert link.is_symlink()
    assert list(tomllib.loads(project.read_text(encoding="utf-8"))["activations"]) == ["first"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_catalog_file_gets_the_users_umask(
    run: Callable[..., Result], tmp_path: Path, umask: int, mode: int
) -> None:
    # Was: always 0600 (tempfile.mkstemp's mode).
    path = tmp_path / "new.toml"
    old = os.umask(umask)
    try:
        result = run("--catalog", str(path), "add", "third", "x**3")
    finally:
        os.umask(old)

    assert result.exit_code == ExitStatus.OK, result.stderr
    assert path.stat().st_mode & 0o777 == mode


@pytest.mark.parametrize(
    "expr", ["exp(exp(100))*x", "exp(exp(100))*tanh(x)", "x*exp(-exp(100))"], ids=str
)
def test_add_accepts_a_right_entry_with_a_huge_constant(
    run: Callable[..., Result], project: Path, expr: str
) -> None:
    # Was: refused (exit 3, "differ at x = -49.94"): exp(exp(100)) rounded to 50 digits moves
    # its 8th digit, so two right evaluations disagreed.
    result = run("--catalog", str(project), "add", "huge", expr, "--json")

    assert result.exit_code == ExitStatus.OK, result.stdout[-2000:]
    added = json.loads(result.stdout)
    assert added["written"] is True
    assert added["record"]["verified"] is True


def test_add_still_refuses_a_wrong_claim_about_a_huge_constant(
    run: Callable[..., Result], project: Path
) -> None:
    before = project.read_bytes()
    result = run(
        "--catalog",
        str(project),
        "add",
        "huge",
        "exp(exp(100))*x",
        "--derivative",
        "exp(exp(100))*(1 + 1/10**7)",
    )

    assert result.exit_code == ExitStatus.VERIFY_FAILED
    # off by a relative 1e-7: refused, and said to differ as a rounding would (issue #18 verdicts)
    assert "failed: claimed derivative:" in result.stdout
    assert "as a rounding" in result.stdout
    assert project.read_bytes() == before
