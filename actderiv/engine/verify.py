"""Verification: every derivative and claim is proved symbolically or confirmed independently.

The numerical checks never use SymPy's ``diff``: they differentiate the definition itself with
mpmath's high-precision numerical differentiation, on 30 or more points per branch, out to
|x| = 50 and on both sides of every breakpoint. A failed check is a result with a counterexample,
not an exception. Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final, Literal

import mpmath
import sympy as sp

from actderiv.catalog.model import SEARCH_CHECKS, ActivationSpec
from actderiv.engine.budget import attempt, time_budget
from actderiv.engine.core import (
    IDENTITIES,
    READABLE_SECONDS,
    EngineOptions,
    Proof,
    differentiate,
    proves_zero,
    switch_points,
)
from actderiv.engine.derivation import Derivation
from actderiv.engine.formula import CatalogResolver, Formula
from actderiv.errors import BudgetExceeded, FormulaError
from actderiv.lang.parse import Scope, X, Y, number, parse_formula
from actderiv.numerics import NotNumeric, close, compile_mp, real_value

Status = Literal["proved", "confirmed", "failed", "undecided"]
STATUSES: Final[tuple[Status, ...]] = ("proved", "confirmed", "failed", "undecided")
POINTS_PER_BRANCH: Final = 32
REACH: Final = 50.0
DPS: Final = 50
REL_TOL: Final = 1e-9
ABS_TOL: Final = 1e-20


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """All checks of one activation."""

    name: str | None
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        """True when every check was proved or confirmed."""
        return all(c.status in ("proved", "confirmed") for c in self.checks)

    @property
    def failed(self) -> bool:
        return any(c.status == "failed" for c in self.checks)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in STATUSES}


def sample_points(
    breaks: Sequence[float], per_branch: int = POINTS_PER_BRANCH, reach: float = REACH
) -> list[float]:
    """Points on every branch between breakpoints, out to ±reach, and hugging each breakpoint."""
    edges = [
        -reach - max((abs(b) for b in breaks), default=0.0),
        *breaks,
        reach + max((abs(b) for b in breaks), default=0.0),
    ]
    points: list[float] = []
    for lo, hi in itertools.pairwise(edges):
        width = hi - lo
        for k in range(per_branch):
            # denser near the ends of each branch (Chebyshev-like), never exactly on an edge
            t = (1 - mpmath.cos(mpmath.pi * (k + 0.5) / per_branch)) / 2
            points.append(float(lo + width * t))
    for b in breaks:
        gap = 1e-3 * max(1.0, abs(b))
        points.extend((b - gap, b + gap))
    return sorted(set(points))


class _Numeric:
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


def _fmt(value: Any) -> str | None:
    return None if value is None else mpmath.nstr(value, 15)


def compare_numerically(
    name: str,
    numeric: _Numeric,
    expected: Callable[[float], Any | None],
    got: Callable[[float], Any | None],
    points: Sequence[float],
    what: str,
) -> Check:
    """Compare two functions of x at ``points``; the first disagreement is the counterexample."""
    checked, worst = 0, 0.0
    with mpmath.workdps(DPS):
        for xv in points:
            want = expected(xv)
            if want is None:
                continue
            have = got(xv)
            if have is None or not close(have, want, REL_TOL, ABS_TOL):
                return Check(
                    name=name,
                    status="failed",
                    detail=f"{what} differ at x = {xv:.17g}",
                    counterexample=Counterexample(x=repr(xv), expected=_fmt(want), got=_fmt(have)),
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


def verify_derivation(
    formula: Formula,
    derivation: Derivation,
    spec: ActivationSpec | None = None,
    resolver: CatalogResolver | None = None,
    options: EngineOptions | None = None,
) -> Verification:
    """Check a derivation and the claims of its catalog entry; see the module docstring.

    The checks run under ``options.total_seconds``; checks not reached in time are reported as
    one undecided check that says so.
    """
    opts = options or EngineOptions()
    checks: list[Check] = []
    try:
        with time_budget(opts.total_seconds, "the verification"):
            _run_checks(checks, formula, derivation, spec, resolver, opts)
    except BudgetExceeded:
        checks.append(
            Check(
                name="time budget",
                status="undecided",
                detail=f"the remaining checks ran past {opts.total_seconds:g} s",
            )
        )
    return Verification(name=derivation.name, checks=tuple(checks))


def _run_checks(
    checks: list[Check],
    formula: Formula,
    derivation: Derivation,
    spec: ActivationSpec | None,
    resolver: CatalogResolver | None,
    opts: EngineOptions,
) -> None:
    numeric = _Numeric(formula)
    wrt = formula.symbols.get(derivation.wrt, X)
    breaks = [p.value for p in switch_points(formula.expr, formula, opts)]
    points = sample_points(breaks)
    g = numeric.fn(derivation.derivative)
    checks.append(
        compare_numerically(
            "derivative",
            numeric,
            lambda xv: numeric.numeric_derivative(xv, derivation.order, wrt),
            lambda xv: real_value(g, {**numeric.env0, X: mpmath.mpf(xv)}),
            points,
            "the derivative and mpmath's numerical derivative of f",
        )
    )
    checks.append(_same_as_diff(formula, derivation, wrt, opts))
    if derivation.self_referential is not None:
        checks.extend(_self_referential_checks(numeric, derivation, points, opts))
    if derivation.wrt == "x" and derivation.order == 1:
        for pname, expr in derivation.param_derivatives:
            sym = formula.symbols[pname]
            dp = numeric.fn(expr)
            checks.append(
                compare_numerically(
                    f"d/d{pname}",
                    numeric,
                    partial(numeric.numeric_derivative, order=1, wrt=sym),
                    partial(numeric.value, dp),
                    points,
                    f"∂f/∂{pname} and mpmath's numerical derivative",
                )
            )
    if spec is not None and derivation.order == 1 and derivation.wrt == "x":
        checks.extend(_claim_checks(spec, formula, derivation, numeric, points, resolver, opts))


def _same_as_diff(formula: Formula, d: Derivation, wrt: sp.Symbol, opts: EngineOptions) -> Check:
    """The readable form is the same function as SymPy's derivative: proved where SymPy can."""
    raw = differentiate(formula.expr, d.order, wrt)
    if d.derivative == raw:
        return Check(name="readable form", status="proved", detail="identical to SymPy's diff")
    if not raw.has(sp.sign):  # (sign_to_abs holds only away from 0: not an identity)
        budget = min(opts.step_seconds, READABLE_SECONDS)  # as readable_form gave them
        for name, rewrite in IDENTITIES:
            if attempt(partial(rewrite, raw), budget, None) == d.derivative:
                return Check(
                    name="readable form", status="proved", detail=f"SymPy's {name} of its diff"
                )
    proof = proves_zero(d.derivative - raw, opts, formula.defaults)
    if proof is not None:
        return Check(
            name="readable form",
            status="proved",
            detail="SymPy reduces readable - diff to 0" + _for_which(proof, formula),
        )
    numeric = _Numeric(formula)
    shown, derived = numeric.fn(d.derivative), numeric.fn(raw)
    breaks = [p.value for p in switch_points(formula.expr, formula, opts)]
    return compare_numerically(
        "readable form",
        numeric,
        partial(numeric.value, derived),
        partial(numeric.value, shown),
        sample_points(breaks),
        "the readable form and SymPy's derivative",
    )


