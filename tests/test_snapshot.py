"""Catalog snapshots: a validated catalog is stored once and read back unchanged, and any change
to a catalog file (or a corrupt snapshot) means the files are read and validated again."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from actderiv.catalog.load import bundled_catalog_path
from actderiv.catalog.model import Catalog
from actderiv.errors import CatalogErrors
from actderiv.store import cache, core, snapshot
from actderiv.store.snapshot import load_catalogs

TINY = Path(__file__).parent / "data" / "tiny.toml"


def _snapshots() -> list[Path]:
    return sorted((Path(os.environ["ACTDERIV_CACHE_DIR"]) / "catalogs").glob("*.json"))


def _parts(path: Path) -> tuple[dict[str, object], object]:
    """The header and the data of a stored file."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n")
    return json.loads(head), json.loads(body)


def _same(a: Catalog, b: Catalog) -> None:
    assert a == b
    assert a.source == b.source
    assert dict(a.callees) == dict(b.callees)
    for x, y in zip(a, b, strict=True):
        for field in dataclasses.fields(x):
            assert getattr(x, field.name) == getattr(y, field.name), (x.name, field.name)
            assert type(getattr(x, field.name)) is type(getattr(y, field.name)), field.name


def test_the_bundled_catalog_survives_the_round_trip_exactly() -> None:
    catalog = load_catalogs([bundled_catalog_path()])

    again = snapshot.catalog_from_json(json.loads(json.dumps(snapshot.catalog_to_json(catalog))))

    _same(catalog, again)
    assert catalog.callees["mish"] == ("softplus",)  # the call graph travels too


def test_a_second_load_reads_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_catalogs([TINY])
    assert len(_snapshots()) == 1

    def no_validation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalog was validated again")

    monkeypatch.setattr("actderiv.catalog.load.build_catalog", no_validation)
    _same(first, load_catalogs([TINY]))


def test_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    load_catalogs([path])

    path.write_text(
        path.read_text(encoding="utf-8").replace('title = "Swish"', 'title = "Swish!"'),
        encoding="utf-8",
    )

    assert load_catalogs([path]).require("swish").title == "Swish!"
    assert len(_snapshots()) == 2


