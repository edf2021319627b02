"""cache: manage the cache of derived results."""

from __future__ import annotations

import click

from actderiv.cli._base import cli


@cli.group()
def cache() -> None:
    """Manage the cache of derived results."""


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached result, catalog snapshot and list table (they are rebuilt when next
    needed)."""
    from actderiv.store.cache import RecordCache
    from actderiv.store.listing import clear_rows
    from actderiv.store.snapshot import clear_snapshots

    store = RecordCache()
    removed = store.clear()
    snapshots = clear_snapshots()
    tables = clear_rows()
    click.echo(
        f"removed {removed} cached result(s), {snapshots} catalog snapshot(s) and {tables} list "
        f"table(s) from {store.folder}"
    )


@cache.command("path")
def cache_path() -> None:
    """Print the folder that holds the cache."""
    from actderiv.store.cache import cache_dir

    click.echo(str(cache_dir()))
