"""Numerical checks: a derivation's expressions at the default parameters, compared with mpmath.

The numerical checks never use SymPy's ``diff``: they differentiate the definition itself with
mpmath's high-precision numerical differentiation. A failed check is a result with a
counterexample, not an exception. Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import mpmath
import sympy as sp

from actderiv.engine.formula import Formula
from actderiv.engine.proofs import Proof
from actderiv.lang.parse import X
from actderiv.numerics import ABS_TOL, REL_TOL, VERIFY_DPS, close, compile_mp, real_value

Status = Literal["proved", "confirmed", "failed", "undecided"]
STATUSES: Final[tuple[Status, ...]] = ("proved", "confirmed", "failed", "undecided")


@dataclass(frozen=True, slots=True, kw_only=True)
class Counterexample:
    """Where a check failed: the point, the true value and the value checked."""

    x: str
    expected: str | None
    got: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One check and how it ended."""

    name: str
    status: Status
    detail: str
    counterexample: Counterexample | None = None


class Numeric:
    """The formula, its derivatives and forms as mpmath functions, at the default parameters."""

    def __init__(self, formula: Formula) -> None:
        self.formula = formula
        self.env0: dict[Any, Any] = {sym: mpmath.mpf(float(v)) for _, sym, v in formula.params}
        self.f = compile_mp(formula.expr)

    def fn(self, expr: sp.Expr) -> Callable[[Any], Any]:
        """Compile an expression in x, y and the parameters (bound in ``env0``)."""
        return compile_mp(expr)

    def f_at(self, xv: Any, wrt: sp.Symbol = X) -> Callable[[Any], Any]:
        """f as a function of one variable (x, or a parameter with x fixed at xv)."""
        if wrt == X:
            return lambda t: self.f({**self.env0, X: t})
        return lambda t: self.f({**self.env0, X: xv, wrt: t})

    def value(self, fn: Callable[[Any], Any], xv: float) -> Any | None:
        """A compiled expression's real value at x = xv (None where undefined)."""
        return real_value(fn, {**self.env0, X: mpmath.mpf(xv)})

    def numeric_derivative(self, xv: float, order: int, wrt: sp.Symbol = X) -> Any | None:
        at = mpmath.mpf(xv) if wrt == X else self.env0[wrt]
        try:
            value = mpmath.diff(self.f_at(mpmath.mpf(xv), wrt), at, order)
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        if isinstance(value, mpmath.mpc):
            if abs(value.imag) > 1e-20:
                return None
            value = value.real
        return value if mpmath.isfinite(value) else None


def fmt(value: Any) -> str | None:
    return None if value is None else mpmath.nstr(value, 15)


def compare_numerically(
    name: str,
    numeric: Numeric,
    expected: Callable[[float], Any | None],
    got: Callable[[float], Any | None],
    points: Sequence[float],
    what: str,
) -> Check:
    """Compare two functions of x at ``points``; the first disagreement is the counterexample."""
    checked, worst = 0, 0.0
    with mpmath.workdps(VERIFY_DPS):
        for xv in points:
            want = expected(xv)
            if want is None:
                continue
            have = got(xv)
            if have is not None and not close(have, want, REL_TOL, ABS_TOL):
                want, have = _with_digits_for_scale(expected, got, xv, want, have)
            if have is None or want is None or not close(have, want, REL_TOL, ABS_TOL):
                return Check(
                    name=name,
                    status="failed",
                    detail=f"{what} differ at x = {xv:.17g}",
                    counterexample=Counterexample(x=repr(xv), expected=fmt(want), got=fmt(have)),
                )
            checked += 1
            scale = max(abs(want), mpmath.mpf(ABS_TOL))
            worst = max(worst, float(abs(have - want) / scale))
    if checked == 0:
        return Check(name=name, status="undecided", detail="no point where both sides are defined")
    return Check(
        name=name,
        status="confirmed",
        detail=f"{what} agree at {checked} points, |x| ≤ {max(map(abs, points)):g} "
        f"(largest relative difference {worst:.1e})",
    )


#: At most this many digits beyond VERIFY_DPS for values of huge magnitude (see below).
_MAX_EXTRA_DIGITS: Final = 400


def _with_digits_for_scale(
    expected: Callable[[float], Any | None],
    got: Callable[[float], Any | None],
    xv: float,
    want: Any,
    have: Any,
) -> tuple[Any | None, Any | None]:
    """Both values again, with as many more digits as the size of their exponent needs.

    A value like exp(exp(100)) (about 10^(1.2e43)) carries only VERIFY_DPS - 43 correct digits at
    VERIFY_DPS digits: its argument exp(100) is itself rounded to VERIFY_DPS digits, and that
    rounding is multiplied by the argument's size (≈ |log value|). Two correct expressions then
    differ in the 8th digit, which is not a disagreement. The values are computed again with
    log10|log value| more digits, and compared with the same tolerance; a real disagreement stays.
    """
    size = max(abs(mpmath.log(abs(v))) for v in (want, have) if v != 0) if want or have else 0
    extra = int(mpmath.ceil(mpmath.log10(size))) + 5 if size > 1 else 0
    if extra <= 5:  # the magnitude explains no lost digit: the values disagree
        return want, have
    with mpmath.workdps(VERIFY_DPS + min(extra, _MAX_EXTRA_DIGITS)):
        return expected(xv), got(xv)


def for_which(proof: Proof, formula: Formula) -> str:
    """The words that say for which parameter values a proof holds ("" for all of them)."""
    if proof == "in general":
        return ""
    values = ", ".join(f"{name} = {value!r}" for name, _, value in formula.params)
    return f" at the parameter values ({values})"
