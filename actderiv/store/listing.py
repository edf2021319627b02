"""The rows of ``actderiv list``'s table, kept on disk: a run whose catalog files and code have
not changed reads one small file instead of rebuilding the catalog and parsing every record
(about a third of ``list``'s time).

Rows are stored under a key made of the catalog files' bytes, the code that reads catalogs
(:func:`actderiv.store.snapshot.loader_fingerprint`), the code that makes records
(:func:`actderiv.store.cache.code_fingerprint`: the engine's source, actderiv's and SymPy's
versions)
and this module's source, so a change to any of them gives a new key. The CLI stores the rows
of a whole catalog only (a list filtered by tag is then made from them), nothing is read or
stored when the cache is off, and ``actderiv cache clear`` removes them; the rows of the bundled
catalog are shipped with actderiv, like its records. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypedDict

from actderiv.store.cache import (
    cache_dir,
    clear_folder,
    code_fingerprint,
    new_digest,
    read_stored,
    source_digest,
    stored_text,
    write_stored,
)

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec

ROWS_VERSION: Final = 1
#: The rows of the bundled catalog, shipped beside its records (``derived.jsonl``).
SHIPPED_NAME: Final = "listed.json"
#: Row files kept in the cache folder; older ones are removed when a new one is written.
KEEP: Final = 16


class Row(TypedDict):
    """One activation as ``list`` shows it."""

    name: str
    expr: str  # as the catalog writes it
    derivative: str  # the record's display form
    output_only: bool | None
    tags: list[str]


def shown(record: Mapping[str, Any], key: str) -> str:
    """How a record's expression ``key`` is shown: its display form, else its SymPy text."""
    display = (record.get("display") or {}).get(key)
    return display if display is not None else str(record.get(key) or "—")


def row(spec: ActivationSpec, record: Mapping[str, Any]) -> Row:
    return Row(
        name=spec.name,
        expr=spec.expr,
        derivative=shown(record, "derivative"),
        output_only=record.get("output_only"),
        tags=list(spec.tags),
    )


def has_tag(item_tags: Iterable[str], tags: Sequence[str]) -> bool:
    """Whether an entry with ``item_tags`` has any of ``tags``, in any case (each entry has,
    when no tag is asked for)."""
    if not tags:
        return True
    wanted = {t.casefold() for t in tags}
    return any(t.casefold() in wanted for t in item_tags)


def rows_key(layers: Sequence[tuple[str, bytes]]) -> str:
    """The key of the rows of a catalog stack (see :func:`actderiv.catalog.load.read_layers`): the
    files' bytes in order (not their paths, which no row shows, so that the rows of the bundled
    catalog can be shipped), the loader's and the engine's code, and this module's."""
    from actderiv.store.snapshot import loader_fingerprint

    digest = new_digest(f"rows {ROWS_VERSION}\0".encode())
    digest.update(loader_fingerprint().encode() + b"\0" + code_fingerprint().encode())
    digest.update(source_digest("listing", ("store/listing.py",)).encode())
    for _, data in layers:
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def read_rows(key: str) -> list[Row] | None:
    """The rows stored under ``key`` in the cache folder, else those shipped with actderiv for
    the bundled catalog when they have that key; None when there are none."""
    rows = read_stored(_path(key), ROWS_VERSION, key, _rows)
    if rows is None:
        shipped = Path(__file__).with_name(SHIPPED_NAME)
        rows = read_stored(shipped, ROWS_VERSION, key, _rows, shipped=True)
    return rows


def shipped_text(key: str, rows: Sequence[Row]) -> str:
    """The text of the rows file shipped with actderiv (``scripts/build_derived.py``)."""
    return stored_text(ROWS_VERSION, key, list(rows))


def write_rows(key: str, rows: Sequence[Row]) -> None:
    """Store ``rows`` under ``key``, and drop all but the newest :data:`KEEP` row files."""
    write_stored(_path(key), ROWS_VERSION, key, list(rows), KEEP)


def clear_rows() -> int:
    """Remove every stored row file; return how many were removed."""
    return clear_folder(cache_dir() / "lists")


def _path(key: str) -> Path:
    return cache_dir() / "lists" / f"{key}.json"


def _rows(data: Any) -> list[Row]:
    """Rows read back, checked field by field (a foreign file raises, and is then removed)."""
    rows = []
    for raw in data:
        if not (
            isinstance(raw["name"], str)
            and isinstance(raw["expr"], str)
            and isinstance(raw["derivative"], str)
            and (raw["output_only"] is None or isinstance(raw["output_only"], bool))
            and isinstance(raw["tags"], list)
            and all(isinstance(t, str) for t in raw["tags"])
        ):
            raise ValueError("not a row of actderiv list")
        rows.append(
            Row(
                name=raw["name"],
                expr=raw["expr"],
                derivative=raw["derivative"],
                output_only=raw["output_only"],
                tags=raw["tags"],
            )
        )
    return rows
