"""A non-editable install works from outside the checkout: catalog.toml travels in the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_a_wheel_installed_into_a_fresh_venv_runs_outside_the_checkout(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    # System site packages provide the dependencies (sympy, click, rich, hatchling) so that
    # the test needs no network; the project itself is built and installed from the checkout.
    venv.EnvBuilder(system_site_packages=True, with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["ACTDERIV_CACHE_DIR"] = str(tmp_path / "cache")
    script = env_dir / "bin" / "actderiv"
    listed = subprocess.run(
        [str(script), "list", "--json"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {entry["name"] for entry in json.loads(listed.stdout)}
    assert {"relu", "sigmoid", "tanh", "gelu"} <= names
    where = subprocess.run(
        [str(python), "-c", "import actderiv, sys; print(actderiv.__file__)"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(env_dir) in where.stdout  # the installed copy, not the checkout
    shown = subprocess.run(
        [str(script), "show", "sigmoid", "--json"],
        cwd=outside,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(shown.stdout)["self_referential"] == "y*(1 - y)"
