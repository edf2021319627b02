"""LaTeX → MathML for the website, converted at build time (no script, no font from elsewhere).

The LaTeX is what actderiv's printers wrote for the exports (:mod:`actderiv.render.texprint`),
so a better printed form shows on the website too. latex2mathml converts it; its output is then
parsed and written again from an allow-list of MathML elements and attributes with every text
escaped, because the converter copies ``\\text{…}`` through as it is. Anything outside the list
(or that does not parse) is shown as the escaped LaTeX source instead. Pure: no I/O, no printing
(docs/ARCHITECTURE.md, "The website").
"""

from __future__ import annotations

import html
from typing import Final
from xml.etree import ElementTree

_NS: Final = "{http://www.w3.org/1998/Math/MathML}"
#: The MathML Core elements the converter writes for actderiv's LaTeX.
ELEMENTS: Final = frozenset(
    [
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "mtext",
        "mspace",
        "msup",
        "msub",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mtable",
        "mtr",
        "mtd",
        "mstyle",
        "mpadded",
        "mphantom",
        "munder",
        "mover",
        "munderover",
        "menclose",
        "merror",
    ]
)
ATTRIBUTES: Final = frozenset(
    [
        "display",
        "stretchy",
        "fence",
        "form",
        "separator",
        "lspace",
        "rspace",
        "width",
        "height",
        "depth",
        "mathvariant",
        "columnalign",
        "columnspacing",
        "rowspacing",
        "displaystyle",
        "scriptlevel",
        "linethickness",
        "accent",
        "accentunder",
        "movablelimits",
        "largeop",
        "symmetric",
        "minsize",
        "maxsize",
        "notation",
    ]
)


class NotMathML(ValueError):
    """The converter's output holds something outside the allow-list."""


def mathml(latex: str, *, block: bool = False, label: str | None = None) -> str:
    """``latex`` as one ``<math>`` element (``display="block"`` with ``block``), or, where it
    cannot be converted safely, as its escaped source in ``<code class="tex">``. ``label``
    becomes the element's ``aria-label`` (the text a screen reader says)."""
    from latex2mathml.converter import convert  # the site extra (the service checks for it)

    try:
        converted = convert(latex, display="block" if block else "inline")
        return _clean(converted, label)
    except Exception:
        return f'<code class="tex">{html.escape(latex)}</code>'


def _clean(text: str, label: str | None) -> str:
    """The converter's output written again from the allow-list.

    Raises:
        NotMathML: an element or attribute outside the allow-list, or a declaration.
    """
    if "<!" in text or "<?" in text:  # no DOCTYPE, hence no entity declarations to expand
        raise NotMathML("a declaration")
    root = ElementTree.fromstring(text)
    out: list[str] = []
    _write(root, out, label)
    return "".join(out)


def _write(node: ElementTree.Element, out: list[str], label: str | None) -> None:
    tag = node.tag.removeprefix(_NS)
    if tag not in ELEMENTS:
        raise NotMathML(f"element {tag!r}")
    attrs = []
    for key, value in sorted(node.attrib.items()):
        if key not in ATTRIBUTES:
            raise NotMathML(f"attribute {key!r}")
        attrs.append(f' {key}="{html.escape(value)}"')
    if label is not None and tag == "math":
        attrs.append(f' aria-label="{html.escape(label)}"')
    out.append(f"<{tag}{''.join(attrs)}>")
    if node.text:
        out.append(html.escape(node.text, quote=False))
    for child in node:
        _write(child, out, None)
        if child.tail:
            out.append(html.escape(child.tail, quote=False))
    out.append(f"</{tag}>")
