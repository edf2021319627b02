"""Signal propagation results in the store: ``compare`` and ``export`` show each entry's gain and
edge of chaos, which take seconds of quadrature to compute (:mod:`actderiv.engine.signal`).

A result's key is the entry's record key (its content and its callees'), the signals kind's code
(:data:`actderiv.store.core.SIGNALS`: the modules that compute it, found statically), W, B and
whether the edge of chaos was searched. What is read back is checked against its key, digest and
the schema (docs/ARCHITECTURE.md, "The store"). Pure apart from the cache files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from actderiv.store import core
from actderiv.store.cache import entry_key
from actderiv.store.core import SIGNALS, new_digest

if TYPE_CHECKING:
    from actderiv.catalog.model import ActivationSpec, Catalog
    from actderiv.schema import Signal


def signal_key(
    spec: ActivationSpec, catalog: Catalog, sigma_w: float, sigma_b: float, critical: bool
) -> str:
    """The key of one entry's signal propagation at (W, B), its parameters at their defaults."""
    digest = new_digest(f"signals\0{SIGNALS.code()}\0{sigma_w!r}\0{sigma_b!r}\0{critical}".encode())
    digest.update(entry_key(spec, catalog, {"order": 1, "wrt": None}).encode())
    return digest.hexdigest()


def read_signal(key: str) -> Signal | None:
    """The result stored under ``key``; None when there is none or the cache is off."""
    return core.read(SIGNALS, key, _signal)


def write_signal(key: str, data: Signal) -> None:
    """Store a result (one whose work ran out of a budget is not: it says so in ``reasons``)."""
    if not any("budget" in why for why in data["reasons"].values()):
        core.write(SIGNALS, key, data)


def _signal(data: Any) -> Signal:
    from actderiv import schema

    schema.check(data, "signal")
    result: Signal = data
    return result
