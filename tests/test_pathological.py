"""Valid but pathological formulas finish, or stop at their time limit with a clear message.

Each runs `actderiv derive ... --timeout 10` in a child process; the child must end within a
bound (derivation, verification and properties each have their own budget), exit 0 or with
ExitStatus.TIMEOUT and one line of explanation, and stay under 1 GiB of memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actderiv.cli import ExitStatus


def _ladder(steps: int) -> str:
    """A piecewise formula with ``steps`` kinks: k*x on [k-1, k), x beyond."""
    text = "x"
    for k in reversed(range(steps)):
        text = f"{k}*x if x < {k} else ({text})"
    return text


PATHOLOGICAL = {
    "exp tower": "exp(exp(exp(exp(x))))",
    "tanh nested 20 deep": "tanh(" * 20 + "x" + ")" * 20,
    "order 12": "x*tanh(x)",
    "long sum": " + ".join(f"tanh({k}*x)" for k in range(1, 40)),
    "piecewise ladder": _ladder(12),
}


_PEAK = "\npeak resident KiB: "
#: Runs the command given and then writes the peak resident memory of it (and of any process it
#: started) alone: the test process's own RUSAGE_CHILDREN would include every earlier child of
#: the test run (a mypy run, a whole-catalog export), whatever this command used.
_MEASURED = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], check=False).returncode\n"
    f"sys.stderr.write({_PEAK!r} + str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_formulas_end_in_bounded_time_and_memory(name: str, tmp_path: Path) -> None:
    formula = PATHOLOGICAL[name]
    args = ["--order", "12"] if name == "order 12" else []
    env = {**os.environ, "ACTDERIV_CACHE_DIR": str(tmp_path / "cache")}
    start = time.monotonic()
    command = [sys.executable, "-m", "actderiv", "derive", formula, *args, "--timeout", "10"]
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command, "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    elapsed = time.monotonic() - start
    proc.stderr, _, peak = proc.stderr.rpartition(_PEAK)
    peak_kib = int(peak)
    assert proc.returncode in (ExitStatus.OK, ExitStatus.TIMEOUT), proc.stderr
    assert "Traceback" not in proc.stderr
    if proc.returncode == ExitStatus.TIMEOUT:
        assert proc.stderr.startswith("Error: deriving"), proc.stderr
        assert "ran past its time limit of 10 s" in proc.stderr
    assert elapsed < 200, f"{name} took {elapsed:.0f} s"
    assert peak_kib < 1024 * 1024, f"{name} peaked at {peak_kib / 1024:.0f} MiB"


def test_a_constant_of_many_digits_does_not_stall_the_self_referential_search() -> None:
    """y = 1.67917679·x·σ(x) solved for x made SymPy build a polynomial of degree 10**8 (the
    constant is 167917679/10**8), in dense arithmetic no step budget interrupts: the derivation
    ran into its time limit. Such numbers are solved for as symbols and put back."""
    from click.testing import CliRunner

    from actderiv.cli import cli

    result = CliRunner().invoke(
        cli, ["derive", "x*sigmoid(x)*1.67917679", "--timeout", "30", "--json"]
    )
    assert result.exit_code == ExitStatus.OK, result.output
    record = json.loads(result.stdout)
    assert record["self_referential"] == "(y + 167917679*exp(x)/100000000)/(exp(x) + 1)"
    assert record["output_only"] is False


def test_a_constant_of_many_digits_inside_erf_does_not_stall_the_readable_forms() -> None:
    """Megatron's erf_gelu divides by 1.41421 inside erf: f' holds exp(-x²/(2·1.41421²)),
    which SymPy's factor turned into a power of exp(x²) of enormous degree (over 17 GB before it
    was stopped). Readable and named forms rewrite such numbers as symbols and put them back.
    (Other steps of a whole record, the properties' solveset among them, are not covered yet.)"""
    import mpmath
    import sympy as sp

    from actderiv.engine.budget import EngineOptions
    from actderiv.engine.forms import differentiate, readable_form
    from actderiv.engine.formula import formula_from_text
    from actderiv.lang.parse import X

    f = formula_from_text("x*(1 + erf(x/1.41421))/2", {}, None).expr
    raw = differentiate(f)
    form = readable_form(raw, f, EngineOptions())
    for xv in (-2.5, -0.3, 0.7, 3.0):
        got = sp.N(form.subs(X, sp.Rational(str(xv))), 30)
        want = sp.N(raw.subs(X, sp.Rational(str(xv))), 30)
        assert mpmath.almosteq(mpmath.mpf(str(got)), mpmath.mpf(str(want)), 1e-25)


def test_a_whole_record_of_erf_with_a_decimal_scale_is_made() -> None:
    """Megatron's erf_gelu, x(1 + erf(x/1.41421))/2: the properties' solveset also built a dense
    power of exp(x²) (memory ran out); the zeros are now solved with such numbers as symbols."""
    from click.testing import CliRunner

    from actderiv.cli import cli

    result = CliRunner().invoke(cli, ["derive", "x*(1 + erf(x/1.41421))/2", "--json"])
    assert result.exit_code == ExitStatus.OK, result.output
    record = json.loads(result.stdout)
    assert record["verified"] is True
    assert record["properties"]["f0"] == "0"
    assert record["properties"]["max_abs_derivative"]["at"] == "141421/100000"
