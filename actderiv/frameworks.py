"""The catalog against PyTorch and JAX: values, gradients and kink values at many points.

Each entry's definition and derivative are evaluated with mpmath (40 digits) at the entry's
default parameters and compared with the framework's float64 values and autograd gradients
(``torch.autograd`` / ``jax.grad``) on a fixed grid, at ±100, beside every breakpoint and at each
breakpoint itself. Nothing here is cached or printed; torch and jax are imported only when a
comparison asks for them (``pip install 'actderiv[torch]'`` / ``'actderiv[jax]'``).

Pure: no printing, no click, no Rich.
"""

from __future__ import annotations

import importlib
import inspect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from actderiv.errors import ActderivError

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog

__all__ = [
    "ABS_TOL",
    "FRAMEWORKS",
    "JAX_FUNCTIONS",
    "POINTS",
    "REL_TOL",
    "Comparison",
    "EntryComparison",
    "FrameworkNotInstalled",
    "KinkResult",
    "Mismatch",
    "compare",
    "comparison_record",
    "jax_call_text",
    "jax_function",
    "torch_call_text",
    "torch_function",
]

Framework = Literal["torch", "jax"]
MismatchKind = Literal["value", "derivative", "kink", "overflow"]

#: The frameworks ``compare`` knows, with the extra that installs each.
FRAMEWORKS: Final[dict[str, str]] = {"torch": "PyTorch", "jax": "JAX"}

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

#: jax.nn functions by catalog key: (function name, keyword arguments). The entry's default
#: parameters must be JAX's defaults, since JAX is called at its own defaults. jax.nn.swish is
#: jax.nn.silu and jax.nn.hard_silu is jax.nn.hard_swish (the same objects), so one name each
#: is enough. Not elementwise, so not here: glu, softmax, log_softmax, logsumexp, logmeanexp,
#: standardize, one_hot. jax.nn.log1mexp (log(1 − e^−x), x > 0) has no catalog entry.
JAX_FUNCTIONS: Final[dict[str, tuple[str, tuple[tuple[str, bool], ...]]]] = {
    "relu": ("relu", ()),
    "relu6": ("relu6", ()),
    "leaky_relu": ("leaky_relu", ()),  # JAX's default negative_slope is 0.01, like PyTorch's
    "elu": ("elu", ()),
    "selu": ("selu", ()),
    "celu": ("celu", ()),
    "gelu": ("gelu", (("approximate", False),)),  # JAX's default is approximate=True
    "gelu_tanh": ("gelu", ()),
    "silu": ("silu", ()),
    "swish": ("swish", ()),  # the catalog's swish at its default beta = 1
    "mish": ("mish", ()),
    "sigmoid": ("sigmoid", ()),
    "tanh": ("tanh", ()),
    "softplus": ("softplus", ()),
    "softsign": ("soft_sign", ()),
    "hardtanh": ("hard_tanh", ()),
    "hardsigmoid": ("hard_sigmoid", ()),
    "hardswish": ("hard_swish", ()),
    "logsigmoid": ("log_sigmoid", ()),
    "identity": ("identity", ()),
    "squareplus": ("squareplus", ()),
    "sparse_plus": ("sparse_plus", ()),
    "sparse_sigmoid": ("sparse_sigmoid", ()),
}


class FrameworkNotInstalled(ActderivError, ImportError):
    """The framework a comparison needs is not installed; the message says how to install it."""

    def __init__(self, framework: str) -> None:
        self.framework = framework
        super().__init__(
            f"{FRAMEWORKS.get(framework, framework)} is not installed: "
            f"pip install 'actderiv[{framework}]'"
        )


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


# --- the framework functions ---------------------------------------------------------------


def _import(framework: str) -> Any:
    try:
        return importlib.import_module(framework)
    except ImportError as exc:
        raise FrameworkNotInstalled(framework) from exc


def _torch_kwargs(spec: ActivationSpec) -> dict[str, Any]:
    """The keyword arguments of the torch call: the entry's parameters and its torch_kwargs."""
    return {**spec.param_dict, **dict(spec.torch_kwargs)}


def torch_function(spec: ActivationSpec) -> Callable[[Any], Any] | None:
    """The torch.nn.functional function the entry names, at the entry's default parameters.

    Parameters are passed by their torch keyword names (the catalog's convention), except for
    the functions whose signatures differ: prelu takes its slope as a weight tensor ``a``,
    selu takes no parameters (its constants are fixed), threshold takes them positionally.
    Returns None when the entry names no torch function.

    Raises:
        FrameworkNotInstalled: torch cannot be imported.
    """
    if spec.torch is None:
        return None
    torch = _import("torch")
    functional = torch.nn.functional
    params = spec.param_dict
    name = spec.torch
    if name == "prelu":
        weight = torch.tensor([params["a"]], dtype=torch.float64)
        return lambda x: functional.prelu(x, weight)
    if name == "selu":
        return lambda x: functional.selu(x)
    if name == "threshold":
        return lambda x: functional.threshold(x, params["threshold"], params["value"])
    fn = getattr(functional, name)
    kwargs = _torch_kwargs(spec)
    return lambda x: fn(x, **kwargs)


