"""How a gradient scales through stacked layers of an activation (``actderiv gradient``).

Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import mpmath
import sympy as sp

from actderiv.catalog.model import Catalog
from actderiv.engine.analysis import (
    Analysis,
    exact_text,
    numeric_value,
    same_value,
    shorter,
    to_mpf,
)
from actderiv.engine.formula import CatalogResolver, Formula, formula_of
from actderiv.engine.properties import max_abs_derivative
from actderiv.lang.parse import X
from actderiv.numerics import MOMENT_DPS, compile_mp


def _weighted(fn: Callable[[Any], Any], weight: Callable[[Any], Any], t: Any) -> Any:
    return fn(t) * weight(t)


def _gaussian_moments(a: Analysis) -> dict[str, Any]:
    """E[f(z)], E[f(z)^2], E[f'(z)], E[f'(z)^2] for standard-normal z, with ``mpmath.quad``.

    The integral is split at every switch point, each piece integrated with its own branch.
    """
    sums = dict.fromkeys(("mean", "second_moment", "derivative_mean", "derivative_second_moment"))
    totals = [mpmath.mpf(0)] * 4
    with mpmath.workdps(MOMENT_DPS):
        density = lambda t: mpmath.exp(-t * t / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        for piece in a.pieces:
            f, d = compile_mp(piece.f), compile_mp(piece.d1)
            span = [to_mpf(piece.lo), to_mpf(piece.hi)]
            for k, fn in enumerate(
                (
                    lambda t, f=f: f({X: t}),
                    lambda t, f=f: f({X: t}) ** 2,
                    lambda t, d=d: d({X: t}),
                    lambda t, d=d: d({X: t}) ** 2,
                )
            ):
                totals[k] += mpmath.quad(partial(_weighted, fn, density), span)
    for key, total in zip(sums, totals, strict=True):
        sums[key] = float(total)
    return sums


def gradient_of(formula: Formula, depth: int, name: str | None = None) -> dict[str, Any]:
    """How a gradient scales through ``depth`` stacked layers of the activation.

    From the derivative alone: each layer multiplies the gradient by f'(z) (unit weights), so the
    product is at most max|f'|^depth. The Gaussian gains are the quantities Glorot, He and
    LeCun/SELU initialisation are built on.

    Raises:
        ValueError: ``depth`` is not between 1 and 10000, or f is not defined on all of ℝ.
    """
    if not 1 <= depth <= 10000:
        raise ValueError("depth must be between 1 and 10000")
    a = Analysis(formula)
    if not a.defined_everywhere():
        raise ValueError("f is not real and finite on the whole real line: no gradient analysis")
    max_d, method = max_abs_derivative(a)
    m = numeric_value(sp.S(max_d["value"])) if max_d["value"] is not None else None
    constant = all(not p.d1.has(X) for p in a.pieces)
    slopes = sorted({exact_text(shorter(abs(p.d1))) or "" for p in a.pieces}) if constant else None
    moments = _gaussian_moments(a)
    verdict = None if m is None else _verdict(m, slopes)
    bound = None if m is None else (mpmath.inf if mpmath.isinf(m) else m**depth)
    second = moments["second_moment"]
    return {
        "name": name,
        "depth": depth,
        "max_abs_derivative": max_d,
        "method": method,
        "per_layer_bound": max_d["value"],
        "bound": None if bound is None else mpmath.nstr(bound, 6),
        "slopes": slopes,
        "verdict": verdict,
        "typical": mpmath.nstr(mpmath.mpf(moments["derivative_second_moment"]) ** depth, 6),
        "gains": {
            **{k: round(v, 12) for k, v in moments.items()},
            "variance_preserving_gain": None if second <= 0 else round(second**-0.5, 12),
        },
        "self_normalizing": abs(moments["mean"]) < 1e-6 and abs(second - 1) < 1e-6,
    }


def _verdict(m: Any, slopes: Sequence[str] | None) -> str:
    if mpmath.isinf(m) or m > 1 + 1e-15:
        return "can explode"
    if slopes is not None and set(slopes) <= {"0", "1"}:
        return "preserved"  # each unit passes the gradient on unchanged or blocks it
    return "preserved" if same_value(m, 1) else "vanishes"


def gradient_by_name(catalog: Catalog, name: str, depth: int) -> dict[str, Any]:
    """:func:`gradient_of` for the catalog entry called ``name``.

    Raises:
        UnknownActivationError: no entry has that name.
    """
    spec = catalog.require(name)
    return gradient_of(formula_of(spec, CatalogResolver(catalog)), depth, spec.name)


def gradient_of_text(
    text: str, params: dict[str, float], depth: int, catalog: Catalog | None = None
) -> dict[str, Any]:
    """:func:`gradient_of` for a typed formula (which may call the entries of ``catalog``)."""
    from actderiv.engine.formula import formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    return gradient_of(formula_from_text(text, params, resolver), depth, None)
