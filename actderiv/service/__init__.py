"""The service layer: one :class:`Workspace` does everything a front end asks of actderiv.

A workspace is a choice of catalog files (``--catalog``, else the bundled catalog and the user's)
with the cache settings of the environment. The command-line interface calls nothing else: it
parses arguments, asks the workspace, and renders what comes back. The workspace composes the
pipelines of :mod:`actderiv.pipelines` and :mod:`actderiv.exports`; :mod:`actderiv.api`, the typed
Python API, re-exports those and the workspace.

Importing this module is cheap: it imports neither SymPy, nor the API, nor the worker pool, nor
the TOML parser. Each method imports what it needs when called, so that ``actderiv --help`` and
``actderiv list`` (whose table is read from the cache when nothing changed) stay fast. See
docs/ARCHITECTURE.md.

Nothing here prints, and nothing imports click or rich; progress is reported through the
``progress`` factory given to the workspace, which the front end draws as it likes.
"""

from actderiv.service.common import (
    AddOutcome,
    CatalogCheck,
    Unavailable,
    cache_folder,
    clear_cache,
    export_columns,
    param_name_problem,
)
from actderiv.service.workspace import Workspace

__all__ = [
    "AddOutcome",
    "CatalogCheck",
    "Unavailable",
    "Workspace",
    "cache_folder",
    "clear_cache",
    "export_columns",
    "param_name_problem",
]
