"""Verification: every derivative and claim is proved symbolically or confirmed independently.

The numerical checks (:mod:`actderiv.engine.checks`) never use SymPy's ``diff``: they
differentiate the definition itself with mpmath's high-precision numerical differentiation, on
30 or more points per branch, out to |x| = 50 and on both sides of every breakpoint. A failed
check is a result with a counterexample, not an exception. Pure: no I/O, no printing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import mpmath
import sympy as sp

from actderiv.catalog.model import SEARCH_CHECKS, ActivationSpec
from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, WorkExhausted, hang_guard
from actderiv.engine.checks import (
    STATUSES,
    Check,
    Counterexample,
    Numeric,
    Status,
    compare_numerically,
    for_which,
)
from actderiv.engine.claims import check_derivative
from actderiv.engine.compare import Constant, claim_constants
from actderiv.engine.derivation import Derivation
from actderiv.engine.forms import IDENTITIES, differentiate, readable_steps, rewritten
from actderiv.engine.formula import CatalogResolver, Formula
from actderiv.engine.kinks import switch_points, unfound_switch_points
from actderiv.engine.proofs import proves_zero
from actderiv.errors import FormulaError
from actderiv.lang.named import expand_named
from actderiv.lang.parse import Scope, X, Y, number, parse_formula
from actderiv.numerics import (
    REL_TOL,
    ill_conditioned,
    real_value,
    sample_points,
    with_near_origin,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Verification:
    """All checks of one activation."""

    name: str | None
    checks: tuple[Check, ...] = field(default_factory=tuple)
    #: The work budgets that ran out where it changed a check (see actderiv.engine.budget).
    exhausted: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when every check was proved or confirmed."""
        return all(c.status in ("proved", "confirmed") for c in self.checks)

    @property
    def failed(self) -> bool:
        return any(c.status == "failed" for c in self.checks)

    def counts(self) -> dict[str, int]:
        return {s: sum(c.status == s for c in self.checks) for s in STATUSES}


def verify_derivation(
    formula: Formula,
    derivation: Derivation,
    spec: ActivationSpec | None = None,
    resolver: CatalogResolver | None = None,
    options: EngineOptions | None = None,
) -> Verification:
    """Check a derivation and the claims of its catalog entry; see the module docstring.

    The checks run within ``options.verification`` steps; checks not reached are reported as
    one undecided check that says so. Past ``options.timeout`` seconds the verification stops
    with :class:`actderiv.errors.BudgetExceeded` (a guard against a hang).
    """
    opts = options or EngineOptions()
    checks: list[Check] = []
    with hang_guard(opts.timeout, "the verification"), budget.collecting() as exhausted:
        try:
            with budget.work_budget(opts.verification, "the verification") as whole:
                _run_checks(checks, formula, derivation, spec, resolver, opts)
        except WorkExhausted as exc:
            if exc.budget is not whole:
                raise
            budget.note_exhausted(exc.budget.message())
            checks.append(
                Check(
                    name="work budget",
                    status="undecided",
                    detail=f"{exc.budget.message()}; the remaining checks were not run",
                )
            )
    return Verification(name=derivation.name, checks=tuple(checks), exhausted=tuple(exhausted))


def _run_checks(
    checks: list[Check],
    formula: Formula,
    derivation: Derivation,
    spec: ActivationSpec | None,
    resolver: CatalogResolver | None,
    opts: EngineOptions,
) -> None:
    numeric = Numeric(formula)
    wrt = formula.symbols.get(derivation.wrt, X)
    missed: list[str] = []
    breaks = [p.value for p in switch_points(formula.expr, formula, opts, missed)]
    if missed:
        checks.append(
            Check(
                name="breakpoints",
                status="undecided",
                detail="; ".join(unfound_switch_points(missed)),
            )
        )
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
    # the forms in y also near the origin, where a narrow bump's y is not too small to decide
    near = with_near_origin(points, breaks)
    if derivation.self_referential is not None:
        checks.extend(_self_referential_checks(numeric, derivation, near, opts))
    checks.extend(_named_checks(formula, numeric, derivation, points, opts, near))
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
        checks.extend(_claim_checks(spec, formula, derivation, resolver, opts))


