"""The JSON that actderiv prints and caches, as types, and the JSON Schema made from them.

Each ``--json`` output (and each cached record, row and export fragment) is one of the
TypedDicts below; :func:`json_schema` generates a JSON Schema (draft 2020-12) from them
(``actderiv schema`` prints it), and :func:`check` validates a value against one (what the
store does with everything it reads back; see docs/ARCHITECTURE.md, "Store"). Expressions are
strings SymPy can parse back (``x``, ``y`` = f(x) and the parameters real). Pure: no I/O; no
SymPy.
"""

from __future__ import annotations

from typing import Any, Final, Literal, NotRequired, TypedDict

from actderiv import typeschema

#: Version of the record format (``schema_version`` of records, verify and check objects).
SCHEMA_VERSION: Final = 1
SCHEMA_ID: Final = "https://github.com/actderiv/actderiv/schema/{kind}.json"

Status = Literal["proved", "confirmed", "failed", "undecided"]
PropertyMethod = Literal["proved", "sampled"]


class Counterexample(TypedDict):
    """Where a check failed: the point, the true value and the value checked."""

    x: str
    expected: str | None
    got: str | None


class Check(TypedDict):
    """One check of a derivation or claim, and how it ended."""

    name: str
    status: Status
    detail: str
    counterexample: Counterexample | None


class Summary(TypedDict):
    """How many checks ended in each status."""

    proved: int
    confirmed: int
    failed: int
    undecided: int


class Verification(TypedDict):
    summary: Summary
    checks: list[Check]


class Breakpoint(TypedDict):
    """A point where f or f' changes formula: one-sided derivatives, value, PyTorch's choice."""

    x: str | None
    left: str | None
    right: str | None
    value: str | None
    torch: str | None
    continuous: bool | None
    differentiable: bool | None


class Forms(TypedDict):
    expr: str | None
    derivative: str | None
    self_referential: str | None
    #: (display only) each ∂f/∂parameter as people read it
    param_derivatives: NotRequired[dict[str, str | None]]


class LegendItem(TypedDict):
    """One named function a printed form uses: ``σ(x) = 1/(1 + exp(-x))``."""

    name: str
    display: str
    latex: str


class Readability(TypedDict):
    """The readability measure of the printed forms: operations, each named function one."""

    derivative: int | None
    self_referential: int | None
    #: which printed form of f' is shortest by that measure
    shortest: Literal["derivative", "self_referential"] | None


class Range(TypedDict):
    low: str | None
    high: str | None
    low_closed: bool | None
    high_closed: bool | None
    values: list[str] | None


class MaxAbsDerivative(TypedDict):
    value: str | None
    at: str | None


class Limit(TypedDict):
    kind: str | None
    value: str | None


class DerivativeLimits(TypedDict):
    minus_inf: Limit
    plus_inf: Limit


class Properties(TypedDict):
    """What is known of f at its default parameters, each with how it was decided."""

    range: Range
    bounded_below: bool | None
    bounded_above: bool | None
    monotonic: bool | None
    monotonic_derivative: bool | None
    continuity: Literal["inf"] | int | None
    continuity_limited_at: str | None
    f0: str | None
    df0: str | None
    identity_near_origin: bool | None
    zero_centered: bool | None
    max_abs_derivative: MaxAbsDerivative
    derivative_limits: DerivativeLimits
    dead_zones: list[dict[str, str | None]]
    method: dict[str, PropertyMethod]
    sampled_on: str | None
    notes: list[str]


class Record(TypedDict):
    """One derivation: what ``show --json`` and ``derive --json`` print, and the cache holds."""

    schema_version: int
    name: str | None
    title: str | None
    aliases: list[str]
    params: dict[str, float]
    tags: list[str]
    torch_function: str | None
    expr: str | None
    order: int
    wrt: str
    derivative: str | None
    self_referential: str | None
    output_only: bool
    breakpoints: list[Breakpoint]
    param_derivatives: dict[str, str | None]
    #: display and latex: printed in named functions (σ, Φ, φ, softplus, sech) where shorter
    display: Forms
    latex: Forms
    #: the named functions the display and LaTeX forms use, defined
    legend: NotRequired[list[LegendItem]]
    readability: NotRequired[Readability]
    notes: list[str]
    verified: bool
    verification: Verification | None
    properties: Properties | None
    #: the work budgets that ran out (such a record is never cached)
    exhausted: NotRequired[list[str]]


class VerifyResult(TypedDict):
    name: str
    verified: bool
    checks: list[Check]
    summary: Summary


class VerifyReport(TypedDict):
    """``verify --json``: counts of every check by status, and one result per entry."""

    schema_version: int
    summary: Summary
    results: list[VerifyResult]


