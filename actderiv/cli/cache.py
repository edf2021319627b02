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
    from actderiv.service import clear_cache

    removed, snapshots, tables, folder = clear_cache()
    click.echo(
        f"removed {removed} cached result(s), {snapshots} catalog snapshot(s) and {tables} list "
        f"table(s) from {folder}"
    )


@cache.command("path")
def cache_path() -> None:
    """Print the folder that holds the cache."""
    from actderiv.service import cache_folder

    click.echo(str(cache_folder()))
