"""What the website's pages share: the page around the content, escaping, links, the cells of
formulas and properties.

Every catalog string is escaped with :func:`html.escape` here or by the caller; a link is written
only for an http(s) address. Each page carries a Content-Security-Policy that allows its own
inline stylesheet and script (by their hashes) and nothing else: no request to any host, and no
script that was not written here runs even if one slipped into the page. Pure: no I/O, no
printing (docs/ARCHITECTURE.md, "The website").
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any, Final

from actderiv.render.site.assets import CSS
from actderiv.render.site.mathml import mathml

esc = html.escape
_URL: Final = re.compile(r"https?://[^\s<>\"']+")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def page(title: str, body: str, *, script: str | None = None, description: str = "") -> str:
    """A whole HTML document: ``title`` (plain text, escaped here), ``body`` (HTML), and an
    inline ``script`` allowed by its hash."""
    scripts = _hash(script) if script else "'none'"
    policy = (
        f"default-src 'none'; img-src data:; style-src {_hash(CSS)}; script-src {scripts}; "
        "base-uri 'none'; form-action 'none'"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f'<meta name="description" content="{esc(description)}">' if description else "",
        '<link rel="icon" href="data:,">',
        f"<title>{esc(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        body,
        f"<script>{script}</script>" if script else "",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(p for p in parts if p != "")


def math(latex: str | None, *, block: bool = False) -> str:
    """A formula as MathML, or an em dash where there is none."""
    if latex is None:
        return '<span class="muted">—</span>'
    return mathml(latex, block=block)


def link(text: str, url: str) -> str:
    """``text`` linked to ``url`` when it is an http(s) address, else ``text`` then ``url`` as
    plain text (escaped): a ``javascript:`` address never becomes a link."""
    if _URL.fullmatch(url):
        return f'<a href="{esc(url)}" rel="noopener noreferrer">{esc(text)}</a>'
    if not url:
        return esc(text)
    return f'{esc(text)} <span class="muted">({esc(url)})</span>'


def yes_no(value: object) -> str:
    if value is None:
        return '<span class="muted">unknown</span>'
    return '<span class="yes">yes</span>' if value else '<span class="no">no</span>'


def output_only_label(record: Mapping[str, Any]) -> str:
    """Whether the backward needs only the output y (or x too), as the CLI words it."""
    if record.get("self_referential") is None:
        return '<span class="muted">no form in y found</span>'
    if record.get("output_only"):
        return '<span class="yes">needs only the output y</span>'
    return '<span class="no">needs x too</span>'


def range_latex(props: Mapping[str, Any] | None, item: Mapping[str, Any]) -> str | None:
    """The range of f as LaTeX (the export's cell), or None where it is not known."""
    from actderiv.render.export import cell_text

    if not props:
        return None
    return cell_text(item, "range", "latex")


def smoothness_latex(item: Mapping[str, Any]) -> str | None:
    from actderiv.render.export import cell_text

    return cell_text(item, "continuity", "latex")


def smoothness_rank(props: Mapping[str, Any] | None) -> str:
    """A sort key for the smoothness column: C^∞ above C^k above a jump above unknown."""
    value = (props or {}).get("continuity")
    if value == "inf":
        return "1000"
    if isinstance(value, int):
        return str(value)
    return "-2"


def tags_html(tags: list[str]) -> str:
    return "".join(f'<span class="tag">{esc(t)}</span>' for t in tags)