CheckVerdict = Literal["identical", "same", "rounding", "kink", "wrong", "undecided"]


class ClaimCounterexample(TypedDict):
    """Where a claim is wrong: x, the true value, the claim's, and their difference (absolute,
    and relative to the larger of the two values); at a kink only x and the two values."""

    x: str
    expected: str | None
    got: str | None
    difference: str | None
    relative: str | None


class CheckDisplay(TypedDict):
    """The forms ``check`` prints for people (``^``, ``≤``, branches as ``a if c; b otherwise``)."""

    derivative: str | None
    expr: str | None
    claim: str | None


class CheckResult(TypedDict):
    """``check --json``: a derivative (or definition) someone wrote against the true one.

    ``verdict``: identical (proved), same (confirmed: not proved, the evidence covers every
    breakpoint, the tails and the points where the difference could peak), rounding (equal
    within the precision of the claim's constants; ``largest_relative`` says how close), kink
    (differs only at a kink of f, where frameworks choose), wrong (with a counterexample and
    ``regions``, the intervals where it differs), undecided (``detail`` says what was tried).
    ``largest_relative`` is the largest difference over the points compared relative to the size
    of the terms either side sums (the scale at which rounding works); the counterexample's
    ``relative`` is its difference relative to the larger of its two values. ``display`` prints
    f and f' as ``show`` does, in named functions (σ, Φ, ...) where found.
    """

    schema_version: int
    name: str
    claim: str
    kind: Literal["derivative", "function"]
    derivative: str
    expr: str
    display: CheckDisplay
    equal: bool | None
    verdict: CheckVerdict
    method: Literal["proved", "confirmed", "sampled"] | None
    detail: str
    counterexample: ClaimCounterexample | None
    regions: list[list[float]]
    largest_relative: str | None
    note: str | None
    legend: NotRequired[list[LegendItem]]
    exhausted: NotRequired[list[str]]


class ListRow(TypedDict):
    """One activation as ``list`` shows it (``actderiv.rows.Row``, which ``list``
    uses without importing this module; tests/test_schema.py checks they agree)."""

    name: str
    expr: str  # as the catalog writes it
    derivative: str  # the record's display form
    output_only: bool | None
    tags: list[str]
    frameworks: list[str]  # the entry's fully qualified framework names (jax.nn.gelu, ...)


class SignalColumns(TypedDict):
    """What ``compare`` and ``export`` show of signal propagation: the variance-preserving gain
    and the edge of chaos at B = 0 (``signal``'s ``gain`` and ``critical_sigma_w``)."""

    gain: float | None
    critical_sigma_w: float | None


class Compared(TypedDict):
    """One activation of ``compare --json``."""

    name: str
    properties: Properties | None
    signal: SignalColumns


class Signal(TypedDict):
    """``signal --json``: mean-field signal propagation at weight scale W and bias scale B
    (``null`` where there is no answer, and ``reasons`` says why)."""

    name: str | None
    formula: str
    params: dict[str, float]
    sigma_w: float
    sigma_b: float
    gain: float | None
    torch_gain: float | None
    torch_note: str | None
    q_star: float | None
    chi1: float | None
    critical_sigma_w: float | None
    depth_scale: float | None
    layers_to_1e6: float | None
    regime: str | None
    reasons: dict[str, str]


class CriticalLine(TypedDict):
    """``signal --critical-line --json``: the edge of chaos W(B), null where there is none."""

    name: str
    sigma_b: list[float]
    critical_sigma_w: list[float | None]


class Gains(TypedDict):
    mean: float
    second_moment: float
    derivative_mean: float
    derivative_second_moment: float
    variance_preserving_gain: float | None


class Gradient(TypedDict):
    """``gradient --json``: how a gradient scales through stacked layers."""

    name: str | None
    depth: int
    max_abs_derivative: MaxAbsDerivative
    method: PropertyMethod
    per_layer_bound: str | None
    bound: str | None
    slopes: list[str] | None
    verdict: str | None
    typical: str
    gains: Gains
    self_normalizing: bool


class Added(TypedDict):
    """``add --json``: the entry as TOML, where it goes, and its record."""

    catalog: str
    written: bool
    toml: str
    record: Record


class CatalogCheck(TypedDict):
    """``catalog check --json``."""

    files: list[str]
    problems: list[str]
    entries: int


class PrintedBreakpoint(TypedDict):
    x: str | None
    left: str | None
    right: str | None
    torch: str | None


class Printed(TypedDict):
    """The formulas of one derivation printed in one dialect (LaTeX or Markdown math)."""

    function: str
    expr: str | None
    derivative: str | None
    self_referential: str | None
    params: list[list[str | None]]
    breakpoints: list[PrintedBreakpoint]
    #: definitions of the named functions the formulas use, in this dialect's math
    legend: NotRequired[list[str]]