def torch_call_text(spec: ActivationSpec) -> str | None:
    """The torch call :func:`torch_function` makes, as text (None without a torch name)."""
    if spec.torch is None:
        return None
    params = spec.param_dict
    if spec.torch == "prelu":
        args = [f"weight=tensor([{params['a']!r}])"]
    elif spec.torch == "selu":
        args = []
    elif spec.torch == "threshold":
        args = [repr(params["threshold"]), repr(params["value"])]
    else:
        args = [f"{k}={v!r}" for k, v in _torch_kwargs(spec).items()]
    return f"torch.nn.functional.{spec.torch}({', '.join(['x', *args])})"


def jax_function(spec: ActivationSpec) -> Callable[[Any], Any] | None:
    """The jax.nn function for the entry (see :data:`JAX_FUNCTIONS`), at JAX's defaults.

    Returns None when jax.nn has no counterpart of the entry.

    Raises:
        FrameworkNotInstalled: jax cannot be imported.
    """
    found = JAX_FUNCTIONS.get(spec.name)
    if found is None:
        return None
    jax = _import("jax")
    name, kwargs = found
    fn = getattr(jax.nn, name)
    options = dict(kwargs)
    return lambda x: fn(x, **options)


def jax_call_text(spec: ActivationSpec) -> str | None:
    """The jax.nn call :func:`jax_function` makes, as text (None without a counterpart)."""
    found = JAX_FUNCTIONS.get(spec.name)
    if found is None:
        return None
    name, kwargs = found
    return f"jax.nn.{name}({', '.join(['x', *(f'{k}={v!r}' for k, v in kwargs)])})"


def _torch_evaluate(fn: Callable[[Any], Any], xs: Sequence[float]) -> tuple[list[float], ...]:
    torch = _import("torch")
    x = torch.tensor(list(xs), dtype=torch.float64, requires_grad=True)
    y = fn(x)
    (grad,) = torch.autograd.grad(y.sum(), x)
    return [float(v) for v in y.detach().tolist()], [float(g) for g in grad.tolist()]


def _jax_evaluate(fn: Callable[[Any], Any], xs: Sequence[float]) -> tuple[list[float], ...]:
    jax = _import("jax")
    jnp = importlib.import_module("jax.numpy")
    # float64 only inside this block: JAX's global default (float32) is left alone.
    with jax.enable_x64(True):
        x = jnp.asarray(list(xs), dtype=jnp.float64)
        # Compiled, as models run: f and f' of each point at once (one XLA compilation).
        y, grad = jax.jit(jax.vmap(jax.value_and_grad(fn)))(x)
        return [float(v) for v in y.tolist()], [float(g) for g in grad.tolist()]


def _version(framework: str) -> str:
    return str(getattr(_import(framework), "__version__", "unknown"))


# --- the comparison --------------------------------------------------------------------------


def _close(got: float, expected: float) -> bool:
    return abs(got - expected) <= REL_TOL * abs(expected) + ABS_TOL


@dataclass(frozen=True, slots=True)
class _Truth:
    """An entry's f and f' at its defaults, as mpmath closures, and its breakpoints."""

    f: Callable[[Any], float | None]  # of a float or an mpmath number
    df: Callable[[Any], float | None]
    kinks: tuple[tuple[float, bool], ...]  # (float64 x, whether x is the breakpoint exactly)


def _truth(catalog: Catalog, spec: ActivationSpec) -> _Truth:
    import mpmath

    from actderiv.engine.budget import EngineOptions
    from actderiv.engine.forms import differentiate
    from actderiv.engine.formula import CatalogResolver, formula_of
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
        with mpmath.workdps(_DPS):
            exact = compile_mp(point.at_defaults)({})
            xf = float(exact)
            kinks.append((xf, bool(mpmath.mpf(xf) == exact)))
    return _Truth(at(f_mp), at(df_mp), tuple(kinks))


def _one_sided(truth: _Truth, x: float) -> tuple[float | None, float | None]:
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


