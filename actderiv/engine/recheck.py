"""Re-checking a record read from a cache before ``verify`` reports it (docs/ARCHITECTURE.md,
"The store").

A cache file can be edited by anyone who can write the cache folder, and its digest recomputed:
a record that says "derivative 42, verified" must not be reported as verified on its word. Before
``verify`` reports a cached record, the record's derivative (and each parameter derivative) is
evaluated again, from its stored text through an allow-listed parser (never ``sympify``), and
compared with mpmath's numerical derivative of the entry's own formula, parsed from the catalog, at
a few points on every branch and beside each breakpoint; and the record must hold every
check the entry calls for. This is independent of what the record says about itself, cheap (no
symbolic work), and deterministic. A record that fails is a cache miss, computed afresh.
Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import mpmath

from actderiv.catalog.model import ActivationSpec
from actderiv.engine.checks import Numeric, compare_numerically
from actderiv.engine.formula import Formula
from actderiv.lang.parse import X, Y
from actderiv.lang.stored import parse_stored
from actderiv.numerics import RECHECK_POINTS_PER_BRANCH, NotNumeric, real_value, sample_points


def recheck(formula: Formula, spec: ActivationSpec, record: Mapping[str, Any]) -> str | None:
    """Why ``record`` cannot be reported for ``spec`` as it stands, or None when it checks.

    ``formula`` is the entry's formula parsed from the catalog (not from the record).
    """
    symbols = {"x": X, "y": Y, **formula.symbols}
    wrt = formula.symbols.get(record["wrt"], X) if record["wrt"] != "x" else X
    try:
        derivative = parse_stored(record["derivative"], symbols)
        breaks = sorted(
            {float(parse_stored(b["x"], symbols)) for b in record["breakpoints"]}
            - {float("inf"), float("-inf")}
        )
        partials = {
            name: parse_stored(text, symbols)
            for name, text in record["param_derivatives"].items()
            if text is not None
        }
    except (ValueError, TypeError, KeyError):
        return "its expressions do not read back"
    if set(record["param_derivatives"]) != set(formula.symbols):
        return "its parameter derivatives are not those of the entry's parameters"
    missing = _missing_checks(spec, list(partials), record)
    if missing:
        return f"it lacks the check {missing!r}"
    points = _points(breaks)
    numeric = Numeric(formula)
    try:
        g = numeric.fn(derivative)
        found = [
            compare_numerically(
                "derivative",
                numeric,
                lambda xv: numeric.numeric_derivative(xv, record["order"], wrt),
                lambda xv: real_value(g, {**numeric.env0, X: mpmath.mpf(xv)}),
                points,
                "the stored derivative and mpmath's numerical derivative of f",
            )
        ]
        if record["order"] == 1 and wrt == X:
            for name, expr in partials.items():
                sym = formula.symbols[name]
                found.append(
                    compare_numerically(
                        f"d/d{name}",
                        numeric,
                        partial(numeric.numeric_derivative, order=1, wrt=sym),
                        partial(numeric.value, numeric.fn(expr)),
                        points,
                        f"the stored ∂f/∂{name} and mpmath's numerical derivative",
                    )
                )
    except NotNumeric:
        return "its expressions cannot be evaluated"
    stored = {c["name"]: c["status"] for c in (record.get("verification") or {}).get("checks", [])}
    for check in found:
        # A stored check that claims success must be borne out; one that reports a failure or
        # an undecided result claims nothing false.
        if stored.get(check.name) in ("proved", "confirmed") and check.status != "confirmed":
            return f"{check.name}: {check.detail}"
    return None


def _points(breaks: list[float]) -> list[float]:
    """A few points on every branch, out to the verification's reach, and beside each
    breakpoint (as the verification places them)."""
    return sample_points(breaks, per_branch=RECHECK_POINTS_PER_BRANCH)


def _missing_checks(spec: ActivationSpec, params: list[str], record: Mapping[str, Any]) -> str:
    """The first check the record should hold and does not ("" when none is missing)."""
    verification = record.get("verification")
    if verification is None:
        return ""  # reported as not verified: nothing to bear out
    names = {c["name"] for c in verification["checks"]}
    wanted = ["derivative"]
    if record["order"] == 1 and record["wrt"] == "x":
        wanted += [f"d/d{name}" for name in params]
        if spec.claims.derivative is not None:
            wanted.append("claimed derivative")
        if spec.claims.self_referential is not None:
            wanted.append("claimed self-referential form")
        wanted += [f"claimed value at x = {kink.x}" for kink in spec.claims.kinks]
    if "work budget" in names:  # the checks after the one that ran out were not run
        return ""
    return next((name for name in wanted if name not in names), "")
