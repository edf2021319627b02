"""The pipelines: catalog → records, reports, verification, checks and typed formulas.

Each is a short function over a :class:`~actderiv.catalog.model.Catalog`; records come from the
store where their key is found, else are derived (in worker processes for many entries) by the
engine. The service (:mod:`actderiv.service`) composes these for the CLI, and the public Python
API (:mod:`actderiv.api`) re-exports them (docs/ARCHITECTURE.md). Importing this module does not
import SymPy; the functions that need it import it when called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from actderiv.catalog.model import SEARCH_CHECKS, ActivationSpec, Catalog
from actderiv.results import ActivationReport, VerificationReport
from actderiv.store import cache as _cache
from actderiv.store.snapshot import load_catalog as _load_catalog
from actderiv.store.snapshot import load_catalogs as _load_catalogs

if TYPE_CHECKING:
    from actderiv.engine.budget import EngineOptions
    from actderiv.engine.derivation import Derivation
    from actderiv.engine.formula import CatalogResolver, Formula

__all__ = [
    "ActivationReport",
    "Catalog",
    "VerificationReport",
    "check",
    "derive",
    "derive_formula",
    "formula_record",
    "formula_report",
    "load_catalog",
    "load_catalogs",
    "properties",
    "record",
    "records",
    "report",
    "verification_summary",
    "verify",
]


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load one catalog file, or, when ``path`` is None, the bundled catalog with the user's
    catalog layered over it (as the CLI does).

    Raises:
        CatalogError: a file cannot be read or is not valid TOML.
        CatalogErrors: entries are invalid; every problem is listed with file and line.
    """
    return _load_catalog(path)


def load_catalogs(paths: Sequence[str | Path]) -> Catalog:
    """Layer several catalog files: later files add entries and replace entries of the same key
    (like repeating ``--catalog``)."""
    return _load_catalogs(paths)


def report(
    catalog: Catalog, name: str, *, order: int = 1, wrt: str | None = None
) -> ActivationReport:
    """Everything ``actderiv show NAME`` reports, from the cache when nothing changed.

    >>> elu = report(load_catalog(), "elu")
    >>> elu.derivative, elu.self_referential
    ('Piecewise((1, x > 0), (alpha*exp(x), True))', 'Piecewise((alpha + y, y <= 0), (1, True))')
    >>> relu = report(load_catalog(), "relu")
    >>> [(b["x"], b["left"], b["right"], b["torch"]) for b in relu.breakpoints]
    [('0', '0', '1', '0')]

    Raises:
        UnknownActivationError: no entry has that name (the error suggests close names).
    """
    spec = catalog.require(name)
    return ActivationReport(record(catalog, spec.name, order=order, wrt=wrt), spec)


def formula_report(
    text: str,
    *,
    params: Mapping[str, float] | None = None,
    catalog: Catalog | None = None,
    order: int = 1,
    wrt: str | None = None,
) -> ActivationReport:
    """Everything ``actderiv derive TEXT`` reports about a formula that is not in the catalog.

    >>> r = formula_report("x/(1 + abs(x))")
    >>> r.derivative, r.self_referential, r.output_only
    ('(Abs(x) + 1)**(-2)', 'Piecewise(((y + 1)**2, y < 0), ((y - 1)**2, True))', True)

    Raises:
        FormulaError: ``text`` is not an allowed formula (the message points at the problem).
        DerivationError: the derivation ran past its time limit (a guard against a hang).
    """
    return ActivationReport(
        formula_record(text, params=params, catalog=catalog, order=order, wrt=wrt)
    )


def properties(catalog: Catalog, name: str) -> dict[str, Any]:
    """Range, bounds, monotonicity, smoothness, f(0), f'(0), max |f'|, f' at ±∞ and dead zones
    of one activation at its default parameters, each with how it was decided.

    >>> props = properties(load_catalog(), "tanh")
    >>> props["range"]["low"], props["range"]["high"], props["continuity"]
    ('-1', '1', 'inf')
    """
    return dict(report(catalog, name).properties)


