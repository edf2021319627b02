"""A non-editable install works from outside the checkout: catalog.toml and the shipped records
travel in the wheel.

The wheel is built as ``pip install .`` builds it on a fresh machine: pip fetches the build
backend (hatchling) into an isolated environment, so none need be installed beforehand (this
needs the package index, as installing the project does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from the checkout in an isolated build environment."""
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = out.glob("actderiv-*.whl")
    return found


def test_the_wheel_holds_the_catalog_and_the_shipped_records(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert {
        "actderiv/catalog.toml",
        "actderiv/store/derived.jsonl",
        "actderiv/store/listed.json",
        "actderiv/py.typed",
    } <= names
    assert not any(name.startswith("tests/") for name in names)


def test_a_wheel_installed_into_a_fresh_venv_runs_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    # System site packages provide the dependencies (sympy, click, rich) so that installing
    # the wheel needs no network.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["ACTDERIV_CACHE_DIR"] = str(tmp_path / "cache")

    def run(*args: str) -> str:
        done = subprocess.run(
            args, cwd=outside, env=env, capture_output=True, text=True, check=True
        )
        return done.stdout

    names = {
        entry["name"]
        for entry in json.loads(run(str(env_dir / "bin" / "actderiv"), "list", "--json"))
    }
    where = run(str(python), "-c", "import actderiv; print(actderiv.__file__)")
    shown = json.loads(run(str(env_dir / "bin" / "actderiv"), "show", "sigmoid", "--json"))

    assert {"relu", "sigmoid", "tanh", "gelu"} <= names
    assert str(env_dir) in where  # the installed copy, not the checkout
    assert shown["self_referential"] == "y*(1 - y)"
