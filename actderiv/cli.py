"""The command-line interface: a thin click layer over :mod:`actderiv.api`.

The only module that imports click. Heavy imports (SymPy, Rich) happen inside commands, so
``actderiv --help`` and ``actderiv list`` start fast.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from actderiv import __version__
from actderiv.errors import ActderivError, BudgetExceeded, DerivationError

if TYPE_CHECKING:
    from rich.console import Console

    from actderiv.model import ActivationSpec, Catalog


class ExitStatus(IntEnum):
    """Exit statuses, the same for every command."""

    OK = 0
    ERROR = 1  # a bad catalog, formula or name
    USAGE = 2  # click's own usage errors
    VERIFY_FAILED = 3  # a check ran and found a mismatch
    TIMEOUT = 4  # symbolic work ran past its time budget


@dataclass(frozen=True, slots=True)
class CliState:
    """What every command needs: which catalog, and how to write."""

    catalog_path: Path | None
    color: bool | None

    def catalog(self) -> Catalog:
        from actderiv.api import load_catalog

        return load_catalog(self.catalog_path)

    def console(self, stderr: bool = False) -> Console:
        from rich.console import Console

        no_color = self.color is False or (self.color is None and "NO_COLOR" in os.environ)
        return Console(
            stderr=stderr,
            no_color=no_color,
            force_terminal=True if self.color else None,
            highlight=False,
            soft_wrap=False,
        )


class _Group(click.Group):
    """Turns every :class:`ActderivError` into one short message and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (ActderivError, ValueError) as exc:
            if ctx.params.get("traceback") or isinstance(exc, click.ClickException):
                raise
            if not isinstance(exc, ActderivError) and type(exc) is not ValueError:
                raise
            status = (
                ExitStatus.TIMEOUT
                if isinstance(exc, BudgetExceeded | DerivationError)
                else ExitStatus.ERROR
            )
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(status)


def _echo_json(value: Any) -> None:
    from actderiv.render.json import render_json

    click.echo(render_json(value), nl=False)


def _print(state: CliState, renderable: Any) -> None:
    state.console().print(renderable)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="actderiv")
@click.option(
    "--catalog",
    "catalog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="ACTDERIV_CATALOG",
    show_envvar=True,
    help="Catalog file to use instead of the bundled one.",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Force colour on or off (default: on for terminals, off when NO_COLOR is set).",
)
@click.option(
    "--traceback", is_flag=True, help="Show Python tracebacks for errors (for debugging)."
)
@click.pass_context
def cli(ctx: click.Context, catalog_path: Path | None, color: bool | None, traceback: bool) -> None:
    """Derive, simplify and verify the derivatives of activation functions.

    \b
    Examples:
      actderiv list --tag pytorch
      actderiv show sigmoid
      actderiv show elu --order 2
      actderiv derive "x*tanh(softplus(x))"
      actderiv derive "x/(1 + abs(x))" --json
    """
    ctx.obj = CliState(catalog_path, color)


@cli.command("list")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="Only entries with this tag (repeat for any of several).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.pass_obj
def list_command(state: CliState, tags: tuple[str, ...], as_json: bool) -> None:
    """List the activations in the catalog, with their derivatives."""

    catalog = state.catalog()
    specs = _filter(catalog, tags)
    records = _records(state, catalog, specs)
    if as_json:
        _echo_json(records)
        return
    from actderiv.render.terminal import list_table

    _print(state, list_table(specs, records))


def _filter(catalog: Catalog, tags: Sequence[str]) -> list[ActivationSpec]:
    if not tags:
        return list(catalog)
    wanted = {t.casefold() for t in tags}
    return [s for s in catalog if wanted & {t.casefold() for t in s.tags}]


def _records(
    state: CliState,
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    **kwargs: Any,
) -> list[dict[str, Any]]:
    """Records for ``specs``, with a progress bar on a terminal when anything must be derived."""
    from actderiv import api

    if len(specs) < 3 or not sys.stderr.isatty():
        return api.records(catalog, specs, **kwargs)
    from rich.progress import Progress

    with Progress(console=state.console(stderr=True), transient=True) as progress:
        task = progress.add_task("deriving", total=len(specs))
        advance: Callable[[ActivationSpec], None] = lambda spec: progress.advance(task)  # noqa: E731
        return api.records(catalog, specs, progress=advance, **kwargs)


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


@cli.command()
@click.argument("name")
@_ORDER
@_WRT
@_JSON
@click.pass_obj
def show(state: CliState, name: str, order: int, wrt: str | None, as_json: bool) -> None:
    """Everything about activation NAME: derivatives, self-referential form, breakpoints.

    NAME is a catalog key or alias, in any case.
    """
    from actderiv import api

    catalog = state.catalog()
    spec = catalog.require(name)
    _check_wrt(wrt, spec.param_dict)
    record = api.record(catalog, spec.name, order=order, wrt=wrt)
    if as_json:
        _echo_json(record)
        return
    from actderiv.render.terminal import record_view

    _print(state, record_view(record, spec))


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
    from actderiv.catalog import check_param_name

    out: dict[str, float] = {}
    for text in values:
        name, sep, value = text.partition("=")
        name, value = name.strip(), value.strip()
        if not sep:
            raise click.BadParameter(f"{_short(text)!r} is not NAME=VALUE", ctx, param)
        problem = check_param_name(name)
        if problem:
            raise click.BadParameter(problem, ctx, param)
        if not value.isascii() or not _NUMBER.fullmatch(value):
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


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _short(text: str, width: int = 40) -> str:
    """A long argument cut down for an error message."""
    return text if len(text) <= width else text[:width] + "…"


