"""The pipelines as short functions: load a catalog, derive, build records. The CLI uses these.

Importing this module does not import SymPy; the functions that need it import it when called.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actderiv import cache as _cache
from actderiv.catalog import load_catalog as _load_catalog
from actderiv.model import ActivationSpec, Catalog

if TYPE_CHECKING:
    from actderiv.engine import EngineOptions
    from actderiv.formula import CatalogResolver, Formula
    from actderiv.model import Derivation

__all__ = [
    "Catalog",
    "derive",
    "derive_formula",
    "load_catalog",
    "record",
    "records",
]


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Load a catalog file, or the bundled catalog when ``path`` is None (see catalog.py)."""
    return _load_catalog(path)


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
        DerivationError: the derivation ran past its time budget.
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
    from actderiv import engine
    from actderiv.formula import CatalogResolver, formula_of

    resolver = CatalogResolver(catalog)
    formula = formula_of(spec, resolver)
    d = engine.derive(
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
        DerivationError: the derivation ran past its time budget.
    """
    from actderiv import engine
    from actderiv.formula import CatalogResolver, formula_from_text

    resolver = CatalogResolver(catalog) if catalog is not None else None
    formula = formula_from_text(text, dict(params or {}), resolver)
    return engine.derive(formula, order=order, wrt=wrt, options=options)


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
) -> list[dict[str, Any]]:
    """Records of several entries, from the cache where nothing they depend on has changed.

    SymPy is imported only for entries missing from the cache; those are derived and verified
    in ``jobs`` worker processes (default: one per core), each under its own time budgets.
    """
    use_cache = _cache.enabled()
    store = store if store is not None or not use_cache else _cache.RecordCache()
    options = {"order": order, "wrt": wrt}
    specs = list(specs)
    keys = [_cache.entry_key(s, catalog, options) if store is not None else "" for s in specs]
    found: dict[int, dict[str, Any]] = {}
    missing: list[int] = []
    for i, key in enumerate(keys):
        hit = store.get(key) if store is not None else None
        if hit is None:
            missing.append(i)
        else:
            found[i] = hit
            if progress is not None:
                progress(specs[i])
    for i, record_ in _derive_missing(
        catalog, [specs[i] for i in missing], missing, order, wrt, jobs, progress
    ):
        found[i] = record_
        if store is not None:
            store.put(keys[i], record_)
    return [found[i] for i in range(len(specs))]


def _derive_missing(
    catalog: Catalog,
    specs: list[ActivationSpec],
    indices: list[int],
    order: int,
    wrt: str | None,
    jobs: int | None,
    progress: Callable[[ActivationSpec], None] | None,
) -> Iterable[tuple[int, dict[str, Any]]]:
    workers = min(jobs or os.cpu_count() or 1, len(specs))
    if workers <= 1:
        for i, spec in zip(indices, specs, strict=True):
            yield i, _fresh_record(catalog, spec, order, wrt)
            if progress is not None:
                progress(spec)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {
            pool.submit(_fresh_record, catalog, spec, order, wrt): (i, spec)
            for i, spec in zip(indices, specs, strict=True)
        }
        for future in as_completed(futures):
            i, spec = futures[future]
            yield i, future.result()
            if progress is not None:
                progress(spec)


def _fresh_record(
    catalog: Catalog, spec: ActivationSpec, order: int, wrt: str | None
) -> dict[str, Any]:
    from actderiv.properties import properties_record
    from actderiv.records import derivation_record
    from actderiv.verify import verify_derivation

    resolver, formula, d = _derive_entry(catalog, spec, order, wrt)
    return derivation_record(
        d,
        spec,
        verify_derivation(formula, d, spec, resolver),
        properties=properties_record(formula),
    )


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
    from actderiv import engine
    from actderiv.formula import CatalogResolver, formula_from_text
    from actderiv.properties import properties_record
    from actderiv.records import derivation_record
    from actderiv.verify import verify_derivation

    resolver = CatalogResolver(catalog) if catalog is not None else None
    formula = formula_from_text(text, dict(params or {}), resolver)
    d = engine.derive(formula, order=order, wrt=wrt, options=options)
    return derivation_record(
        d,
        None,
        verify_derivation(formula, d, None, resolver, options),
        properties=properties_record(formula),
    )


def check(catalog: Catalog, name: str, claim: str, *, function: bool = False) -> dict[str, Any]:
    """Compare a derivative someone wrote (in x, y = f(x) and the parameters) with the true one.

    With ``function=True``, ``claim`` is a definition of f (in x and the parameters) instead.

    Returns the JSON record of the comparison (``equal``, ``verdict``, ``counterexample``, …).

    Raises:
        UnknownActivationError: no entry has that name.
        FormulaError: ``claim`` is not an allowed formula.
    """
    from actderiv import engine
    from actderiv.errors import Location
    from actderiv.formula import CatalogResolver, formula_of
    from actderiv.parse import Scope, parse_formula
    from actderiv.verify import check_derivative

    spec = catalog.require(name)
    resolver = CatalogResolver(catalog)
    formula = formula_of(spec, resolver)
    where = Location("<function>" if function else "<derivative>")
    claimed = parse_formula(claim, Scope(formula.symbols, resolver, allow_y=not function), where)
    d = engine.derive(formula, name=spec.name, torch=spec.torch)
    result = check_derivative(formula, d, claimed, function=function)
    example = result.counterexample
    return {
        "schema_version": _cache.SCHEMA_VERSION,
        "name": spec.name,
        "claim": claim,
        "kind": "function" if function else "derivative",
        "derivative": str(d.derivative),
        "expr": str(d.expr),
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
        },
        "regions": [list(r) for r in result.regions],
    }


def verification_summary(records_: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The ``verify --json`` object: counts of every check by status, and one result per entry."""
    statuses = ("proved", "confirmed", "failed", "undecided")
    totals = dict.fromkeys(statuses, 0)
    results = []
    for rec in records_:
        verification = rec.get("verification") or {"summary": {}, "checks": []}
        for status in statuses:
            totals[status] += verification["summary"].get(status, 0)
        results.append(
            {
                "name": rec["name"],
                "verified": rec["verified"],
                "checks": verification["checks"],
                "summary": verification["summary"],
            }
        )
    return {"schema_version": _cache.SCHEMA_VERSION, "summary": totals, "results": results}
