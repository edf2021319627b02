"""Renderers: pure functions from records to text (json, latex, markdown) or Rich renderables.

:data:`FORMATS` maps a format name to ``"module:function"``, imported only when asked for, so
choosing ``--format json`` never loads the LaTeX printer (or SymPy).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Final

FORMATS: Final = {
    "json": "actderiv.render.json:render_json",
    "latex": "actderiv.render.latex:render_latex",
    "markdown": "actderiv.render.markdown:render_markdown",
}


def renderer(name: str) -> Callable[..., Any]:
    """The render function of format ``name`` (imported now).

    Raises:
        ValueError: no format is called ``name``.
    """
    target = FORMATS.get(name)
    if target is None:
        raise ValueError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")
    module, _, function = target.partition(":")
    render: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return render