def _point_mismatches(
    xs: Sequence[float],
    values: Sequence[float],
    grads: Sequence[float],
    truth: _Truth,
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
    truth: _Truth,
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


def _default_notes(spec: ActivationSpec) -> list[str]:
    """Where the catalog's defaults are not torch's own defaults (passed explicitly anyway)."""
    if spec.torch is None or spec.torch in ("prelu", "selu", "threshold"):
        return []
    torch = _import("torch")
    try:
        signature = inspect.signature(getattr(torch.nn.functional, spec.torch))
    except (TypeError, ValueError):  # a builtin without a signature: nothing to say
        return []
    notes = []
    for name, value in spec.params:
        parameter = signature.parameters.get(name)
        default = None if parameter is None else parameter.default
        if isinstance(default, int | float) and float(default) != value:
            notes.append(
                f"the catalog's default {name} = {value:g} is not torch's default "
                f"({default:g}); it is passed explicitly"
            )
    return notes


def _compare_entry(catalog: Catalog, spec: ActivationSpec, framework: Framework) -> EntryComparison:
    if framework == "torch":
        fn, call, evaluate = torch_function(spec), torch_call_text(spec), _torch_evaluate
    else:
        fn, call, evaluate = jax_function(spec), jax_call_text(spec), _jax_evaluate
    if fn is None:
        module = "torch.nn.functional" if framework == "torch" else "jax.nn"
        return EntryComparison(name=spec.name, call=None, skipped=f"no {module} counterpart")
    truth = _truth(catalog, spec)
    xs = _sample_points(truth.kinks)
    kink_xs = [k for k, _ in truth.kinks]
    values, grads = evaluate(fn, [*xs, *kink_xs])
    n = len(xs)
    mismatches = _point_mismatches(xs, values[:n], grads[:n], truth)
    # At the breakpoints the value is compared like anywhere else; the gradient separately.
    mismatches += _point_mismatches(kink_xs, values[n:], grads[n:], truth, check_grads=False)
    kinks, kink_mismatches, notes = _kink_results(framework, truth, truth.kinks, grads[n:])
    if framework == "torch":
        notes = _default_notes(spec) + notes
    return EntryComparison(
        name=spec.name,
        call=call,
        points=n + len(kink_xs),
        mismatches=tuple(sorted([*mismatches, *kink_mismatches], key=_order)),
        kinks=tuple(kinks),
        notes=tuple(notes),
    )


_KINDS: Final = ("value", "derivative", "kink", "overflow")


def _order(m: Mismatch) -> tuple[float, int]:
    return (m.x, _KINDS.index(m.kind))


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
    version = _version(which)
    results = []
    for spec in specs:
        results.append(_compare_entry(catalog, spec, which))
        if progress is not None:
            progress(spec)
    return Comparison(framework=which, version=version, entries=tuple(results))


# --- the JSON record -------------------------------------------------------------------------

#: Version of the ``verify --against`` JSON object.
SCHEMA_VERSION: Final = 1


def _number(value: float | None) -> float | str | None:
    """A float for JSON: NaN and ±inf (not JSON) become the strings "nan", "inf", "-inf"."""
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def comparison_record(comparison: Comparison) -> dict[str, Any]:
    """The ``verify --against FRAMEWORK --json`` object (see docs/frameworks.md)."""
    entries = comparison.entries
    checked = [e for e in entries if e.skipped is None]
    kinds: dict[str, int] = dict.fromkeys(_KINDS, 0)
    for e in checked:
        for m in e.mismatches:
            kinds[m.kind] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "actderiv-framework-check",
        "framework": comparison.framework,
        "version": comparison.version,
        "tolerance": {"rel": REL_TOL, "abs": ABS_TOL},
        "summary": {
            "entries": len(entries),
            "checked": len(checked),
            "skipped": len(entries) - len(checked),
            "failed": sum(1 for e in checked if e.mismatches),
            "points": sum(e.points for e in checked),
            "kinks": sum(len(e.kinks) for e in checked),
            "mismatches": comparison.mismatches,
            "by_kind": kinds,
        },
        "results": [
            {
                "name": e.name,
                "call": e.call,
                "status": e.status,
                "skipped": e.skipped,
                "points": e.points,
                "mismatches": [
                    {
                        "kind": m.kind,
                        "x": m.x,
                        "expected": _number(m.expected),
                        "got": _number(m.got),
                        "detail": m.detail,
                    }
                    for m in e.mismatches
                ],
                "kinks": [
                    {
                        "x": k.x,
                        "left": _number(k.left),
                        "right": _number(k.right),
                        "as_written": _number(k.as_written),
                        "recorded": _number(k.recorded),
                        "got": _number(k.got),
                        "choice": k.choice,
                        "ok": k.ok,
                    }
                    for k in e.kinks
                ],
                "notes": list(e.notes),
            }
            for e in entries
        ],
    }
