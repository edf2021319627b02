"""Where the catalog files are and reading their bytes: all that ``list`` needs of the catalog
when its rows are stored (no parsing, no validation, no dataclasses; docs/ARCHITECTURE.md)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from actderiv.errors import CatalogError, Location
from actderiv.userdirs import user_dir

BUNDLED_NAME: Final = "catalog.toml"
MAX_CATALOG_BYTES: Final = 16 * 2**20


def bundled_catalog_path() -> Path:
    """The catalog shipped with actderiv: inside the installed package, or at a checkout's top."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / BUNDLED_NAME
    if packaged.is_file():
        return packaged
    # A source checkout (editable install or PYTHONPATH): catalog.toml sits beside the package.
    return Path(__file__).resolve().parents[2] / BUNDLED_NAME


def user_catalog_path() -> Path:
    """The user's own catalog, layered over the bundled one (it may not exist yet).

    ``$ACTDERIV_CONFIG_DIR/catalog.toml`` when that is set, else ``catalog.toml`` in the
    platform's configuration folder.
    """
    override = os.environ.get("ACTDERIV_CONFIG_DIR")
    if override:
        return Path(override) / BUNDLED_NAME
    return user_dir("config") / BUNDLED_NAME


def default_catalog_paths() -> list[Path]:
    """The bundled catalog, then the user's catalog where it exists."""
    user = user_catalog_path()
    return [bundled_catalog_path(), *([user] if user.is_file() else [])]


def read_layers(paths: Sequence[str | Path]) -> list[tuple[str, bytes]]:
    """Each catalog file's path and bytes, in order (what :func:`build_layers` takes).

    Raises:
        CatalogError: a file cannot be read or is too large.
    """
    layers: list[tuple[str, bytes]] = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_CATALOG_BYTES + 1)
            if len(data) > MAX_CATALOG_BYTES:
                raise CatalogError(
                    f"catalog is larger than {MAX_CATALOG_BYTES // 2**20} MiB", Location(str(path))
                )
        except OSError as exc:
            raise CatalogError(f"cannot read catalog: {exc}", Location(str(path))) from None
        layers.append((str(path), data))
    return layers
