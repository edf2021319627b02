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
import hashlib
import importlib.metadata
import importlib.resources
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any, Final

from actderiv import __version__
from actderiv.grammar import Names, called_names, check_formula
from actderiv.model import ActivationSpec, Catalog

SCHEMA_VERSION: Final = 1
#: Modules whose code decides what a record holds.
_ENGINE_MODULES: Final = (
    "grammar.py",
    "parse.py",
    "formula.py",
    "engine.py",
    "numeric.py",
    "records.py",
    "verify.py",
    "budget.py",
    "cache.py",
    "api.py",
    "properties.py",
)
SHIPPED_NAME: Final = "derived.json"


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
    digest = hashlib.sha256(f"actderiv {__version__}; sympy {_sympy_version()}".encode())
    package = Path(__file__).resolve().parent
    for name in _ENGINE_MODULES:
        path = package / name
        if path.is_file():
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _sympy_version() -> str:
    try:
        return importlib.metadata.version("sympy")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - sympy is a dependency
        return "unknown"


def entry_key(spec: ActivationSpec, catalog: Catalog, options: Mapping[str, Any]) -> str:
    """The cache key of one entry's record: its content, its callees', the options and the code."""
    digest = hashlib.sha256(code_fingerprint().encode())
    digest.update(json.dumps(dict(options), sort_keys=True).encode())
    for dep in _with_callees(spec, catalog):
        digest.update(json.dumps(_content(dep), sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _content(spec: ActivationSpec) -> dict[str, Any]:
    data = asdict(spec)
    data.pop("location", None)
    data.pop("expr_location", None)
    data.pop("claim_locations", None)
    return data


def _with_callees(spec: ActivationSpec, catalog: Catalog) -> list[ActivationSpec]:
    keys = frozenset(catalog.keys)
    seen: dict[str, ActivationSpec] = {}
    stack = [spec]
    while stack:
        current = stack.pop()
        if current.name in seen:
            continue
        seen[current.name] = current
        tree = check_formula(current.expr, Names.of(current.param_dict, keys - {current.name}))
        stack.extend(catalog.require(n) for n in called_names(tree) if n in keys)
    return [seen[k] for k in sorted(seen)]


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
        path = self._path(key)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(record, handle, sort_keys=True)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise

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


@cache
def _shipped() -> dict[str, dict[str, Any]]:
    resource = importlib.resources.files("actderiv").joinpath(SHIPPED_NAME)
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    records = data.get("records", {}) if isinstance(data, dict) else {}
    return records if isinstance(records, dict) else {}


def shipped_keys() -> Iterable[str]:
    return _shipped().keys()
