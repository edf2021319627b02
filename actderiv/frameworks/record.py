"""The ``verify --against FRAMEWORK --json`` object of a comparison."""

from __future__ import annotations

import math
from typing import Any, Final

from actderiv.frameworks.compare import ABS_TOL, KINDS, REL_TOL, Comparison

#: Version of the ``verify --against`` JSON object.
SCHEMA_VERSION: Final = 1


def json_number(value: float | None) -> float | str | None:
    """A float for JSON: NaN and ±inf (not JSON) become the strings "nan", "inf", "-inf"."""
    if value is None or math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def comparison_record(comparison: Comparison) -> dict[str, Any]:
    """The ``verify --against FRAMEWORK --json`` object (see docs/frameworks.md)."""
    entries = comparison.entries
    checked = [e for e in entries if e.skipped is None]
    kinds: dict[str, int] = dict.fromkeys(KINDS, 0)
    for e in checked:
        for m in e.mismatches:
            kinds[m.kind] += 1
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": "actderiv-framework-check",
        "framework": comparison.framework,
        "version": comparison.version,
        "tolerance": {"rel": REL_TOL, "abs": ABS_TOL},
        "summary": {
            "entries": len(entries),
            "checked": len(checked),
            "skipped": len(entries) - len(checked),
            "failed": sum(1 for e in checked if e.mismatches),
            "points": sum(e.points for e in checked),
            "kinks": sum(len(e.kinks) for e in checked),
            "mismatches": comparison.mismatches,
            "by_kind": kinds,
        },
        "results": [
            {
                "name": e.name,
                "call": e.call,
                "status": e.status,
                "skipped": e.skipped,
                "points": e.points,
                "mismatches": [
                    {
                        "kind": m.kind,
                        "x": m.x,
                        "expected": json_number(m.expected),
                        "got": json_number(m.got),
                        "detail": m.detail,
                    }
                    for m in e.mismatches
                ],
                "kinks": [
                    {
                        "x": k.x,
                        "left": json_number(k.left),
                        "right": json_number(k.right),
                        "as_written": json_number(k.as_written),
                        "recorded": json_number(k.recorded),
                        "got": json_number(k.got),
                        "choice": k.choice,
                        "ok": k.ok,
                    }
                    for k in e.kinks
                ],
                "notes": list(e.notes),
            }
            for e in entries
        ],
    }