def _same_as_diff(formula: Formula, d: Derivation, wrt: sp.Symbol, opts: EngineOptions) -> Check:
    """The readable form is the same function as SymPy's derivative: proved where SymPy can."""
    raw = differentiate(formula.expr, d.order, wrt)
    if d.derivative == raw:
        return Check(name="readable form", status="proved", detail="identical to SymPy's diff")
    if not raw.has(sp.sign):  # (sign_to_abs holds only away from 0: not an identity)
        steps = readable_steps(opts)  # as readable_form gave them
        for name, rewrite in IDENTITIES:
            if rewritten(rewrite, raw, steps) == d.derivative:
                return Check(
                    name="readable form", status="proved", detail=f"SymPy's {name} of its diff"
                )
    proof = proves_zero(d.derivative - raw, opts, formula.defaults)
    if proof is not None:
        return Check(
            name="readable form",
            status="proved",
            detail="SymPy reduces readable - diff to 0" + for_which(proof, formula),
        )
    numeric = Numeric(formula)
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
    numeric: Numeric, d: Derivation, points: Sequence[float], opts: EngineOptions
) -> list[Check]:
    assert d.self_referential is not None
    form = d.self_referential.expr
    h = numeric.fn(form)
    g = numeric.fn(d.derivative)

    def got(xv: float) -> Any | None:
        env = {**numeric.env0, X: mpmath.mpf(xv)}
        y = real_value(numeric.f, env)
        return None if y is None else real_value(h, {**env, Y: y})

    def want(xv: float) -> Any | None:
        # None (not compared) where y = f(x), rounded to the working precision, cannot
        # determine the form's value (see numerics.ill_conditioned)
        env = {**numeric.env0, X: mpmath.mpf(xv)}
        y = real_value(numeric.f, env)
        if y is not None and ill_conditioned(h, {**env, Y: y}, Y, REL_TOL):
            return None
        return real_value(g, env)

    form_check, flag_check, _ = SEARCH_CHECKS
    check = compare_numerically(
        form_check,
        numeric,
        want,
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


def _named_checks(
    formula: Formula,
    numeric: Numeric,
    d: Derivation,
    points: Sequence[float],
    opts: EngineOptions,
    near: Sequence[float] = (),
) -> list[Check]:
    """Each printed form in named functions (σ, Φ, …) is the form it stands for: proved by
    SymPy once the names are written out, else confirmed at the sample points."""
    if d.named is None:
        return []
    pairs = [("named form of f", d.named.expr, d.expr)]
    pairs.append(("named form of the derivative", d.named.derivative, d.derivative))
    if d.self_referential is not None and d.named.self_referential is not None:
        pairs.append((SEARCH_CHECKS[2], d.named.self_referential, d.self_referential.expr))
    checks = []
    for name, named, form in pairs:
        if named == form:
            continue
        written = expand_named(named)
        # A printed form that SymPy does not prove in budget is confirmed numerically below: a
        # final answer, so the budget spent is not the record's (docs/ARCHITECTURE.md, budgets).
        with budget.collecting(propagate=False):
            proof = None if form.has(Y) else proves_zero(written - form, opts, formula.defaults)
        if proof is not None:
            checks.append(
                Check(
                    name=name,
                    status="proved",
                    detail="SymPy reduces it, names written out, less the form to 0"
                    + for_which(proof, formula),
                )
            )
            continue
        shown, meant = numeric.fn(written), numeric.fn(form)

        def at(fn: Any, xv: float) -> Any | None:
            env = {**numeric.env0, X: mpmath.mpf(xv)}
            y = real_value(numeric.f, env)
            return None if y is None else real_value(fn, {**env, Y: y})

        checks.append(
            compare_numerically(
                name,
                numeric,
                partial(at, meant),
                partial(at, shown),
                (near or points) if form.has(Y) else points,
                "the form in named functions and the form it stands for",
            )
        )
    return checks


def _claim_checks(
    spec: ActivationSpec,
    formula: Formula,
    d: Derivation,
    resolver: CatalogResolver | None,
    opts: EngineOptions,
) -> list[Check]:
    claims = spec.claims
    scope = Scope(formula.symbols, resolver, allow_y=True)
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
        checks.append(check_claim(label, claimed, formula, d, opts, claim_constants(text, scope)))
    for kink in claims.kinks:
        checks.append(_kink_check(kink.x, kink.value, d, formula))
    return checks


#: How each verdict of a claim (see actderiv.engine.claims) ends as a check.
_CLAIM_STATUS: dict[str, Status] = {
    "identical": "proved",
    "same": "confirmed",
    "rounding": "confirmed",
    "kink": "confirmed",
    "wrong": "failed",
    "undecided": "undecided",
}


def check_claim(
    label: str,
    claimed: sp.Expr,
    formula: Formula,
    d: Derivation,
    opts: EngineOptions,
    constants: tuple[sp.Expr, tuple[Constant, ...]] | None = None,
) -> Check:
    """A claimed derivative (in x and maybe y) against the derived one, as ``check`` compares
    them (:func:`actderiv.engine.claims.check_derivative`): proved, confirmed (the same
    function by the evidence, within the precision of its constants, or different only at a
    kink where frameworks choose; the detail says which), failed or undecided."""
    result = check_derivative(formula, d, claimed, opts, constants=constants)
    example = result.counterexample
    return Check(
        name=label,
        status=_CLAIM_STATUS[result.verdict],
        detail=result.detail,
        counterexample=None
        if example is None or result.verdict != "wrong"
        else Counterexample(x=example.x, expected=example.expected, got=example.got),
    )


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
