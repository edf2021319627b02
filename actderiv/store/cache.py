"""Derived records in the store, keyed by everything a record depends on.

The key covers the entry's own fields, every entry it calls (transitively), the options, and
the code: the records kind's digest (:data:`actderiv.store.core.RECORDS`: the actderiv modules
that compute records, found statically, with actderiv's and SymPy's versions), so a change to
any of them misses the cache. Records are JSON (strings only), so reading them needs no SymPy.
Every record read back is checked against its key, its digest and the record schema
(:mod:`actderiv.schema`); one that fails is a miss. A record whose work budget ran out
(``exhausted``) is never stored. A read-only layer shipped inside the package holds the
records of the bundled catalog. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from actderiv.catalog.model import ActivationSpec, Catalog
from actderiv.store import core
from actderiv.store.core import cache_dir, enabled, new_digest

if TYPE_CHECKING:
    from actderiv.schema import Record

__all__ = [
    "SHIPPED_NAME",
    "RecordCache",
    "cache_dir",
    "content_digest",
    "enabled",
    "entry_key",
    "shipped_keys",
    "shipped_text",
    "storable",
]

SHIPPED_NAME: Final = "derived.jsonl"


def entry_key(spec: ActivationSpec, catalog: Catalog, options: Mapping[str, Any]) -> str:
    """The cache key of one entry's record: its content, that of every entry its formula or its
    claims call (transitively), the options and the code. Contents count by their digests: the
    ones the catalog carries for its own entries (from its snapshot), else computed here."""
    digest = new_digest(core.RECORDS.code().encode())
    digest.update(json.dumps(dict(options), sort_keys=True).encode())
    known = catalog.digests
    for dep in _with_callees(spec, catalog):
        stored = known.get(dep.name) if known and catalog.get(dep.name) is dep else None
        digest.update((stored or content_digest(dep)).encode())
    return digest.hexdigest()


@lru_cache(maxsize=4096)
def content_digest(spec: ActivationSpec) -> str:
    """A digest of what of an entry decides its record: every field but where it was written."""
    data = {name: getattr(spec, name) for name in _CONTENT_FIELDS}
    return new_digest(json.dumps(data, sort_keys=True, default=_plain).encode()).hexdigest()


_CONTENT_FIELDS: Final = tuple(
    name
    for name in ActivationSpec.__dataclass_fields__
    if name not in ("location", "expr_location", "claim_locations")
)


def _plain(value: Any) -> Any:
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is None:
        return str(value)
    return {name: getattr(value, name) for name in fields}


def _with_callees(spec: ActivationSpec, catalog: Catalog) -> list[ActivationSpec]:
    """The entry and every entry it calls, sorted by key."""
    if catalog.get(spec.name) is spec and spec.name in catalog.callees:
        names = (spec.name, *catalog.callees[spec.name])
        return [catalog.require(n) for n in sorted(names)]
    from actderiv.lang.grammar import Names, called_names, check_formula

    keys = frozenset(catalog.keys)
    seen: dict[str, ActivationSpec] = {}
    stack = [spec]
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen[current.name] = current
        scope = Names.of(current.param_dict, keys - {current.name})
        called = set(called_names(check_formula(current.expr, scope)))
        claims = (current.claims.derivative, current.claims.self_referential)
        with_y = Names.of(current.param_dict, keys - {current.name}, allow_y=True)
        for text in filter(None, claims):  # claims that call entries depend on them too
            called.update(called_names(check_formula(text, with_y)))
        stack.extend(catalog.require(n) for n in sorted(called) if n in keys)
    return [seen[k] for k in sorted(seen)]


def storable(record: Mapping[str, Any]) -> bool:
    """Whether a record may be kept: not when a work budget ran out making it."""
    return not record.get("exhausted")


def _record(data: Any) -> Record:
    """A record read back, checked against the schema (raises ValueError when it is not one)."""
    from actderiv import schema

    schema.check(data, "record")
    if data["schema_version"] != schema.SCHEMA_VERSION or not storable(data):
        raise ValueError("not a record this code keeps")
    record: Record = data
    return record


class RecordCache:
    """Derived records by key: the user's cache folder over the layer shipped with actderiv."""

    def __init__(self, folder: Path | None = None, use_shipped: bool = True) -> None:
        self.folder = folder if folder is not None else cache_dir()
        self.shipped = core.shipped_layer(SHIPPED_NAME, core.RECORDS) if use_shipped else {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key``; None when there is none (or none that checks)."""
        text = self.shipped.get(key)
        if text is not None:
            try:
                return dict(_record(json.loads(text)))
            except (ValueError, RecursionError):
                pass  # the shipped layer is read-only: a record that fails is only ignored
        found = core.read(core.RECORDS, key, _record, self._path(key))
        return None if found is None else dict(found)

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Store a record atomically, unless a work budget ran out making it; a cache that
        cannot be written is simply not used."""
        if storable(record) and enabled():
            core.write_text_atomic(self._path(key), core.stored_text(core.RECORDS, key, record))

    def _path(self, key: str) -> Path:
        return self.folder / core.RECORDS.folder / key[:2] / f"{key}.json"


def shipped_text(records: Mapping[str, Mapping[str, Any]]) -> str:
    """The text of the shipped records file (``scripts/build_derived.py``)."""
    return core.shipped_layer_text(core.RECORDS, {k: v for k, v in records.items() if storable(v)})


def shipped_keys() -> Iterable[str]:
    return core.shipped_layer(SHIPPED_NAME, core.RECORDS).keys()
