"""Worker processes start by fork, unless a runtime with threads of its own (JAX) is loaded:
forking such a process can deadlock in the child, so workers are then spawned (see
actderiv/processes.py and docs/ARCHITECTURE.md)."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from actderiv import api
from actderiv.processes import THREADED, pool_context

DATA = Path(__file__).parent / "data"


def _without_threaded_runtimes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in THREADED:
            monkeypatch.delitem(sys.modules, name)


def test_workers_are_forked_while_no_threaded_runtime_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_threaded_runtimes(monkeypatch)

    assert pool_context().get_start_method() == ("fork" if sys.platform == "linux" else "spawn")


def test_workers_are_spawned_once_jax_is_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_threaded_runtimes(monkeypatch)
    monkeypatch.setitem(sys.modules, "jax", types.ModuleType("jax"))

    assert pool_context().get_start_method() == "spawn"


def test_spawned_workers_give_the_records_one_process_gives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Spawned workers import what they need and read the environment as it is now (here: no
    cache), and give the records a single process gives, in catalog order."""
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")
    monkeypatch.setitem(sys.modules, "jax", types.ModuleType("jax"))
    catalog = api.load_catalogs([DATA / "tiny.toml"])
    specs = [catalog.require("relu"), catalog.require("sigmoid")]
    assert pool_context().get_start_method() == "spawn"

    serial = api.records(catalog, specs, for_verify=True, jobs=1)
    parallel = api.records(catalog, specs, for_verify=True, jobs=2)

    assert parallel == serial
