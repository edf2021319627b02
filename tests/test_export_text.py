"""Catalog text stays text in every export: Markdown shows HTML as text, LaTeX compiles.

A hostile review found ``<script>`` and ``<img onerror=…>`` from titles and tags written raw into
Markdown, a newline in a title or tag splitting a Markdown row, and a title with a blank line or
a control character stopping pdflatex (``Paragraph ended before \\@sect was complete``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from actderiv.render.latex import escape_text as latex_text
from actderiv.render.markdown import escape_text as markdown_text

HOSTILE = Path(__file__).parent / "data" / "hostile_export.toml"
COLUMNS = "name,title,expr,tags"


def test_markdown_shows_html_and_markdown_syntax_as_text_one_row_per_entry(
    run: Callable[..., Result],
) -> None:
    result = run(
        "--catalog", str(HOSTILE), "export", "--all", "--format", "markdown", "--columns", COLUMNS
    )

    assert result.exit_code == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert [row.split(" | ")[0] for row in rows] == ["| `evil`", "| `blank`"]
    assert all(row.endswith(" |") and row.count(" | ") == 3 for row in rows)
    for raw in ("<script", "<img", "<b>", "](javascript"):
        assert raw not in result.stdout
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in rows[0]
    assert "Two paragraphs here, with β and — and ☃" in rows[1]


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


def test_latex_of_a_hostile_catalog_compiles_and_shows_the_text(
    pdflatex: str, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "doc.tex"
    result = run(
        "--catalog", str(HOSTILE), "export", "--all", "--standalone", "--columns", COLUMNS,
        "-o", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr

    done = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )

    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert done.returncode == 0, log[-3000:]
    source = out.read_text(encoding="utf-8")
    assert r"Evil \textless{}script\textgreater{}alert(1)" in source
    assert r"\textbackslash{}end\{document\}" in source
