"""Two parsing habits every command shares: the global options after the command's name, and
formulas that start with a minus sign.

``actderiv add my_act "x*tanh(exp(x))" --catalog mine.toml`` means what
``actderiv --catalog mine.toml add my_act "x*tanh(exp(x))"`` means: every command (and group)
takes ``--catalog``, ``--color/--no-color`` and ``--traceback`` too, and they change the state
the group made from the options before the command.

``actderiv derive "-log(1+exp(-x))"``: a token that starts with '-' and is no option of the
command (``-log(…)``, ``-x*exp(x)``, ``-1``) is an argument of a command that takes formulas,
as if it were written after ``--``. A token click would read as an option, with its value, stays
one: ``-p a=1``, ``-n2``, ``--order 2``; a formula that reads like one (``-pi*x`` in ``derive``,
whose ``-p`` takes a value) still needs ``--`` in front of it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

#: Where the catalog files named after the command are kept in ``ctx.meta`` (shared by the
#: group's context and the command's), so that completion sees them too.
CATALOG_PATHS = "actderiv.catalog_paths"
#: Set in ``ctx.meta`` by ``--traceback`` after the command.
TRACEBACK = "actderiv.traceback"

CATALOG_HELP = (
    "Catalog file to use instead of the bundled and user catalogs; repeat to layer several "
    "(later ones override earlier ones)."
)
COLOR_HELP = "Force colour on or off (default: on for terminals, off when NO_COLOR is set)."
TRACEBACK_HELP = "Show Python tracebacks for errors (for debugging)."


def _catalog_after(ctx: click.Context, param: click.Parameter, value: tuple[Path, ...]) -> None:
    """``--catalog`` after a command: layered over those given before it (the ones from
    ACTDERIV_CATALOG are replaced, as ``--catalog`` before the command replaces them)."""
    if not value:
        return
    before = ctx.meta.get(CATALOG_PATHS)
    if before is None:
        root = ctx.find_root()
        from_env = root.get_parameter_source("catalog_paths") is ParameterSource.ENVIRONMENT
        before = () if from_env else tuple(root.params.get("catalog_paths") or ())
    paths = (*before, *value)
    ctx.meta[CATALOG_PATHS] = paths
    if ctx.obj is not None:  # None while completing: the group's callback has not run
        ctx.obj = ctx.obj.changed(catalog_paths=paths)


def _color_after(ctx: click.Context, param: click.Parameter, value: bool | None) -> None:
    if value is not None and ctx.obj is not None:
        ctx.obj = ctx.obj.changed(color=value)


def _traceback_after(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[TRACEBACK] = True


def global_options() -> list[click.Option]:
    """The group's options, as a command takes them after its name."""
    return [
        click.Option(
            ["--catalog"],
            type=click.Path(dir_okay=False, path_type=Path),
            multiple=True,
            expose_value=False,
            callback=_catalog_after,
            metavar="FILE",
            help=CATALOG_HELP + " Also before the command.",
        ),
        click.Option(
            ["--color/--no-color"],
            default=None,
            expose_value=False,
            callback=_color_after,
            help=COLOR_HELP,
        ),
        click.Option(
            ["--traceback"],
            is_flag=True,
            expose_value=False,
            callback=_traceback_after,
            help=TRACEBACK_HELP,
        ),
    ]


class Command(click.Command):
    """A command that takes the global options after its name too."""

    #: Whether the arguments are formulas, which may start with '-'.
    formula_arguments = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(global_options())

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if self.formula_arguments:
            args = dash_arguments(self, ctx, args)
        return super().parse_args(ctx, args)


class FormulaCommand(Command):
    """A command whose arguments are formulas: one may start with '-'."""

    formula_arguments = True


class Group(click.Group):
    """A group of commands (``cache``, ``catalog``) that takes the global options too."""

    command_class = Command

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.extend(global_options())


_LONG_OPTION = re.compile(r"--[A-Za-z][\w-]*(=.*)?", re.S)


def _takes(option: click.Option) -> int:
    """How many tokens after its name an option takes."""
    return 0 if option.is_flag or option.count else option.nargs


def _option_use(token: str, options: dict[str, click.Option]) -> int | None:
    """How many tokens after ``token`` click takes with it as an option, or None when click
    cannot read it as one of ``options`` and it is an argument (a formula, a number)."""
    if not token.startswith("-") or token == "-":
        return None
    if token.startswith("--"):
        name, eq, _ = token.partition("=")
        if name in options:
            return 0 if eq else _takes(options[name])
        # Unknown, but shaped like a long option: click's own error ("No such option") is
        # clearer than reading it as a formula.
        return 0 if _LONG_OPTION.fullmatch(token) else None
    if token in options:
        return _takes(options[token])
    for i, char in enumerate(token[1:], start=2):  # a cluster of short options, as click reads it
        option = options.get(f"-{char}")
        if option is None:
            return None
        if _takes(option):
            return 0 if token[i:] else _takes(option)
    return 0


def dash_arguments(command: click.Command, ctx: click.Context, args: list[str]) -> list[str]:
    """``args`` with the arguments moved after ``--`` (in order) when any starts with '-', so
    that click does not read ``-log(1+exp(-x))`` as options; else ``args`` unchanged."""
    options = {
        name: param
        for param in command.get_params(ctx)
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
    }
    before: list[str] = []
    arguments: list[str] = []
    dashed = False
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            arguments.extend(args[i:])
            break
        taken = _option_use(token, options)
        if taken is None:
            dashed = dashed or token.startswith("-")
            arguments.append(token)
            continue
        if i + taken > len(args):  # as click says it, but -x before it is no option
            needs = "an argument" if taken == 1 else f"{taken} arguments"
            raise click.BadOptionUsage(token, f"Option {token!r} requires {needs}.", ctx)
        before.extend(args[i - 1 : i + taken])
        i += taken
    return [*before, "--", *arguments] if dashed else args


def catalog_envvar_help() -> str:
    """The group's ``--catalog`` help, with the environment variable."""
    return CATALOG_HELP + f" ACTDERIV_CATALOG takes a list separated by '{os.pathsep}'."
