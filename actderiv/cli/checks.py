"""verify and check: prove or confirm derivatives and claims."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from actderiv.cli._base import (
    _JSON,
    CliState,
    ExitStatus,
    _echo_json,
    _print,
    cli,
    complete_names,
    echo_error,
)
from actderiv.service import Unavailable

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec


@cli.command()
@click.argument("names", nargs=-1, metavar="[NAME]...", shell_complete=complete_names)
@click.option("--all", "everything", is_flag=True, help="Verify every activation in the catalog.")
@click.option(
    "--against",
    type=click.Choice(["torch", "jax"]),
    default=None,
    help="Instead, compare values, gradients and kink values with torch.nn.functional or "
    "jax.nn in float64 (needs pip install 'actderiv[torch]' or 'actderiv[jax]').",
)
@_JSON
@click.pass_obj
def verify(
    state: CliState,
    names: tuple[str, ...],
    everything: bool,
    against: str | None,
    as_json: bool,
) -> None:
    """Prove or numerically confirm every derivative and claim of the named activations.

    Each check ends as proved (symbolically), confirmed (against mpmath's high-precision
    numerical derivative of f, which does not use SymPy's diff), failed (with a counterexample)
    or undecided. Exits with status 3 when any check failed. (verify does not search for
    self-referential forms: show finds them and lists their checks.)

    With --against torch or --against jax, each activation the framework ships is evaluated
    there instead (float64, autograd) and compared with the catalog's f, f' and kink values at
    about 250 points; entries the framework lacks are skipped. Exits with status 3 on any
    mismatch, and 2 when the framework is not installed.

    \b
    Examples:
      actderiv verify sigmoid gelu
      actderiv verify --all --json
      actderiv verify --against torch --all
      actderiv verify --against jax gelu gelu_tanh relu
    """
    if bool(names) == everything:
        raise click.UsageError("name one or more activations, or use --all (not both)")
    catalog = state.ws.catalog()
    specs = list(catalog) if everything else [catalog.require(n) for n in names]
    if against is not None:
        _verify_against(state, specs, against, as_json)
        return
    summary = state.ws.verify(specs)
    if as_json:
        _echo_json(summary)
    else:
        from actderiv.render.terminal import verify_table

        _print(state, verify_table(summary))
    if summary["summary"]["failed"]:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


def _verify_against(
    state: CliState, specs: list[ActivationSpec], framework: str, as_json: bool
) -> None:
    """``verify --against``: the catalog against torch.nn.functional or jax.nn."""
    try:
        record, passed = state.ws.verify_against(specs, framework)
    except Unavailable as exc:
        echo_error(f"Error: {exc}")
        raise SystemExit(ExitStatus.USAGE) from exc
    if as_json:
        _echo_json(record)
    else:
        from actderiv.render.framework_view import framework_view

        _print(state, framework_view(record))
    if not passed:
        raise SystemExit(ExitStatus.VERIFY_FAILED)


@cli.command()
@click.argument("name", shell_complete=complete_names)
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

    Says whether FORMULA is identical (proved), the same function (confirmed numerically),
    equal within the precision of its decimal constants, different only at a kink of f (where
    frameworks choose), or wrong, with a counterexample: the point in |x| <= 10 (unless it
    differs only further out) where the difference is largest relative to the size of the
    values, both values and their difference, and the intervals where it differs. Exits with
    status 3 when the claim is wrong.

    \b
    Examples:
      actderiv check sigmoid --derivative "y*(1 - y)"
      actderiv check softsign --derivative "1 - y**2"
      actderiv check relu --derivative "1 if x >= 0 else 0"
      actderiv check tanh --function "2/(1 + exp(2*x)) - 1"
    """
    if (derivative is None) == (function is None):
        raise click.UsageError("give exactly one of --derivative and --function")
    claim = derivative if derivative is not None else function
    assert claim is not None
    result = state.ws.check(name, claim, function=function is not None)
    if as_json:
        _echo_json(result)
    else:
        from actderiv.render.terminal import check_view

        _print(state, check_view(result))
    if result["verdict"] == "wrong":
        raise SystemExit(ExitStatus.VERIFY_FAILED)
