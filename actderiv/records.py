"""Derivation (SymPy objects) → record (plain JSON data), typed by :mod:`actderiv.schema` (the
record contract: docs/ARCHITECTURE.md).

Every expression becomes a string that ``sympy.sympify`` parses back into an equal expression when
``x``, ``y`` and the parameters are given as real symbols. Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import sympy as sp

from actderiv.catalog.model import ActivationSpec
from actderiv.engine.derivation import Breakpoint, Derivation
from actderiv.engine.verify import Verification
from actderiv.engine.vocabulary import ops
from actderiv.lang.display import display
from actderiv.lang.named import legend
from actderiv.lang.spelling import Spelling
from actderiv.schema import SCHEMA_VERSION, Check, Properties, Readability, Record
from actderiv.schema import Breakpoint as BreakpointRecord
from actderiv.schema import Verification as VerificationRecord


def expr_text(expr: sp.Expr | None) -> str | None:
    """The string form of an expression (None stays None)."""
    return None if expr is None else str(sp.sstr(expr))


def expr_latex(expr: sp.Expr | None) -> str | None:
    return None if expr is None else str(sp.latex(expr))


def derivation_record(
    d: Derivation,
    spec: ActivationSpec | None = None,
    verification: Verification | None = None,
    *,
    properties: Mapping[str, Any] | None = None,
    exhausted: Sequence[str] = (),
) -> Record:
    """The JSON record of one derivation (see :class:`actderiv.schema.Record`).

    ``properties`` (from :mod:`actderiv.engine.properties`) is stored as it is, or null. Where a
    work budget ran out (in the derivation, its verification or ``exhausted``, the properties'),
    the record says so under "exhausted", a list of messages; that key is present only then.
    """
    selfref = d.self_referential
    shown = printed_forms(d)
    spent = list(
        dict.fromkeys([*d.exhausted, *(verification.exhausted if verification else ()), *exhausted])
    )
    record: Record = {
        "schema_version": SCHEMA_VERSION,
        "name": d.name,
        "title": d.title,
        "aliases": list(d.aliases),
        "params": dict(d.params),
        "tags": list(spec.tags) if spec else [],
        "torch_function": d.torch,
        "expr": expr_text(d.expr),
        "order": d.order,
        "wrt": d.wrt,
        "derivative": expr_text(d.derivative),
        "self_referential": expr_text(selfref.expr) if selfref else None,
        "output_only": bool(selfref and selfref.output_only),
        "breakpoints": [_breakpoint(bp) for bp in d.breakpoints],
        "param_derivatives": {name: expr_text(e) for name, e in d.param_derivatives},
        "display": {
            "expr": display_text(shown[0], d.spellings),
            "derivative": display_text(shown[1], d.spellings),
            "self_referential": display_text(shown[2], d.spellings),
            "param_derivatives": {
                name: display_text(e, d.spellings) for name, e in d.param_derivatives
            },
        },
        "latex": {
            "expr": expr_latex(shown[0]),
            "derivative": expr_latex(shown[1]),
            "self_referential": expr_latex(shown[2]),
        },
        "legend": [
            {"name": e.name, "display": e.display, "latex": e.latex} for e in legend(*shown)
        ],
        "readability": readability(shown[1], shown[2]),
        "notes": list(d.notes),
        "verified": bool(verification and verification.passed),
        "verification": verification_record(verification) if verification else None,
        "properties": cast("Properties | None", properties),
    }
    if spent:
        record["exhausted"] = spent
    return record


def printed_forms(d: Derivation) -> tuple[sp.Expr, sp.Expr, sp.Expr | None]:
    """f, f' and the self-referential form as printed: in named functions where found."""
    selfref = d.self_referential.expr if d.self_referential else None
    if d.named is None:
        return d.expr, d.derivative, selfref
    return (
        d.expr if d.named.expr is None else d.named.expr,
        d.named.derivative,
        (d.named.self_referential if selfref is not None else None),
    )


def readability(derivative: sp.Expr | None, selfref: sp.Expr | None) -> Readability:
    """The measure of the printed forms (see :func:`actderiv.engine.vocabulary.ops`)."""
    a = None if derivative is None else ops(derivative)
    b = None if selfref is None else ops(selfref)
    shortest: Literal["derivative", "self_referential"] | None = None
    if a is not None:
        shortest = "self_referential" if b is not None and b < a else "derivative"
    return {"derivative": a, "self_referential": b, "shortest": shortest}


def verification_record(v: Verification) -> VerificationRecord:
    """Counts by status and every check, with its counterexample when it failed."""
    counts = v.counts()
    checks: list[Check] = [
        {
            "name": c.name,
            "status": c.status,
            "detail": c.detail,
            "counterexample": None
            if c.counterexample is None
            else {
                "x": c.counterexample.x,
                "expected": c.counterexample.expected,
                "got": c.counterexample.got,
            },
        }
        for c in v.checks
    ]
    return {
        "summary": {
            "proved": counts.get("proved", 0),
            "confirmed": counts.get("confirmed", 0),
            "failed": counts.get("failed", 0),
            "undecided": counts.get("undecided", 0),
        },
        "checks": checks,
    }


def _breakpoint(bp: Breakpoint) -> BreakpointRecord:
    return {
        "x": expr_text(bp.x),
        "left": expr_text(bp.left),
        "right": expr_text(bp.right),
        "value": expr_text(bp.value),
        "torch": expr_text(bp.torch),
        "continuous": bp.continuous,
        "differentiable": bp.differentiable,
    }


def display_text(expr: sp.Expr | None, spellings: tuple[Spelling, ...] = ()) -> str | None:
    """A one-line form for people: ``^`` for powers, ``≤``, ``|x|``, branches as ``a if c; b
    otherwise``, constants as the source wrote them (see :mod:`actderiv.lang.display`)."""
    return None if expr is None else display(expr, spellings)
