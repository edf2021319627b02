"""The workspace's signal-propagation methods (``signal``, ``compare``'s and ``export``'s
signal columns, the critical line), kept apart so that each module of the service layer stays
small; :class:`actderiv.service.Workspace` inherits them (docs/ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.service.common import ProgressFactory


class SignalMethods:
    """Mixed into :class:`actderiv.service.Workspace`, which provides what is declared here."""

    __slots__ = ()

    if TYPE_CHECKING:
        _progress: ProgressFactory

        def catalog(self) -> Catalog: ...

        def named(self, names: Iterable[str]) -> list[ActivationSpec]: ...

        def records(
            self, specs: Sequence[ActivationSpec], *, for_verify: bool = False
        ) -> list[dict[str, Any]]: ...

        def _images(self, curves: Sequence[Any], fmt: str, standalone: bool) -> str | bytes: ...

    def signal(
        self,
        name: str | None,
        *,
        formula: str | None = None,
        params: Mapping[str, float] | None = None,
        sigma_w: float = 1.0,
        sigma_b: float = 0.0,
    ) -> tuple[dict[str, Any], bool]:
        """``actderiv signal``: the JSON form of :func:`actderiv.signal_api.signal`, and whether
        gain, q* and chi1 all have values."""
        from actderiv import signal_api

        result = signal_api.signal(
            self.catalog(), name, formula=formula, params=params, sigma_w=sigma_w, sigma_b=sigma_b
        )
        return result.as_dict(), result.answered

    def signal_columns(self, specs: Sequence[ActivationSpec]) -> list[dict[str, Any]]:
        """Each entry's gain and edge of chaos at B = 0 (for ``compare`` and ``export``), from
        the store where computed before; progress is reported while any are computed."""
        from actderiv import signal_api

        out = []
        with self._progress(len(specs)) as advance:
            for spec in specs:
                out.append(dict(signal_api.signal_columns(self.catalog(), spec.name)))
                if advance is not None:
                    advance(spec)
        return out

    def formula_signal_columns(
        self, text: str, *, params: Mapping[str, float] | None = None
    ) -> dict[str, Any]:
        """The gain and edge of chaos at B = 0 of a typed formula (computed, not stored)."""
        from actderiv import signal_api

        data = signal_api.signal(self.catalog(), formula=text, params=params).as_dict()
        return {"gain": data["gain"], "critical_sigma_w": data["critical_sigma_w"]}

    def compare(self, names: Iterable[str]) -> list[dict[str, Any]]:
        """``actderiv compare``: each entry's record with its signal-propagation columns
        (``signal``: gain and edge of chaos)."""
        specs = self.named(names)
        records = self.records(specs)
        columns = self.signal_columns(specs)
        return [{**r, "signal": c} for r, c in zip(records, columns, strict=True)]

    def critical_line(
        self,
        name: str | None,
        *,
        formula: str | None = None,
        params: Mapping[str, float] | None = None,
        b_range: tuple[float, float] = (0.0, 2.0),
        points: int = 21,
    ) -> tuple[str, list[tuple[float, float | None]]]:
        """The edge of chaos W(B) (:func:`actderiv.signal_api.critical_line`), with its label."""
        from actderiv import signal_api

        rows = signal_api.critical_line(
            self.catalog(), name, formula=formula, params=params, b_range=b_range, points=points
        )
        label = formula if formula is not None else self.catalog().require(str(name)).name
        return label, rows

    def critical_line_json(self, label: str, rows: Sequence[tuple[float, float | None]]) -> Any:
        from actderiv.engine import signal

        return {"name": label, **signal.curve_of(list(rows))}

    def critical_line_plot(
        self, label: str, rows: Sequence[tuple[float, float | None]], fmt: str
    ) -> str | bytes:
        """The critical line as a terminal plot, pgfplots or an image (png, svg, pdf)."""
        from actderiv.render import plot

        curve = plot.Curve(
            name=f"{label}: critical sigma_w",
            xs=tuple(b for b, _ in rows),
            f=tuple(w for _, w in rows),
            df=tuple(None for _ in rows),
        )
        if fmt == "terminal":
            return plot.text_plot([curve])
        return self._images([curve], fmt, standalone=True)
