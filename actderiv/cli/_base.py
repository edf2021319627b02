"""What every command shares: the click group, its state, exit statuses, common options."""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from enum import IntEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from actderiv import __version__
from actderiv.cli._options import (
    COLOR_HELP,
    TRACEBACK,
    TRACEBACK_HELP,
    Command,
    Group,
    catalog_envvar_help,
)
from actderiv.errors import ActderivError, BudgetExceeded, DerivationError
from actderiv.service import Workspace, param_name_problem

if TYPE_CHECKING:
    from rich.console import Console

    from actderiv.catalog.model import ActivationSpec


class ExitStatus(IntEnum):
    """Exit statuses, the same for every command."""

    OK = 0
    ERROR = 1  # a bad catalog, formula or name
    USAGE = 2  # click's own usage errors
    VERIFY_FAILED = 3  # a check ran and found a mismatch
    TIMEOUT = 4  # symbolic work ran past its time budget


class CliState(NamedTuple):  # not a dataclass: a NamedTuple takes a third of the time to create
    """What every command needs: the workspace (which catalog), and how to write."""

    catalog_paths: tuple[Path, ...]
    color: bool | None
    ws: Workspace

    @classmethod
    def make(cls, catalog_paths: Sequence[Path], color: bool | None) -> CliState:
        """The state for these options, with a workspace that draws progress bars on stderr."""
        paths = tuple(catalog_paths)
        return cls(paths, color, Workspace(paths, progress=partial(_progress_bar, color)))

    def changed(
        self, *, catalog_paths: Sequence[Path] | None = None, color: bool | None = None
    ) -> CliState:
        """This state with other catalog files or colour (options given after the command)."""
        return CliState.make(
            self.catalog_paths if catalog_paths is None else catalog_paths,
            self.color if color is None else color,
        )

    def target(self) -> Path:
        """The catalog file that add and remove write: the one --catalog names, else the user's."""
        if len(self.catalog_paths) > 1:
            raise click.UsageError("add and remove write one catalog: give --catalog once")
        return self.ws.target()

    def console(self, stderr: bool = False) -> Console:
        return _console(self.color, stderr)


def _console(color: bool | None, stderr: bool = False) -> Console:
    from rich.console import Console

    no_color = color is False or (color is None and "NO_COLOR" in os.environ)
    return Console(
        stderr=stderr,
        no_color=no_color,
        force_terminal=True if color else None,
        highlight=False,
        emoji=False,  # no :name: codes in our text; and Rich's emoji table costs 2 ms
        soft_wrap=False,
    )


@contextlib.contextmanager
def _bar(color: bool | None, total: int) -> Iterator[Callable[[ActivationSpec], None]]:
    from rich.progress import Progress

    with Progress(console=_console(color, stderr=True), transient=True) as progress:
        task = progress.add_task("deriving", total=total)
        yield lambda spec: progress.advance(task)


def _progress_bar(
    color: bool | None, total: int
) -> AbstractContextManager[Callable[[ActivationSpec], None] | None]:
    """A progress bar on a terminal for work on three entries or more, else nothing."""
    if total < 3 or not sys.stderr.isatty():
        return contextlib.nullcontext(None)
    return _bar(color, total)


#: Which module of actderiv.cli defines each command. Modules are imported when their command
#: runs (or when --help lists them all), so ``actderiv list`` loads only what ``list`` needs.
COMMAND_MODULES: dict[str, str] = {
    "add": "catalog_cmds",
    "cache": "cache",
    "catalog": "catalog_cmds",
    "check": "checks",
    "codegen": "codegen",
    "compare": "analysis",
    "derive": "inspect",
    "export": "export",
    "gradient": "analysis",
    "list": "inspect",
    "plot": "export",
    "remove": "catalog_cmds",
    "schema": "schema",
    "show": "inspect",
    "signal": "signal",
    "site": "site",
    "verify": "checks",
}


class _Group(click.Group):
    """Loads command modules lazily, and turns every :class:`ActderivError` into one short
    message and an exit status."""

    command_class = Command
    group_class = Group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"actderiv.cli.{module}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ActderivError as exc:  # anything else is a bug: let its traceback show
            if ctx.params.get("traceback") or ctx.meta.get(TRACEBACK):
                raise
            status = (
                ExitStatus.TIMEOUT
                if isinstance(exc, BudgetExceeded | DerivationError)
                else ExitStatus.ERROR
            )
            echo_error(f"Error: {exc}")
            ctx.exit(status)


def echo_error(text: str) -> None:
    """``text`` on stderr with every control character but the line break written as an escape:
    an error may quote a catalog's key or a cache file's text, which must not act on the
    terminal (click strips colour codes only when stderr is not a terminal)."""
    from actderiv.render.safe import printable

    click.echo(printable(text), err=True)


def _echo_json(value: Any) -> None:
    from actderiv.render.json import render_json

    click.echo(render_json(value), nl=False)


def _print(state: CliState, renderable: Any) -> None:
    from actderiv.render.grid import Grid  # loaded with the module of every renderable

    console = state.console()
    if not isinstance(renderable, Grid) or console.color_system is not None:
        console.print(renderable)
        return
    # A console that writes no styles (not a terminal, or a dumb one) gets the table's text in
    # one piece: what Rich would write, without its work per line (~8 ms for `actderiv list`).
    try:
        console.file.write(renderable.plain_text(console.width))
        console.file.flush()
    except BrokenPipeError:
        console.on_broken_pipe()  # as Rich does: exit status 1, no traceback (`list | head`)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actderiv")
