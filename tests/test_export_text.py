"""Catalog text stays text in every export: Markdown shows HTML as text, LaTeX compiles.

A hostile review found ``<script>`` and ``<img onerror=…>`` from titles and tags written raw into
Markdown, a newline in a title or tag splitting a Markdown row, and a title with a blank line or
a control character stopping pdflatex (``Paragraph ended before \\@sect was complete``).

The loader now refuses line breaks and control characters in catalog text (a clear error naming
each field); what it accepts (HTML, Markdown and LaTeX syntax, backslashes, characters pdflatex
does not know) goes through the real CLI here. The Markdown is rendered (markdown-it, raw HTML
allowed, as GitHub's own renderer does before its filter) and must give back the text; the
LaTeX must compile. Refused text is also given to the exports directly, in entries built by hand
past the loader (the ``unchecked_catalog`` fixture): it must stay on one row and compile.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result

from actderiv.render.latex import escape_text as latex_text
from actderiv.render.markdown import escape_text as markdown_text
from actderiv.render.safe import printable

DATA = Path(__file__).parent / "data"
HOSTILE = DATA / "hostile_export.toml"
REFUSED = DATA / "hostile_export_refused.toml"
COLUMNS = "name,title,expr,tags"
#: Control characters, line and paragraph separators, bidirectional controls: none may reach an
#: export (a newline ends a Markdown row, so a row's text may not hold one either).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class _Table(HTMLParser):
    """The elements of rendered HTML, and the text of each body cell, row by row."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._body = self._body or tag == "tbody"
        if self._body and tag == "tr":
            self.rows.append([])
        if self._body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _rendered(markdown: str) -> _Table:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    table = _Table()
    table.feed(html.render(markdown))
    return table


def _assert_markdown_shows(
    markdown: str, entries: Mapping[str, tuple[str, tuple[str, ...]]]
) -> None:
    """``markdown`` (of columns ``COLUMNS``) renders to one table, one row per entry, whose name,
    title and tags cells give back each entry's text (control characters as escapes), and
    nothing but the table's own elements: no script, image, link, emphasis or raw HTML."""
    table = _rendered(markdown)
    assert table.tags <= {"table", "thead", "tbody", "tr", "th", "td", "code", "p"}, table.tags
    assert [(row[0], row[1], row[3]) for row in table.rows] == [
        (name, printable(" ".join(title.split())), printable(" ".join(", ".join(tags).split())))
        for name, (title, tags) in entries.items()
    ]


# --- text the loader accepts, through the CLI --------------------------------------------------

#: The title and tags of each entry of HOSTILE, as written there.
ACCEPTED = {
    "evil": (
        "Evil <script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))"
        " | pipe & amp; 100% $x$ #1 _u_ {b} ~t ^c \\end{document}",
        ("<b>bold</b>", "a|b", "*em*"),
    ),
    "latex": (
        "\\input{/etc/passwd} \\def\\x{y} \\\\ \\verb|z| `code` ![img](x.png) &lt; --- with β "
        "and — and ☃ and ｆｕｌｌ\u200bwidth",
        ("\\", "}{", "<!-- c -->"),
    ),
}


def test_markdown_shows_html_and_markdown_syntax_as_text_one_row_per_entry(
    run: Callable[..., Result],
) -> None:
    result = run(
        "--catalog", str(HOSTILE), "export", "--all", "--format", "markdown", "--columns", COLUMNS
    )

    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == ["| `evil`", "| `latex`"]
    for raw in ("<script", "<img", "<b>", "](javascript", "<!--", "\u200b"):
        assert raw not in result.stdout
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in rows[0]
    _assert_markdown_shows(result.stdout, ACCEPTED)