@cli.command()
@click.argument("expr")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_parse_param,
    help="A parameter and its value (repeatable).",
)
@_ORDER
@_WRT
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    callback=lambda ctx, param, value: _finite(ctx, param, value),  # FloatRange lets NaN in
    default=60.0,
    show_default=True,
    help="Seconds of symbolic work allowed before giving up.",
)
@_JSON
@click.pass_obj
def derive(
    state: CliState,
    expr: str,
    params: dict[str, float],
    order: int,
    wrt: str | None,
    timeout: float,
    as_json: bool,
) -> None:
    """Derive a formula EXPR that is not in the catalog.

    EXPR uses Python syntax: x, the parameters, + - * / **, 'a if cond else b', functions such
    as exp, log, tanh, erf, max, min, abs, and the names of catalog entries.

    \b
    Examples:
      actderiv derive "x*sigmoid(beta*x)" --param beta=1.5
      actderiv derive "x if x > 0 else a*(exp(x) - 1)" -p a=1 --order 2
      actderiv derive "log(1 + exp(b*x))/b" -p b=2 --wrt b
    """
    from actderiv import api
    from actderiv.engine import EngineOptions

    _check_wrt(wrt, params)
    catalog = state.catalog()
    options = EngineOptions(
        total_seconds=timeout, step_seconds=min(2.0, timeout), selfref_seconds=min(15.0, timeout)
    )
    record = api.formula_record(
        expr, params=params, catalog=catalog, order=order, wrt=wrt, options=options
    )
    if as_json:
        _echo_json(record)
        return
    from actderiv.render.terminal import record_view

    _print(state, record_view(record))


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--all", "everything", is_flag=True, help="Verify every activation in the catalog.")
@_JSON
@click.pass_obj
def verify(state: CliState, names: tuple[str, ...], everything: bool, as_json: bool) -> None:
    """Prove or numerically confirm every derivative and claim of the named activations.

    Each check ends as proved (symbolically), confirmed (against mpmath's high-precision
    numerical derivative of f, which does not use SymPy's diff), failed (with a counterexample)
    or undecided. Exits with status 3 when any check failed.

    \b
    Examples:
      actderiv verify sigmoid gelu
      actderiv verify --all --json
    """
    from actderiv import api

    if bool(names) == everything:
        raise click.UsageError("name one or more activations, or use --all (not both)")
    catalog = state.catalog()
    specs = list(catalog) if everything else [catalog.require(n) for n in names]
    summary = api.verification_summary(_records(state, catalog, specs))
    if as_json:
        _echo_json(summary)
    else:
        from actderiv.render.terminal import verify_table

        _print(state, verify_table(summary))
    if summary["summary"]["failed"]:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


@cli.command()
@click.argument("name")
@click.option(
    "--derivative",
    "-d",
    metavar="FORMULA",
    help="The derivative to check, in x, y = f(x) and the parameters.",
)
@click.option(
    "--function",
    "-f",
    "function",
    metavar="FORMULA",
    help="A definition of the function itself to check, in x and the parameters.",
)
@_JSON
@click.pass_obj
def check(
    state: CliState, name: str, derivative: str | None, function: str | None, as_json: bool
) -> None:
    """Check a derivative (or a definition) from a paper or a backward pass against the truth.

    Says whether FORMULA is another form of the same function, wrong everywhere, wrong on part
    of the domain, or wrong only at a kink, with a counterexample. Exits with status 3 when
    the claim is wrong.

    \b
    Examples:
      actderiv check sigmoid --derivative "y*(1 - y)"
      actderiv check softsign --derivative "1 - y**2"
      actderiv check relu --derivative "1 if x >= 0 else 0"
      actderiv check tanh --function "2/(1 + exp(2*x)) - 1"
    """
    from actderiv import api

    if (derivative is None) == (function is None):
        raise click.UsageError("give exactly one of --derivative and --function")
    claim = derivative if derivative is not None else function
    assert claim is not None
    result = api.check(state.catalog(), name, claim, function=function is not None)
    if as_json:
        _echo_json(result)
    else:
        from actderiv.render.terminal import check_view

        _print(state, check_view(result))
    if result["equal"] is False:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


@cli.group()
def cache() -> None:
    """Manage the cache of derived results."""


@cache.command("clear")
def cache_clear() -> None:
    """Remove every cached result (they are rebuilt when next needed)."""
    from actderiv.cache import RecordCache

    store = RecordCache()
    removed = store.clear()
    click.echo(f"removed {removed} cached result(s) from {store.folder}")


@cache.command("path")
def cache_path() -> None:
    """Print the folder that holds the cache."""
    from actderiv.cache import cache_dir

    click.echo(str(cache_dir()))


def main() -> None:
    """Entry point of the ``actderiv`` console script."""
    cli(prog_name="actderiv")
