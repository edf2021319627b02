"""What the service layer's modules share: the progress protocol, the outcomes of edits and
checks, and the small helpers the CLI calls without a workspace (docs/ARCHITECTURE.md)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from actderiv.errors import ActderivError

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from actderiv.catalog.model import ActivationSpec

    #: Called once per entry as it is finished.
    Advance = Callable[[ActivationSpec], None]
    #: Given how many entries a piece of work covers, a context that yields the callback to
    #: call as each one is finished (or None, for no progress report).
    ProgressFactory = Callable[[int], AbstractContextManager[Advance | None]]

__all__ = [
    "AddOutcome",
    "CatalogCheck",
    "Unavailable",
    "cache_folder",
    "clear_cache",
    "export_columns",
    "no_progress",
    "param_name_problem",
]


class Unavailable(ActderivError):
    """What was asked needs an optional package that is not installed (PyTorch, JAX,
    matplotlib); the message says how to install it."""


class AddOutcome(NamedTuple):  # NamedTuples, not dataclasses: `list` imports this module
    """What :meth:`Workspace.add` did: the entry's TOML and record, the catalog file it was
    (or would have been) written to, whether it was written, and the checks that failed."""

    toml: str
    record: dict[str, Any]
    target: Path
    written: bool
    failed: list[dict[str, Any]]


class CatalogCheck(NamedTuple):
    """What :meth:`Workspace.check_files` found: the files read, every problem (empty when they
    validate) and the number of entries."""

    files: list[Path]
    problems: list[str]
    entries: int


def no_progress(total: int) -> AbstractContextManager[Advance | None]:
    return contextlib.nullcontext(None)


def param_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a parameter, or None when it can."""
    from actderiv.catalog.load import check_param_name

    return check_param_name(name)


def export_columns(text: str) -> tuple[str, ...]:
    """The columns of an export table, from ``"name,expr,…"``.

    Raises:
        ValueError: an unknown column, or none.
    """
    from actderiv.render.export import parse_columns

    return parse_columns(text)


def cache_folder() -> Path:
    """The folder that holds the cache (``ACTDERIV_CACHE_DIR``, else the user's cache folder)."""
    from actderiv.store.core import cache_dir

    return cache_dir()


def clear_cache() -> dict[str, int]:
    """Remove every cached record, catalog snapshot, list table and export fragment; return how
    many of each kind were removed (keys ``records``, ``snapshots``, ``lists``, ``fragments``)."""
    from actderiv.store import core

    return core.clear()
