"""codegen: forward and backward code for an activation, in NumPy, PyTorch, JAX or C."""

from __future__ import annotations

from pathlib import Path

import click

from actderiv.cli._base import (
    CliState,
    cli,
    complete_names,
    output_option,
    param_option,
    write_output,
)

#: The targets, as in actderiv.codegen.TARGETS (repeated here so that --help needs no SymPy).
TARGETS = ("numpy", "torch", "jax", "c")


@cli.command()
@click.argument("name", shell_complete=complete_names)
@click.option(
    "--target",
    "-t",
    type=click.Choice(TARGETS, case_sensitive=False),
    required=True,
    help="The language or framework to write code for.",
)
@param_option("Use this value as the parameter's default in the generated code (repeatable).")
@output_option("Write the code to this file instead of standard output.")
@click.pass_obj
def codegen(
    state: CliState, name: str, target: str, params: dict[str, float], output: Path | None
) -> None:
    """Print forward and backward code for activation NAME.

    NAME is a catalog key or alias, in any case. The code uses numerically stable forms
    (softplus and sigmoid from exp(-|x|), log1p, expm1, branches evaluated only where they
    apply). For torch, the autograd.Function saves only the output y when the backward needs
    nothing else, and can then run in place.

    \b
    Examples:
      actderiv codegen silu --target torch
      actderiv codegen elu --target c -p alpha=0.5
      actderiv codegen softplus --target numpy -o softplus_np.py
    """
    write_output(output, state.ws.codegen(name, target.lower(), params))