def _self_referential_checks(
    numeric: _Numeric, d: Derivation, points: Sequence[float], opts: EngineOptions
) -> list[Check]:
    assert d.self_referential is not None
    form = d.self_referential.expr
    h = numeric.fn(form)
    g = numeric.fn(d.derivative)

    def got(xv: float) -> Any | None:
        env = {**numeric.env0, X: mpmath.mpf(xv)}
        y = real_value(numeric.f, env)
        return None if y is None else real_value(h, {**env, Y: y})

    form_check, flag_check = SEARCH_CHECKS
    check = compare_numerically(
        form_check,
        numeric,
        lambda xv: real_value(g, {**numeric.env0, X: mpmath.mpf(xv)}),
        got,
        points,
        "the form with y = f(x) and the derivative",
    )
    flag_ok = d.self_referential.output_only == (not form.has(X))
    flag = Check(
        name=flag_check,
        status="proved" if flag_ok else "failed",
        detail=(
            "the form uses only y and parameters"
            if d.self_referential.output_only
            else "the form uses x"
        )
        if flag_ok
        else "the flag does not match the form",
    )
    return [check, flag]


def _claim_checks(
    spec: ActivationSpec,
    formula: Formula,
    d: Derivation,
    numeric: _Numeric,
    points: Sequence[float],
    resolver: CatalogResolver | None,
    opts: EngineOptions,
) -> list[Check]:
    claims = spec.claims
    scope = Scope(formula.symbols, resolver, allow_y=True)
    g = numeric.fn(d.derivative)

    def want(xv: float) -> Any | None:
        return real_value(g, {**numeric.env0, X: mpmath.mpf(xv)})

    checks = []
    for label, text in (
        ("claimed derivative", claims.derivative),
        ("claimed self-referential form", claims.self_referential),
    ):
        if text is None:
            continue
        try:
            claimed = parse_formula(text, scope, spec.location)
        except FormulaError as exc:
            checks.append(
                Check(name=label, status="failed", detail=f"does not parse: {exc.message}")
            )
            continue
        checks.append(check_claim(label, claimed, formula, d, numeric, points, want, opts))
    for kink in claims.kinks:
        checks.append(_kink_check(kink.x, kink.value, d, formula))
    return checks


