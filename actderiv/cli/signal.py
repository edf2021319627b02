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
    from actderiv.engine import signal

    if (name is None) == (formula_text is None):
        raise click.UsageError("give an activation NAME or --formula EXPR (one of them)")
    catalog = state.catalog()
    if formula_text is not None:
        from actderiv.engine.formula import CatalogResolver, formula_from_text

        formula = formula_from_text(formula_text, params, CatalogResolver(catalog))
        label = formula_text
    else:
        from actderiv.engine.formula import CatalogResolver, formula_of

        spec = catalog.require(str(name))
        formula = signal.with_params(formula_of(spec, CatalogResolver(catalog)), params)
        label = spec.name
    if critical_line:
        _line(state, formula, label, b_range, points, fmt, output, as_json)
        return
    if output is not None or fmt is not None:
        raise click.UsageError("-o and --format are for --critical-line")
    result = signal.signal_of(formula, sigma_w, sigma_b, None if formula_text else label)
    data = result.as_dict()
    if as_json:
        _echo_json(data)
    else:
        from actderiv.render.signal_view import signal_view

        _print(state, signal_view(data))
    if not result.answered:
        missing = [k for k in ("gain", "q_star", "chi1") if data[k] is None]
        why = "; ".join(f"{k}: {data['reasons'].get(k, 'undecided')}" for k in missing)
        click.echo(f"Error: no value for {', '.join(missing)} ({why})", err=True)
        raise SystemExit(1)


def _line(
    state: CliState,
    formula: object,
    label: str,
    b_range: tuple[float, float],
    points: int,
    fmt: str | None,
    output: Path | None,
    as_json: bool,
) -> None:
    from actderiv.engine import signal
    from actderiv.engine.formula import Formula

    assert isinstance(formula, Formula)
    rows = signal.critical_line(formula, b_range[0], b_range[1], points)
    if as_json:
        _echo_json({"name": label, **signal.curve_of(rows)})
        return
    fmt = fmt or (_SUFFIXES.get(output.suffix.lower(), "terminal") if output else "terminal")
    if fmt == "terminal" and output is None:
        from actderiv.render.signal_view import critical_line_table

        _print(state, critical_line_table(label, rows))
    from actderiv.render import plot

    curve = plot.Curve(
        name=f"{label}: critical sigma_w",
        xs=tuple(b for b, _ in rows),
        f=tuple(w for _, w in rows),
        df=tuple(None for _ in rows),
    )
    if fmt == "terminal":
        write_output(output, plot.text_plot([curve]))
    elif fmt == "pgfplots":
        write_output(output, plot.pgfplots([curve], standalone=True))
    else:
        if output is None:
            raise click.UsageError("images go to a file: give -o FILE")
        try:
            data = plot.image([curve], fmt)
        except ImportError as exc:
            raise click.ClickException(
                "PNG, SVG and PDF plots need matplotlib: pip install 'actderiv[plot]'"
            ) from exc
        write_output(output, data)
