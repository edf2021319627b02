"""compare and gradient: properties side by side, and gradients through stacked layers."""

from __future__ import annotations

import click

from actderiv.cli._base import (
    _JSON,
    CliState,
    _echo_json,
    _print,
    cli,
    complete_names,
    formulas_options,
    labelled,
    param_option,
)
from actderiv.cli._options import FormulaCommand
from actderiv.errors import ActderivError


@cli.command()
@click.argument("names", nargs=-1, shell_complete=complete_names)
@formulas_options(many=True)
@param_option("A parameter of the --formula formulas and its value (repeatable).")
@_JSON
@click.pass_obj
def compare(
    state: CliState,
    names: tuple[str, ...],
    formulas: tuple[str, ...],
    labels: tuple[str, ...],
    params: dict[str, float],
    as_json: bool,
) -> None:
    """Put the properties of activations NAMES (and typed --formula formulas) side by side, with
    their signal propagation (the variance-preserving gain and the edge of chaos at B = 0; see
    `actderiv signal`).

    \b
    Examples:
      actderiv compare sigmoid tanh relu gelu
      actderiv compare silu --formula "x*sigmoid(b*x)" -p b=2 --name "swish b=2"
    """
    pairs = labelled(formulas, labels)
    if not names and not pairs:
        raise click.UsageError("give at least one activation NAME or --formula EXPR")
    if params and not pairs:
        raise click.UsageError("-p sets a parameter of a --formula")
    records = state.ws.compare(names)
    for text, label in pairs:
        record = state.ws.derive_formula(text, params=params)
        signal = state.ws.formula_signal_columns(text, params=params)
        records.append({**record, "name": label, "signal": signal})
    if as_json:
        _echo_json(
            [
                {"name": r["name"], "properties": r.get("properties"), "signal": r["signal"]}
                for r in records
            ]
        )
        return
    from actderiv.render.terminal import compare_table

    _print(state, compare_table(records))


@cli.command(cls=FormulaCommand)
@click.argument("name", shell_complete=complete_names)
@click.option(
    "--depth",
    "-d",
    type=click.IntRange(1, 10000),
    default=10,
    show_default=True,
    help="Number of stacked layers.",
)
@param_option("Treat NAME as a formula with this parameter (repeatable), as in derive.")
@click.option("--formula", is_flag=True, help="NAME is a formula, not a catalog entry.")
@_JSON
@click.pass_obj
def gradient(
    state: CliState,
    name: str,
    depth: int,
    params: dict[str, float],
    formula: bool,
    as_json: bool,
) -> None:
    """How a gradient scales through --depth stacked layers of activation NAME.

    From the derivative alone: at most max|f'|^depth (unit weights), with a verdict, and the
    gains E[f'(z)^2], E[f(z)^2] for standard-normal z that initialisation schemes rest on.

    \b
    Examples:
      actderiv gradient sigmoid --depth 10
      actderiv gradient "x if x > 0 else a*(exp(x) - 1)" --formula -p a=0.5
    """
    try:
        result = state.ws.gradient(name, depth, params=params, formula=formula)
    except ValueError as exc:  # f is not defined on all of ℝ: a user's formula, not a bug
        if isinstance(exc, ActderivError):
            raise
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _echo_json(result)
        return
    from actderiv.render.terminal import gradient_view

    _print(state, gradient_view(result))
