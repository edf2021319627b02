"""JSON output: stable key order, two-space indent, a trailing newline. Pure; no SymPy."""

from __future__ import annotations

import json
from typing import Any


def render_json(value: Any) -> str:
    """Serialise ``value`` deterministically (the same input gives the same bytes)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