@click.option(
    "--catalog",
    "catalog_paths",
    type=click.Path(dir_okay=False, path_type=Path),
    multiple=True,
    envvar="ACTDERIV_CATALOG",
    show_envvar=True,
    help=catalog_envvar_help(),
)
@click.option("--color/--no-color", default=None, help=COLOR_HELP)
@click.option("--traceback", is_flag=True, help=TRACEBACK_HELP)
@click.pass_context
def cli(
    ctx: click.Context, catalog_paths: tuple[Path, ...], color: bool | None, traceback: bool
) -> None:
    """Derive, simplify and verify the derivatives of activation functions.

    \b
    Examples:
      actderiv list --tag pytorch
      actderiv show sigmoid
      actderiv show elu --order 2
      actderiv derive "x*tanh(softplus(x))"
      actderiv derive "x/(1 + abs(x))" --json

    The options above may also follow the command: actderiv show sigmoid --catalog mine.toml.
    """
    ctx.obj = CliState.make(catalog_paths, color)


def complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of activation names: the keys of the catalogs in use (``--catalog``
    included), each with its title; nothing when the catalog cannot be read."""
    from click.shell_completion import CompletionItem

    from actderiv.cli._options import CATALOG_PATHS

    paths = ctx.meta.get(CATALOG_PATHS) or ctx.find_root().params.get("catalog_paths") or ()
    try:
        catalog = Workspace(paths).catalog()
    except ActderivError:
        return []
    start = incomplete.casefold()
    return [CompletionItem(s.name, help=s.title) for s in catalog if s.name.startswith(start)]


_ORDER = click.option(
    "--order",
    "-n",
    type=click.IntRange(1, 20),
    default=1,
    show_default=True,
    help="Which derivative: 1 for f', 2 for f'', …",
)
_WRT = click.option(
    "--wrt",
    metavar="PARAM",
    default=None,
    help="Differentiate with respect to this parameter instead of x.",
)
_JSON = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object (see the README for its keys)."
)


def param_option(help: str) -> Callable[[Any], Any]:
    """``--param/-p NAME=VALUE`` (repeatable), parsed into a dict; ``help`` says what it does."""
    return click.option(
        "--param",
        "-p",
        "params",
        multiple=True,
        metavar="NAME=VALUE",
        callback=_parse_param,
        help=help,
    )


def formulas_options(many: bool) -> Callable[[Any], Any]:
    """``--formula EXPR`` and ``--name LABEL`` (repeatable when ``many``): typed formulas where a
    command takes catalog names, each named by the ``--name`` in the same place, else by its
    text. The command gets ``formulas`` and ``labels``; :func:`labelled` pairs them."""
    formula = click.option(
        "--formula",
        "formulas",
        multiple=many,
        metavar="EXPR",
        help="A typed formula (as in derive) instead of a catalog name"
        + (" (repeatable)." if many else "."),
    )
    name = click.option(
        "--name",
        "labels",
        multiple=many,
        metavar="LABEL",
        help="The name shown for the --formula in the same place (default: its text).",
    )
    return lambda f: formula(name(f))


def labelled(formulas: Any, labels: Any) -> list[tuple[str, str]]:
    """(formula, label) pairs from ``--formula`` and ``--name`` (a single value or a tuple)."""
    texts = [formulas] if isinstance(formulas, str) else list(formulas or ())
    names = [labels] if isinstance(labels, str) else list(labels or ())
    if len(names) > len(texts):
        raise click.UsageError("each --name names a --formula: more --name than --formula given")
    return [(t, names[i] if i < len(names) else t) for i, t in enumerate(texts)]


def output_option(help: str) -> Callable[[Any], Any]:
    """``-o/--output FILE``; see :func:`write_output`."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        default=None,
        help=help,
    )


def write_output(output: Path | None, data: str | bytes) -> None:
    """Write to ``output`` (exact bytes, no newline translation; "wrote FILE" on stderr) or to
    standard output; a file that cannot be written is one error line."""
    if output is None:
        if isinstance(data, bytes):
            raise click.UsageError("images go to a file: give -o FILE")
        click.echo(data, nl=False)
        return
    try:
        output.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise click.FileError(str(output), hint=exc.strerror or str(exc)) from exc
    click.echo(f"wrote {output}", err=True)


def _check_wrt(wrt: str | None, params: dict[str, float]) -> None:
    if wrt is not None and wrt not in params:
        known = ", ".join(params) or "none"
        raise click.BadParameter(
            f"{wrt!r} is not a parameter (parameters: {known})", param_hint="'--wrt'"
        )


def _parse_param(
    ctx: click.Context,
    param: click.Parameter,
    values: tuple[str, ...],
) -> dict[str, float]:
    out: dict[str, float] = {}
    for text in values:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise click.BadParameter(f"{_short(text)!r} is not NAME=VALUE", ctx, param)
        problem = param_name_problem(name)
        if problem:
            raise click.BadParameter(problem, ctx, param)
        if not value.isascii() or not re.fullmatch(_NUMBER, value):
            raise click.BadParameter(f"{_short(value)!r} is not a number", ctx, param)
        number = float(value)
        if not math.isfinite(number) or abs(number) > 1e12:
            raise click.BadParameter(
                f"{_short(value)!r} must be a finite number below 1e12", ctx, param
            )
        out[name] = number
    return out


def _finite(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a finite number", ctx, param)
    return value


_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"  # compiled when first used (re caches it)


def _short(text: str, width: int = 40) -> str:
    """A long argument cut down for an error message."""
    return text if len(text) <= width else text[:width] + "…"
