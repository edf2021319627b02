"""The rows of ``actderiv list``'s table, kept on disk: a run whose catalog files and code have
not changed reads one small file instead of rebuilding the catalog and parsing every record
(about a third of ``list``'s time).

Rows are stored under a key made of the catalog files' bytes and the list kind's code
(:data:`actderiv.store.core.LISTS`: the modules that load catalogs, make records and make rows,
found statically, with actderiv's and SymPy's versions), so a change to any of them gives a new
key. The CLI stores the rows of a whole catalog only (a list filtered by tag is then made from
them), and only when no record's work budget ran out; nothing is read or stored when the cache
is off, and ``actderiv cache clear`` removes them; the rows of the bundled catalog are shipped
with actderiv, like its records. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from actderiv.rows import Row, has_framework, has_tag, row, shown
from actderiv.store import core
from actderiv.store.core import LISTS, new_digest

__all__ = [
    "Row",
    "has_framework",
    "has_tag",
    "read_rows",
    "row",
    "rows_key",
    "shipped_text",
    "shown",
    "write_rows",
]

#: The rows of the bundled catalog, shipped beside its records (``derived.jsonl``).
SHIPPED_NAME: Final = "listed.json"


def rows_key(layers: Sequence[tuple[str, bytes]]) -> str:
    """The key of the rows of a catalog stack (see :func:`actderiv.catalog.load.read_layers`): the
    files' bytes in order (not their paths, which no row shows, so that the rows of the bundled
    catalog can be shipped) and the list kind's code."""
    digest = new_digest(f"rows\0{LISTS.code()}\0".encode())
    for _, data in layers:
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def read_rows(key: str) -> list[Row] | None:
    """The rows stored under ``key`` in the cache folder, else those shipped with actderiv for
    the bundled catalog when they have that key; None when there are none."""
    rows = core.read(LISTS, key, _rows)
    if rows is None:
        rows = core.read_shipped(Path(__file__).with_name(SHIPPED_NAME), LISTS, key, _rows)
    return rows


def shipped_text(key: str, rows: Sequence[Row]) -> str:
    """The text of the rows file shipped with actderiv (``scripts/build_derived.py``)."""
    return core.stored_text(LISTS, key, list(rows))


def write_rows(key: str, rows: Sequence[Row], records: Iterable[Mapping[str, Any]] = ()) -> None:
    """Store ``rows`` under ``key`` (the store keeps the newest few), unless a work budget ran
    out making one of the ``records`` they were made from."""
    if all(not r.get("exhausted") for r in records):
        core.write(LISTS, key, list(rows))


def _rows(data: Any) -> list[Row]:
    """Rows read back, checked field by field against :class:`Row` (a foreign file raises, and
    is then removed; tests/test_schema.py checks that this agrees with the schema's check,
    which would cost ``list`` the import of the schema module)."""
    if not isinstance(data, list):
        raise ValueError("not rows of actderiv list")
    for raw in data:
        if not (
            isinstance(raw, dict)
            and raw.keys() == _ROW_KEYS
            and isinstance(raw["name"], str)
            and isinstance(raw["expr"], str)
            and isinstance(raw["derivative"], str)
            and (raw["output_only"] is None or isinstance(raw["output_only"], bool))
            and isinstance(raw["tags"], list)
            and all(isinstance(t, str) for t in raw["tags"])
            and isinstance(raw["frameworks"], list)
            and all(isinstance(t, str) for t in raw["frameworks"])
        ):
            raise ValueError("not a row of actderiv list")
    rows: list[Row] = data
    return rows


_ROW_KEYS: Final = frozenset(Row.__annotations__)
