"""A persistent cache of derived records, keyed by everything a record depends on.

The key covers the entry's own fields, every entry it calls (transitively), the options, the
versions of actderiv and SymPy, and a fingerprint of the engine's source files, so a change to any
of them misses the cache. Records are JSON (strings only), so reading them needs no SymPy. Writes
are atomic (a temporary file renamed into place), so concurrent runs never see half a record; a
corrupt record is ignored and removed. A read-only layer shipped inside the package holds the
records of the bundled catalog. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Final, TypeVar

from actderiv import __version__
from actderiv.catalog.model import ActivationSpec, Catalog

try:  # the builtin BLAKE2, not hashlib's: importing hashlib loads OpenSSL (3 ms, a tenth of `list`)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds _blake2 unless configured without it
    from hashlib import blake2b

T = TypeVar("T")
SCHEMA_VERSION: Final = 1
#: Modules whose code decides what a record holds.
_ENGINE_MODULES: Final = (
    "lang/grammar.py",
    "lang/parse.py",
    "engine/formula.py",
    "engine/derive.py",
    "engine/forms.py",
    "engine/proofs.py",
    "engine/kinks.py",
    "engine/selfref.py",
    "engine/checks.py",
    "engine/analysis.py",
    "numerics.py",
    "records.py",
    "engine/verify.py",
    "engine/budget.py",
    "store/cache.py",
    "api.py",
    "engine/properties.py",
)
SHIPPED_NAME: Final = "derived.jsonl"


def cache_dir() -> Path:
    """Where derived records are kept: $ACTDERIV_CACHE_DIR, else the platform's cache folder."""
    override = os.environ.get("ACTDERIV_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("actderiv", appauthor=False))


def enabled() -> bool:
    return os.environ.get("ACTDERIV_NO_CACHE", "") not in ("1", "true", "yes")


@cache
def code_fingerprint() -> str:
    """A digest of actderiv's version, SymPy's version and the engine's source files."""
    return source_digest(f"actderiv {__version__}; sympy {_sympy_version()}", _ENGINE_MODULES)


def new_digest(data: bytes = b"") -> blake2b:
    """A 256-bit BLAKE2b hash object, for every cache key and content digest."""
    return blake2b(data, digest_size=32)


def source_digest(label: str, modules: Iterable[str]) -> str:
    """A digest of ``label`` and the source of actderiv's ``modules`` (file names); modules
    without a source file (an install that ships bytecode only) count by name alone."""
    digest = new_digest(label.encode())
    package = Path(__file__).resolve().parents[1]
    for name in modules:
        path = package / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    return digest.hexdigest()


def _sympy_version() -> str:
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


def entry_key(spec: ActivationSpec, catalog: Catalog, options: Mapping[str, Any]) -> str:
    """The cache key of one entry's record: its content, that of every entry its formula or its
    claims call (transitively), the options and the code. Contents count by their digests: the
    ones the catalog carries for its own entries (from its snapshot), else computed here."""
    digest = new_digest(code_fingerprint().encode())
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


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to a temporary file renamed into place; a cache that cannot be written is
    simply not used, so OS errors are swallowed."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                # dumps, not dump: dump's chunked writes take the pure-Python encoder
                handle.write(json.dumps(value, sort_keys=True))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


def read_stored(
    path: Path, version: int, key: str, decode: Callable[[Any], T], *, shipped: bool = False
) -> T | None:
    """``decode`` of what :func:`write_stored` stored in ``path`` for ``version`` and ``key``;
    None when there is nothing (or something else) there. A file that cannot be read or decoded
    (``decode`` raises ValueError, TypeError, KeyError or AttributeError) is removed, unless it
    was ``shipped`` with actderiv."""
    if not enabled():
        return None
    try:
        stored = json.loads(path.read_bytes())
        if stored.get("version") != version or stored.get("key") != key:
            return None
        return decode(stored["data"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        if not shipped:
            with contextlib.suppress(OSError):
                path.unlink()
        return None


def stored_text(version: int, key: str, data: Any) -> str:
    """The text of a file :func:`read_stored` reads (a file to ship with actderiv)."""
    return json.dumps({"version": version, "key": key, "data": data}, sort_keys=True) + "\n"


def write_stored(path: Path, version: int, key: str, data: Any, keep: int) -> None:
    """Store ``data`` in ``path`` for :func:`read_stored`, then remove all but the newest ``keep``
    files of the folder (stores that gain a file whenever their inputs change: catalog
    snapshots, list rows)."""
    if not enabled():
        return
    write_json_atomic(path, {"version": version, "key": key, "data": data})
    with contextlib.suppress(OSError):
        # "[!.]*": not the temporary files of writes in progress (".tmp-…json")
        old = sorted(path.parent.glob("[!.]*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in old[keep:]:
            stale.unlink()


def clear_folder(folder: Path) -> int:
    """Remove every stored file in ``folder`` (not writes in progress); return how many."""
    removed = 0
    for path in folder.glob("[!.]*.json"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


class RecordCache:
    """Derived records by key: the user's cache folder over the layer shipped with actderiv."""

    def __init__(self, folder: Path | None = None, use_shipped: bool = True) -> None:
        self.folder = folder if folder is not None else cache_dir()
        self.shipped = _shipped() if use_shipped else {}

    def get(self, key: str) -> dict[str, Any] | None:
        record = self.shipped.get(key)
        if record is not None:
            return dict(record)
        path = self._path(key)
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, UnicodeDecodeError):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if not isinstance(record, dict) or record.get("schema_version") != SCHEMA_VERSION:
            return None
        return record

    def put(self, key: str, record: Mapping[str, Any]) -> None:
        """Store a record atomically; a cache that cannot be written is simply not used."""
        write_json_atomic(self._path(key), record)

    def clear(self) -> int:
        """Remove every record in the user's cache folder; return how many were removed."""
        removed = 0
        root = self.folder / "records"
        if not root.is_dir():
            return 0
        for path in sorted(root.rglob("*.json"), reverse=True):
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        for sub in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                sub.rmdir()
        return removed

    def _path(self, key: str) -> Path:
        return self.folder / "records" / key[:2] / f"{key}.json"


class ShippedRecords(Mapping[str, dict[str, Any]]):
    """The records shipped with actderiv: one ``KEY<TAB>JSON`` line per record, parsed only when
    asked for (``show`` reads one record of 139 without parsing the others)."""

    def __init__(self, text: str) -> None:
        self._lines: dict[str, str] = {}
        self._parsed: dict[str, dict[str, Any]] = {}
        header, _, body = text.partition("\n")
        try:
            version = json.loads(header).get("schema_version")
        except (ValueError, AttributeError):
            return  # not a file this code wrote: no shipped records
        if version != SCHEMA_VERSION:
            return
        for line in body.split("\n"):
            key, tab, record = line.partition("\t")
            if tab:
                self._lines[key] = record

    def __getitem__(self, key: str) -> dict[str, Any]:
        record = self._parsed.get(key)
        if record is None:
            try:
                record = json.loads(self._lines[key])
            except ValueError:
                raise KeyError(key) from None
            if not isinstance(record, dict):
                raise KeyError(key)
            self._parsed[key] = record
        return record

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def shipped_text(records: Mapping[str, Mapping[str, Any]]) -> str:
    """The text of the shipped file for ``records`` (see :class:`ShippedRecords`)."""
    lines = [json.dumps({"schema_version": SCHEMA_VERSION})]
    for key in sorted(records):
        lines.append(key + "\t" + json.dumps(records[key], sort_keys=True, ensure_ascii=False))
    return "\n".join(lines) + "\n"


@cache
def _shipped() -> Mapping[str, dict[str, Any]]:
    try:
        return ShippedRecords(Path(__file__).with_name(SHIPPED_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return {}


def shipped_keys() -> Iterable[str]:
    return _shipped().keys()
