"""Catalog files: TOML text → an immutable :class:`Catalog`, with every problem reported at once.

Formulas are checked against the grammar (syntax, names, calls between entries, cycles) but are not
turned into SymPy here, so that listing the catalog stays fast. Pure apart from reading files.
The checks themselves are in :mod:`actderiv.catalog.validate`; this module finds the files, reads
the TOML, and merges layers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from actderiv.catalog.files import (
    BUNDLED_NAME,
    MAX_CATALOG_BYTES,
    bundled_catalog_path,
    default_catalog_paths,
    read_layers,
    user_catalog_path,
)
from actderiv.catalog.lines import MAX_NESTING, LineIndex, too_deep
from actderiv.catalog.model import ActivationSpec, Catalog
from actderiv.catalog.validate import (
    BrokenEntry,
    check_calls,
    check_entry,
    check_names,
    check_param_name,
)
from actderiv.errors import CatalogError, CatalogErrors, Location

__all__ = [
    "BUNDLED_NAME",
    "MAX_CATALOG_BYTES",
    "build_catalog",
    "build_layers",
    "bundled_catalog_path",
    "check_nesting",
    "check_param_name",
    "default_catalog_paths",
    "load_catalog",
    "load_catalogs",
    "parse_catalog",
    "read_entries",
    "read_layers",
    "user_catalog_path",
]


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and validate one catalog file, or the default stack when ``path`` is None.

    Raises:
        CatalogError: a file cannot be read or is not valid TOML.
        CatalogErrors: one or more entries are invalid; every problem is listed.
    """
    return load_catalogs([Path(path)] if path is not None else default_catalog_paths())


def load_catalogs(paths: Sequence[str | Path]) -> Catalog:
    """Layer several catalog files: later files add entries and override earlier ones by key.
    (The store's :func:`actderiv.store.snapshot.load_catalogs` does the same from a snapshot
    when one is kept for exactly these files.)"""
    return build_layers(read_layers(paths))


def build_layers(layers: Sequence[tuple[str, bytes]]) -> Catalog:
    """The catalog of :func:`read_layers`' files, parsed and validated."""
    return build_catalog([(source, _decode(data, source)) for source, data in layers])


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"cannot read catalog: {exc}", Location(source)) from None


def parse_catalog(text: str, source: str = "<catalog>") -> Catalog:
    """Validate catalog ``text`` and build the :class:`Catalog` (see :func:`load_catalog`)."""
    return build_catalog([(source, text)])


def build_catalog(layers: Sequence[tuple[str, str]]) -> Catalog:
    """Validate (source, text) layers and merge them; every problem in every layer is reported.

    An entry in a later layer replaces the entry with the same key in an earlier one, keeping its
    place in the order; calls may cross layers, and names must be unique across the result.
    """
    merged: dict[str, ActivationSpec] = {}
    problems: list[CatalogError] = []
    broken: list[ActivationSpec] = []
    for source, text in layers:
        try:
            entries = read_entries(text, source, problems, broken)
        except CatalogError as exc:
            problems.append(exc)
            continue
        for spec in entries:
            merged[spec.name] = spec
    specs = list(merged.values())
    problems.extend(check_names(specs))
    depends: dict[str, list[str]] = {}
    problems.extend(check_calls(specs, broken, depends))
    if problems:
        raise CatalogErrors(problems)
    source = " + ".join(source for source, _ in layers)
    return Catalog.build(tuple(specs), source, _transitive(depends))


def _transitive(graph: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """Every key each entry reaches through calls. Cycles are refused for formulas; a claim may
    call back into the entry that holds it, so the walk guards against revisiting."""
    reach: dict[str, tuple[str, ...]] = {}

    def visit(start: str) -> tuple[str, ...]:
        found: set[str] = set()
        todo = list(graph.get(start, ()))
        while todo:
            callee = todo.pop()
            if callee not in found:
                found.add(callee)
                todo.extend(graph.get(callee, ()))
        found.discard(start)
        return tuple(sorted(found))

    for name in graph:
        reach[name] = visit(name)
    return reach


def read_entries(
    text: str,
    source: str,
    problems: list[CatalogError],
    broken: list[ActivationSpec] | None = None,
) -> list[ActivationSpec]:
    """The entries of one catalog file, checked on their own; problems are appended.

    Raises:
        CatalogError: the text is not valid TOML or has no activations table.
    """
    import tomllib

    check_nesting(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise CatalogError(f"not valid TOML: {exc}", Location(source, "", line)) from None
    lines = LineIndex(text)
    table = data.get("activations", {} if not data else None)
    if not isinstance(table, dict):
        raise CatalogError("no [activations.NAME] tables found", Location(source))
    entries = []
    for name, raw in table.items():
        try:
            entries.append(check_entry(name, raw, source, lines))
        except BrokenEntry as exc:
            problems.extend(exc.errors)
            if exc.spec is not None and broken is not None:
                broken.append(exc.spec)
        except CatalogErrors as exc:
            problems.extend(exc.errors)
        except CatalogError as exc:
            problems.append(exc)
    return entries


def check_nesting(text: str, source: str) -> None:
    """Refuse arrays and inline tables nested deeper than a catalog needs, before a TOML reader
    recurses into them.

    Raises:
        CatalogError: they nest deeper than :data:`~actderiv.catalog.lines.MAX_NESTING`.
    """
    line = too_deep(text)
    if line is not None:
        raise CatalogError(
            f"arrays and tables nested more than {MAX_NESTING} levels deep",
            Location(source, "", line),
        )


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None