def check_claim(
    label: str,
    claimed: sp.Expr,
    formula: Formula,
    d: Derivation,
    numeric: _Numeric,
    points: Sequence[float],
    want: Callable[[float], Any | None],
    opts: EngineOptions,
) -> Check:
    """A claimed derivative (in x and maybe y) against the derived one: proof, else numbers."""
    numeric_check = _claim_numeric(label, claimed, numeric, points, want)
    if numeric_check.status == "failed":
        return numeric_check  # a counterexample already: no proof to look for
    proof = proves_zero(claimed.subs(Y, formula.expr) - d.derivative, opts, formula.defaults)
    if proof is None:
        return numeric_check
    return Check(
        name=label,
        status="proved",
        detail="SymPy reduces claim - derivative to 0, with y = f(x)"
        + _for_which(proof, formula)
        + "; "
        + numeric_check.detail,
    )


def _for_which(proof: Proof, formula: Formula) -> str:
    """The words that say for which parameter values a proof holds ("" for all of them)."""
    if proof == "in general":
        return ""
    values = ", ".join(f"{name} = {value!r}" for name, _, value in formula.params)
    return f" at the parameter values ({values})"


def _claim_numeric(
    label: str,
    claimed: sp.Expr,
    numeric: _Numeric,
    points: Sequence[float],
    want: Callable[[float], Any | None],
) -> Check:
    try:
        h = numeric.fn(claimed)
    except NotNumeric as exc:
        return Check(name=label, status="undecided", detail=str(exc))

    def got(xv: float) -> Any | None:
        env = {**numeric.env0, X: mpmath.mpf(xv)}
        y = real_value(numeric.f, env)
        return None if y is None else real_value(h, {**env, Y: y})

    return compare_numerically(label, numeric, want, got, points, "the claim and the derivative")


def _kink_check(x_text: str, value_text: str, d: Derivation, formula: Formula) -> Check:
    """A claimed derivative value at a point, against the branch that applies there."""
    name = f"claimed value at x = {x_text}"
    try:
        xf, vf = float(x_text), float(value_text)
    except ValueError:
        return Check(name=name, status="failed", detail="x and value must be numbers")
    if not all(math.isfinite(v) and abs(v) <= 1e12 for v in (xf, vf)):
        return Check(name=name, status="failed", detail="x and value must be below 1e12")
    xv, claimed = number(xf), number(vf)
    actual = _nice_number(formula.at_defaults(d.derivative).subs(X, xv))
    if actual is None:
        return Check(name=name, status="undecided", detail=f"the derivative is undefined at {xv}")
    where = f"the branch that applies at x = {x_text} gives {actual}"
    if abs(float(actual) - float(claimed)) <= 1e-12 * max(1.0, abs(float(claimed))):
        return Check(name=name, status="proved", detail=where)
    return Check(
        name=name,
        status="failed",
        detail=where,
        counterexample=Counterexample(x=x_text, expected=str(actual), got=value_text),
    )


def _nice_number(value: sp.Expr) -> sp.Expr | None:
    if not value.is_number or not value.is_finite:
        return None
    if isinstance(value, sp.Rational) and abs(value.q) > 10**6:
        return sp.Float(value, 17)
    return value


