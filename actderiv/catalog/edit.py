"""Safe edits of a catalog file: add and remove entries without ever losing what was there.

Every edit takes an exclusive lock on ``FILE.lock`` (so concurrent edits all land, one after the
other), re-reads the file under the lock, edits it with tomlkit (comments, blank lines and order
are kept), validates the whole result as a catalog before writing, then writes a temporary file
in the same folder, flushes it to disk and renames it over the original. A failed or
interrupted edit leaves the file byte-identical. No SymPy; no printing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table

from actderiv.catalog.load import build_catalog, check_nesting
from actderiv.catalog.model import Catalog
from actderiv.errors import CatalogError, Location

NEW_FILE_HEADER = (
    "actderiv user catalog: entries here extend or override the bundled catalog.\n"
    "Written by `actderiv add`; edit by hand if you like (see the bundled catalog.toml's header\n"
    "for the fields and the formula language). `actderiv catalog check` validates this file."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEntry:
    """An activation to add, as the user gave it."""

    name: str
    expr: str
    title: str = ""
    params: Mapping[str, float] = field(default_factory=dict)
    aliases: Sequence[str] = ()
    tags: Sequence[str] = ()
    references: Sequence[Mapping[str, Any]] = ()
    notes: str = ""
    derivative: str | None = None
    unverified: str = ""

    def table(self) -> Table:
        """The entry as a TOML table, fields in the catalog's usual order."""
        table = tomlkit.table()
        table.add("title", self.title or self.name)
        if self.aliases:
            table.add("aliases", list(self.aliases))
        table.add("expr", self.expr)
        if self.params:
            params = tomlkit.inline_table()
            params.update({k: float(v) for k, v in self.params.items()})
            table.add("params", params)
        table.add("tags", list(self.tags) or ["user"])
        if self.notes:
            table.add("notes", self.notes)
        if self.references:
            refs = tomlkit.array()
            for ref in self.references:
                item = tomlkit.inline_table()
                item.update(dict(ref))
                refs.append(item)
            table.add("references", refs)
        if self.unverified:
            table.add("unverified", self.unverified)
        if self.derivative is not None:
            claims = tomlkit.table()
            claims.add("derivative", self.derivative)
            table.add("claims", claims)
        return table

    def toml(self) -> str:
        """The TOML text that adding this entry appends."""
        doc = tomlkit.document()
        acts = tomlkit.table(is_super_table=True)
        acts[self.name] = self.table()
        doc["activations"] = acts
        return tomlkit.dumps(doc).strip() + "\n"


def preview(
    entry: NewEntry, target: Path, others: Sequence[Path], override: bool = False
) -> Catalog:
    """The catalog as it would be after adding ``entry`` to ``target`` (nothing is written).

    Raises:
        CatalogError: the entry clashes with an existing name or alias, or is invalid.
    """
    text = _read(target)
    _refuse_clashes(entry, text, target, others, override)
    return _validated(_with_entry(text, entry), target, others)


def _refuse_clashes(
    entry: NewEntry, text: str, target: Path, others: Sequence[Path], override: bool
) -> None:
    """No name or alias of the new entry may be taken already (ignoring case).

    With ``override``, the key may repeat the key of an entry in a catalog below ``target``
    (the new entry then replaces it); its aliases must still be new.
    """
    layers = [(str(p), _read(p)) for p in others if p != target]
    below = build_catalog(layers) if layers else None
    here = build_catalog([(str(target), text)]) if text.strip() else None
    for name in (entry.name, *entry.aliases):
        for catalog in (below, here):
            owner = catalog.get(name) if catalog is not None else None
            if owner is None:
                continue
            if override and catalog is below and name == entry.name == owner.name:
                continue
            hint = (
                " (use --override to replace it)" if catalog is below and name == entry.name else ""
            )
            raise CatalogError(
                f"name {name!r} is already used by {owner.name!r} in {owner.location.file}{hint}",
                None,
            )


def add_entry(
    entry: NewEntry,
    target: Path,
    others: Sequence[Path],
    before_write: Callable[[Catalog], None] | None = None,
    override: bool = False,
) -> Catalog:
    """Append ``entry`` to the catalog file ``target`` (created if missing), atomically.

    ``others`` are the catalogs layered under ``target`` (the bundled one, for a user catalog):
    names must not clash with theirs, and the entry may call their entries.

    Raises:
        CatalogError: a clash or an invalid entry; the file is left as it was.
    """
    with locked(target):
        text = _read(target)
        _refuse_clashes(entry, text, target, others, override)
        new_text = _with_entry(text, entry)
        catalog = _validated(new_text, target, others)
        if before_write is not None:
            before_write(catalog)
        write_atomically(target, new_text)
    return catalog


def remove_entry(name: str, target: Path, others: Sequence[Path]) -> str:
    """Remove the entry ``name`` (key or alias) from ``target``; return the key removed.

    Raises:
        CatalogError: no such entry in ``target``, or other entries call it.
    """
    with locked(target):
        text = _read(target)
        check_nesting(text, str(target))
        doc = tomlkit.parse(text)
        table = doc.get("activations", {})
        key = next((k for k in table if _names(k, table[k]) & {name.casefold()}), None)
        if key is None:
            raise CatalogError(f"no entry named {name!r} in this catalog", Location(str(target)))
        del table[key]
        new_text = tomlkit.dumps(doc)
        _validated(new_text, target, others)
        write_atomically(target, new_text)
    return str(key)


def _names(key: str, table: Any) -> set[str]:
    aliases = table.get("aliases", []) if isinstance(table, Mapping) else []
    return {key.casefold(), *(str(a).casefold() for a in aliases)}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read catalog: {exc}", Location(str(path))) from None


def _with_entry(text: str, entry: NewEntry) -> str:
    check_nesting(text, "<catalog>")
    try:
        doc = tomlkit.parse(text) if text.strip() else _new_document()
    except Exception as exc:  # tomlkit raises its own ParseError subclasses
        raise CatalogError(f"not valid TOML: {exc}", Location("<catalog>")) from None
    if "activations" not in doc:
        doc["activations"] = tomlkit.table(is_super_table=True)
    acts = doc["activations"]
    if entry.name in acts:
        raise CatalogError(f"an entry named {entry.name!r} is already in this catalog", None)
    acts[entry.name] = entry.table()
    return str(tomlkit.dumps(doc))


def _new_document() -> tomlkit.TOMLDocument:
    doc = tomlkit.document()
    for line in NEW_FILE_HEADER.splitlines():
        doc.add(tomlkit.comment(line))
    doc.add(tomlkit.nl())
    return doc


def _validated(text: str, target: Path, others: Sequence[Path]) -> Catalog:
    layers = [(str(p), _read(p)) for p in others if p != target]
    return build_catalog([*layers, (str(target), text)])


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``'s lock file for the block (waits for other holders)."""
    path = written_path(path)  # links to one file share its lock
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def written_path(path: Path) -> Path:
    """The file an edit of ``path`` writes: the target of a symbolic link (followed to the end,
    even when the target does not exist yet), so that the link stays a link."""
    return Path(os.path.realpath(path))


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: readers see the old file or the new one.

    A symbolic link is written through: its target is replaced (the temporary file sits in the
    target's folder, so the rename stays on one file system) and the link is kept. A new file
    gets the permissions the user's umask gives; a replaced file keeps its own.
    """
    path = written_path(path)
    tmp = _temporary(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _temporary(path: Path) -> Path:
    """A name for a temporary file beside ``path`` (created with O_EXCL by the caller, which
    applies the umask to its mode, as ``tempfile.mkstemp``'s 0600 would not)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
