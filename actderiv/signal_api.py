"""The Python API of signal propagation (``actderiv signal``), as short typed calls.

>>> from actderiv import api, signal_api
>>> catalog = api.load_catalog()
>>> r = signal_api.signal(catalog, "relu", sigma_w=1.2, sigma_b=0.3)
>>> round(r.chi1, 12), round(r.q_star, 12)
(0.72, 0.321428571429)

The result is a :class:`actderiv.engine.signal.SignalResult` (frozen; ``as_dict()`` gives the JSON
form, ``_repr_latex_`` shows it in Jupyter). Importing this module does not import SymPy. Errors are
:class:`actderiv.errors.ActderivError` subclasses with one-line messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from actderiv.catalog.model import Catalog
    from actderiv.engine.formula import Formula
    from actderiv.engine.signal import SignalResult
    from actderiv.schema import Signal, SignalColumns


def _formula(
    catalog: Catalog, name: str | None, formula: str | None, params: Mapping[str, float] | None
) -> tuple[Formula, str | None]:
    from actderiv.engine.formula import CatalogResolver, formula_from_text, formula_of
    from actderiv.engine.signal import with_params
    from actderiv.errors import InvalidInput

    if (name is None) == (formula is None):
        raise InvalidInput("give an activation name or a formula (one of them)")
    if formula is not None:
        return formula_from_text(formula, dict(params or {}), CatalogResolver(catalog)), None
    spec = catalog.require(str(name))
    return with_params(formula_of(spec, CatalogResolver(catalog)), params or {}), spec.name


def signal(
    catalog: Catalog,
    name: str | None = None,
    *,
    formula: str | None = None,
    params: Mapping[str, float] | None = None,
    sigma_w: float = 1.0,
    sigma_b: float = 0.0,
    critical: bool = True,
) -> SignalResult:
    """Gain, PyTorch's gain, q*, chi1, the edge of chaos and the depth scale at (W, B).

    ``name`` is a catalog entry (its parameters overridden by ``params``), or ``formula`` a typed
    formula with ``params`` as its parameters. ``critical=False`` skips the edge-of-chaos search.

    Raises:
        UnknownActivationError, FormulaError, InvalidInput: see :mod:`actderiv.errors`.
    """
    from actderiv.engine.signal import signal_of

    f, label = _formula(catalog, name, formula, params)
    return signal_of(f, sigma_w, sigma_b, label, critical=critical)


def critical_line(
    catalog: Catalog,
    name: str | None = None,
    *,
    formula: str | None = None,
    params: Mapping[str, float] | None = None,
    b_range: tuple[float, float] = (0.0, 2.0),
    points: int = 21,
) -> list[tuple[float, float | None]]:
    """The edge of chaos: (B, critical W) at ``points`` evenly spaced B in ``b_range``."""
    from actderiv.engine.signal import critical_line as line

    f, _ = _formula(catalog, name, formula, params)
    return line(f, b_range[0], b_range[1], points)


def signal_columns(catalog: Catalog, name: str) -> SignalColumns:
    """For ``compare`` and ``export``: the gain and the edge of chaos at W = 1, B = 0 of a
    catalog entry at its default parameters (None where there is none), rounded to 10
    significant digits; from the store where it was computed before."""
    from actderiv.store import signals as store

    spec = catalog.require(name)
    key = store.signal_key(spec, catalog, 1.0, 0.0, True)
    data = store.read_signal(key)
    if data is None:
        fresh = cast("Signal", signal(catalog, spec.name).as_dict())
        store.write_signal(key, fresh)
        data = fresh
    return {"gain": data["gain"], "critical_sigma_w": data["critical_sigma_w"]}