def _export_latex(run: Callable[..., Result], catalog: Path, out: Path) -> None:
    """The standalone LaTeX export of every entry of ``catalog`` written to ``out``."""
    result = run(
        "--catalog", str(catalog), "export", "--all", "--standalone", "--columns", COLUMNS,
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr


def test_latex_of_a_hostile_catalog_compiles_and_shows_the_text(
    pdflatex: str, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "doc.tex"
    _export_latex(run, HOSTILE, out)

    log = _pdflatex(pdflatex, tmp_path)

    assert "Missing character" not in log  # every character of the text has a glyph
    source = out.read_text(encoding="utf-8")
    assert r"Evil \textless{}script\textgreater{}alert(1)" in source
    assert r"\textbackslash{}end\{document\}" in source
    assert (
        r"\textbackslash{}input\{/etc/passwd\} \textbackslash{}def\textbackslash{}x\{y\}" in source
    )
    assert r"\textbackslash{}verb\textbar{}z\textbar{}" in source
    assert r"[U+2603] and [U+FF46][U+FF55][U+FF4C][U+FF4C]\textbackslash{}u200bwidth" in source
    assert r"Tags: \textbackslash{}, \}\{, \textless{}!-- c --\textgreater{}" in source


def _pdflatex(pdflatex: str, folder: Path) -> str:
    done = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (folder / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    assert (folder / "doc.pdf").read_bytes().startswith(b"%PDF")
    return log


# --- text the loader refuses --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["markdown", "latex"])
def test_an_export_of_a_catalog_with_line_breaks_is_refused_naming_each_field(
    run: Callable[..., Result], tmp_path: Path, fmt: str
) -> None:
    out = tmp_path / "out.txt"
    result = run("--catalog", str(REFUSED), "export", "--all", "--format", fmt, "-o", str(out))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert not out.exists()
    lines = [line.removeprefix("Error: ") for line in result.stderr.splitlines()]
    reason = "catalog text may not hold control characters, line breaks or bidirectional overrides"
    assert lines == [
        f"{REFUSED}:7: activations.blank.title: title contains the control character U+000A: "
        + reason,
        f"{REFUSED}:12: activations.blank.tags: tags contains the control character U+000A: "
        + reason,
    ]
    assert result.stderr.startswith("Error: ")


# --- text the loader refuses, given to the exports past the loader ------------------------------

#: Entries holding what the loader refuses: blank lines, a bell, ESC sequences, NUL, carriage
#: returns, separators, bidirectional overrides, in titles and tags.
UNCHECKED = {
    "blank": (
        "Two\nparagraphs\n\nhere, with a bell\x07 and <b>\r\n</b>",
        ("line\nbreak", "tab\there"),
    ),
    "esc": (
        "clear \x1b[2J\x1b]0;PWNED\x07 \x00 \x7f \x9b \u2028 \u2029 \u202e rev \u2066 iso \u2069",
        ("t\x1b[31mred", "\\\n\\"),
    ),
}


def _install(unchecked_catalog: Callable[..., Path]) -> Path:
    return unchecked_catalog(
        *(
            {"name": name, "title": title, "expr": "x", "tags": tags}
            for name, (title, tags) in UNCHECKED.items()
        )
    )


def test_markdown_keeps_control_characters_out_and_one_row_per_entry(
    run: Callable[..., Result], unchecked_catalog: Callable[..., Path]
) -> None:
    path = _install(unchecked_catalog)

    result = run(
        "--catalog", str(path), "export", "--all", "--format", "markdown", "--columns", COLUMNS
    )

    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        assert _CONTROL.search(line) is None, repr(line)
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == ["| `blank`", "| `esc`"]
    assert "clear \\\\x1b\\[2J\\\\x1b\\]0;PWNED\\\\x07" in rows[1]
    _assert_markdown_shows(result.stdout, UNCHECKED)


def test_latex_with_blank_lines_and_control_characters_compiles(
    pdflatex: str,
    run: Callable[..., Result],
    unchecked_catalog: Callable[..., Path],
    tmp_path: Path,
) -> None:
    path = _install(unchecked_catalog)
    folder = tmp_path / "tex"
    folder.mkdir()
    out = folder / "doc.tex"

    _export_latex(run, path, out)

    source = out.read_text(encoding="utf-8")
    assert _CONTROL.search(source.replace("\n", "")) is None
    assert "Two paragraphs here, with a bell\\textbackslash{}x07" in source
    assert r"clear \textbackslash{}x1b[2J\textbackslash{}x1b]0;PWNED\textbackslash{}x07" in source
    log = _pdflatex(pdflatex, folder)
    assert "Missing character" not in log


@pytest.mark.parametrize(
    ("raw", "latex", "markdown"),
    [
        ("a\n\nb", "a b", "a b"),
        ("bell\x07", "bell\\textbackslash{}x07", "bell\\\\x07"),
        (
            "<i>&</i>",
            r"\textless{}i\textgreater{}\&\textless{}/i\textgreater{}",
            "&lt;i&gt;&amp;&lt;/i&gt;",
        ),
        ("50% of $x$", r"50\% of \$x\$", "50% of \\$x\\$"),
        ("Swish-β", r"Swish-\ensuremath{\beta}", "Swish-β"),
        ("snow ☃", "snow [U+2603]", "snow ☃"),
    ],
)
def test_each_format_escapes_text_its_own_way(raw: str, latex: str, markdown: str) -> None:
    assert (latex_text(raw), markdown_text(raw)) == (latex, markdown)
