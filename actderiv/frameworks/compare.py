"""The comparison: the catalog's f and f' (mpmath, 40 digits) against a framework's float64
values and autograd gradients, on a fixed grid, beside every breakpoint and at each breakpoint."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from actderiv.frameworks.jax import jax_evaluate, jax_function
from actderiv.frameworks.names import (
    FRAMEWORKS,
    Framework,
    framework_version,
    jax_call_text,
    torch_call_text,
)
from actderiv.frameworks.torch import default_notes, torch_evaluate, torch_function

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog

MismatchKind = Literal["value", "derivative", "kink", "overflow"]

REL_TOL: Final = 1e-7
"""Relative tolerance of every comparison: |got − expected| ≤ REL_TOL·|expected| + ABS_TOL."""
ABS_TOL: Final = 1e-12
"""Absolute floor, so that values that should be 0 (or are below 1e-12) are not compared
relatively: float64 evaluations of x − tanh(x) or 1 − σ(x) lose every digit there."""

#: The sample points: 241 points over [−30, 30] (step 1/4), ±100 for overflow, and small |x|.
POINTS: Final[tuple[float, ...]] = (
    *(i / 4 for i in range(-120, 121)),
    -100.0,
    100.0,
    -1e-3,
    1e-3,
    -1e-8,
    1e-8,
)
#: Offsets on both sides of each breakpoint c, scaled by max(1, |c|).
_SIDE_OFFSETS: Final = (1e-7, 1e-3)
#: mpmath precision (decimal digits) for the expected values.
_DPS: Final = 40


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    """One disagreement between the catalog (mpmath) and the framework at one point.

    ``kind`` is ``value`` (f), ``derivative`` (autograd away from breakpoints), ``kink``
    (autograd at a breakpoint) or ``overflow`` (the framework gives NaN or ±inf where the
    catalog's value is finite). ``expected`` and ``got`` are floats (``got`` may be NaN/±inf).
    """

    kind: MismatchKind
    x: float
    expected: float
    got: float
    detail: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class KinkResult:
    """The framework's gradient at one breakpoint, beside what the catalog knows there.

    ``left``/``right`` are the one-sided derivatives and ``as_written`` the derivative of the
    branch whose condition holds at ``x`` (None where undefined). ``recorded`` is the value the
    catalog claims for this framework (PyTorch: the value as written, which the catalog is
    written to match; JAX: no claim, None). ``choice`` names what the framework picked:
    ``as written``, ``left``, ``right``, ``between`` (a convex combination of the one-sided
    derivatives, a legitimate subgradient choice), ``outside`` or ``undefined``.
    """

    x: float
    left: float | None
    right: float | None
    as_written: float | None
    recorded: float | None
    got: float
    choice: str
    ok: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryComparison:
    """One catalog entry against one framework function (or why it was skipped)."""

    name: str
    call: str | None
    points: int = 0
    mismatches: tuple[Mismatch, ...] = ()
    kinks: tuple[KinkResult, ...] = ()
    notes: tuple[str, ...] = ()
    skipped: str | None = None

    @property
    def status(self) -> Literal["ok", "mismatch", "skipped"]:
        if self.skipped is not None:
            return "skipped"
        return "mismatch" if self.mismatches else "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """Every requested entry against one framework."""

    framework: Framework
    version: str
    entries: tuple[EntryComparison, ...] = field(default_factory=tuple)

    @property
    def mismatches(self) -> int:
        return sum(len(e.mismatches) for e in self.entries)

    @property
    def passed(self) -> bool:
        return self.mismatches == 0


# --- the comparison --------------------------------------------------------------------------


def _close(got: float, expected: float) -> bool:
    return abs(got - expected) <= REL_TOL * abs(expected) + ABS_TOL


@dataclass(frozen=True, slots=True)
class Truth:
    """An entry's f and f' at its defaults, as mpmath closures, and its breakpoints."""

    f: Callable[[Any], float | None]  # of a float or an mpmath number
    df: Callable[[Any], float | None]
    kinks: tuple[tuple[float, bool], ...]  # (float64 x, whether x is the breakpoint exactly)


def _truth(catalog: Catalog, spec: ActivationSpec) -> Truth:
    import mpmath

    from actderiv.engine.budget import EngineOptions
    from actderiv.engine.forms import differentiate
    from actderiv.engine.formula import CatalogResolver, formula_of
    from actderiv.engine.isolate import IsolatedRoot
    from actderiv.engine.kinks import switch_points
    from actderiv.lang.parse import X
    from actderiv.numerics import compile_mp, real_value

    formula = formula_of(spec, CatalogResolver(catalog))
    f_mp = compile_mp(formula.at_defaults(formula.expr))
    df_mp = compile_mp(formula.at_defaults(differentiate(formula.expr)))

    def at(fn: Any) -> Callable[[Any], float | None]:
        def value(x: Any) -> float | None:
            with mpmath.workdps(_DPS):
                v = real_value(fn, {X: mpmath.mpf(x)})
            return None if v is None else float(v)

        return value

    kinks = []
    for point in switch_points(formula.expr, formula, EngineOptions()):
        # a zero known numerically is at its 40-digit point, not at the 17 digits printed
        where = point.exact if isinstance(point.root, IsolatedRoot) else point.at_defaults
        with mpmath.workdps(_DPS):
            exact = compile_mp(where)({})
            xf = float(exact)
            kinks.append((xf, bool(mpmath.mpf(xf) == exact)))
    return Truth(at(f_mp), at(df_mp), tuple(kinks))


def _one_sided(truth: Truth, x: float) -> tuple[float | None, float | None]:
    """The one-sided derivatives at ``x``, from f' at x ± h and x ± 2h, h = 10⁻²⁵·max(1, |x|)."""
    import mpmath

    with mpmath.workdps(_DPS):
        h = mpmath.mpf(10) ** -25 * max(1, abs(x))
        sides = []
        for s in (-1, 1):
            near, far = truth.df(mpmath.mpf(x) + s * h), truth.df(mpmath.mpf(x) + 2 * s * h)
            # Linear extrapolation to h = 0 removes the O(h) term: exact for linear branches.
            side = None if near is None or far is None else 2 * near - far
            # What is left of a zero derivative is rounding in the 40th digit: call it 0.
            sides.append(None if side is None else 0.0 if abs(side) < 1e-30 else side)
        return sides[0], sides[1]


def _sample_points(kinks: Iterable[tuple[float, bool]]) -> list[float]:
    """POINTS without the breakpoints themselves, plus points just beside each breakpoint."""
    at = [k for k, _ in kinks]
    xs = [p for p in POINTS if all(abs(p - k) > 1e-12 * max(1.0, abs(k)) for k in at)]
    for k in at:
        for offset in _SIDE_OFFSETS:
            step = offset * max(1.0, abs(k))
            xs.extend((k - step, k + step))
    return sorted(set(xs))


def point_mismatches(
    xs: Sequence[float],
    values: Sequence[float],
    grads: Sequence[float],
    truth: Truth,
    check_grads: bool = True,
) -> list[Mismatch]:
    found: list[Mismatch] = []
    for x, got_f, got_g in zip(xs, values, grads, strict=True):
        checks: list[tuple[Literal["value", "derivative"], float, Callable[[float], Any]]] = [
            ("value", got_f, truth.f)
        ]
        if check_grads:
            checks.append(("derivative", got_g, truth.df))
        for kind, got, want_fn in checks:
            want = want_fn(x)
            if want is None:  # the catalog's value is undefined or infinite here: no claim
                continue
            if not math.isfinite(got):
                label = "f" if kind == "value" else "f'"
                found.append(
                    Mismatch(
                        kind="overflow",
                        x=x,
                        expected=want,
                        got=got,
                        detail=f"{label} is finite but the framework gives {got}",
                    )
                )
            elif not _close(got, want):
                found.append(Mismatch(kind=kind, x=x, expected=want, got=got))
    return found


def _choice(got: float, left: float | None, right: float | None, written: float | None) -> str:
    if not math.isfinite(got):
        return "undefined"
    if written is not None and _close(got, written):
        return "as written"
    if left is not None and _close(got, left):
        return "left"
    if right is not None and _close(got, right):
        return "right"
    if left is None or right is None:
        return "outside"
    low, high = min(left, right), max(left, right)
    if low - ABS_TOL <= got <= high + ABS_TOL:
        return "between"
    return "outside"


def _kink_results(
    framework: Framework,
    truth: Truth,
    kinks: Sequence[tuple[float, bool]],
    grads: Sequence[float],
) -> tuple[list[KinkResult], list[Mismatch], list[str]]:
    results: list[KinkResult] = []
    mismatches: list[Mismatch] = []
    notes: list[str] = []
    for (x, exact), got in zip(kinks, grads, strict=True):
        written = truth.df(x)
        left, right = _one_sided(truth, x) if exact else (written, written)
        choice = _choice(got, left, right, written)
        if framework == "torch":
            # The catalog is written so that the branch active at each kink gives what
            # PyTorch's autograd returns there: the value as written is its PyTorch claim.
            recorded = written
            ok = recorded is None or (math.isfinite(got) and _close(got, recorded))
        else:
            # JAX: no claim. Any value between the one-sided derivatives is a legitimate choice
            # (reported as a note); a value outside them contradicts the derivative itself.
            recorded = None
            ok = choice != "outside"
            if choice != "as written" and ok:
                notes.append(
                    f"at x = {x:g} JAX gives {got:g} ({choice}: left {_g(left)}, right "
                    f"{_g(right)}), the formula as written {_g(written)}"
                )
        results.append(
            KinkResult(
                x=x,
                left=left,
                right=right,
                as_written=written,
                recorded=recorded,
                got=got,
                choice=choice,
                ok=ok,
            )
        )
        if not ok:
            expected = recorded if recorded is not None else written
            mismatches.append(
                Mismatch(
                    kind="kink",
                    x=x,
                    expected=math.nan if expected is None else expected,
                    got=got,
                    detail=f"autograd at the breakpoint ({choice}; left {_g(left)}, right "
                    f"{_g(right)}, as written {_g(written)})",
                )
            )
    return results, mismatches, notes


def _g(value: float | None) -> str:
    return "undefined" if value is None else f"{value:g}"


def _compare_entry(catalog: Catalog, spec: ActivationSpec, framework: Framework) -> EntryComparison:
    if framework == "torch":
        fn, call, evaluate = torch_function(spec), torch_call_text(spec), torch_evaluate
    else:
        fn, call, evaluate = jax_function(spec), jax_call_text(spec), jax_evaluate
    if fn is None:
        module = "torch.nn.functional" if framework == "torch" else "jax.nn"
        return EntryComparison(name=spec.name, call=None, skipped=f"no {module} counterpart")
    truth = _truth(catalog, spec)
    xs = _sample_points(truth.kinks)
    kink_xs = [k for k, _ in truth.kinks]
    values, grads = evaluate(fn, [*xs, *kink_xs])
    n = len(xs)
    mismatches = point_mismatches(xs, values[:n], grads[:n], truth)
    # At the breakpoints the value is compared like anywhere else; the gradient separately.
    mismatches += point_mismatches(kink_xs, values[n:], grads[n:], truth, check_grads=False)
    kinks, kink_mismatches, notes = _kink_results(framework, truth, truth.kinks, grads[n:])
    if framework == "torch":
        notes = default_notes(spec) + notes
    return EntryComparison(
        name=spec.name,
        call=call,
        points=n + len(kink_xs),
        mismatches=tuple(sorted([*mismatches, *kink_mismatches], key=_order)),
        kinks=tuple(kinks),
        notes=tuple(notes),
    )


KINDS: Final = ("value", "derivative", "kink", "overflow")


def _order(m: Mismatch) -> tuple[float, int]:
    return (m.x, KINDS.index(m.kind))


def compare(
    catalog: Catalog,
    specs: Iterable[ActivationSpec],
    framework: str,
    *,
    progress: Callable[[ActivationSpec], None] | None = None,
) -> Comparison:
    """Compare ``specs`` with the framework's functions; entries without one are skipped.

    Raises:
        ValueError: ``framework`` is not one of :data:`FRAMEWORKS`.
        FrameworkNotInstalled: the framework cannot be imported.
        FormulaError: an entry's formula does not parse.
    """
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r} (known: {', '.join(FRAMEWORKS)})")
    which: Framework = "torch" if framework == "torch" else "jax"
    version = framework_version(which)
    results = []
    for spec in specs:
        results.append(_compare_entry(catalog, spec, which))
        if progress is not None:
            progress(spec)
    return Comparison(framework=which, version=version, entries=tuple(results))
