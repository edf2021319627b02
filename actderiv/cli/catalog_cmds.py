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
    echo_error,
    param_option,
)
from actderiv.cli._options import FormulaCommand


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


@cli.command(cls=FormulaCommand)
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
      actderiv add neg_exp "-x*exp(x)" --catalog project.toml
    """
    state.target()  # refuses several --catalog before the workspace is asked
    outcome = state.ws.add(
        name,
        expr,
        params=params,
        title=title,
        aliases=aliases,
        tags=tags,
        references=[_parse_reference(r) for r in references],
        notes=notes,
        derivative=derivative,
        force=force,
        dry_run=dry_run,
        override=override,
    )
    if as_json:
        _echo_json(
            {
                "catalog": str(outcome.target),
                "written": outcome.written,
                "toml": outcome.toml,
                "record": outcome.record,
            }
        )
    else:
        from actderiv.render.terminal import added_view

        _print(
            state,
            added_view(
                outcome.toml, outcome.record, str(outcome.target), outcome.written, outcome.failed
            ),
        )
    if outcome.failed:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


@cli.command()
@click.argument("name", shell_complete=complete_names)
@click.pass_obj
def remove(state: CliState, name: str) -> None:
    """Remove entry NAME from the user catalog (or the one --catalog names).

    Entries of the bundled catalog cannot be removed; an entry that others call is refused.
    """
    state.target()  # refuses several --catalog
    key, target = state.ws.remove(name)
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
    checked = state.ws.check_files(paths)
    files, problems = checked.files, checked.problems
    if as_json:
        _echo_json(
            {
                "files": [str(f) for f in files],
                "problems": problems,
                "entries": checked.entries,
            }
        )
    elif problems:
        for problem in problems:
            echo_error(problem)
        echo_error(f"{len(problems)} problem(s) in {', '.join(map(str, files))}")
    else:
        click.echo(f"ok: {checked.entries} entries in {', '.join(map(str, files))}")
    if problems:
        raise SystemExit(ExitStatus.ERROR)