Verdict = Literal["same", "everywhere", "region", "kink", "undecided"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimResult:
    """How a claimed derivative compares with the true one."""

    equal: bool | None
    verdict: Verdict
    detail: str
    counterexample: Counterexample | None = None
    regions: tuple[tuple[float, float], ...] = ()
    method: Literal["proved", "sampled"] = "sampled"


def check_derivative(
    formula: Formula,
    d: Derivation,
    claimed: sp.Expr,
    options: EngineOptions | None = None,
    *,
    function: bool = False,
) -> ClaimResult:
    """Compare a claimed derivative (in x, y = f(x) and the parameters) with the true one.

    With ``function=True`` the claim is a definition of f itself, compared with the catalog's.

    The claim is the same function when SymPy proves it or it agrees at every sample point; it
    is wrong everywhere when it disagrees at every point, wrong on a region when it disagrees on
    some points only (the regions are reported), and wrong at a kink when it agrees everywhere
    but at a breakpoint, where it differs from the value as the formula is written (PyTorch's).
    """
    opts = options or EngineOptions()
    numeric = _Numeric(formula)
    breaks = [p.value for p in switch_points(formula.expr, formula, opts)]
    points = sample_points(breaks)
    try:
        target = formula.expr if function else d.derivative
        h, g = numeric.fn(claimed), numeric.fn(target)
    except NotNumeric as exc:
        return ClaimResult(equal=None, verdict="undecided", detail=str(exc))
    mismatches: list[tuple[float, Any, Any]] = []
    compared = 0
    with mpmath.workdps(DPS):
        for xv in points:
            want = numeric.value(g, xv)
            if want is None:
                continue
            have = _claim_value(numeric, h, xv)
            compared += 1
            if have is None or not close(have, want, REL_TOL, ABS_TOL):
                mismatches.append((xv, want, have))
    if compared == 0:
        return ClaimResult(equal=None, verdict="undecided", detail="no point to compare at")
    if mismatches:
        return _wrong(mismatches, points, compared)
    kink = None if function else _kink_mismatch(numeric, h, d)
    if kink is not None:
        return kink
    proof = proves_zero(claimed.subs(Y, formula.expr) - target, opts, formula.defaults)
    what = "the definition" if function else "the derivative"
    how = (
        f"the claim agrees with {what} at all {compared} sample points"
        if proof is None
        else f"SymPy proves the claim equal to {what}" + _for_which(proof, formula)
    )
    return ClaimResult(
        equal=True, verdict="same", detail=how, method="sampled" if proof is None else "proved"
    )


def _claim_value(numeric: _Numeric, h: Callable[[Any], Any], xv: float) -> Any | None:
    env = {**numeric.env0, X: mpmath.mpf(xv)}
    y = real_value(numeric.f, env)
    return None if y is None else real_value(h, {**env, Y: y})


def _wrong(
    mismatches: list[tuple[float, Any, Any]], points: Sequence[float], compared: int
) -> ClaimResult:
    first = mismatches[0]
    example = Counterexample(x=repr(first[0]), expected=_fmt(first[1]), got=_fmt(first[2]))
    if len(mismatches) == compared:
        return ClaimResult(
            equal=False,
            verdict="everywhere",
            counterexample=example,
            detail=f"the claim is wrong at all {compared} sample points",
            regions=((mismatches[0][0], mismatches[-1][0]),),
        )
    bad = {m[0] for m in mismatches}
    regions: list[tuple[float, float]] = []
    for xv in points:
        if xv in bad:
            if regions and _adjacent(points, regions[-1][1], xv):
                regions[-1] = (regions[-1][0], xv)
            else:
                regions.append((xv, xv))
    shown = ", ".join(f"[{a:.6g}, {b:.6g}]" for a, b in regions)
    return ClaimResult(
        equal=False,
        verdict="region",
        counterexample=example,
        regions=tuple(regions),
        detail=f"the claim is wrong at {len(mismatches)} of {compared} sample points, "
        f"for x in {shown}",
    )


def _adjacent(points: Sequence[float], a: float, b: float) -> bool:
    index = {p: i for i, p in enumerate(points)}
    return index[b] - index[a] == 1


def _kink_mismatch(numeric: _Numeric, h: Callable[[Any], Any], d: Derivation) -> ClaimResult | None:
    for bp in d.breakpoints:
        if bp.value is None:
            continue
        xv = float(bp.x)
        with mpmath.workdps(DPS):
            have = _claim_value(numeric, h, xv)
        if have is None or not close(have, mpmath.mpf(float(bp.value)), REL_TOL, ABS_TOL):
            who = (
                "PyTorch's autograd and the formula as written give"
                if bp.torch is not None
                else "the formula as written gives"
            )
            shown = "undefined" if have is None else _fmt(have)
            return ClaimResult(
                equal=False,
                verdict="kink",
                counterexample=Counterexample(x=str(bp.x), expected=str(bp.value), got=shown),
                detail=f"the claim agrees away from breakpoints, but at the kink x = {bp.x} it "
                f"gives {shown} where {who} {bp.value}"
                + ("" if bp.differentiable else " (f is not differentiable there)"),
            )
    return None
