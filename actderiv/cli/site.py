"""site: the catalog as a static website (index.html and one NAME.html per entry)."""

from __future__ import annotations

from pathlib import Path

import click

from actderiv.cli._base import _JSON, CliState, _echo_json, cli


@cli.command("site")
@click.argument("out_dir", type=click.Path(file_okay=False, writable=True, path_type=Path))
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for entries not in the cache (default: one per core).",
)
@_JSON
@click.pass_obj
def site(state: CliState, out_dir: Path, jobs: int | None, as_json: bool) -> None:
    """Write the catalog as a website into OUT_DIR: index.html and NAME.html per entry.

    The pages need nothing from the network: formulas are MathML and plots inline SVG, made
    now; they open from the file system. Only files whose content changed are written, and
    what is cached is not derived again.

    \b
    Examples:
      actderiv site site/ && xdg-open site/index.html
      actderiv --catalog mine.toml site out/ --json
    """
    try:
        summary = state.ws.site(out_dir, jobs=jobs)
    except OSError as exc:
        raise click.FileError(str(out_dir), hint=exc.strerror or str(exc)) from exc
    if as_json:
        _echo_json(summary)
        return
    click.echo(
        f"wrote {summary['written']} of {summary['files']} files to {out_dir} "
        f"({summary['entries']} activations; {summary['unchanged']} unchanged, "
        f"{summary['removed']} removed, {summary['derived']} pages derived)",
        err=True,
    )
    click.echo(str(summary["index"]))
