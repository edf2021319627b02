"""The rows of ``actderiv list``'s table: stored after a whole-catalog run, read back by the next
one without loading the catalog or any record, and never used once a catalog file or the code
has changed (or the file is corrupt)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from actderiv.catalog.load import load_catalog
from actderiv.cli import ExitStatus, cli
from actderiv.store import core, listing

TINY = Path(__file__).parent / "data" / "tiny.toml"


def _stored() -> list[Path]:
    return sorted((Path(os.environ["ACTDERIV_CACHE_DIR"]) / "lists").glob("*.json"))


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    path = tmp_path / "catalog.toml"
    path.write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.fixture
def list_of(catalog_file: Path) -> Callable[..., Result]:
    """``list_of("--tag", "x")``: ``actderiv --catalog FILE list …`` in-process, 200 columns."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        result = runner.invoke(
            cli,
            ["--catalog", str(catalog_file), "list", *args],
            catch_exceptions=False,
            env={"COLUMNS": "200"},
        )
        assert result.exit_code == ExitStatus.OK, result.output
        return result

    return invoke


def _no_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the catalog was loaded")

    monkeypatch.setattr("actderiv.store.snapshot.load_layers", fail)


def test_a_second_list_reads_the_stored_rows(
    list_of: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = list_of()
    assert len(_stored()) == 1
    assert "4 activations" in first.stdout

    _no_loading(monkeypatch)
    assert list_of().stdout == first.stdout


def test_tags_filter_the_stored_rows_as_they_filter_the_catalog(
    list_of: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = list_of("--tag", "SMOOTH")  # a part: computed from the records, not stored
    assert _stored() == []
    list_of()

    _no_loading(monkeypatch)
    stored = list_of("--tag", "SMOOTH")
    assert stored.stdout == fresh.stdout
    assert "2 activations" in stored.stdout
    assert "relu" not in stored.stdout


def test_a_changed_catalog_file_is_listed_afresh(
    list_of: Callable[..., Result], catalog_file: Path
) -> None:
    list_of()
    catalog_file.write_text(
        catalog_file.read_text(encoding="utf-8").replace(
            'expr = "max(0, x)"', 'expr = "max(0, 2*x)"'
        ),
        encoding="utf-8",
    )

    assert "max(0, 2*x)" in list_of().stdout
    assert len(_stored()) == 2


def test_other_code_means_other_rows(
    list_of: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    list_of()
    other = core.Kind("lists", "lists", core.LISTS.version, ("actderiv.store.listing",), keep=16)
    monkeypatch.setattr(listing, "LISTS", other)  # other code: another closure

    list_of()
    assert len(_stored()) == 2


@pytest.mark.parametrize(
    "garbage",
    [
        b"",
        b"{",
        b"[]",
        b'{"kind": "lists", "version": 2, "key": "KEY"}\n[]',  # no digest
        core.stored_text(core.LISTS, "KEY", [{"name": 1}]).encode(),
        core.stored_text(
            core.LISTS,
            "KEY",
            [{"name": "relu", "expr": "x", "derivative": "1", "output_only": 1, "tags": []}],
        ).encode(),
        core.stored_text(core.LISTS, "KEY", 7).encode(),
        core.stored_text(core.LISTS, "another key", []).encode(),
    ],
)
def test_a_corrupt_row_file_is_ignored_and_rebuilt(
    list_of: Callable[..., Result], garbage: bytes
) -> None:
    first = list_of()
    (stored,) = _stored()
    if b"another key" not in garbage:
        garbage = garbage.replace(b"KEY", stored.stem.encode())
    stored.write_bytes(garbage)

    assert list_of().stdout == first.stdout
    (again,) = _stored()
    rows = json.loads(again.read_text(encoding="utf-8").partition("\n")[2])
    assert rows[0]["name"] == "sigmoid"


def test_no_cache_means_no_stored_rows(
    list_of: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")
    list_of()
    assert _stored() == []


def test_the_first_list_of_the_bundled_catalog_reads_the_shipped_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entries = len(load_catalog())  # counted before loading is forbidden
    _no_loading(monkeypatch)
    result = CliRunner().invoke(cli, ["list"], catch_exceptions=False, env={"COLUMNS": "200"})

    assert result.exit_code == ExitStatus.OK, result.output
    assert f"{entries} activations" in result.stdout
    assert _stored() == []  # read from the package, nothing written


def test_a_corrupt_shipped_file_is_not_used_and_not_removed(tmp_path: Path) -> None:
    shipped = tmp_path / listing.SHIPPED_NAME
    shipped.write_text(core.stored_text(core.LISTS, "k", [{"name": 7}]), encoding="utf-8")

    assert core.read_shipped(shipped, core.LISTS, "k", list) == [{"name": 7}]
    assert core.read_shipped(shipped, core.LISTS, "k", listing._rows) is None
    assert shipped.exists()


def test_only_the_newest_row_files_are_kept() -> None:
    for n in range(core.LISTS.keep + 3):
        listing.write_rows(f"{n:064x}", [])
    assert len(_stored()) == core.LISTS.keep


def test_has_tag_matches_in_any_case_and_everything_without_tags() -> None:
    assert listing.has_tag(["Smooth", "pytorch"], ["SMOOTH"])
    assert not listing.has_tag(["pytorch"], ["smooth", "bounded"])
    assert listing.has_tag([], [])


@pytest.mark.parametrize(("columns", "shown"), [("80", False), ("119", False), ("120", True)])
def test_the_tags_column_shows_only_on_a_wide_terminal(
    catalog_file: Path, columns: str, shown: bool
) -> None:
    """Below 120 columns the tags give their room to the formulas (``--columns name,tags`` still
    shows them); the formulas are whole either way."""
    result = CliRunner().invoke(
        cli, ["--catalog", str(catalog_file), "list"], env={"COLUMNS": columns}
    )
    assert result.exit_code == ExitStatus.OK, result.output
    header = next(line for line in result.stdout.splitlines() if "name" in line)
    assert ("tags" in header) is shown
    assert all(len(line) <= int(columns) for line in result.stdout.splitlines())
    tagged = CliRunner().invoke(
        cli,
        ["--catalog", str(catalog_file), "list", "--columns", "name,tags"],
        env={"COLUMNS": columns},
    )
    assert "tags" in tagged.stdout