class Fragments(TypedDict):
    """An export fragment, as cached and shipped: one derivation in both dialects."""

    latex: Printed
    markdown: Printed


class ExportedRecord(Record):
    export: Fragments


class ExportDocument(TypedDict):
    """``export --format json``."""

    schema_version: int
    kind: Literal["actderiv-export"]
    activations: list[ExportedRecord]


#: A float in JSON, or "nan", "inf", "-inf" where the value is not finite.
Number = float | str


class Mismatch(TypedDict):
    kind: Literal["value", "derivative", "kink", "overflow"]
    x: float
    expected: Number | None
    got: Number | None
    detail: str


class KinkResult(TypedDict):
    x: float
    left: Number | None
    right: Number | None
    as_written: Number | None
    recorded: Number | None
    got: Number | None
    choice: str
    ok: bool


class FrameworkResult(TypedDict):
    name: str
    call: str | None
    status: str
    skipped: str | None
    points: int
    mismatches: list[Mismatch]
    kinks: list[KinkResult]
    notes: list[str]


class FrameworkSummary(TypedDict):
    entries: int
    checked: int
    skipped: int
    failed: int
    points: int
    kinks: int
    mismatches: int
    by_kind: dict[str, int]


class FrameworkCheck(TypedDict):
    """``verify --against FRAMEWORK --json``: autograd against the derivatives."""

    schema_version: int
    kind: Literal["actderiv-framework-check"]
    framework: str
    version: str | None
    tolerance: dict[str, float]
    summary: FrameworkSummary
    results: list[FrameworkResult]


class Kink(TypedDict):
    """A breakpoint of f as a plot marks it: where, and f there (None where undefined)."""

    x: float
    f: float | None


class SiteSignal(TypedDict):
    """Signal propagation at W = 1, B = 0 as ``signal --json`` gives it (None where none)."""

    gain: float | None
    torch_gain: float | None
    q_star: float | None
    chi1: float | None
    critical_sigma_w: float | None
    depth_scale: float | None
    regime: str | None
    reasons: dict[str, str]


class SitePage(TypedDict):
    """What the website shows of one entry beyond its record and export fragments, as cached:
    f'' in LaTeX, f and f' sampled at ``xs``, the kinks to mark, and the PyTorch code (or why
    there is none)."""

    second: str | None
    xs: list[float]
    f: list[float | None]
    df: list[float | None]
    kinks: list[Kink]
    torch_code: str | None
    torch_problem: str | None
    signal: SiteSignal | None


class SiteBuild(TypedDict):
    """``site --json``: where the website was written, and how many files."""

    schema_version: int
    kind: Literal["actderiv-site"]
    folder: str
    index: str
    entries: int
    files: int
    written: int
    unchanged: int
    removed: int
    derived: int


class CacheCleared(TypedDict):
    """``cache clear --json``: the folder, and how many files of each kind were removed."""

    folder: str
    removed: dict[str, int]


#: What ``actderiv schema --kind`` accepts, with the type of each (all of them by default).
KINDS: Final[dict[str, Any]] = {
    "record": Record,
    "list": list[Record],
    "rows": list[ListRow],
    "verify": VerifyReport,
    "check": CheckResult,
    "compare": list[Compared],
    "signal": Signal,
    "critical-line": CriticalLine,
    "gradient": Gradient,
    "add": Added,
    "catalog-check": CatalogCheck,
    "export": ExportDocument,
    "framework-check": FrameworkCheck,
    "fragments": Fragments,
    "cache-clear": CacheCleared,
    "site-page": SitePage,
    "site": SiteBuild,
}


def json_schema(kind: str | None = None) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of output, or (None) of all of them: each
    kind a ``$defs`` entry, the document valid for any.

    Raises:
        KeyError: no kind is called ``kind``.
    """
    if kind is not None:
        return typeschema.document(KINDS[kind], SCHEMA_ID.format(kind=kind), f"actderiv {kind}")
    defs: dict[str, Any] = {}
    kinds = {name: typeschema.schema_of(tp, defs) for name, tp in KINDS.items()}
    return {
        "$schema": typeschema.DIALECT,
        "$id": SCHEMA_ID.format(kind="all"),
        "title": "actderiv JSON outputs",
        "anyOf": [{"$ref": f"#/$defs/kind-{name}"} for name in kinds],
        "$defs": {**defs, **{f"kind-{name}": s for name, s in kinds.items()}},
    }


def check(value: Any, kind: str) -> None:
    """Check that ``value`` is a ``kind`` (keys of :data:`KINDS`); extra keys are allowed.

    Raises:
        ValueError: it is not.
    """
    typeschema.check(value, KINDS[kind])
