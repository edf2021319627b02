"""list, show and derive: look at activations and formulas."""

from __future__ import annotations

import click

from actderiv.catalog.names import FRAMEWORKS, PROPERTY_KEYS, framework_key
from actderiv.cli._base import (
    _JSON,
    _ORDER,
    _WRT,
    CliState,
    _check_wrt,
    _echo_json,
    _finite,
    _print,
    cli,
    complete_names,
    formulas_options,
    labelled,
    param_option,
)
from actderiv.cli._options import FormulaCommand


@cli.command("list")
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="Only entries with this tag (repeat for any of several).",
)
@click.option(
    "--framework",
    "frameworks",
    multiple=True,
    metavar="NAME",
    callback=lambda ctx, param, value: _frameworks(ctx, param, value),
    help="Only entries with a fully qualified name in this framework: "
    + ", ".join(FRAMEWORKS)
    + " (repeat for any of several; tf is tensorflow, pytorch is torch).",
)
@click.option(
    "--columns",
    metavar="COL,COL,…",
    default=None,
    callback=lambda ctx, param, value: _columns(ctx, param, value),
    help="Columns to show instead of the default ones: name, expr, derivative, output_only, "
    "tags, or any property (range, monotonic, continuity, max_abs_derivative, …).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@click.pass_obj
def list_command(
    state: CliState,
    tags: tuple[str, ...],
    frameworks: tuple[str, ...],
    columns: tuple[str, ...] | None,
    as_json: bool,
) -> None:
    """List the activations in the catalog, with their derivatives."""

    if not as_json and not columns:
        from actderiv.render.terminal import list_table

        _print(state, list_table(state.ws.list_rows(tags, frameworks), frameworks))
        return
    specs = state.ws.specs(tags, frameworks)
    records = state.ws.records(specs)
    if as_json:
        _echo_json(records)
        return
    from actderiv.render.terminal import columns_table

    _print(state, columns_table(specs, records, columns or ()))


#: What --columns accepts (the property keys of the JSON contract, and the defaults).
COLUMNS = ("name", "expr", "derivative", "output_only", "tags", *PROPERTY_KEYS)


def _frameworks(
    ctx: click.Context, param: click.Parameter, value: tuple[str, ...]
) -> tuple[str, ...]:
    """The keys of the frameworks named (any case; tf for tensorflow)."""
    keys = []
    for name in value:
        key = framework_key(name)
        if key is None:
            raise click.BadParameter(
                f"unknown framework {name!r} (known: {', '.join(FRAMEWORKS)})",
                ctx,
                param,
            )
        keys.append(key)
    return tuple(keys)


def _columns(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> tuple[str, ...] | None:
    if value is None:
        return None
    chosen = tuple(c.strip() for c in value.split(",") if c.strip())
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown or not chosen:
        raise click.BadParameter(
            f"unknown column {unknown[0]!r} (known: {', '.join(COLUMNS)})"
            if unknown
            else "no columns given",
            ctx,
            param,
        )
    return chosen


@cli.command()
@click.argument("name", required=False, shell_complete=complete_names)
@formulas_options(many=False)
@param_option("A parameter of the --formula and its value (repeatable).")
@_ORDER
@_WRT
@_JSON
@click.pass_obj
def show(
    state: CliState,
    name: str | None,
    formulas: str | None,
    labels: str | None,
    params: dict[str, float],
    order: int,
    wrt: str | None,
    as_json: bool,
) -> None:
    """Everything about activation NAME: derivatives, self-referential form, breakpoints.

    NAME is a catalog key or alias, in any case; --formula EXPR shows a typed formula instead
    (as derive does).

    \b
    Examples:
      actderiv show elu
      actderiv show --formula "x*sigmoid(b*x)" -p b=1.5 --name swish_b
    """
    pairs = labelled(formulas, labels)
    if (name is None) == (not pairs):
        raise click.UsageError("give an activation NAME or --formula EXPR (one of them)")
    if pairs:
        _check_wrt(wrt, params)
        text, label = pairs[0]
        record = state.ws.derive_formula(text, params=params, order=order, wrt=wrt)
        if labels is not None:  # the formula, named
            record = {**record, "name": label, "title": f"f(x) = {text}"}
        if as_json:
            _echo_json(record)
            return
        from actderiv.render.terminal import record_view

        _print(state, record_view(record))
        return
    if params:
        raise click.UsageError("-p sets a parameter of a --formula (an entry has its own)")
    assert name is not None
    spec = state.ws.spec(name)
    _check_wrt(wrt, spec.param_dict)
    report = state.ws.report(spec.name, order=order, wrt=wrt)
    if as_json:
        _echo_json(report.record)
        return
    _print(state, report)  # a Rich renderable (ActivationReport.__rich__)


@cli.command(cls=FormulaCommand)
@click.argument("expr")
@param_option("A parameter and its value (repeatable).")
@_ORDER
@_WRT
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 3600),
    callback=lambda ctx, param, value: _finite(ctx, param, value),  # FloatRange lets NaN in
    default=60.0,
    show_default=True,
    help="Seconds before symbolic work that hangs stops with an error (exit status 4).",
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
    as exp, log, tanh, erf, max, min, abs, and the names of catalog entries. EXPR may start
    with a minus sign; one that reads as an option (-pi*x) goes after --.

    \b
    Examples:
      actderiv derive "x*sigmoid(beta*x)" --param beta=1.5
      actderiv derive "-log(1 + exp(-x))"
      actderiv derive "x if x > 0 else a*(exp(x) - 1)" -p a=1 --order 2
      actderiv derive "log(1 + exp(b*x))/b" -p b=2 --wrt b
    """
    _check_wrt(wrt, params)
    record = state.ws.derive_formula(expr, params=params, order=order, wrt=wrt, timeout=timeout)
    if as_json:
        _echo_json(record)
        return
    from actderiv.render.terminal import record_view

    _print(state, record_view(record))
