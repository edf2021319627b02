"""signal: mean-field signal propagation (gain, fixed point, chi1, edge of chaos)."""

from __future__ import annotations

from pathlib import Path

import click

from actderiv.cli._base import (
    _JSON,
    CliState,
    _echo_json,
    _print,
    cli,
    complete_names,
    output_option,
    param_option,
    write_output,
)

_FORMATS = ("terminal", "pgfplots", "png", "svg", "pdf")
_SUFFIXES = {".tex": "pgfplots", ".png": "png", ".svg": "svg", ".pdf": "pdf"}


@cli.command("signal")
@click.argument("name", required=False, shell_complete=complete_names)
@click.option("--formula", "formula_text", metavar="EXPR", help="A typed formula instead of NAME.")
@param_option("Set a parameter of the entry or formula (repeatable), e.g. -p alpha=0.5.")
@click.option("--sigma-w", "sigma_w", type=float, default=1.0, show_default=True, help="W.")
@click.option("--sigma-b", "sigma_b", type=float, default=0.0, show_default=True, help="B.")
@click.option("--critical-line", is_flag=True, help="The edge of chaos W(B) over --b-range.")
@click.option(
    "--b-range", nargs=2, type=float, default=(0.0, 2.0), show_default=True, help="LO HI."
)
@click.option("--points", type=click.IntRange(2, 201), default=21, show_default=True)
@click.option("--format", "fmt", type=click.Choice(_FORMATS), default=None, help="Of the line.")
@output_option("Write the critical line to this file: .png, .svg, .pdf or .tex (pgfplots).")
@_JSON
@click.pass_obj
def signal_command(
    state: CliState,
    name: str | None,
    formula_text: str | None,
    params: dict[str, float],
    sigma_w: float,
    sigma_b: float,
    critical_line: bool,
    b_range: tuple[float, float],
    points: int,
    fmt: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    """How a signal and its gradient propagate through deep random networks of NAME.

    Weights of variance W²/fan_in (--sigma-w W), biases of variance B² (--sigma-b B): the gain
    1/√E[f(z)²], PyTorch's calculate_gain, the fixed point q* of the variance map, chi1 (the
    per-layer growth of a gradient's squared norm), the edge of chaos and the depth scale.
    Exit status 1 when gain, q* or chi1 has no value (the reason is printed).

    \b
    Examples:
      actderiv signal tanh --sigma-w 1.5 --sigma-b 0.1
      actderiv signal elu -p alpha=0.5 --json
      actderiv signal --formula "x*sigmoid(x)" --critical-line -o line.png
    """
    if (name is None) == (formula_text is None):
        raise click.UsageError("give an activation NAME or --formula EXPR (one of them)")
    if critical_line:
        label, rows = state.ws.critical_line(
            name, formula=formula_text, params=params, b_range=b_range, points=points
        )
        _line(state, label, rows, fmt, output, as_json)
        return
    if output is not None or fmt is not None:
        raise click.UsageError("-o and --format are for --critical-line")
    data, answered = state.ws.signal(
        name, formula=formula_text, params=params, sigma_w=sigma_w, sigma_b=sigma_b
    )
    if as_json:
        _echo_json(data)
    else:
        from actderiv.render.signal_view import signal_view

        _print(state, signal_view(data))
    if not answered:
        missing = [k for k in ("gain", "q_star", "chi1") if data[k] is None]
        why = "; ".join(f"{k}: {data['reasons'].get(k, 'undecided')}" for k in missing)
        click.echo(f"Error: no value for {', '.join(missing)} ({why})", err=True)
        raise SystemExit(1)


def _line(
    state: CliState,
    label: str,
    rows: list[tuple[float, float | None]],
    fmt: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    if as_json:
        _echo_json(state.ws.critical_line_json(label, rows))
        return
    fmt = fmt or (_SUFFIXES.get(output.suffix.lower(), "terminal") if output else "terminal")
    if fmt == "terminal" and output is None:
        from actderiv.render.signal_view import critical_line_table

        _print(state, critical_line_table(label, rows))
    if fmt not in ("terminal", "pgfplots") and output is None:
        raise click.UsageError("images go to a file: give -o FILE")
    write_output(output, state.ws.critical_line_plot(label, rows, fmt))
