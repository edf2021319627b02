"""How worker processes start: by fork where that is safe, else as fresh interpreters.

``pipelines``, ``exports`` and ``site`` derive missing entries in worker processes
(docs/ARCHITECTURE.md, "The data path"). Forking is the cheapest start, but forking a process
that holds threads of its own can deadlock in the child: JAX starts such threads when it is
imported (``verify --against jax``, a notebook, a test run). Then workers are spawned instead:
a fresh interpreter that imports what it needs and reads the environment as it is now.
"""

from __future__ import annotations

import multiprocessing
import sys
from multiprocessing.context import BaseContext
from typing import Final

__all__ = ["pool_context"]

#: Modules that start threads when imported, after which forking is unsafe.
THREADED: Final = ("jax", "jaxlib")


def pool_context() -> BaseContext:
    """The start method for a process pool now: ``spawn`` once a threaded runtime is loaded,
    else ``fork`` on Linux (the default elsewhere)."""
    if any(name in sys.modules for name in THREADED):
        return multiprocessing.get_context("spawn")
    return multiprocessing.get_context("fork" if sys.platform == "linux" else None)
