"""The Python API: what the CLI does, as short typed calls.

>>> from actderiv import api
>>> catalog = api.load_catalog()                 # the bundled catalog and the user's
>>> catalog.require("SiLU").name                 # names and aliases, in any case
'silu'
>>> api.report(catalog, "sigmoid").self_referential
'y*(1 - y)'

Everything here returns plain data or the objects of :mod:`actderiv.results` (which show as LaTeX
in Jupyter and as tables in a Rich console); :func:`derive` returns SymPy expressions. A
:class:`Workspace` answers what every command asks, over a choice of catalog files. These are
the service layer's functions (:mod:`actderiv.service`, :mod:`actderiv.pipelines`,
:mod:`actderiv.exports`), which the CLI calls too (docs/ARCHITECTURE.md). Importing this module does
not import SymPy; the functions that need it import it when called. Errors are
:class:`actderiv.errors.ActderivError` subclasses with one-line messages. See docs/api.md.
"""

from __future__ import annotations

from actderiv.exports import export
from actderiv.pipelines import (
    ActivationReport,
    Catalog,
    VerificationReport,
    check,
    derive,
    derive_formula,
    formula_record,
    formula_report,
    load_catalog,
    load_catalogs,
    properties,
    record,
    records,
    report,
    verification_summary,
    verify,
)
from actderiv.service import Workspace
from actderiv.signal_api import critical_line, signal

__all__ = [
    "ActivationReport",
    "Catalog",
    "VerificationReport",
    "Workspace",
    "check",
    "critical_line",
    "derive",
    "derive_formula",
    "export",
    "formula_record",
    "formula_report",
    "load_catalog",
    "load_catalogs",
    "properties",
    "record",
    "records",
    "report",
    "signal",
    "verification_summary",
    "verify",
]
