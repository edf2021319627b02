"""The store: each kind's code key is the static import closure of the modules that compute it;
everything read back is checked against its key, its digest and the schema (a file that fails is
a miss, and is removed unless shipped); results whose work budget ran out are never stored;
``cache clear`` empties every kind; export fragments have a shipped layer."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from actderiv import api, exports
from actderiv.render import export
from actderiv.store import cache, core, deps, fragments, listing, pages

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny.toml"
OPTIONS = {"order": 1, "wrt": None}


def _files(kind: core.Kind) -> list[Path]:
    return sorted((core.cache_dir() / kind.folder).rglob("[!.]*.json"))


# --- the code part of keys -------------------------------------------------------------------


def test_the_export_fragments_depend_on_the_latex_printers() -> None:
    modules = deps.describe(core.FRAGMENTS.roots)

    assert {"actderiv.render.tex", "actderiv.render.texprint"} <= set(modules)


def test_records_depend_on_the_engine_and_not_on_the_printers_or_the_cli() -> None:
    modules = set(deps.describe(core.RECORDS.roots))

    assert {
        "actderiv.pipelines",
        "actderiv.records",
        "actderiv.engine.derive",
        "actderiv.engine.proofs",
        "actderiv.engine.verify",
        "actderiv.engine.properties",
        "actderiv.engine.budget",
        "actderiv.lang.parse",
        "actderiv.schema",
    } <= modules
    assert not {m for m in modules if m.startswith(("actderiv.render", "actderiv.cli"))}


def test_snapshots_depend_on_the_loader_and_not_on_the_engine() -> None:
    modules = set(deps.describe(core.SNAPSHOTS.roots))

    assert {"actderiv.catalog.load", "actderiv.lang.grammar", "actderiv.store.snapshot"} <= modules
    assert not {m for m in modules if m.startswith("actderiv.engine")}


def test_list_rows_depend_on_what_records_and_snapshots_depend_on() -> None:
    rows = set(deps.describe(core.LISTS.roots))

    assert set(deps.describe(core.RECORDS.roots)) | set(deps.describe(core.SNAPSHOTS.roots)) <= rows


def test_imports_are_found_everywhere_but_under_type_checking(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "from actderiv import errors\n"
        "from .numerics import close\n"
        "if TYPE_CHECKING:\n"
        "    from actderiv.render import latex\n"
        "def f():\n"
        "    import actderiv.lang.parse\n"
        "    return g() + close\n"
        "def g():\n"
        "    from actderiv.engine import budget\n"
        "def h():\n"
        "    from actderiv.codegen import emit\n",
        encoding="utf-8",
    )
    facts = deps._facts("actderiv.mod", source, source.read_bytes())

    assert "actderiv.render.latex" not in facts["all"]
    assert {
        "actderiv.errors",
        "actderiv.numerics",
        "actderiv.lang.parse",
        "actderiv.lang",
        "actderiv.engine.budget",
        "actderiv.codegen",
    } <= set(facts["all"])
    used = set(deps._used_by(facts, "f"))
    assert {"actderiv.lang.parse", "actderiv.engine.budget", "actderiv.numerics"} <= used
    assert "actderiv.codegen" not in used  # h is not called by f
    assert "actderiv.errors" not in used  # bound at module level, never named in f


@pytest.fixture
def package_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the package that the closures are computed from."""
    copy = tmp_path / "actderiv"
    shutil.copytree(deps.PACKAGE, copy, ignore=shutil.ignore_patterns("*.json*", "__pycache__"))
    monkeypatch.setattr(deps, "PACKAGE", copy)
    deps.code_digest.cache_clear()
    yield copy
    deps.code_digest.cache_clear()


def _codes() -> dict[str, str]:
    deps.code_digest.cache_clear()
    return {kind.name: kind.code() for kind in core.KINDS}


