"""add, remove and catalog check: grow a catalog safely."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from actderiv.cli._base import (
    _JSON,
    CliState,
    ExitStatus,
    _echo_json,
    _print,
    cli,
    complete_names,
    param_option,
)


def _parse_reference(text: str) -> dict[str, Any]:
    """'Title' or 'Title | year | link' (year and link optional, in that order)."""
    parts = [p.strip() for p in text.split("|")]
    ref: dict[str, Any] = {"title": parts[0]}
    for part in parts[1:]:
        if part.isdigit() and len(part) == 4:
            ref["year"] = int(part)
        elif part:
            ref["link"] = part
    return ref


@cli.command()
@click.argument("name")
@click.argument("expr")
@param_option("A parameter and its default (repeatable).")
@click.option("--title", default="", help="Human-readable name (default: NAME).")
@click.option("--alias", "aliases", multiple=True, help="Another name (repeatable).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable; default: user).")
@click.option(
    "--reference",
    "references",
    multiple=True,
    metavar="'TITLE | YEAR | LINK'",
    help="Where it was published (repeatable).",
)
@click.option("--notes", default="", help="Free text kept with the entry.")
@click.option(
    "--derivative",
    metavar="CLAIM",
    help="A derivative to record as a claim (checked like every claim).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Add the entry even when a check fails; the failure is recorded in it.",
)
@click.option("--dry-run", is_flag=True, help="Check and show the entry, but write nothing.")
@click.option(
    "--override",
    is_flag=True,
    help="Allow NAME to be the key of a bundled entry, which the new one replaces.",
)
@_JSON
@click.pass_obj
def add(
    state: CliState,
    name: str,
    expr: str,
    params: dict[str, float],
    title: str,
    aliases: tuple[str, ...],
    tags: tuple[str, ...],
    references: tuple[str, ...],
    notes: str,
    derivative: str | None,
    force: bool,
    dry_run: bool,
    override: bool,
    as_json: bool,
) -> None:
    """Add activation NAME with formula EXPR to a catalog, after deriving and verifying it.

    Writes the user catalog (layered over the bundled one) unless --catalog names a file.
    Comments, blank lines and order in the file are kept; the file is replaced atomically,
    under a lock, and only after the whole catalog validates. A name or alias that clashes with
    an existing one (ignoring case) is refused. A failed check refuses the entry (exit 3)
    unless --force, which records the failure in the entry.

    \b
    Examples:
      actderiv add my_swish "x*sigmoid(b*x)" -p b=1.5 --title "My swish" --tag self-gated
      actderiv add penalized "x if x > 0 else a*x" -p a=0.25 --derivative "1 if x > 0 else a"
      actderiv --catalog project.toml add sq "x**2 if x > 0 else 0" --dry-run
    """
    from actderiv import api
    from actderiv.catalog.edit import NewEntry, add_entry, preview
    from actderiv.catalog.load import bundled_catalog_path

    target = state.target()
    others = [] if state.catalog_paths else [bundled_catalog_path()]
    entry = NewEntry(
        name=name,
        expr=expr,
        title=title,
        params=params,
        aliases=aliases,
        tags=tags,
        references=[_parse_reference(r) for r in references],
        notes=notes,
        derivative=derivative,
    )
    catalog = preview(entry, target, others, override)
    record = api.record(catalog, name)
    failed = [c for c in record["verification"]["checks"] if c["status"] == "failed"]
    if failed and force:
        summary = "; ".join(f"{c['name']}: {c['detail']}" for c in failed)
        entry = NewEntry(**{**_fields(entry), "unverified": f"added with --force: {summary}"})
    if not dry_run and (not failed or force):
        add_entry(entry, target, others, override=override)
    _report(state, entry, record, target, dry_run, as_json, failed, force)
    if failed:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


def _fields(entry: Any) -> dict[str, Any]:
    return {f: getattr(entry, f) for f in entry.__dataclass_fields__}


def _report(
    state: CliState,
    entry: Any,
    record: dict[str, Any],
    target: Path,
    dry_run: bool,
    as_json: bool,
    failed: list[dict[str, Any]],
    force: bool,
) -> None:
    written = not dry_run and (not failed or force)
    if as_json:
        _echo_json(
            {"catalog": str(target), "written": written, "toml": entry.toml(), "record": record}
        )
        return
    from actderiv.render.terminal import added_view

    _print(state, added_view(entry.toml(), record, str(target), written, failed))


@cli.command()
@click.argument("name", shell_complete=complete_names)
@click.pass_obj
def remove(state: CliState, name: str) -> None:
    """Remove entry NAME from the user catalog (or the one --catalog names).

    Entries of the bundled catalog cannot be removed; an entry that others call is refused.
    """
    from actderiv.catalog.edit import remove_entry
    from actderiv.catalog.load import bundled_catalog_path

    target = state.target()
    others = [] if state.catalog_paths else [bundled_catalog_path()]
    key = remove_entry(name, target, others)
    click.echo(f"removed {key} from {target}")


@cli.group("catalog")
def catalog_group() -> None:
    """Inspect catalog files."""


@catalog_group.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@_JSON
@click.pass_obj
def catalog_check(state: CliState, paths: tuple[Path, ...], as_json: bool) -> None:
    """Validate catalog files (default: the catalogs in use) and report every problem at once.

    Each problem is reported with file:line and the entry's name; exits with status 1 when
    there is any.
    """
    from actderiv.catalog.load import default_catalog_paths, load_catalogs
    from actderiv.errors import CatalogError, CatalogErrors

    files = list(paths or state.catalog_paths or default_catalog_paths())
    try:
        catalog = load_catalogs(files)
    except CatalogErrors as exc:
        problems = [str(e) for e in exc.errors]
    except CatalogError as exc:
        problems = [str(exc)]
    else:
        problems = []
    if as_json:
        _echo_json(
            {
                "files": [str(f) for f in files],
                "problems": problems,
                "entries": 0 if problems else len(catalog),
            }
        )
    elif problems:
        for problem in problems:
            click.echo(problem, err=True)
        click.echo(f"{len(problems)} problem(s) in {', '.join(map(str, files))}", err=True)
    else:
        click.echo(f"ok: {len(catalog)} entries in {', '.join(map(str, files))}")
    if problems:
        raise SystemExit(ExitStatus.ERROR)
