"""What gets imported at run time, and the records shipped for the bundled catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actderiv import api
from actderiv.catalog.load import bundled_catalog_path, read_layers
from actderiv.store import cache, listing

ROOT = Path(__file__).resolve().parent.parent


Probe = Any  # conftest's modules_after: probe(code, cache=None), probe.cli(*args, cache=None)


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("list",),
        ("list", "--json"),
        ("show", "relu"),
        ("show", "sigmoid", "--json"),
        ("derive", "--help"),
    ],
)
def test_common_commands_do_not_import_sympy(args: tuple[str, ...], modules_after: Probe) -> None:
    loaded = modules_after.cli(*args)
    assert "sympy" not in loaded
    assert "mpmath" not in loaded


def test_list_with_a_warm_cache_loads_only_what_it_needs(
    tmp_path: Path, modules_after: Probe
) -> None:
    """The second ``list`` reads the stored rows (no TOML parser, no formula grammar, not even
    the catalog's model) and imports only the CLI module that defines ``list``."""
    cache = tmp_path / "cache"
    modules_after.cli("list", cache=cache)  # the first run stores the snapshot

    loaded = modules_after.cli("list", cache=cache)

    assert "actderiv.cli.inspect" in loaded  # the probe sees the modules it should
    assert not {"tomllib", "actderiv.lang.grammar", "tomlkit", "sympy"} & loaded
    assert not {"actderiv.cli.checks", "actderiv.cli.export", "actderiv.cli.catalog_cmds"} & loaded
    # stored rows need of the catalog only where its files are and the frameworks' names: not
    # its model (dataclasses), loader, checks or snapshot
    catalog = {m for m in loaded if m.startswith(("actderiv.catalog.", "actderiv.store.snapshot"))}
    assert catalog == {"actderiv.catalog.files", "actderiv.catalog.names"}


TINY = str(ROOT / "tests" / "data" / "tiny.toml")


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory, modules_after: Probe) -> Path:
    """A cache folder filled by a cold ``verify --all`` and ``export --all`` of the tiny catalog
    (the probe shows that they did derive: SymPy, or the worker pool that runs it)."""
    folder = tmp_path_factory.mktemp("warm")
    for args in (("verify", "--all"), ("export", "--all", "--format", "latex")):
        cold = modules_after.cli("--catalog", TINY, *args, cache=folder / "cache")
        assert {"sympy", "concurrent.futures.process"} & cold, args
    return folder / "cache"


@pytest.mark.parametrize(
    "args",
    [
        ("export", "--all", "--format", "latex"),
        ("export", "--all", "--format", "markdown"),
        ("export", "--all", "--format", "json"),
        ("list", "--columns", "name,range,max_abs_derivative"),
        ("show", "swish"),
    ],
    ids=lambda args: " ".join(args),
)
@pytest.mark.slow  # the warm_cache fixture derives and exports the tiny catalog in subprocesses
def test_whole_catalog_commands_with_a_warm_cache_do_not_import_sympy(
    args: tuple[str, ...], modules_after: Probe, warm_cache: Path
) -> None:
    again = modules_after.cli("--catalog", TINY, *args, cache=warm_cache)

    assert not {"sympy", "mpmath", "concurrent.futures.process"} & again


@pytest.mark.slow  # the warm_cache fixture derives and exports the tiny catalog in subprocesses
def test_verify_with_a_warm_cache_rechecks_but_derives_nothing(
    modules_after: Probe, warm_cache: Path
) -> None:
    # verify re-checks each cached record against the entry's formula with mpmath before it
    # reports it (engine/recheck.py): it parses the formulas (SymPy) but derives nothing afresh.
    again = modules_after.cli("--catalog", TINY, "verify", "--all", cache=warm_cache)

    assert "actderiv.engine.recheck" in again
    assert not {"concurrent.futures.process", "actderiv.engine.derive"} & again


def test_deriving_a_formula_does_import_sympy(modules_after: Probe) -> None:
    # The check above is only meaningful if this subprocess probe can see SymPy being loaded.
    assert "sympy" in modules_after.cli("derive", "x*tanh(x)")


@pytest.mark.parametrize(
    "module",
    [
        "actderiv.errors",
        "actderiv.catalog.model",
        "actderiv.engine.derivation",
        "actderiv.lang.grammar",
        "actderiv.catalog.load",
        "actderiv.lang.parse",
        "actderiv.engine.formula",
        "actderiv.engine.derive",
        "actderiv.engine.budget",
        "actderiv.numerics",
        "actderiv.engine.verify",
        "actderiv.records",
        "actderiv.api",
        "actderiv.store.cache",
        "actderiv.store.snapshot",
        "actderiv.store.listing",
        "actderiv.render.json",
    ],
)
def test_core_modules_never_import_the_ui_libraries(module: str, modules_after: Probe) -> None:
    loaded = modules_after(f"import {module}")
    assert not {"click", "rich", "actderiv.cli"} & loaded


def test_the_shipped_records_cover_the_bundled_catalog() -> None:
    """Fails when actderiv/derived.jsonl is stale: run `python scripts/build_derived.py`."""
    catalog = api.load_catalog()
    shipped = set(cache.shipped_keys())
    stale = [
        s.name
        for s in catalog
        if cache.entry_key(s, catalog, {"order": 1, "wrt": None}) not in shipped
    ]
    assert stale == [], "actderiv/derived.jsonl is stale: run `python scripts/build_derived.py`"


def test_the_shipped_list_rows_are_those_of_the_shipped_records() -> None:
    """Fails when actderiv/listed.json is stale: run `python scripts/build_derived.py`."""
    catalog = api.load_catalog()
    layers = read_layers([bundled_catalog_path()])
    shipped = cache.RecordCache()  # the test's cache folder is empty: shipped records only
    records = [shipped.get(cache.entry_key(s, catalog, {"order": 1, "wrt": None})) for s in catalog]
    assert None not in records, "actderiv/derived.jsonl is stale"
    made = [listing.row(s, r) for s, r in zip(catalog, records, strict=True) if r is not None]

    assert listing.read_rows(listing.rows_key(layers)) == made, (
        "actderiv/listed.json is stale: run `python scripts/build_derived.py`"
    )


def test_every_shipped_record_is_verified() -> None:
    catalog = api.load_catalog()
    unverified = [r["name"] for r in api.records(catalog, list(catalog)) if not r["verified"]]
    assert unverified == []


def test_warm_list_skips_the_modules_only_writing_or_other_platforms_need(
    tmp_path: Path, modules_after: Probe
) -> None:
    """``list`` neither writes (tempfile loads shutil, bz2, lzma) nor validates records (the
    schema's TypedDicts), and finds its folders without platformdirs or importlib.resources.
    (Run as the console script runs it: click.testing's CliRunner itself loads tempfile.)"""
    cache = tmp_path / "cache"
    code = (
        "import sys\nfrom actderiv.cli import main\n"
        f"sys.argv = ['actderiv', '--catalog', {TINY!r}, 'list']\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code in (0, None)\n"
    )
    modules_after(code, cache=cache)  # the first run stores the rows

    loaded = modules_after(code, cache=cache)

    assert "actderiv.store.listing" in loaded  # the probe sees the modules it should
    assert not {"tempfile", "platformdirs", "importlib.resources", "actderiv.schema"} & loaded