def test_an_edit_changes_the_code_of_the_kinds_that_import_the_module(package_copy: Path) -> None:
    before = _codes()
    texprint = package_copy / "render" / "texprint.py"
    texprint.write_text(texprint.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")

    after = _codes()
    assert after["fragments"] != before["fragments"]
    assert after["records"] == before["records"]
    assert after["snapshots"] == before["snapshots"]


def test_an_edit_to_the_engine_changes_records_rows_and_fragments(package_copy: Path) -> None:
    before = _codes()
    budget = package_copy / "engine" / "budget.py"
    budget.write_text(budget.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")

    after = _codes()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"records", "lists", "fragments", "signals", "site"}


def test_an_edit_of_the_same_size_is_seen_by_its_time(package_copy: Path) -> None:
    before = _codes()
    grammar = package_copy / "lang" / "grammar.py"
    text = grammar.read_text(encoding="utf-8")
    grammar.write_text(text.replace("\n", "\r", 1), encoding="utf-8")  # same size
    stat = grammar.stat()
    os.utime(grammar, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert _codes()["snapshots"] != before["snapshots"]


def test_the_code_digest_is_the_same_from_the_disk_memo_and_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = _codes()
    assert (core.cache_dir() / "closures.json").is_file()
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")  # no memo: computed from the sources
    assert _codes() == first


# --- reading back ----------------------------------------------------------------------------


@pytest.fixture
def relu_record(run: Callable[..., Result]) -> Path:
    """The cached record of tiny.toml's relu (derived now, in this test's cache folder)."""
    result = run("--catalog", str(TINY), "show", "relu", "--json")
    assert result.exit_code == 0, result.output
    (path,) = [p for p in _files(core.RECORDS) if '"name": "relu"' in p.read_text("utf-8")]
    return path


def test_an_edited_record_is_derived_again(run: Callable[..., Result], relu_record: Path) -> None:
    text = relu_record.read_text(encoding="utf-8")
    true = json.loads(text.partition("\n")[2])["derivative"]
    relu_record.write_text(text.replace(json.dumps(true), '"42"', 1), encoding="utf-8")
    assert '"derivative": "42"' in relu_record.read_text(encoding="utf-8")

    shown = json.loads(run("--catalog", str(TINY), "show", "relu", "--json").stdout)

    assert shown["derivative"] == true
    assert '"42"' not in relu_record.read_text(encoding="utf-8")  # removed, then stored afresh


def _rewrite(path: Path, change: Callable[[dict[str, Any]], Any], key: str | None = None) -> None:
    """Store a changed record under ``path`` with a correct digest (and ``key``)."""
    data = json.loads(path.read_text(encoding="utf-8").partition("\n")[2])
    change(data)
    path.write_text(core.stored_text(core.RECORDS, key or path.stem, data), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("name"),
        lambda r: r.update(derivative=42),
        lambda r: r.update(verification={"summary": {}, "checks": []}),
        lambda r: r["breakpoints"].append({"x": "0"}),
        lambda r: r.update(exhausted=["derivative"]),
        lambda r: r.update(schema_version=999),
    ],
)
def test_a_record_that_is_not_one_is_a_miss_and_is_removed(
    relu_record: Path, change: Callable[[dict[str, Any]], Any]
) -> None:
    _rewrite(relu_record, change)

    assert cache.RecordCache().get(relu_record.stem) is None
    assert not relu_record.exists()


def test_a_record_stored_under_another_key_is_a_miss(relu_record: Path) -> None:
    _rewrite(relu_record, lambda r: None, key="0" * 64)

    assert cache.RecordCache().get(relu_record.stem) is None
    assert not relu_record.exists()


def test_a_record_that_checks_is_read_back(relu_record: Path) -> None:
    _rewrite(relu_record, lambda r: r.update(a_new_key="allowed"))

    found = cache.RecordCache().get(relu_record.stem)
    assert found is not None
    assert found["name"] == "relu"


def test_a_shipped_record_that_fails_is_ignored_not_removed(relu_record: Path) -> None:
    good = json.loads(relu_record.read_text(encoding="utf-8").partition("\n")[2])
    relu_record.unlink()
    bad = {**good, "derivative": 42}
    store = cache.RecordCache()
    store.shipped = core.ShippedLayer(cache.shipped_text({"k1": bad, "k2": good}), core.RECORDS)

    assert store.get("k1") is None
    assert store.get("k2") == good
    assert len(store.shipped) == 2


def test_a_shipped_layer_never_holds_an_exhausted_record() -> None:
    text = cache.shipped_text({"k": {"name": "x", "exhausted": ["properties"]}})

    assert len(core.ShippedLayer(text, core.RECORDS)) == 0


# --- budgets -------------------------------------------------------------------------------


def test_a_record_whose_budget_ran_out_is_never_stored() -> None:
    store = cache.RecordCache()
    store.put("a" * 64, {"name": "x", "exhausted": ["derivative"]})
    store.put("b" * 64, {"name": "x", "exhausted": []})

    assert [p.stem for p in _files(core.RECORDS)] == ["b" * 64]


def test_rows_made_from_an_exhausted_record_are_never_stored() -> None:
    row = listing.Row(name="x", expr="x", derivative="1", output_only=None, tags=[])
    listing.write_rows("c" * 64, [row], [{"name": "x", "exhausted": ["properties"]}])
    assert _files(core.LISTS) == []

    listing.write_rows("c" * 64, [row], [{"name": "x"}])
    assert len(_files(core.LISTS)) == 1


def test_fragments_whose_budget_ran_out_are_never_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = api.load_catalog(TINY)
    printed = _printed()

    def fake(*args: Any) -> list[tuple[int, tuple[Any, bool]]]:
        return [(0, (printed, True)), (1, (printed, False))]

    monkeypatch.setattr(exports, "_derive_all", fake)
    exports._fragments(catalog, list(catalog)[:2], 6, 1, None)

    assert len(_files(core.FRAGMENTS)) == 1


def _printed() -> Any:
    side = {
        "function": "f",
        "expr": "x",
        "derivative": "1",
        "self_referential": None,
        "params": [],
        "breakpoints": [],
    }
    return {"latex": side, "markdown": side}


# --- the shipped fragments ------------------------------------------------------------------


def test_export_reads_the_shipped_fragments(monkeypatch: pytest.MonkeyPatch) -> None:
    """What scripts/build_derived.py ships is what export reads: nothing is printed afresh."""
    catalog = api.load_catalog(TINY)
    specs = [catalog.require("relu")]
    made = exports.fresh_fragments(catalog, specs, export.DEFAULT_PRECISION, jobs=1)
    items = {
        fragments.fragments_key(spec, catalog, export.DEFAULT_PRECISION): text
        for spec, (text, ran_out) in zip(specs, made, strict=True)
        if not ran_out
    }
    layer = core.ShippedLayer(fragments.shipped_text(items), core.FRAGMENTS)
    monkeypatch.setattr(core, "shipped_layer", lambda name, kind: layer)

    def fail(catalog: Any, specs: Any, missing: list[int], *args: Any) -> list[Any]:
        assert not missing, "printed afresh"
        return []

    monkeypatch.setattr(exports, "_derive_all", fail)
    (entry,) = exports.entries(catalog, specs, jobs=1)

    assert entry["latex"] == made[0][0]["latex"]
    assert _files(core.FRAGMENTS) == []  # read from the shipped layer, nothing written


def test_the_wheel_ships_the_store_layers() -> None:
    """Hatch puts every file of the package into the wheel unless .gitignore excludes it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = config["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["actderiv"]
    assert "exclude" not in wheel
    ignored = [
        line.strip()
        for line in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = (
        cache.SHIPPED_NAME,
        listing.SHIPPED_NAME,
        fragments.SHIPPED_NAME,
        pages.SHIPPED_NAME,
        deps.SHIPPED_NAME,
    )
    for name in names:
        for pattern in ignored:
            assert not fnmatch.fnmatch(name, pattern.rstrip("/")), (name, pattern)


# --- clearing ------------------------------------------------------------------------------


def test_cache_clear_empties_every_kind(run: Callable[..., Result], relu_record: Path) -> None:
    core.write(core.FRAGMENTS, "d" * 64, _printed())

    result = run("cache", "clear")

    assert result.exit_code == 0
    folder = core.cache_dir()
    assert result.stdout == (
        f"removed 1 cached result(s), 1 catalog snapshot(s) and 0 list table(s) from {folder}\n"
        "removed 1 export fragment(s)\n"
    )
    assert all(_files(kind) == [] for kind in core.KINDS)
    assert not (folder / "closures.json").exists()


def test_clear_counts_per_kind() -> None:
    core.write(core.SNAPSHOTS, "e" * 64, {})
    core.write(core.FRAGMENTS, "f" * 64, _printed())

    assert core.clear() == {
        "records": 0, "snapshots": 1, "lists": 0, "fragments": 1, "signals": 0, "site": 0
    }  # fmt: skip
    assert core.clear() == {
        "records": 0, "snapshots": 0, "lists": 0, "fragments": 0, "signals": 0, "site": 0
    }  # fmt: skip


def test_no_cache_means_nothing_is_read_or_written(monkeypatch: pytest.MonkeyPatch) -> None:
    core.write(core.FRAGMENTS, "f" * 64, _printed())
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")

    assert core.read(core.FRAGMENTS, "f" * 64, dict) is None
    core.write(core.FRAGMENTS, "a" * 64, _printed())
    cache.RecordCache().put("b" * 64, {"name": "x"})
    monkeypatch.delenv("ACTDERIV_NO_CACHE")
    assert [p.stem for p in _files(core.FRAGMENTS)] == ["f" * 64]
    assert _files(core.RECORDS) == []


def test_the_shipped_fragments_cover_the_bundled_catalog() -> None:
    """Fails when actderiv/store/fragments.jsonl is stale: run `python scripts/build_derived.py`."""
    catalog = api.load_catalog()
    shipped = core.shipped_layer(fragments.SHIPPED_NAME, core.FRAGMENTS)
    stale = [
        s.name
        for s in catalog
        if fragments.fragments_key(s, catalog, export.DEFAULT_PRECISION) not in shipped
    ]
    assert stale == [], "fragments.jsonl is stale: run `python scripts/build_derived.py`"


def test_the_shipped_website_pages_cover_the_bundled_catalog() -> None:
    """Fails when actderiv/store/pages.jsonl is stale: run `python scripts/build_derived.py`."""
    from actderiv.site import PLOT_POINTS

    catalog = api.load_catalog()
    shipped = core.shipped_layer(pages.SHIPPED_NAME, core.SITE)
    stale = [s.name for s in catalog if pages.page_key(s, catalog, PLOT_POINTS) not in shipped]
    assert stale == [], "pages.jsonl is stale: run `python scripts/build_derived.py`"