def test_a_catalog_with_errors_is_never_stored(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[activations.bad]\ntitle = "Bad"\nexpr = "x +"\n', encoding="utf-8")

    for _ in range(2):  # the second load reports the problem again, rather than a snapshot
        with pytest.raises(CatalogErrors):
            load_catalogs([path])
    assert _snapshots() == []


@pytest.mark.parametrize("garbage", [b"", b"{", b"[]", b'{"version": 1, "key": "k"}', b"\xff"])
def test_a_corrupt_snapshot_is_ignored_and_rebuilt(garbage: bytes) -> None:
    expected = load_catalogs([TINY])
    (stored,) = _snapshots()
    stored.write_bytes(garbage)

    _same(expected, load_catalogs([TINY]))
    assert _parts(stored)[0]["version"] == core.SNAPSHOTS.version


def test_a_snapshot_under_another_key_is_not_used() -> None:
    load_catalogs([TINY])
    (stored,) = _snapshots()
    _, data = _parts(stored)
    # copied from elsewhere: the key inside must match the file's
    stored.write_text(core.stored_text(core.SNAPSHOTS, "0" * 64, data), encoding="utf-8")

    assert snapshot.read_snapshot(stored.stem) is None
    assert not stored.exists()  # a file that is not what its name says is removed


def test_no_cache_means_no_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")

    load_catalogs([TINY])

    assert _snapshots() == []


def test_only_the_newest_snapshots_are_kept(tmp_path: Path) -> None:
    text = TINY.read_text(encoding="utf-8")
    for n in range(core.SNAPSHOTS.keep + 3):
        path = tmp_path / f"c{n}.toml"
        path.write_text(text, encoding="utf-8")
        load_catalogs([path])

    assert len(_snapshots()) == core.SNAPSHOTS.keep


def test_cache_keys_from_a_snapshot_match_keys_from_parsing() -> None:
    """Keys use the call graph stored with the catalog; parsing the formulas gives the same."""
    catalog = load_catalogs([bundled_catalog_path()])
    without_graph = Catalog.build(catalog.entries, catalog.source)
    options = {"order": 1, "wrt": None}

    for spec in catalog:
        assert cache.entry_key(spec, catalog, options) == cache.entry_key(
            spec, without_graph, options
        ), spec.name


def test_a_catalog_read_from_its_snapshot_carries_digests_that_give_the_same_keys() -> None:
    """Keys of a snapshot's catalog hash the stored content digests instead of serialising every
    entry again; they are the keys of the same catalog built without them."""
    load_catalogs([bundled_catalog_path()])  # stores the snapshot
    stored = load_catalogs([bundled_catalog_path()])
    bare = Catalog.build(stored.entries, stored.source)

    assert set(stored.digests) == set(stored.keys)
    assert bare.digests == {}
    for options in ({"order": 1, "wrt": None}, {"order": 2, "wrt": None}):
        for spec in stored:
            key = cache.entry_key(spec, stored, options)
            assert key == cache.entry_key(spec, bare, options), spec.name


def test_stored_digests_count_only_for_the_catalogs_own_entries() -> None:
    load_catalogs([TINY])
    stored = load_catalogs([TINY])
    spec = stored.entries[0]
    changed = dataclasses.replace(spec, expr=spec.expr + " + 0*x")
    options = {"order": 1, "wrt": None}

    assert stored.digests  # read from the snapshot
    assert cache.entry_key(changed, stored, options) != cache.entry_key(spec, stored, options)
    assert cache.entry_key(changed, stored, options) == cache.entry_key(
        changed, Catalog.build(stored.entries, stored.source), options
    )


@pytest.mark.parametrize("digests", [{"relu": 1}, [], None])
def test_a_snapshot_with_bad_digests_is_not_used(digests: object) -> None:
    load_catalogs([TINY])
    (stored,) = _snapshots()
    _, data = _parts(stored)
    assert isinstance(data, dict)
    data["digests"] = digests
    stored.write_text(core.stored_text(core.SNAPSHOTS, stored.stem, data), encoding="utf-8")

    assert snapshot.read_snapshot(stored.stem) is None


def test_an_entry_depends_on_the_entries_its_claims_call(tmp_path: Path) -> None:
    """A claim may call another entry: changing that entry must change the claimant's key."""
    text = (
        "[activations.base]\ntitle = 'Base'\nexpr = 'tanh(x)'\n\n"
        "[activations.user]\ntitle = 'User'\nexpr = 'x'\n"
        "[activations.user.claims]\nderivative = '1 + 0*base(x)'\n"
    )
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    before = load_catalogs([path])
    path.write_text(text.replace("'tanh(x)'", "'sin(x)'"), encoding="utf-8")
    after = load_catalogs([path])
    options = {"order": 1, "wrt": None}

    assert before.callees["user"] == ("base",)
    for catalog in (before, after):  # the stored graph and parsing agree
        spec = catalog.require("user")
        assert cache.entry_key(spec, catalog, options) == cache.entry_key(
            spec, Catalog.build(catalog.entries, catalog.source), options
        )
    assert cache.entry_key(before.require("user"), before, options) != cache.entry_key(
        after.require("user"), after, options
    )


@pytest.mark.parametrize("header", ["not json", "[1]", '{"kind": "records", "version": 999}', ""])
def test_a_shipped_records_file_this_code_did_not_write_holds_nothing(header: str) -> None:
    shipped = core.ShippedLayer(header + '\nkey\tdigest\t{"name": "x"}\n', core.RECORDS)

    assert len(shipped) == 0
    assert shipped.get("key") is None


def test_shipped_records_are_parsed_one_at_a_time() -> None:
    text = cache.shipped_text({"a": {"name": "a"}, "b": {"name": "b"}}) + "c\tx\t{broken\n"
    shipped = core.ShippedLayer(text, core.RECORDS)

    assert sorted(shipped) == ["a", "b", "c"]
    assert json.loads(shipped["b"]) == {"name": "b"}
    assert shipped.get("c") is None  # a line that is not what its digest says is a miss


def test_a_stored_snapshot_whose_data_was_edited_is_not_used() -> None:
    load_catalogs([TINY])
    (stored,) = _snapshots()
    text = stored.read_text(encoding="utf-8")
    stored.write_text(text.replace('"sigmoid"', '"sigmoidx"'), encoding="utf-8")

    assert snapshot.read_snapshot(stored.stem) is None
    assert not stored.exists()


def _edit_snapshot(edit: object) -> Path:
    """Load the tiny catalog, then apply ``edit`` to its stored snapshot's data and store it
    again with a matching digest (what someone who can write the cache folder can do)."""
    load_catalogs([TINY])
    (stored,) = _snapshots()
    _, data = _parts(stored)
    assert isinstance(data, dict)
    assert callable(edit)
    edit(data)
    stored.write_text(core.stored_text(core.SNAPSHOTS, stored.stem, data), encoding="utf-8")
    return stored


def _entry(data: dict[str, object], name: str) -> dict[str, object]:
    entries = data["entries"]
    assert isinstance(entries, list)
    return next(e for e in entries if e["name"] == name)


#: Edits of a snapshot that a catalog file could not hold: (id, edit of the snapshot's data).
SNAPSHOT_EDITS = [
    ("entry name that is code", lambda d: _entry(d, "sigmoid").update(name="os.system('x')")),
    ("entry name with a newline", lambda d: _entry(d, "sigmoid").update(name="sigmoid\n")),
    ("parameter name that is code", lambda d: _entry(d, "swish").update(params=[["b=1;x", 1.0]])),
    ("parameter named x", lambda d: _entry(d, "swish").update(params=[["x", 1.0]])),
    ("title with ESC", lambda d: _entry(d, "sigmoid").update(title="a\x1b[2J")),
    ("tag that is not text", lambda d: _entry(d, "sigmoid").update(tags=[1])),
    ("infinite default", lambda d: _entry(d, "swish").update(params=[["beta", float("inf")]])),
    ("two entries of one name", lambda d: _entry(d, "swish").update(name="sigmoid")),
    ("callee not in the catalog", lambda d: d["callees"].update(swish=["evil"])),
    ("location with ESC", lambda d: _entry(d, "sigmoid")["location"].update(file="\x1b[2J")),
]


@pytest.mark.parametrize("edit", [e for _, e in SNAPSHOT_EDITS], ids=[i for i, _ in SNAPSHOT_EDITS])
def test_a_snapshot_is_validated_like_a_catalog_file(edit: object) -> None:
    # Was: a snapshot was trusted as it was; a name edited there into Python source became code.
    stored = _edit_snapshot(edit)

    assert snapshot.read_snapshot(stored.stem) is None
    assert not stored.exists()
    _same(load_catalogs([TINY]), load_catalogs([TINY]))  # rebuilt from the file


def test_a_snapshot_left_as_written_still_reads_back() -> None:
    stored = _edit_snapshot(lambda d: None)

    assert snapshot.read_snapshot(stored.stem) is not None
