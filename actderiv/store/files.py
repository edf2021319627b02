"""The cache folder and how files get into it: where it is, whether it is on, atomic writes.

The lowest part of the store (docs/ARCHITECTURE.md): :mod:`actderiv.store.deps` and
:mod:`actderiv.store.core` both build on it. Pure apart from the cache files; no SymPy.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from actderiv.userdirs import user_dir

try:  # the builtin BLAKE2, not hashlib's: importing hashlib loads OpenSSL (3 ms, a tenth of `list`)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - CPython builds _blake2 unless configured without it
    from hashlib import blake2b

__all__ = [
    "blake2b",
    "cache_dir",
    "enabled",
    "new_digest",
    "write_json_atomic",
    "write_text_atomic",
]


def cache_dir() -> Path:
    """Where the caches are kept: $ACTDERIV_CACHE_DIR, else the platform's cache folder."""
    override = os.environ.get("ACTDERIV_CACHE_DIR")
    if override:
        return Path(override)
    return user_dir("cache")


def enabled() -> bool:
    """False when $ACTDERIV_NO_CACHE is set: nothing is then read from the cache folder or
    written to it (the shipped layers are still read)."""
    return os.environ.get("ACTDERIV_NO_CACHE", "") not in ("1", "true", "yes")


def new_digest(data: bytes = b"") -> blake2b:
    """A 256-bit BLAKE2b hash object, for every cache key and content digest."""
    return blake2b(data, digest_size=32)


def write_json_atomic(path: Path, value: Any) -> None:
    """Write JSON to a temporary file renamed into place (see :func:`write_text_atomic`)."""
    # dumps, not dump: dump's chunked writes take the pure-Python encoder
    write_text_atomic(path, json.dumps(value, sort_keys=True))


def write_text_atomic(path: Path, text: str) -> None:
    """Write a temporary file renamed into place, so concurrent runs never see half a file; a
    cache that cannot be written is simply not used, so OS errors are swallowed."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        import tempfile  # only when writing: it loads shutil, bz2 and lzma

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
