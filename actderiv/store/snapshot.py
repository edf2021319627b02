"""Validated catalogs kept on disk, so that a run whose catalog files have not changed skips the
TOML parsing and the formula checks (about 60 ms for the bundled catalog, most of ``list``).

A snapshot is the JSON form of a :class:`Catalog` (entries, locations, call graph, and the digest of
each entry's content that cache keys are made of), stored in the cache folder under a key made of
every catalog file's path and bytes and the code of the modules that read and check catalogs (and
make the digests), found statically by the store. Any change to a file or to that code gives a new
key, so a stale snapshot is never read; only catalogs that validated are stored. Writes are atomic;
a corrupt or foreign snapshot is ignored and rebuilt. JSON, not pickle: reading a cache file never
runs code. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from actderiv.catalog import load
from actderiv.catalog.lines import LineIndex
from actderiv.catalog.model import ActivationSpec, Catalog, Claims, KinkClaim, Reference
from actderiv.catalog.validate import check_entry, check_names, first_control
from actderiv.errors import CatalogErrors, Location
from actderiv.store import core
from actderiv.store.cache import content_digest
from actderiv.store.core import SNAPSHOTS, new_digest


def load_catalog(path: str | Path | None = None) -> Catalog:
    """:func:`actderiv.catalog.load.load_catalog`, from a snapshot where one is kept."""
    return load_catalogs([Path(path)] if path is not None else load.default_catalog_paths())


def load_catalogs(paths: Sequence[str | Path]) -> Catalog:
    """:func:`actderiv.catalog.load.load_catalogs`, from a snapshot where one is kept."""
    return load_layers(load.read_layers(paths))


def load_layers(layers: Sequence[tuple[str, bytes]]) -> Catalog:
    """The catalog of :func:`~actderiv.catalog.load.read_layers`' files: from its snapshot when
    one is stored for exactly these files, else parsed, validated and stored."""
    key = snapshot_key(layers)
    catalog = read_snapshot(key)
    if catalog is None:
        catalog = load.build_layers(layers)
        write_snapshot(key, catalog)
    return catalog


def snapshot_key(layers: Sequence[tuple[str, bytes]]) -> str:
    """The key of a catalog stack: every file's path and bytes, and the loader's code."""
    digest = new_digest(loader_fingerprint().encode())
    for source, data in layers:
        digest.update(len(source).to_bytes(8, "little") + source.encode())
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def loader_fingerprint() -> str:
    """The code part of snapshot keys: the modules that read and check catalogs (and make the
    entries' digests), found statically (:data:`actderiv.store.core.SNAPSHOTS`)."""
    return SNAPSHOTS.code()


def read_snapshot(key: str) -> Catalog | None:
    """The catalog stored under ``key``, or None when there is none (or it is unreadable)."""
    return core.read(SNAPSHOTS, key, catalog_from_json)


def write_snapshot(key: str, catalog: Catalog) -> None:
    """Store ``catalog`` under ``key`` (the store keeps the newest few)."""
    core.write(SNAPSHOTS, key, catalog_to_json(catalog))


def catalog_to_json(catalog: Catalog) -> dict[str, Any]:
    """A catalog as plain JSON values (the inverse of :func:`catalog_from_json`)."""
    return {
        "source": catalog.source,
        "entries": [_plain_data(spec) for spec in catalog],
        "callees": {name: list(callees) for name, callees in catalog.callees.items()},
        "digests": {spec.name: content_digest(spec) for spec in catalog},
    }


def _plain_data(value: Any) -> Any:
    """``value`` with dataclasses as dicts and tuples as lists (``dataclasses.asdict`` without
    its deep copies, a third of the time of writing a snapshot)."""
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None:
        return {name: _plain_data(getattr(value, name)) for name in fields}
    if isinstance(value, Location):  # a NamedTuple, stored by its field names like a dataclass
        return value._asdict()
    if isinstance(value, tuple | list):
        return [_plain_data(item) for item in value]
    return value


def catalog_from_json(data: Mapping[str, Any]) -> Catalog:
    """Rebuild a catalog from :func:`catalog_to_json`'s output, validated like a catalog file.

    A snapshot is a file in the cache folder, which anyone who can write there can edit: every
    entry is checked again field by field as the loader checks a catalog file (names, parameter
    names, text without control characters, …; see :func:`_checked`), names must be unique, and
    the call graph and digests may name only the catalog's entries. Formulas are checked by the
    grammar again whenever they are parsed.

    Raises:
        ValueError: the snapshot is not one of a valid catalog.
    """
    entries = tuple(_checked(_spec(raw)) for raw in data["entries"])
    keys = {spec.name for spec in entries}
    problems = check_names(list(entries))
    if problems:
        raise ValueError(f"not a valid catalog: {problems[0]}")
    callees = {name: tuple(names) for name, names in data["callees"].items()}
    digests = data["digests"]
    if not all(isinstance(name, str) and isinstance(d, str) for name, d in digests.items()):
        raise ValueError("entry digests must be strings")
    if not (set(callees) | set(digests) | {n for c in callees.values() for n in c}) <= keys:
        raise ValueError("the call graph or the digests name an entry the catalog does not have")
    if not isinstance(data["source"], str):
        raise ValueError("the source must be a string")
    return Catalog.build(entries, data["source"], callees, digests)


def _checked(spec: ActivationSpec) -> ActivationSpec:
    """``spec`` when the loader's checks of one entry give it back as it is; else ValueError."""
    raw: dict[str, Any] = {
        "title": spec.title,
        "expr": spec.expr,
        "aliases": list(spec.aliases),
        "params": dict(spec.params),
        "tags": list(spec.tags),
        "references": [
            {k: v for k, v in _plain_data(ref).items() if v is not None} for ref in spec.references
        ],
        "notes": spec.notes,
        "torch_kwargs": dict(spec.torch_kwargs),
        "symbols": dict(spec.symbols),
        "claims": {
            **{k: v for k in ("derivative", "self_referential") if (v := getattr(spec.claims, k))},
            "kinks": [_plain_data(kink) for kink in spec.claims.kinks],
        },
        "unverified": spec.unverified,
        **({"torch": spec.torch} if spec.torch is not None else {}),
    }
    if not isinstance(spec.name, str):
        raise ValueError("an entry name must be a string")
    try:
        again = check_entry(spec.name, raw, spec.location.file, LineIndex(""))
    except CatalogErrors as exc:
        raise ValueError(f"not a valid catalog entry: {exc}") from None
    kept = ("location", "expr_location", "claim_locations")
    if dataclasses.replace(again, **{k: getattr(spec, k) for k in kept}) != spec:
        raise ValueError(f"entry {spec.name!r} is not what the loader makes of its fields")
    for where in (spec.location, spec.expr_location, *(w for _, w in spec.claim_locations)):
        if where is not None and not (
            isinstance(where.file, str)
            and isinstance(where.key, str)
            and (where.line is None or isinstance(where.line, int))
            and first_control(where.file + where.key) is None
        ):
            raise ValueError("a location must be a file, a dotted name and a line")
    return spec


def _spec(raw: Mapping[str, Any]) -> ActivationSpec:
    claims = raw["claims"]
    return ActivationSpec(
        **{
            **raw,
            "aliases": tuple(raw["aliases"]),
            "params": tuple((name, value) for name, value in raw["params"]),
            "tags": tuple(raw["tags"]),
            "references": tuple(Reference(**ref) for ref in raw["references"]),
            "torch_kwargs": tuple((name, value) for name, value in raw["torch_kwargs"]),
            "symbols": tuple((name, value) for name, value in raw.get("symbols", ())),
            "claims": Claims(
                **{**claims, "kinks": tuple(KinkClaim(**kink) for kink in claims["kinks"])}
            ),
            "location": Location(**raw["location"]),
            "expr_location": _location(raw["expr_location"]),
            "claim_locations": tuple(
                (name, Location(**where)) for name, where in raw["claim_locations"]
            ),
        }
    )


def _location(raw: Mapping[str, Any] | None) -> Location | None:
    return None if raw is None else Location(**raw)
