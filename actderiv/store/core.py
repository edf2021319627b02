"""The one store behind every disk cache (see docs/ARCHITECTURE.md, "Store").

Where the cache lives ($ACTDERIV_CACHE_DIR, else the platform's cache folder), whether it is on
($ACTDERIV_NO_CACHE), the kinds of things kept (:data:`KINDS`: derived records, catalog
snapshots, list rows, export fragments, website data), what each depends on (the code part of
every key is the digest of the actderiv modules that compute the kind, found statically by
:mod:`actderiv.store.deps`, with actderiv's and SymPy's versions), atomic writes, and reading
back: a stored file holds its key and the digest of its data, and a file whose key, digest or
shape is wrong is a miss and is removed (a read-only layer shipped with actderiv is only
ignored). Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeVar

from actderiv import __version__
from actderiv.store import deps
from actderiv.store.files import (
    cache_dir,
    enabled,
    new_digest,
    write_json_atomic,
    write_text_atomic,
)

__all__ = [
    "KINDS",
    "Kind",
    "ShippedLayer",
    "cache_dir",
    "clear",
    "enabled",
    "new_digest",
    "read",
    "read_shipped",
    "write",
    "write_json_atomic",
    "write_text_atomic",
]

T = TypeVar("T")


class Kind:
    """One kind of cached thing: where it is kept, its format's version, and the modules (or
    ``"module:function"``) that compute it, whose static import closure is its code; ``keep``
    files are kept in its folder, older ones removed when a new one is written (0: all).
    Immutable (a plain class, not a dataclass: ``list`` imports this module)."""

    __slots__ = ("folder", "keep", "name", "roots", "version")
    name: str
    folder: str
    version: int
    roots: tuple[str, ...]
    keep: int

    def __init__(
        self, name: str, folder: str, version: int, roots: tuple[str, ...], keep: int = 0
    ) -> None:
        for attr, value in zip(self.__slots__, (folder, keep, name, roots, version), strict=True):
            object.__setattr__(self, attr, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Kind is immutable")

    def __repr__(self) -> str:
        return f"Kind({self.name!r})"

    def code(self) -> str:
        """The code part of this kind's keys (computed once per process)."""
        return deps.code_digest(f"{self.name} {self.version}; {versions()}", self.roots)

    def path(self, key: str) -> Path:
        if self.keep:
            return cache_dir() / self.folder / f"{key}.json"
        return cache_dir() / self.folder / key[:2] / f"{key}.json"


#: Derived records (``show``/``derive --json``'s objects), computed by pipelines._fresh_record.
RECORDS: Final = Kind("records", "records", 2, ("actderiv.pipelines:_fresh_record",))
#: Validated catalogs.
SNAPSHOTS: Final = Kind(
    "snapshots", "catalogs", 4, ("actderiv.catalog.load", "actderiv.store.snapshot"), keep=16
)
#: The rows of ``list``'s table, made from records and a loaded catalog.
LISTS: Final = Kind(
    "lists", "lists", 2, (*RECORDS.roots, *SNAPSHOTS.roots, "actderiv.store.listing"), keep=16
)
#: The LaTeX and Markdown strings of ``export``.
FRAGMENTS: Final = Kind(
    "fragments", "fragments", 1, ("actderiv.render.export", "actderiv.exports:_fresh")
)
#: Signal propagation of a catalog entry at (W, B): seconds of quadrature each.
SIGNALS: Final = Kind("signals", "signals", 1, ("actderiv.engine.signal:signal_by_name",))
#: What the website shows beyond records and fragments: f'' printed, f and f' sampled, PyTorch code.
SITE: Final = Kind("site", "site", 1, ("actderiv.site:_fresh_page",))
KINDS: Final = (RECORDS, SNAPSHOTS, LISTS, FRAGMENTS, SIGNALS, SITE)


@cache
def versions() -> str:
    return f"actderiv {__version__}; sympy {sympy_version()}"


def sympy_version() -> str:
    """SymPy's version without importing SymPy or importlib.metadata (both slow to import)."""
    import importlib.util

    spec = importlib.util.find_spec("sympy")
    if spec is not None and spec.origin:
        release = Path(spec.origin).parent / "release.py"
        with contextlib.suppress(OSError):
            found = re.search(r"__version__\s*=\s*[\"']([^\"']+)", release.read_text("utf-8"))
            if found:
                return found.group(1)
    import importlib.metadata

    try:
        return importlib.metadata.version("sympy")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - sympy is a dependency
        return "unknown"


def data_digest(text: str) -> str:
    return new_digest(text.encode()).hexdigest()


def stored_text(kind: Kind, key: str, data: Any) -> str:
    """A stored file: a header line (kind, version, key, digest of the data line), then the
    data as one line of JSON."""
    body = json.dumps(data, sort_keys=True, ensure_ascii=False)
    header = {"kind": kind.name, "version": kind.version, "key": key, "digest": data_digest(body)}
    return json.dumps(header, sort_keys=True) + "\n" + body + "\n"


