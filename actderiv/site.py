"""The website of a catalog: ``index.html`` and one ``NAME.html`` per entry, from the same records
and export fragments as every other output (docs/ARCHITECTURE.md, "The website").

What a page shows beyond a record and its fragments (f'' printed, f and f' sampled, the PyTorch
code) comes from the store where its key is found, else is made in worker processes and stored;
:mod:`actderiv.render.site` turns it all into HTML. :func:`write_site` writes only the files whose
bytes changed, and removes the pages of entries that are gone. Never prints; never imports click
or rich; progress is reported through a callback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import SitePage

#: Points at which f and f' are sampled for a page's plots, over [-5, 5].
PLOT_POINTS: Final = 201
PLOT_RANGE: Final = (-5.0, 5.0)
#: The file in the output folder that lists what the last build wrote (to remove stale pages).
MANIFEST: Final = ".actderiv-site.json"
#: Tags that name where an entry comes from (the index's framework filter).
FRAMEWORKS: Final = ("pytorch", "jax", "keras")

Advance = Callable[["ActivationSpec"], None]


def site_files(
    catalog: Catalog,
    specs: Sequence[ActivationSpec] | None = None,
    *,
    jobs: int | None = None,
    progress: Advance | None = None,
) -> tuple[dict[str, str], int]:
    """The website's files (name → HTML) for ``specs`` (default: every entry, in catalog order),
    and how many pages' data had to be derived rather than read from the store.

    ``progress`` is called three times per entry: when its record, its export fragments and its
    page data are at hand (see :func:`progress_total`).
    """
    from actderiv import exports, pipelines
    from actderiv.render.site import entry_page, index_page

    chosen = list(catalog) if specs is None else list(specs)
    records = pipelines.records(catalog, chosen, progress=progress, jobs=jobs)
    items = exports.entries(catalog, chosen, jobs=jobs, progress=progress)
    pages, derived = page_data(catalog, chosen, records, jobs=jobs, progress=progress)
    views = [_view(spec, item, page) for spec, item, page in zip(chosen, items, pages, strict=True)]
    files = {"index.html": index_page(views)}
    for view in views:
        files[f"{view['name']}.html"] = entry_page(view)
    return files, derived


def progress_total(entries: int) -> int:
    """How many times :func:`site_files` calls ``progress`` for ``entries`` entries."""
    return 3 * entries


def _view(spec: ActivationSpec, item: Mapping[str, Any], page: SitePage) -> dict[str, Any]:
    """Everything a page shows of one entry, as plain data (the renderer sees nothing else)."""
    record = item["record"]
    tags = list(record.get("tags") or spec.tags)
    return {
        "name": spec.name,
        "title": spec.title,
        "aliases": list(spec.aliases),
        "tags": tags,
        "frameworks": [t for t in FRAMEWORKS if t in tags],
        "catalog_expr": spec.expr,
        "notes": spec.notes,
        "references": [
            {"title": r.title, "year": r.year, "authors": r.authors, "link": r.link}
            for r in spec.references
        ],
        "record": record,
        "latex": item["latex"],
        "page": page,
    }


def page_data(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    records: Sequence[Mapping[str, Any]],
    *,
    jobs: int | None = None,
    progress: Advance | None = None,
) -> tuple[list[SitePage], int]:
    """The page data of ``specs``: from the store where their key is found, else made afresh
    (in worker processes when there are several) and stored unless a work budget ran out;
    with how many were made afresh."""
    from actderiv.store import pages as store

    keys = [store.page_key(spec, catalog, PLOT_POINTS) for spec in specs]
    found: dict[int, SitePage] = {}
    for i, key in enumerate(keys):
        hit = store.read_page(key)
        if hit is not None:
            found[i] = hit
            if progress is not None:
                progress(specs[i])
    missing = [i for i in range(len(specs)) if i not in found]
    # The search for a backward in y is skipped where the record says there is none.
    search = [records[i].get("output_only") is not False for i in missing]

    def keep(j: int, page: SitePage, exhausted: bool) -> None:
        # stored as soon as it is made: a build stopped half-way keeps what it made
        found[missing[j]] = page
        if not exhausted:
            store.write_page(keys[missing[j]], page)

    _make(catalog, [specs[i] for i in missing], jobs, search, progress, keep)
    return [found[i] for i in range(len(specs))], len(missing)


def fresh_pages(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    records: Sequence[Mapping[str, Any]],
    jobs: int | None = None,
) -> dict[str, SitePage]:
    """The page data of ``specs`` (whose records are ``records``) made afresh, never from the
    store, by key, leaving out those whose work budget ran out (what
    ``scripts/build_derived.py`` ships)."""
    from actderiv.store import pages as store

    search = [r.get("output_only") is not False for r in records]
    made = _make(catalog, specs, jobs, search)
    out = {}
    for spec, (page, exhausted) in zip(specs, made, strict=True):
        if not exhausted:
            out[store.page_key(spec, catalog, PLOT_POINTS)] = page
    return out


def _make(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    jobs: int | None,
    search: Sequence[bool] | None = None,
    progress: Advance | None = None,
    keep: Callable[[int, SitePage, bool], None] | None = None,
) -> list[tuple[SitePage, bool]]:
    """``_fresh_page`` of each spec, in worker processes when there are several, in order;
    ``keep(i, page, exhausted)`` is called as each one is made."""
    flags = list(search) if search is not None else [True] * len(specs)
    workers = min(jobs or os.cpu_count() or 1, len(specs))
    if workers <= 1:
        done = []
        for i, (spec, flag) in enumerate(zip(specs, flags, strict=True)):
            done.append(_fresh_page(catalog, spec.name, PLOT_POINTS, flag))
            if keep is not None:
                keep(i, *done[-1])
            if progress is not None:
                progress(spec)
        return done
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from actderiv.processes import pool_context

    found: dict[int, tuple[SitePage, bool]] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        futures = {
            pool.submit(_fresh_page, catalog, spec.name, PLOT_POINTS, flag): i
            for i, (spec, flag) in enumerate(zip(specs, flags, strict=True))
        }
        for future in as_completed(futures):
            i = futures[future]
            found[i] = future.result()
            if keep is not None:
                keep(i, *found[i])
            if progress is not None:
                progress(specs[i])
    return [found[i] for i in range(len(specs))]


def _fresh_page(catalog: Catalog, name: str, points: int, search: bool) -> tuple[SitePage, bool]:
    """One entry's page data made afresh, and whether a work budget ran out making it (then it
    is not stored): f'' printed by the LaTeX printer of the exports, f and f' sampled, the
    breakpoints of f placed, and the PyTorch code of ``actderiv codegen``."""
    from actderiv import pipelines
    from actderiv.codegen import codegen
    from actderiv.engine.budget import EngineOptions
    from actderiv.errors import ActderivError
    from actderiv.render.export import DEFAULT_PRECISION
    from actderiv.render.plot import sample
    from actderiv.render.tex import LatexOptions
    from actderiv.render.texprint import to_latex

    # the plots need f and f' only, and f'' is shown in x: no search for forms in y (the
    # record has f' in y)
    quick = EngineOptions(search_self_referential=False)
    d = pipelines.derive(catalog, name, options=quick)
    second = pipelines.derive(catalog, name, order=2, options=quick)
    curve = sample(d, *PLOT_RANGE, points)
    options = LatexOptions(dialect="latex", precision=DEFAULT_PRECISION)
    try:
        code, problem = codegen(catalog, name, "torch", search=search), None
    except ActderivError as exc:  # a formula the target cannot write: the page says why
        code, problem = None, str(exc)
    page: SitePage = {
        "second": to_latex(second.derivative, options, function=d.name or name),
        "xs": [_short(x) for x in curve.xs],
        "f": [None if v is None else _short(v) for v in curve.f],
        "df": [None if v is None else _short(v) for v in curve.df],
        "kinks": _kinks(d, curve),
        "torch_code": code,
        "torch_problem": problem,
        "signal": _signal(catalog, name),
    }
    return page, bool(d.exhausted or second.exhausted)


def _signal(catalog: Catalog, name: str) -> Any:
    """``actderiv signal NAME``'s numbers at W = 1, B = 0, or None where it has none (f not
    defined on all of ℝ, say)."""
    from actderiv import signal_api
    from actderiv.errors import ActderivError

    try:
        data = signal_api.signal(catalog, name).as_dict()
    except (ActderivError, ValueError, ArithmeticError):
        return None
    keys = ("gain", "torch_gain", "q_star", "chi1", "critical_sigma_w", "depth_scale", "regime")
    found = {k: data.get(k) for k in keys}
    found["reasons"] = {str(k): str(v) for k, v in (data.get("reasons") or {}).items()}
    return found


def _short(value: float) -> float:
    """A sample rounded to 6 significant digits: more than a plot shows, a third of the JSON."""
    return float(f"{value:.6g}")


def _kinks(d: Any, curve: Any) -> list[Any]:
    """The breakpoints of ``d`` inside the plotted range, at the default parameters, with f
    there (interpolated from the samples where it is not a plain number)."""
    import sympy as sp

    out = []
    for b in d.breakpoints:
        by_name = {s.name: s for s in b.x.free_symbols}
        at = b.x.subs({by_name[k]: v for k, v in d.params if k in by_name})
        try:
            x = float(sp.N(at))
        except (TypeError, ValueError):
            continue
        if not PLOT_RANGE[0] <= x <= PLOT_RANGE[1]:
            continue
        out.append({"x": x, "f": _nearest(curve, x)})
    return out


def _nearest(curve: Any, x: float) -> float | None:
    """f at the sample nearest ``x``."""
    best = min(range(len(curve.xs)), key=lambda i: abs(curve.xs[i] - x))
    value: float | None = curve.f[best]
    return value


def write_site(folder: Path, files: Mapping[str, str]) -> tuple[int, int, int]:
    """Write ``files`` into ``folder`` (created if needed), each only when its bytes changed,
    atomically; remove the pages a previous build wrote that ``files`` no longer has. Returns
    how many files were written, left unchanged and removed.

    Raises:
        OSError: the folder or a file cannot be written.
    """
    from actderiv.store.files import write_text_atomic

    folder.mkdir(parents=True, exist_ok=True)
    written = unchanged = removed = 0
    for name, text in files.items():
        path = folder / name
        data = text.encode("utf-8")
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if same:
            unchanged += 1
            continue
        write_text_atomic(path, text)
        written += 1
    manifest = folder / MANIFEST
    try:
        before = json.loads(manifest.read_text(encoding="utf-8"))
        previous = [n for n in before if isinstance(n, str)] if isinstance(before, list) else []
    except (OSError, ValueError):
        previous = []
    for name in previous:
        # only plain page names a build wrote, never a path out of the folder
        if name not in files and name.endswith(".html") and "/" not in name and "\\" not in name:
            try:
                (folder / name).unlink()
                removed += 1
            except OSError:
                pass
    write_text_atomic(manifest, json.dumps(sorted(files), indent=0) + "\n")
    return written, unchanged, removed


def build(
    catalog: Catalog,
    folder: Path,
    *,
    jobs: int | None = None,
    progress: Advance | None = None,
) -> dict[str, Any]:
    """Build the website of ``catalog`` into ``folder``; return the ``site --json`` object."""
    from actderiv.schema import SCHEMA_VERSION

    files, derived = site_files(catalog, jobs=jobs, progress=progress)
    written, unchanged, removed = write_site(folder, files)
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "actderiv-site",
        "folder": str(folder),
        "index": str(folder / "index.html"),
        "entries": len(files) - 1,
        "files": len(files),
        "written": written,
        "unchanged": unchanged,
        "removed": removed,
        "derived": derived,
    }
