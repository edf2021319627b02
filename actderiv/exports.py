"""Exports: the entries of an export (each activation's record and its formulas printed in LaTeX
and Markdown), from the store where their key is found, else derived in worker processes, then
rendered by :mod:`actderiv.render` as a LaTeX or Markdown table or a JSON document.

The service and the Python API call :func:`export`; the renderers only print what they are given
(docs/ARCHITECTURE.md). Pure apart from the store: no printing; never imports click or rich.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from actderiv.render.export import DEFAULT_PRECISION, fragments

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import Fragments


def export(
    catalog: Catalog,
    names: Iterable[str] | None = None,
    *,
    fmt: str = "latex",
    columns: Sequence[str] | None = None,
    standalone: bool = False,
    precision: int = 6,
    progress: Callable[[ActivationSpec], None] | None = None,
    caption: str | None = None,
    label: str | None = None,
    table_only: bool = False,
    row_names: str = "key",
) -> str:
    r"""The text ``actderiv export`` writes: a LaTeX (booktabs) or Markdown table, or a JSON
    document, of ``names`` in the order given (default: every entry, in catalog order).

    >>> from actderiv.pipelines import load_catalog
    >>> latex = export(load_catalog(), ["sigmoid", "relu"])
    >>> [line.split(" & ")[0] for line in latex.splitlines() if line.startswith(r"\texttt")]
    ['\\texttt{sigmoid}', '\\texttt{relu}']

    ``standalone`` (LaTeX only) makes a complete document for pdflatex; ``caption``, ``label``,
    ``table_only`` and ``row_names`` are the LaTeX table's (see
    :func:`actderiv.render.latex.render_latex`).

    Raises:
        ValueError: unknown ``fmt``, or ``standalone`` with a format other than LaTeX.
    """
    from actderiv.render import renderer
    from actderiv.render.export import DEFAULT_COLUMNS, SIGNAL_COLUMNS, export_document

    if fmt not in ("latex", "markdown", "json"):
        raise ValueError(f"unknown format {fmt!r} (latex, markdown or json)")
    if standalone and fmt != "latex":
        raise ValueError("standalone is for LaTeX")
    if names is None:
        specs = list(catalog)
    else:  # in the order given, each entry once
        specs = list({s.name: s for s in (catalog.require(n) for n in names)}.values())
    items = entries(catalog, specs, precision=precision, progress=progress)
    chosen = tuple(columns) if columns else DEFAULT_COLUMNS
    if fmt != "json" and SIGNAL_COLUMNS.keys() & set(chosen):
        from actderiv.signal_api import signal_columns

        for item in items:
            item["signal"] = signal_columns(catalog, item["name"])
    if fmt == "json":
        return str(renderer("json")(export_document(items)))
    if fmt == "markdown":
        return str(renderer("markdown")(items, chosen))
    return str(
        renderer("latex")(
            items,
            chosen,
            standalone=standalone,
            caption=caption,
            label=label,
            table_only=table_only,
            row_names=row_names,
        )
    )


def entries(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    *,
    precision: int = DEFAULT_PRECISION,
    jobs: int | None = None,
    progress: Callable[[ActivationSpec], None] | None = None,
) -> list[dict[str, Any]]:
    """One export entry per spec, in the order given (records and printed formulas)."""
    from actderiv import pipelines

    records = pipelines.records(catalog, specs)
    texts = _fragments(catalog, specs, precision, jobs, progress)
    return [
        {"name": spec.name, "record": record, **text}
        for spec, record, text in zip(specs, records, texts, strict=True)
    ]


def _fragments(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    precision: int,
    jobs: int | None,
    progress: Callable[[ActivationSpec], None] | None,
) -> list[Fragments]:
    """The printed formulas of ``specs``: from the store (the user's cache folder, else the
    layer shipped for the bundled catalog) where their key is found, else printed afresh."""
    from actderiv.store import fragments as store

    keys = [store.fragments_key(spec, catalog, precision) for spec in specs]
    found: dict[int, Fragments] = {}
    for i, key in enumerate(keys):
        hit = store.read_fragments(key)
        if hit is not None:
            found[i] = hit
            if progress is not None:
                progress(specs[i])
    missing = [i for i in range(len(specs)) if i not in found]
    for i, (printed, exhausted) in _derive_all(catalog, specs, missing, precision, jobs, progress):
        found[i] = printed
        if not exhausted:
            store.write_fragments(keys[i], printed)
    return [found[i] for i in range(len(specs))]


def fresh_fragments(
    catalog: Catalog, specs: Sequence[ActivationSpec], precision: int, jobs: int | None = None
) -> list[tuple[Fragments, bool]]:
    """The fragments of ``specs`` printed afresh (never from the store), each with whether a
    work budget ran out deriving it (``scripts/build_derived.py`` ships the others)."""
    done = _derive_all(catalog, specs, list(range(len(specs))), precision, jobs, None)
    return [pair for _, pair in done]


def _derive_all(
    catalog: Catalog,
    specs: Sequence[ActivationSpec],
    missing: list[int],
    precision: int,
    jobs: int | None,
    progress: Callable[[ActivationSpec], None] | None,
) -> list[tuple[int, tuple[Fragments, bool]]]:
    import os

    workers = min(jobs or os.cpu_count() or 1, len(missing))
    out: list[tuple[int, tuple[Fragments, bool]]] = []
    if workers <= 1:
        for i in missing:
            out.append((i, _fresh(catalog, specs[i].name, precision)))
            if progress is not None:
                progress(specs[i])
        return out
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from actderiv.processes import pool_context

    with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
        futures = {pool.submit(_fresh, catalog, specs[i].name, precision): i for i in missing}
        for future in as_completed(futures):
            i = futures[future]
            out.append((i, future.result()))
            if progress is not None:
                progress(specs[i])
    return sorted(out, key=lambda pair: pair[0])


def _fresh(catalog: Catalog, name: str, precision: int) -> tuple[Fragments, bool]:
    """One entry's fragments printed afresh, and whether a work budget ran out deriving it
    (then they are not stored)."""
    from actderiv import pipelines

    d = pipelines.derive(catalog, name)
    symbols = dict(catalog.require(name).symbols)
    printed: Fragments = {
        "latex": fragments(d, "latex", precision, symbols),
        "markdown": fragments(d, "markdown", precision, symbols),
    }
    return printed, bool(getattr(d, "exhausted", ()))
