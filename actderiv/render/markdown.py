"""GitHub-flavoured Markdown: one table with ``$…$`` math that renders on GitHub.

The math comes from :func:`actderiv.render.latex.markdown_safe`: no ``|`` (it would split the
cell; printed as ``\\vert``), no ``<``/``>`` (GitHub's HTML filter), no backslash before
punctuation (GitHub's Markdown eats it: ``\\{``, ``\\_``, ``\\\\``), ``\\mathrm`` instead of
``\\operatorname``. Pure: no I/O, no printing; never imports click or rich.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final


def render_markdown(entries: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A Markdown table of ``columns``, one row per entry, then the parameter defaults."""
    from actderiv.render.export import COLUMNS, cell_text

    lines = [
        "| " + " | ".join(COLUMNS[c].markdown_header for c in columns) + " |",
        "|" + "|".join(" --- " for _ in columns) + "|",
    ]
    for item in entries:
        cells = [_cell(cell_text(item, c, "markdown"), COLUMNS[c].math, c) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    notes = [_params(item) for item in entries if item["markdown"]["params"]]
    if notes:
        lines += ["", "Default parameters: " + "; ".join(notes) + "."]
    named = dict.fromkeys(d for item in entries for d in item["markdown"].get("legend") or ())
    if named:
        lines += ["", "Named functions: " + "; ".join(f"${d}$" for d in named) + "."]
    lines.append("")
    lines.append(
        "In the self-referential column, $f(x)$ is the activation's own output "
        "(what a backward pass can keep instead of $x$)."
    )
    return "\n".join(lines) + "\n"


def _cell(text: str | None, math: bool, column: str) -> str:
    if text is None:
        return "—"
    if math:
        return f"${text}$"
    if column == "name":
        return f"`{escape_text(text)}`"
    return escape_text(text)


#: Characters that would make Markdown or the HTML it becomes out of plain text: HTML tags and
#: entities, links and images, emphasis, code spans, and the cell separator.
_MARKDOWN_SPECIAL: Final = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "\\|",
    **{c: "\\" + c for c in "\\`*_[]()!#~$"},
}


def escape_text(text: str) -> str:
    """Catalog text as inert Markdown, on one line: ``<script>`` shows as text, a newline
    cannot split a table row, control characters print as escapes."""
    from actderiv.render.safe import printable

    flat = printable(" ".join(text.split()))
    return "".join(_MARKDOWN_SPECIAL.get(c, c) for c in flat)


def _params(item: Mapping[str, Any]) -> str:
    shown = ", ".join(f"${k} = {v}$" for k, v in item["markdown"]["params"])
    return f"`{item['name']}` {shown}"
