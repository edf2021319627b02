"""Shared fixtures: a tiny catalog, a CLI runner, and an isolated cache folder for every test."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import settings

from actderiv.cli import cli

settings.register_profile("fast", max_examples=25, deadline=None)
settings.register_profile("default", max_examples=100, deadline=None)
settings.load_profile("fast" if os.environ.get("FAST") == "1" else "default")

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test gets an empty cache and config folder: no test sees another's, or the user's."""
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("ACTDERIV_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("ACTDERIV_CATALOG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture
def tiny_catalog_path() -> Path:
    return DATA / "tiny.toml"


@pytest.fixture
def run() -> Callable[..., Result]:
    """Run the CLI in-process: ``run("show", "relu")`` → click's Result (stdout/stderr apart)."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def _optional(module: str) -> object:
    """Import an optional dependency, or skip — unless CI demands it (ACTDERIV_REQUIRE_<NAME>=1).

    CI sets ACTDERIV_REQUIRE_TORCH=1, so a missing torch fails there instead of skipping.
    """
    if os.environ.get(f"ACTDERIV_REQUIRE_{module.upper()}") == "1":
        return __import__(module)
    return pytest.importorskip(module)


@pytest.fixture
def torch() -> object:
    """PyTorch, or a skip on a machine without it (never in CI: see _optional)."""
    return _optional("torch")


@pytest.fixture
def jax() -> object:
    """JAX, or a skip on a machine without it (never in CI: see _optional)."""
    return _optional("jax")


@pytest.fixture
def pdflatex() -> str:
    """pdflatex, or a skip without TeX Live (a failure when ACTDERIV_REQUIRE_LATEX=1)."""
    import shutil

    found = shutil.which("pdflatex")
    if found is None:
        if os.environ.get("ACTDERIV_REQUIRE_LATEX") == "1":
            pytest.fail("pdflatex is not installed, and ACTDERIV_REQUIRE_LATEX=1 requires it")
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-recommended …)")
    return found
