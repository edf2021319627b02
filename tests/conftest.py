"""Shared fixtures: a tiny catalog, CLI runners, an isolated cache folder for every test, golden
files, pdflatex, and a probe of what a fresh interpreter imports."""

from __future__ import annotations

import os
import subprocess
import sys
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


@pytest.fixture
def tiny(run: Callable[..., Result], tiny_catalog_path: Path) -> Callable[..., Result]:
    """``run`` with ``--catalog tests/data/tiny.toml`` in front."""

    def invoke(*args: str) -> Result:
        return run("--catalog", str(tiny_catalog_path), *args)

    return invoke


def _assert_golden(path: Path, text: str) -> None:
    if os.environ.get("ACTDERIV_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    assert text == path.read_bytes().decode("utf-8"), f"differs from {path}"


@pytest.fixture
def assert_golden() -> Callable[[Path, str], None]:
    """``assert_golden(path, text)``: compare with a golden file (exact bytes);
    ACTDERIV_UPDATE_GOLDEN=1 rewrites it instead."""
    return _assert_golden


def _modules_after(code: str, cache: Path) -> set[str]:
    script = code + "\nimport sys\nprint(' '.join(sorted(sys.modules)))\n"
    env = {**os.environ, "ACTDERIV_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    return set(out.stdout.split())


def cli_code(*args: str) -> str:
    """Python code that runs the CLI in-process with ``args`` and asserts it succeeded."""
    return (
        "from click.testing import CliRunner\nfrom actderiv.cli import cli\n"
        f"result = CliRunner().invoke(cli, {list(args)!r})\n"
        "assert result.exit_code == 0, result.output\n"
    )


@pytest.fixture(scope="session")
def modules_after(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., set[str]]:
    """``modules_after(code, cache=None)``: run ``code`` in a fresh interpreter (with an empty
    cache folder unless ``cache`` is given) and return the modules it loaded;
    ``modules_after.cli(*args, cache=None)`` does it for a run of the CLI."""

    class Probe:
        def __call__(self, code: str, cache: Path | None = None) -> set[str]:
            return _modules_after(code, cache or tmp_path_factory.mktemp("probe") / "cache")

        def cli(self, *args: str, cache: Path | None = None) -> set[str]:
            return self(cli_code(*args), cache)

    return Probe()


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
def flax() -> object:
    """Flax (for the generated Flax modules), or a skip on a machine without it (never in CI)."""
    _optional("jax")
    return _optional("flax")


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


@pytest.fixture
def compile_latex(pdflatex: str) -> Callable[..., str]:
    """``compile_latex(source, folder, runs=1)``: write ``folder/doc.tex``, run pdflatex on it
    ``runs`` times (twice for references) and return the log; fails on any LaTeX error."""

    def compile_(source: str, folder: Path, runs: int = 1) -> str:
        (folder / "doc.tex").write_text(source, encoding="utf-8")
        for _ in range(runs):
            done = subprocess.run(
                [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=300,
            )
            log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
            assert done.returncode == 0, log[-3000:]
        assert (folder / "doc.pdf").read_bytes().startswith(b"%PDF")
        return log

    return compile_


@pytest.fixture
def unchecked_catalog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Path]:
    """``unchecked_catalog(entry, …)``: every command then loads a catalog of these entries
    (dicts of :class:`~actderiv.catalog.model.ActivationSpec` fields, ``name``, ``title`` and
    ``expr`` at least), built by hand past the loader and its checks, as if text the loader
    refuses (control characters, line breaks) had reached the catalog anyway: the renderers
    must still keep it inert. Returns the file to pass as ``--catalog`` (its bytes are only
    read, and key the caches)."""
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.errors import Location
    from actderiv.store import snapshot

    path = tmp_path / "unchecked.toml"

    def install(*entries: dict[str, object]) -> Path:
        specs = tuple(
            ActivationSpec(location=Location(str(path), f"activations.{entry['name']}"), **entry)
            for entry in entries
        )
        catalog = Catalog.build(specs, str(path))
        path.write_text(f"# built by hand: {', '.join(catalog.keys)}\n", encoding="utf-8")
        monkeypatch.setattr(snapshot, "load_layers", lambda layers: catalog)
        return path

    return install