def decode_stored(text: str, kind: Kind, key: str, decode: Callable[[Any], T]) -> T:
    """``decode`` of the data of :func:`stored_text`'s ``text``.

    Raises:
        ValueError: the text is not a file of this kind and key, its data is not what its
            digest says, or ``decode`` refuses it.
    """
    head, newline, body = text.partition("\n")
    header = json.loads(head)
    if not newline or not isinstance(header, dict):
        raise ValueError("not a stored file")
    expected = {"kind": kind.name, "version": kind.version, "key": key}
    if any(header.get(k) != v for k, v in expected.items()):
        raise ValueError("stored for another kind, version or key")
    body = body.rstrip("\n")
    if header.get("digest") != data_digest(body):
        raise ValueError("the data is not what was stored")
    return decode(json.loads(body))


def read(kind: Kind, key: str, decode: Callable[[Any], T], path: Path | None = None) -> T | None:
    """What :func:`write` stored for ``key``, checked by ``decode`` (which raises ValueError,
    TypeError, KeyError or AttributeError to refuse it); None when there is nothing. A file
    that cannot be read or is refused is removed."""
    if not enabled():
        return None
    path = path or kind.path(key)
    try:
        return decode_stored(path.read_text(encoding="utf-8"), kind, key, decode)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        with contextlib.suppress(OSError):
            path.unlink()
        return None


def read_shipped(path: Path, kind: Kind, key: str, decode: Callable[[Any], T]) -> T | None:
    """Like :func:`read`, for a file shipped with actderiv: read even with the cache off, and
    never removed."""
    try:
        return decode_stored(path.read_text(encoding="utf-8"), kind, key, decode)
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def write(kind: Kind, key: str, data: Any) -> None:
    """Store ``data`` for ``key``; for kinds that keep a number of files, drop the oldest."""
    if not enabled():
        return
    path = kind.path(key)
    write_text_atomic(path, stored_text(kind, key, data))
    if kind.keep:
        with contextlib.suppress(OSError):
            # "[!.]*": not the temporary files of writes in progress (".tmp-…json")
            old = sorted(
                path.parent.glob("[!.]*.json"), key=lambda p: p.stat().st_mtime, reverse=True
            )
            for stale in old[kind.keep :]:
                stale.unlink()


def clear() -> dict[str, int]:
    """Remove every file of every kind from the cache folder (not writes in progress, and not
    the shipped layers); return how many of each kind were removed."""
    removed = {}
    for kind in KINDS:
        removed[kind.name] = _clear_folder(cache_dir() / kind.folder)
    for name in deps.USER_FILES:
        with contextlib.suppress(OSError):
            (cache_dir() / name).unlink()
    return removed


def _clear_folder(root: Path) -> int:
    removed = 0
    if not root.is_dir():
        return 0
    for path in sorted(root.rglob("[!.]*.json"), reverse=True):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    for sub in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
        with contextlib.suppress(OSError):
            sub.rmdir()
    return removed


class ShippedLayer(Mapping[str, str]):
    """A read-only layer shipped with actderiv: a header line, then one
    ``KEY<TAB>DIGEST<TAB>JSON`` line per item, each parsed only when asked for (``show`` reads
    one record of 139 without parsing the others). Maps a key to its JSON text, when the text
    is what its digest says."""

    def __init__(self, text: str, kind: Kind) -> None:
        self._lines: dict[str, tuple[str, str]] = {}
        header, _, body = text.partition("\n")
        try:
            head = json.loads(header)
            if head.get("kind") != kind.name or head.get("version") != kind.version:
                return
        except (ValueError, AttributeError):
            return  # not a file this code wrote: nothing shipped
        for line in body.split("\n"):
            key, _, rest = line.partition("\t")
            digest, tab, data = rest.partition("\t")
            if tab:
                self._lines[key] = (digest, data)

    def __getitem__(self, key: str) -> str:
        digest, data = self._lines[key]
        if data_digest(data) != digest:
            raise KeyError(key)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def shipped_layer_text(kind: Kind, items: Mapping[str, Any]) -> str:
    """The text of a :class:`ShippedLayer` holding ``items`` (key → JSON data)."""
    lines = [json.dumps({"kind": kind.name, "version": kind.version}, sort_keys=True)]
    for key in sorted(items):
        data = json.dumps(items[key], sort_keys=True, ensure_ascii=False)
        lines.append(f"{key}\t{data_digest(data)}\t{data}")
    return "\n".join(lines) + "\n"


@cache
def shipped_layer(name: str, kind: Kind) -> Mapping[str, str]:
    """The shipped layer file ``name`` (beside this module) of ``kind``; empty when absent."""
    try:
        text = Path(__file__).with_name(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return ShippedLayer(text, kind)
