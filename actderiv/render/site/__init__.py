"""The website: records, export fragments and page data → HTML with MathML and inline SVG.

:func:`index_page` and :func:`entry_page` take the plain data that :mod:`actderiv.site` gathers
and return whole HTML documents; :mod:`.mathml` converts the exports' LaTeX, :mod:`.svg` draws the
plots, :mod:`.assets` holds the stylesheet and scripts. Pure: no I/O, no printing; never imports
click or rich (docs/ARCHITECTURE.md, "The website").
"""

from __future__ import annotations

from actderiv.render.site.entry import entry_page, latex_block
from actderiv.render.site.index import index_page

__all__ = ["entry_page", "index_page", "latex_block"]
