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
@click.argument("name", required=False, shell_complete=complete_names)
@click.option("--formula", "formula_text", metavar="EXPR", help="A typed formula instead of NAME.")
@click.option(
    "--name",
    "label",
    metavar="IDENT",
    help="With --formula: the name of the generated functions (default: activation).",
)
@click.option(
    "--target",
    "-t",
    type=click.Choice(TARGETS, case_sensitive=False),
    required=True,
    help="The language or framework to write code for.",
)
@param_option(
    "Use this value as the parameter's default in the generated code (repeatable); with "
    "--formula, a parameter of the formula and its default."
)
@output_option("Write the code to this file instead of standard output.")
@click.pass_obj
def codegen(
    state: CliState,
    name: str | None,
    formula_text: str | None,
    label: str | None,
    target: str,
    params: dict[str, float],
    output: Path | None,
) -> None:
    """Print forward and backward code for activation NAME (or a typed --formula).

    NAME is a catalog key or alias, in any case. The code uses numerically stable forms
    (softplus and sigmoid from exp(-|x|), log1p, expm1, branches evaluated only where they
    apply). Every parameter may be a tensor (a scalar or one value per channel) and trained:
    the backward returns its gradient from the derived partial derivative. For torch, the
    autograd.Function saves only the output y when the backward needs nothing else, and can
    then run in place; its nn.Module takes trainable= and num_parameters=.

    \b
    Examples:
      actderiv codegen silu --target torch
      actderiv codegen elu --target c -p alpha=0.5
      actderiv codegen softplus --target numpy -o softplus_np.py
      actderiv codegen --formula "x*sigmoid(beta*x)" -p beta=1 --name swish_beta -t torch
    """
    if (name is None) == (formula_text is None):
        raise click.UsageError("give an activation NAME or --formula EXPR (one of them)")
    if label is not None and formula_text is None:
        raise click.UsageError("--name is for --formula (a catalog entry has its own name)")
    text = state.ws.codegen(name, target.lower(), params, formula=formula_text, label=label)
    write_output(output, text)
