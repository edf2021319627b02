"""export and plot: LaTeX, Markdown and JSON for papers and tools; pictures of f and f'."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from actderiv.cli._base import (
    CliState,
    cli,
    complete_names,
    formulas_options,
    labelled,
    output_option,
    param_option,
    write_output,
)

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog

_EXPORT_FORMATS = ("latex", "markdown", "json")
_PLOT_FORMATS = ("terminal", "pgfplots", "png", "svg", "pdf")
_SUFFIX_FORMATS = {".tex": "pgfplots", ".png": "png", ".svg": "svg", ".pdf": "pdf"}
_IMAGE_FORMATS = ("png", "svg", "pdf")


def _columns(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    from actderiv.service import export_columns

    try:
        return export_columns(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from exc


def _label(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"[A-Za-z0-9:._-]{1,64}", value):
        raise click.BadParameter(
            f"{value!r}: a label is 1 to 64 letters, digits and ':._-'", ctx, param
        )
    return value


def _select(
    catalog: Catalog, names: Sequence[str], tags: Sequence[str], all_: bool
) -> list[ActivationSpec]:
    chosen = sum(bool(x) for x in (names, tags, all_))
    if chosen != 1:
        raise click.UsageError("name the activations: NAME ..., --tag TAG or --all (one of them)")
    if all_:
        return list(catalog)
    if tags:
        wanted = {t.casefold() for t in tags}
        specs = [s for s in catalog if wanted & {t.casefold() for t in s.tags}]
        if not specs:
            raise click.UsageError(f"no activation has the tag {', '.join(tags)!r}")
        return specs
    return list({spec.name: spec for spec in (catalog.require(n) for n in names)}.values())


@cli.command("export")
@click.argument("names", nargs=-1, shell_complete=complete_names)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_EXPORT_FORMATS),
    default="latex",
    show_default=True,
    help="LaTeX (booktabs table and align equations), GitHub Markdown, or JSON.",
)
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Every entry with this tag.")
@click.option("--all", "all_", is_flag=True, help="Every entry in the catalog.")
@click.option(
    "--columns",
    metavar="COL,COL,…",
    callback=_columns,
    help="Table columns: name, title, expr, derivative, self_referential, output_only, params, "
    "range, continuity, monotonic, verified, tags, gain, edge_of_chaos (signal propagation at "
    "W = 1, B = 0: see `actderiv signal`) "
    "[default: name,expr,derivative,self_referential,output_only].",
)
@output_option("Write to this file instead of standard output.")
@click.option("--standalone", is_flag=True, help="LaTeX: a complete document, ready for pdflatex.")
@click.option(
    "--precision",
    type=click.IntRange(1, 17),
    default=6,
    show_default=True,
    help="Significant digits of the numbers in formulas.",
)
@click.option("--caption", metavar="TEXT", help="LaTeX: the table's caption (plain text).")
@click.option(
    "--label",
    metavar="LABEL",
    callback=_label,
    help="LaTeX: the table's \\label (letters, digits and :._-) [default: tab:activations].",
)
@click.option(
    "--table-only",
    is_flag=True,
    help="LaTeX: the table alone, without the equations of each entry.",
)
@click.option(
    "--row-names",
    type=click.Choice(("key", "title")),
    default="key",
    show_default=True,
    help="LaTeX: name rows by catalog key (leaky_relu) or title (Leaky rectified linear unit).",
)
@click.pass_obj
def export_command(
    state: CliState,
    names: tuple[str, ...],
    fmt: str,
    tags: tuple[str, ...],
    all_: bool,
    columns: tuple[str, ...] | None,
    output: Path | None,
    standalone: bool,
    precision: int,
    caption: str | None,
    label: str | None,
    table_only: bool,
    row_names: str,
) -> None:
    """Export activations as LaTeX, Markdown or JSON: NAME ... in the order given, --tag and
    --all in catalog order.

    \b
    Examples:
      actderiv export sigmoid tanh relu --format latex --standalone -o table.tex
      actderiv export relu leaky_relu elu --table-only --caption "ReLUs." --label tab:relus
      actderiv export --tag pytorch --format markdown
      actderiv export --all --format json -o activations.json
    """
    if standalone and fmt != "latex":
        raise click.UsageError("--standalone is for --format latex")
    latex_only = {"--caption": caption, "--label": label, "--table-only": table_only or None}
    latex_only["--row-names"] = None if row_names == "key" else row_names
    given = [flag for flag, value in latex_only.items() if value is not None]
    if given and fmt != "latex":
        raise click.UsageError(f"{given[0]} is for --format latex")
    chosen = [s.name for s in _select(state.ws.catalog(), names, tags, all_)]
    text = state.ws.export(
        chosen,
        fmt=fmt,
        columns=columns,
        standalone=standalone,
        precision=precision,
        caption=caption,
        label=label,
        table_only=table_only,
        row_names=row_names,
    )
    write_output(output, text)


@cli.command("plot")
@click.argument("names", nargs=-1, shell_complete=complete_names)
@formulas_options(many=True)
@param_option("A parameter of the --formula formulas and its value (repeatable).")
@click.option(
    "--range",
    "range_",
    type=(float, float),
    default=(-5.0, 5.0),
    show_default=True,
    metavar="A B",
    help="Plot x from A to B.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_PLOT_FORMATS),
    default=None,
    help="terminal (the default), pgfplots, png, svg or pdf (default: from -o's suffix).",
)
@output_option("Write to this file: .png, .svg, .pdf (needs matplotlib) or .tex (pgfplots).")
@click.option(
    "--standalone", is_flag=True, help="pgfplots: a complete document, ready for pdflatex."
)
@click.option(
    "--points",
    type=click.IntRange(2, 10001),
    default=201,
    show_default=True,
    help="How many points to sample.",
)
@click.option(
    "--width",
    type=click.IntRange(20, 400),
    default=72,
    show_default=True,
    help="Terminal plot: columns of the plot area.",
)
@click.option(
    "--height",
    type=click.IntRange(5, 200),
    default=21,
    show_default=True,
    help="Terminal plot: rows of the plot area.",
)
@click.pass_obj
def plot_command(
    state: CliState,
    names: tuple[str, ...],
    formulas: tuple[str, ...],
    labels: tuple[str, ...],
    params: dict[str, float],
    range_: tuple[float, float],
    fmt: str | None,
    output: Path | None,
    standalone: bool,
    points: int,
    width: int,
    height: int,
) -> None:
    """Plot f and f' of one or more activations NAME (or typed --formula formulas).

    Draws in the terminal by default; writes pgfplots code or a PNG, SVG or PDF image
    (matplotlib: pip install 'actderiv[plot]') when asked.

    \b
    Examples:
      actderiv plot sigmoid tanh
      actderiv plot gelu silu --range -4 4 -o gelu.pdf
      actderiv plot relu elu --format pgfplots --standalone -o figure.tex
      actderiv plot silu --formula "x*sigmoid(b*x)" -p b=2 --name "swish b=2"
    """
    pairs = labelled(formulas, labels)
    if not names and not pairs:
        raise click.UsageError("give at least one activation NAME or --formula EXPR")
    if params and not pairs:
        raise click.UsageError("-p sets a parameter of a --formula")
    fmt = fmt or (_SUFFIX_FORMATS.get(output.suffix.lower()) if output else None) or "terminal"
    if output is not None and fmt in _IMAGE_FORMATS and output.suffix.lower() != f".{fmt}":
        raise click.UsageError(f"--format {fmt} writes .{fmt} files, not {output.name!r}")
    if standalone and fmt != "pgfplots":
        raise click.UsageError("--standalone is for pgfplots")
    lo, hi = range_
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise click.BadParameter(
            f"{lo:g} {hi:g} is not two finite numbers A < B", param_hint="'--range'"
        )
    data = state.ws.plot(
        names,
        fmt=fmt,
        lo=lo,
        hi=hi,
        points=points,
        size=(width, height),
        standalone=standalone,
        formulas=pairs,
        params=params,
    )
    write_output(output, data)
