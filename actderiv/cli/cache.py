"""cache: manage the cache of derived results."""

from __future__ import annotations

import click

from actderiv.cli._base import _echo_json, cli


@cli.group()
def cache() -> None:
    """Manage the cache of derived results."""


@cache.command("clear")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as one JSON object.")
def cache_clear(as_json: bool) -> None:
    """Remove every cached result, catalog snapshot, list table and export fragment (they are
    rebuilt when next needed)."""
    from actderiv.service import cache_folder, clear_cache

    removed = clear_cache()
    folder = cache_folder()
    if as_json:
        _echo_json({"folder": str(folder), "removed": removed})
        return
    click.echo(
        f"removed {removed['records']} cached result(s), {removed['snapshots']} catalog "
        f"snapshot(s) and {removed['lists']} list table(s) from {folder}"
    )
    if removed["fragments"]:
        click.echo(f"removed {removed['fragments']} export fragment(s)")


@cache.command("path")
def cache_path() -> None:
    """Print the folder that holds the cache."""
    from actderiv.service import cache_folder

    click.echo(str(cache_folder()))
