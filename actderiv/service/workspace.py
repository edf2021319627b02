"""The :class:`Workspace`: a choice of catalog files, and everything a front end asks of them
(see :mod:`actderiv.service`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actderiv.service.common import (
    AddOutcome,
    CatalogCheck,
    Unavailable,
    no_progress,
)
from actderiv.service.signals import SignalMethods

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.results import ActivationReport
    from actderiv.rows import Row

    #: Called once per entry as it is finished.
    Advance = Callable[[ActivationSpec], None]
    #: Given how many entries a piece of work covers, a context that yields the callback to
    #: call as each one is finished (or None, for no progress report).
    ProgressFactory = Callable[[int], AbstractContextManager[Advance | None]]

__all__ = ["Workspace"]


class Workspace(SignalMethods):
    """A choice of catalog files, and everything that can be asked of them.

    ``catalog_paths`` are the files to layer (later ones override earlier ones); empty means the
    bundled catalog with the user's over it. ``progress`` (see :data:`ProgressFactory`) is
    opened around each piece of work that may derive several entries.
    """

    __slots__ = ("_catalog", "_progress", "catalog_paths")

    def __init__(
        self,
        catalog_paths: Sequence[Path] = (),
        *,
        progress: ProgressFactory | None = None,
    ) -> None:
        self.catalog_paths = tuple(catalog_paths)
        self._progress: ProgressFactory = progress or no_progress
        self._catalog: Catalog | None = None

    # --- catalogs -------------------------------------------------------------------------

    def paths(self) -> Sequence[Path]:
        """The catalog files in use: those given, else the bundled one and the user's."""
        from actderiv.catalog.files import default_catalog_paths

        return self.catalog_paths or default_catalog_paths()

    def catalog(self) -> Catalog:
        """The catalogs of :meth:`paths`, layered (loaded once per workspace)."""
        if self._catalog is None:
            from actderiv.store.snapshot import load_catalogs

            self._catalog = load_catalogs(self.paths())
        return self._catalog

    def spec(self, name: str) -> ActivationSpec:
        """The entry called ``name`` (key or alias, any case).

        Raises:
            UnknownActivationError: no entry has that name (the error suggests close names).
        """
        return self.catalog().require(name)

    def specs(
        self, tags: Sequence[str] = (), frameworks: Sequence[str] = ()
    ) -> list[ActivationSpec]:
        """The entries with any of ``tags`` (ignoring case) and, when ``frameworks`` (keys of
        :data:`actderiv.catalog.model.FRAMEWORKS`) are given, a qualified name in any of them;
        every entry when neither is given."""
        from actderiv.rows import has_framework, has_tag

        return [
            spec
            for spec in self.catalog()
            if has_tag(spec.tags, tags) and has_framework(spec.aliases, frameworks)
        ]

    def named(self, names: Iterable[str]) -> list[ActivationSpec]:
        """The entries called ``names``, each once, in the order first named."""
        catalog = self.catalog()
        return list({s.name: s for s in (catalog.require(n) for n in names)}.values())

    def target(self) -> Path:
        """The catalog file that :meth:`add` and :meth:`remove` write: the one given, else the
        user's.

        Raises:
            ValueError: several catalog files were given.
        """
        from actderiv.catalog.files import user_catalog_path

        if len(self.catalog_paths) > 1:
            raise ValueError("add and remove write one catalog file, and several were given")
        return self.catalog_paths[0] if self.catalog_paths else user_catalog_path()

    def _below_target(self) -> list[Path]:
        """The catalogs layered under :meth:`target`: the bundled one for the user's."""
        from actderiv.catalog.files import bundled_catalog_path

        return [] if self.catalog_paths else [bundled_catalog_path()]

    def check_files(self, paths: Sequence[Path] = ()) -> CatalogCheck:
        """Validate catalog files (default: :meth:`paths`), collecting every problem."""
        from actderiv.errors import CatalogError, CatalogErrors
        from actderiv.store.snapshot import load_catalogs

        files = list(paths or self.paths())
        try:
            catalog = load_catalogs(files)
        except CatalogErrors as exc:
            return CatalogCheck(files, [str(e) for e in exc.errors], 0)
        except CatalogError as exc:
            return CatalogCheck(files, [str(exc)], 0)
        return CatalogCheck(files, [], len(catalog))

    # --- records --------------------------------------------------------------------------

    def records(
        self, specs: Sequence[ActivationSpec], *, for_verify: bool = False
    ) -> list[dict[str, Any]]:
        """The records of ``specs`` (see :func:`actderiv.pipelines.records`), from the cache where
        nothing changed; progress is reported while any must be derived."""
        if not for_verify:
            cached = self._all_cached(specs)
            if cached is not None:
                return cached
        from actderiv import pipelines

        with self._progress(len(specs)) as advance:
            return pipelines.records(self.catalog(), specs, progress=advance, for_verify=for_verify)

    def _all_cached(self, specs: Sequence[ActivationSpec]) -> list[dict[str, Any]] | None:
        """The whole records of ``specs`` when the cache holds every one (as ``list`` finds for
        the bundled catalog), looked up as :func:`actderiv.pipelines.records` does but without
        loading the pipelines and their result classes; None when one is missing."""
        from actderiv.store import cache

        if not cache.enabled():
            return None
        catalog = self.catalog()
        store = cache.RecordCache()
        options = {"order": 1, "wrt": None}
        found = []
        for spec in specs:
            record = store.get(cache.entry_key(spec, catalog, options))
            if record is None:
                return None
            found.append(record)
        return found

    def list_rows(self, tags: Sequence[str] = (), frameworks: Sequence[str] = ()) -> list[Row]:
        """The rows of ``list``'s default table: the stored ones when the catalog files and the
        code have not changed, else made from the records (and stored, when they cover the
        whole catalog)."""
        from actderiv.catalog.files import read_layers
        from actderiv.store import listing
        from actderiv.store.files import enabled as cache_enabled

        layers = read_layers(self.paths())
        key = listing.rows_key(layers)
        # with the cache off (ACTDERIV_NO_CACHE) nothing stored is read, the shipped rows neither
        rows = listing.read_rows(key) if cache_enabled() else None
        if rows is None:
            if self._catalog is None:
                from actderiv.store.snapshot import load_layers

                self._catalog = load_layers(layers)
            specs = self.specs(tags, frameworks)
            records = self.records(specs)
            rows = [listing.row(spec, record) for spec, record in zip(specs, records, strict=True)]
            if len(specs) == len(self._catalog):
                listing.write_rows(key, rows, records)
        return [
            row
            for row in rows
            if listing.has_tag(row["tags"], tags)
            and listing.has_framework(row["frameworks"], frameworks)
        ]

    def report(self, name: str, *, order: int = 1, wrt: str | None = None) -> ActivationReport:
        """Everything ``show`` reports about entry ``name`` (:func:`actderiv.pipelines.report`)."""
        from actderiv import pipelines

        return pipelines.report(self.catalog(), name, order=order, wrt=wrt)

    def properties(self, name: str) -> dict[str, Any]:
        """The properties of entry ``name`` (see :func:`actderiv.pipelines.properties`)."""
        from actderiv import pipelines

        return pipelines.properties(self.catalog(), name)

    def derive_formula(
        self,
        text: str,
        *,
        params: Mapping[str, float] | None = None,
        order: int = 1,
        wrt: str | None = None,
        timeout: float = 60.0,
    ) -> dict[str, Any]:
        """The record of a typed formula, which may call the catalog's entries, derived within
        ``timeout`` seconds (a guard against a hang: the work itself is counted in steps).

        Raises:
            FormulaError: ``text`` is not an allowed formula.
            DerivationError: the derivation ran past the hang guard.
        """
        from actderiv import pipelines
        from actderiv.engine.budget import EngineOptions

        options = EngineOptions(timeout=timeout)  # the work itself is counted in steps
        return pipelines.formula_record(
            text, params=params, catalog=self.catalog(), order=order, wrt=wrt, options=options
        )

    # --- checks ---------------------------------------------------------------------------

    def verify(self, specs: Sequence[ActivationSpec]) -> dict[str, Any]:
        """The ``verify --json`` object of ``specs``: every check, proved, confirmed, failed or
        undecided (see :func:`actderiv.pipelines.verification_summary`)."""
        from actderiv import pipelines

        return pipelines.verification_summary(self.records(specs, for_verify=True))

    def verify_against(
        self, specs: Sequence[ActivationSpec], framework: str
    ) -> tuple[dict[str, Any], bool]:
        """The ``verify --against`` object of ``specs`` compared with PyTorch or JAX, and
        whether every comparison passed.

        Raises:
            Unavailable: the framework is not installed.
        """
        from actderiv import frameworks

        try:
            with self._progress(len(specs)) as advance:
                comparison = frameworks.compare(self.catalog(), specs, framework, progress=advance)
        except frameworks.FrameworkNotInstalled as exc:
            raise Unavailable(str(exc)) from exc
        return frameworks.comparison_record(comparison), comparison.passed

    def check(self, name: str, claim: str, *, function: bool = False) -> dict[str, Any]:
        """A derivative (or, with ``function``, a definition) someone wrote, compared with the
        entry's (see :func:`actderiv.pipelines.check`)."""
        from actderiv import pipelines

        return pipelines.check(self.catalog(), name, claim, function=function)

    def gradient(
        self,
        name: str,
        depth: int,
        *,
        params: Mapping[str, float] | None = None,
        formula: bool = False,
    ) -> dict[str, Any]:
        """How a gradient scales through ``depth`` stacked layers of entry ``name`` or, with
        ``formula`` or ``params``, of the formula ``name``.

        Raises:
            ValueError: the function is not defined on all of ℝ.
        """
        from actderiv.engine import gradient

        if formula or params:
            return gradient.gradient_of_text(name, dict(params or {}), depth, self.catalog())
        return gradient.gradient_by_name(self.catalog(), name, depth)

    # --- output ---------------------------------------------------------------------------

    def export(
        self,
        names: Sequence[str],
        *,
        fmt: str = "latex",
        columns: Sequence[str] | None = None,
        standalone: bool = False,
        precision: int = 6,
        caption: str | None = None,
        label: str | None = None,
        table_only: bool = False,
        row_names: str = "key",
    ) -> str:
        """The text of ``export`` (see :func:`actderiv.exports.export`)."""
        from actderiv.exports import export

        with self._progress(len(names)) as advance:
            return export(
                self.catalog(),
                names,
                fmt=fmt,
                columns=columns,
                standalone=standalone,
                precision=precision,
                progress=advance,
                caption=caption,
                label=label,
                table_only=table_only,
                row_names=row_names,
            )

    def site(self, folder: Path, *, jobs: int | None = None) -> dict[str, Any]:
        """Build the website of the catalog into ``folder`` (see :func:`actderiv.site.build`);
        return the ``site --json`` object. Progress is reported three times per entry (its
        record, its fragments, its page data), from the store or derived.

        Raises:
            Unavailable: latex2mathml (the site extra) is not installed.
            OSError: the folder cannot be written.
        """
        import importlib.util

        from actderiv import site

        if importlib.util.find_spec("latex2mathml") is None:
            raise Unavailable("the website needs latex2mathml: pip install 'actderiv[site]'")
        catalog = self.catalog()
        with self._progress(site.progress_total(len(catalog))) as advance:
            return site.build(catalog, folder, jobs=jobs, progress=advance)

    def codegen(
        self,
        name: str | None,
        target: str,
        params: Mapping[str, float] | None = None,
        *,
        formula: str | None = None,
        label: str | None = None,
    ) -> str:
        """Forward and backward code in ``target`` (numpy, torch, jax, c) for entry ``name`` or,
        with ``formula``, for a typed formula whose parameters are ``params``, named ``label``.

        Raises:
            CodegenError: the target is unknown, or the formula cannot be written in it.
            FormulaError: ``formula`` is not an allowed formula.
        """
        from actderiv.codegen import codegen, formula_source, generate
        from actderiv.errors import InvalidInput

        catalog = self.catalog()
        if formula is not None:
            source = formula_source(formula, params, catalog=catalog, name=label or "activation")
            return generate(source, target)
        if name is None:
            raise InvalidInput("give an activation name or a formula (one of them)")
        search = _cached_output_only(catalog, name) is not False
        return codegen(catalog, name, target, params, search=search)

    def plot(
        self,
        names: Sequence[str],
        *,
        fmt: str = "terminal",
        lo: float = -5.0,
        hi: float = 5.0,
        points: int = 201,
        size: tuple[int, int] = (72, 21),
        standalone: bool = False,
        formulas: Sequence[tuple[str, str]] = (),
        params: Mapping[str, float] | None = None,
    ) -> str | bytes:
        """A plot of f and f' of each entry, then of each typed formula in ``formulas`` (text,
        label; ``params`` are their parameters): text for ``terminal`` (``size`` columns and
        rows) and ``pgfplots``, bytes for ``png``, ``svg`` and ``pdf``.

        Raises:
            Unavailable: an image format without matplotlib.
        """
        import dataclasses

        from actderiv import pipelines
        from actderiv.render import plot

        catalog = self.catalog()
        specs = self.named(names)
        curves = [plot.sample(pipelines.derive(catalog, s.name), lo, hi, points) for s in specs]
        for text, label in formulas:
            d = pipelines.derive_formula(text, params=params, catalog=catalog)
            curves.append(plot.sample(dataclasses.replace(d, name=label), lo, hi, points))
        if fmt == "terminal":
            return plot.text_plot(curves, *size)
        return self._images(curves, fmt, standalone)

    def _images(self, curves: Sequence[Any], fmt: str, standalone: bool) -> str | bytes:
        from actderiv.render import plot

        if fmt == "pgfplots":
            return plot.pgfplots(curves, standalone=standalone)
        try:
            return plot.image(curves, fmt)
        except ModuleNotFoundError as exc:
            if exc.name != "matplotlib" and not str(exc.name).startswith("matplotlib."):
                raise
            raise Unavailable(
                "PNG, SVG and PDF plots need matplotlib: pip install 'actderiv[plot]'"
            ) from exc

    # --- editing --------------------------------------------------------------------------

    def add(
        self,
        name: str,
        expr: str,
        *,
        params: Mapping[str, float] | None = None,
        title: str = "",
        aliases: Sequence[str] = (),
        tags: Sequence[str] = (),
        references: Sequence[Mapping[str, Any]] = (),
        notes: str = "",
        derivative: str | None = None,
        force: bool = False,
        dry_run: bool = False,
        override: bool = False,
    ) -> AddOutcome:
        """Derive and verify a new entry, then add it to :meth:`target` unless a check failed
        (with ``force``, it is added with the failure recorded) or ``dry_run``.

        Raises:
            CatalogError: the name or an alias is taken, or the entry is invalid.
        """
        import dataclasses

        from actderiv import pipelines
        from actderiv.catalog.edit import NewEntry, add_entry, preview

        target, others = self.target(), self._below_target()
        entry = NewEntry(
            name=name,
            expr=expr,
            title=title,
            params=dict(params or {}),
            aliases=tuple(aliases),
            tags=tuple(tags),
            references=list(references),
            notes=notes,
            derivative=derivative,
        )
        record = pipelines.record(preview(entry, target, others, override), name)
        failed = [c for c in record["verification"]["checks"] if c["status"] == "failed"]
        if failed and force:
            summary = "; ".join(f"{c['name']}: {c['detail']}" for c in failed)
            entry = dataclasses.replace(entry, unverified=f"added with --force: {summary}")
        written = not dry_run and (not failed or force)
        if written:
            add_entry(entry, target, others, override=override)
            self._catalog = None
        return AddOutcome(entry.toml(), record, target, written, failed)

    def remove(self, name: str) -> tuple[str, Path]:
        """Remove entry ``name`` from :meth:`target`; return the key removed and the file.

        Raises:
            CatalogError: no such entry in that file, or other entries call it.
        """
        from actderiv.catalog.edit import remove_entry

        target = self.target()
        key = remove_entry(name, target, self._below_target())
        self._catalog = None
        return key, target


def _cached_output_only(catalog: Catalog, name: str) -> bool | None:
    """What a cached record says about the output-only form, without deriving anything."""
    from actderiv.store import cache

    if not cache.enabled():
        return None
    spec = catalog.require(name)
    record = cache.RecordCache().get(cache.entry_key(spec, catalog, {"order": 1, "wrt": None}))
    if record is None or not isinstance(record.get("output_only"), bool):
        return None
    return bool(record["output_only"])
