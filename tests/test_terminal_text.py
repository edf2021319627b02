"""Catalog text stays text in the terminal: Rich markup is shown, control characters escaped.

A hostile review found that a title holding ``a [/] b`` crashed ``show`` with Rich's MarkupError,
that ``[link=…]`` made a clickable link, and that ESC bytes in a title or tag reached the terminal
from ``list`` and ``show`` even with NO_COLOR (clear the screen, retitle the window).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from actderiv.render.safe import printable

HOSTILE = Path(__file__).parent / "data" / "hostile_text.toml"


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # no folding, so that whole strings can be found


def test_rich_markup_in_a_title_tag_alias_or_reference_is_shown_as_text(
    run: Callable[..., Result],
) -> None:
    result = run("--catalog", str(HOSTILE), "show", "evil")

    assert result.exit_code == 0, result.stderr
    for text in (
        "a [/] b [link=https://evil.example]click[/link] [bold red]loud",  # title
        "[/]x",  # alias
        "[/], [link=https://evil.example]t[/link]",  # tags
        "[/] ref [link=https://evil.example]r[/link]",  # reference
    ):
        assert text in result.stdout


@pytest.mark.parametrize("command", [("show", "esc"), ("list",), ("show", "evil")])
def test_control_characters_in_catalog_text_never_reach_the_terminal(
    run: Callable[..., Result], command: tuple[str, ...]
) -> None:
    result = run("--catalog", str(HOSTILE), *command)

    assert result.exit_code == 0, result.stderr
    assert not {"\x1b", "\x07", "\u202e"} & set(result.stdout)
    if command == ("show", "esc"):
        assert "clear \\x1b[2J\\x1b]0;PWNED\\x07 done \\u202e reversed" in result.stdout
    if command == ("list",):
        assert "t\\x1b[31mred" in result.stdout


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain text, tabs\tand\nnewlines stay", "plain text, tabs\tand\nnewlines stay"),
        ("\x1b[2J", "\\x1b[2J"),
        ("\r\x00\x7f\x9b", "\\x0d\\x00\\x7f\\x9b"),
        ("a\u202eb\u200bc\ufeff", "a\\u202eb\\u200bc\\ufeff"),
        ("σ, Φ, ζ — sech²", "σ, Φ, ζ — sech²"),
    ],
)
def test_printable_escapes_exactly_the_characters_that_act_on_a_terminal(
    raw: str, shown: str
) -> None:
    assert printable(raw) == shown