def verify(
    catalog: Catalog,
    names: Iterable[str] | None = None,
    *,
    jobs: int | None = None,
    progress: Callable[[ActivationSpec], None] | None = None,
) -> VerificationReport:
    """Prove or numerically confirm the derivatives and claims of ``names`` (default: every
    entry), as ``actderiv verify`` does; entries not in the cache are derived in ``jobs``
    worker processes.

    Raises:
        UnknownActivationError: a name is not in the catalog.
    """
    specs = list(catalog) if names is None else [catalog.require(n) for n in names]
    found = records(catalog, specs, jobs=jobs, progress=progress, for_verify=True)
    return VerificationReport(verification_summary(found))


def derive(
    catalog: Catalog,
    name: str,
    *,
    order: int = 1,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> Derivation:
    """Derive the catalog entry called ``name`` (key or alias, any case).

    Raises:
        UnknownActivationError: no entry has that name.
        FormulaError: the entry's formula does not parse.
        DerivationError: the derivation ran past its time limit (a guard against a hang).
    """
    return _derive_entry(catalog, catalog.require(name), order, wrt, options)[2]


def _derive_entry(
    catalog: Catalog,
    spec: ActivationSpec,
    order: int = 1,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> tuple[CatalogResolver, Formula, Derivation]:
    """Parse one entry (expanding its calls) and derive it: the one place that does both."""
    from actderiv.engine.derive import derive
    from actderiv.engine.formula import CatalogResolver, formula_of

    resolver = CatalogResolver(catalog)
    formula = formula_of(spec, resolver)
    d = derive(
        formula,
        order=order,
        name=spec.name,
        title=spec.title,
        aliases=spec.aliases,
        torch=spec.torch,
        wrt=wrt,
        options=options,
    )
    return resolver, formula, d


def derive_formula(
    text: str,
    *,
    params: Mapping[str, float] | None = None,
    catalog: Catalog | None = None,
    order: int = 1,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> Derivation:
    """Derive a formula typed by a user; it may call the entries of ``catalog``.

    Raises:
        FormulaError: the text is not an allowed formula.
        DerivationError: the derivation ran past its time limit (a guard against a hang).
    """
    from actderiv.engine.derive import derive
    from actderiv.engine.formula import CatalogResolver, formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    formula = formula_from_text(text, dict(params or {}), resolver)
    return derive(formula, order=order, wrt=wrt, options=options)


def record(
    catalog: Catalog,
    name: str,
    *,
    order: int = 1,
    wrt: str | None = None,
    store: _cache.RecordCache | None = None,
) -> dict[str, Any]:
    """The JSON record of one entry, from the cache when nothing it depends on has changed."""
    spec = catalog.require(name)
    return records(catalog, [spec], order=order, wrt=wrt, store=store)[0]


def records(
    catalog: Catalog,
    specs: Iterable[ActivationSpec],
    *,
    order: int = 1,
    wrt: str | None = None,
    store: _cache.RecordCache | None = None,
    progress: Callable[[ActivationSpec], None] | None = None,
    jobs: int | None = None,
    for_verify: bool = False,
    recheck: bool = False,
) -> list[dict[str, Any]]:
    """Records of several entries, from the cache where nothing they depend on has changed.

    SymPy is imported only for entries missing from the cache; those are derived and verified
    in ``jobs`` worker processes (default: one per core, the costliest-looking entries first),
    each within its own work budgets (see :mod:`actderiv.engine.budget`).

    With ``for_verify``, an entry missing from the cache gets only what verification needs: the
    derivative, its readable form, kinks, parameter derivatives and every check of them and of
    the entry's claims, without the self-referential search or the properties (most of a whole
    record's cost); such records are cached apart from whole ones. A whole record already in the
    cache is returned as it is; :func:`verification_summary` reads either kind alike.

    A record read from the store must be the record of its entry (name, title, parameters, …);
    with ``for_verify`` or ``recheck``, its derivatives must also bear out numerically against
    the entry's formula (:mod:`actderiv.engine.recheck`). A record that fails is a miss.
    """
    use_cache = _cache.enabled()
    store = store if store is not None or not use_cache else _cache.RecordCache()
    whole = {"order": order, "wrt": wrt}
    # The cache keys to look under, best first; a record computed here goes under the last.
    tried = [whole, {**whole, **_VERIFY_STAGE}] if for_verify else [whole]
    specs = list(specs)
    keys = [
        [_cache.entry_key(s, catalog, o) for o in tried] if store is not None else [] for s in specs
    ]
    found: dict[int, dict[str, Any]] = {}
    missing: list[int] = []
    formulas = _formulas(catalog) if for_verify or recheck else None
    trusted = partial(_trusted, order=order, wrt=wrt, formula=formulas)
    for i, spec_keys in enumerate(keys):
        hit = next(filter(None, map(store.get, spec_keys)), None) if store is not None else None
        if hit is not None and not trusted(specs[i], hit):
            hit = None  # a record that fails its checks is a miss: computed again and replaced
        if hit is None:
            missing.append(i)
        else:
            found[i] = hit
            if progress is not None:
                progress(specs[i])
    compute = partial(_fresh_record, order=order, wrt=wrt, whole=not for_verify)
    for i, record_ in _derive_missing(catalog, specs, missing, compute, jobs, progress):
        found[i] = record_
        # A record in which a work budget ran out ("exhausted") is returned but never cached as
        # if it were final: a later engine with other budgets may decide more.
        if store is not None and not record_.get("exhausted"):
            store.put(keys[i][-1], record_)
    return [found[i] for i in range(len(specs))]


def _trusted(
    spec: ActivationSpec,
    hit: Mapping[str, Any],
    *,
    order: int,
    wrt: str | None,
    formula: Callable[[ActivationSpec], Formula] | None,
) -> bool:
    """Whether a record read from the store may be used for ``spec``: it must be the record of
    this entry with these options (its schema, key and digest the store checked already), and,
    for ``verify`` (given the entry's ``formula``), its derivatives must bear out numerically
    against the formula (:mod:`actderiv.engine.recheck`): a stored "verified" is never taken on
    its word (docs/ARCHITECTURE.md, "The store")."""
    same: bool = (
        hit["name"] == spec.name
        and hit["title"] == spec.title
        and hit["aliases"] == list(spec.aliases)
        and hit["params"] == dict(spec.params)
        and hit["tags"] == list(spec.tags)
        and hit["torch_function"] == spec.torch
        and hit["order"] == order
        and hit["wrt"] == (wrt or "x")
    )
    if not same or formula is None:
        return same
    from actderiv.engine.recheck import recheck

    return recheck(formula(spec), spec, hit) is None


def _formulas(catalog: Catalog) -> Callable[[ActivationSpec], Formula]:
    """The formula of an entry, parsed from ``catalog`` (one resolver for all of them)."""
    resolvers: list[CatalogResolver] = []

    def formula(spec: ActivationSpec) -> Formula:
        from actderiv.engine.formula import CatalogResolver, formula_of

        if not resolvers:
            resolvers.append(CatalogResolver(catalog))
        return formula_of(spec, resolvers[0])

    return formula


#: What sets the cache key of a record made for verification alone apart from a whole one's.
_VERIFY_STAGE: Final = {"stage": "verify"}


def _derive_missing(
    catalog: Catalog,
    specs: list[ActivationSpec],
    missing: list[int],
    compute: Callable[[Catalog, ActivationSpec], dict[str, Any]],
    jobs: int | None,
    progress: Callable[[ActivationSpec], None] | None,
) -> Iterable[tuple[int, dict[str, Any]]]:
    """``compute`` each missing entry, in worker processes when there are several."""
    workers = min(jobs or os.cpu_count() or 1, len(missing))
    if workers <= 1:
        for i in missing:
            yield i, compute(catalog, specs[i])
            if progress is not None:
                progress(specs[i])
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from actderiv.processes import pool_context

    # Longest first, as far as the size of the definition tells: a costly entry started last
    # would leave the other cores idle while it finishes.
    order = sorted(missing, key=lambda i: -_expected_cost(catalog, specs[i]))
    # The catalog goes to each worker once, not with every entry (unpickling it takes ~7 ms).
    with ProcessPoolExecutor(
        workers, pool_context(), initializer=_set_worker_catalog, initargs=(catalog,)
    ) as pool:
        futures = {pool.submit(_in_worker, compute, specs[i]): i for i in order}
        for future in as_completed(futures):
            i = futures[future]
            yield i, future.result()
            if progress is not None:
                progress(specs[i])


_worker_catalog: Catalog | None = None


def _set_worker_catalog(catalog: Catalog) -> None:
    global _worker_catalog
    _worker_catalog = catalog


def _in_worker(
    compute: Callable[[Catalog, ActivationSpec], dict[str, Any]], spec: ActivationSpec
) -> dict[str, Any]:
    assert _worker_catalog is not None, "the pool's initializer sets the catalog"
    return compute(_worker_catalog, spec)


def _expected_cost(catalog: Catalog, spec: ActivationSpec) -> int:
    """A rough guess at how long an entry takes: the length of its definition, calls expanded."""
    callees = catalog.callees.get(spec.name, ())
    return len(spec.expr) + sum(len(c.expr) for n in callees if (c := catalog.get(n)) is not None)


def _fresh_record(
    catalog: Catalog, spec: ActivationSpec, *, order: int, wrt: str | None, whole: bool
) -> dict[str, Any]:
    """An entry's record computed afresh: whole, or (``whole=False``) what verify needs."""
    from actderiv.engine.budget import EngineOptions, fresh_state
    from actderiv.engine.properties import properties_record
    from actderiv.engine.verify import verify_derivation
    from actderiv.records import derivation_record

    fresh_state()  # the same steps counted whatever this process derived before
    options = EngineOptions(search_self_referential=whole)
    resolver, formula, d = _derive_entry(catalog, spec, order, wrt, options)
    verification = verify_derivation(formula, d, spec, resolver, options)
    # (not named ``properties``: the store follows the names a function uses to the module's
    # functions, and the function of that name would pull in the whole API)
    props, exhausted = properties_record(formula) if whole else (None, ())
    return dict(derivation_record(d, spec, verification, properties=props, exhausted=exhausted))


def formula_record(
    text: str,
    *,
    params: Mapping[str, float] | None = None,
    catalog: Catalog | None = None,
    order: int = 1,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> dict[str, Any]:
    """The JSON record of a typed formula (never cached: typed formulas are cheap and one-off)."""
    from actderiv.engine.budget import EngineOptions
    from actderiv.engine.derive import derive
    from actderiv.engine.formula import CatalogResolver, formula_from_text
    from actderiv.engine.properties import properties_record
    from actderiv.engine.verify import verify_derivation
    from actderiv.errors import BudgetExceeded, DerivationError
    from actderiv.records import derivation_record

    resolver = CatalogResolver(catalog) if catalog is not None else None
    formula = formula_from_text(text, dict(params or {}), resolver)
    d = derive(formula, order=order, wrt=wrt, options=options)
    try:
        verification = verify_derivation(formula, d, None, resolver, options)
        properties, exhausted = properties_record(formula, (options or EngineOptions()).timeout)
    except BudgetExceeded as exc:  # the guard against a hang: an error, never a verdict
        raise DerivationError(f"deriving {text!r}: {exc} (raise it with --timeout)") from exc
    return dict(
        derivation_record(d, None, verification, properties=properties, exhausted=exhausted)
    )


def _schema_version() -> int:
    """The record contract's version (schema.py is imported only where a record is built)."""
    from actderiv.schema import SCHEMA_VERSION

    return SCHEMA_VERSION


def check(catalog: Catalog, name: str, claim: str, *, function: bool = False) -> dict[str, Any]:
    """Compare a derivative someone wrote (in x, y = f(x) and the parameters) with the true one.

    With ``function=True``, ``claim`` is a definition of f (in x and the parameters) instead.

    Returns the JSON record of the comparison (``equal``, ``verdict``, ``counterexample``, …).

    Raises:
        UnknownActivationError: no entry has that name.
        FormulaError: ``claim`` is not an allowed formula.
    """
    from actderiv.engine.claims import check_derivative
    from actderiv.engine.compare import claim_constants
    from actderiv.engine.derive import derive
    from actderiv.engine.formula import CatalogResolver, formula_of
    from actderiv.errors import Location
    from actderiv.lang.named import legend
    from actderiv.lang.parse import Scope, parse_formula
    from actderiv.records import display_text, printed_forms

    spec = catalog.require(name)
    resolver = CatalogResolver(catalog)
    formula = formula_of(spec, resolver)
    where = Location("<function>" if function else "<derivative>")
    scope = Scope(formula.symbols, resolver, allow_y=not function)
    claimed = parse_formula(claim, scope, where)
    d = derive(formula, name=spec.name, torch=spec.torch)
    result = check_derivative(
        formula, d, claimed, function=function, constants=claim_constants(claim, scope)
    )
    example = result.counterexample
    printed = printed_forms(d)
    found = {
        "schema_version": _schema_version(),
        "name": spec.name,
        "claim": claim,
        "kind": "function" if function else "derivative",
        "derivative": str(d.derivative),
        "expr": str(d.expr),
        "display": {  # f and f' as show prints them, in named functions (σ, Φ, ...)
            "derivative": display_text(printed[1], d.spellings),
            "expr": display_text(printed[0], d.spellings),
            "claim": display_text(claimed),
        },
        "equal": result.equal,
        "verdict": result.verdict,
        "method": result.method,
        "detail": result.detail,
        "counterexample": None
        if example is None
        else {
            "x": example.x,
            "expected": example.expected,
            "got": example.got,
            "difference": example.difference,
            "relative": example.relative,
        },
        "regions": [list(r) for r in result.regions],
        "largest_relative": result.largest_relative,
        "note": result.note,
    }
    shown = printed[:1] if function else printed[:2]
    used = legend(*shown)
    if used:  # what each named function in the display stands for, as show gives it
        found["legend"] = [{"name": e.name, "display": e.display, "latex": e.latex} for e in used]
    if result.exhausted:  # only then, as in a derivation's record
        found["exhausted"] = list(result.exhausted)
    return found


def verification_summary(records_: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The ``verify --json`` object: counts of every check by status, and one result per entry.

    The checks of a self-referential form the engine found (``model.SEARCH_CHECKS``) are left
    out, so that a whole record and one made for verification give the same result; ``show``
    reports them.
    """
    statuses = ("proved", "confirmed", "failed", "undecided")
    totals = dict.fromkeys(statuses, 0)
    results = []
    for rec in records_:
        verification = rec.get("verification") or {"checks": []}
        checks = [c for c in verification["checks"] if c["name"] not in SEARCH_CHECKS]
        counts = {s: sum(c["status"] == s for c in checks) for s in statuses}
        for status in statuses:
            totals[status] += counts[status]
        results.append(
            {
                "name": rec["name"],
                "verified": rec.get("verification") is not None
                and counts["failed"] == counts["undecided"] == 0,
                "checks": checks,
                "summary": counts,
            }
        )
    return {"schema_version": _schema_version(), "summary": totals, "results": results}
