"""Catalog text stays text in the terminal: Rich markup is shown, control characters escaped.

A hostile review found that a title holding ``a [/] b`` crashed ``show`` with Rich's MarkupError,
that ``[link=…]`` made a clickable link, and that ESC bytes in a title or tag reached the terminal
from ``list`` and ``show`` even with NO_COLOR (clear the screen, retitle the window).

The loader now refuses control characters, line breaks and bidirectional overrides in catalog
text (a clear error naming each field); everything else it accepts (Rich markup, emoji codes,
zero-width characters, look-alike letters) goes through the real CLI here and must print as
the text it is. The renderers are also given refused text directly, in entries built by hand
past the loader (the ``unchecked_catalog`` fixture): none of it may reach the terminal either.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from actderiv.render.safe import printable

DATA = Path(__file__).parent / "data"
HOSTILE = DATA / "hostile_text.toml"
REFUSED = DATA / "hostile_text_refused.toml"
#: Rich's own styles (SGR: ESC [ … m), written with --color; any other escape came from text.
_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: What may never reach a terminal from catalog text: C0 controls but newline (the table's own
#: line ends), DEL, C1 controls, line and paragraph separators, bidirectional controls.
_ACTING = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(autouse=True)
def _wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # no folding, so that whole strings can be found


def _unstyled(result: Result) -> str:
    """The output without Rich's own colour codes; asserts that no other character that acts on
    a terminal (an ESC beginning anything but a colour, a bell, an override) is left."""
    text = _SGR.sub("", result.stdout)
    assert _ACTING.search(text) is None, repr(_ACTING.findall(text))
    return text


# --- text the loader accepts, through the CLI --------------------------------------------------


@pytest.mark.parametrize("color", ["--no-color", "--color"])
def test_rich_markup_in_a_title_tag_alias_or_reference_is_shown_as_text(
    run: Callable[..., Result], color: str
) -> None:
    result = run("--catalog", str(HOSTILE), color, "show", "evil")

    assert result.exit_code == 0, result.stderr
    shown = _unstyled(result)
    for text in (
        # title: markup, a backslash before a bracket, an emoji code, format fields
        "a [/] b [link=https://evil.example]click[/link] [bold red]loud \\[not escaped] "
        ":skull: %s {0}",
        "[/]x",  # alias
        "[/], [link=https://evil.example]t[/link], zero\\u200bwidth\\ufeff",  # tags
        "[/] ref [link=https://evil.example]r[/link]",  # reference
        "https://example.org/[/]",  # its link, as text
    ):
        assert text in shown
    assert "\N{SKULL}" not in shown  # :skull: is not an emoji code here
    assert "\x1b]8;" not in result.stdout  # no hyperlink (OSC 8), coloured or not
    assert not {"\u200b", "\ufeff"} & set(shown)


@pytest.mark.parametrize("color", ["--no-color", "--color"])
def test_look_alike_letters_and_invisible_marks_in_a_title_are_shown_as_text(
    run: Callable[..., Result], color: str
) -> None:
    result = run("--catalog", str(HOSTILE), color, "show", "lookalike")

    assert result.exit_code == 0, result.stderr
    shown = _unstyled(result)
    # Cyrillic letters that look like "paypal" stay themselves; the invisible word joiner and
    # right-to-left mark are shown as escapes; markup and a trailing backslash stay text
    assert "раураl \\u2060joiner\\u200f mark [reverse]ｓｃｒｅｅｎ[/reverse]" in shown
    assert "[dim]\\" in shown
    assert not {"\u2060", "\u200f"} & set(shown)


@pytest.mark.parametrize("color", ["--no-color", "--color"])
def test_rich_markup_in_tags_is_shown_as_text_by_list(
    run: Callable[..., Result], color: str
) -> None:
    result = run("--catalog", str(HOSTILE), color, "list")

    assert result.exit_code == 0, result.stderr
    shown = _unstyled(result)
    assert "[/], [link=https://evil.example]t[/link], zero\\u200bwidth\\ufeff" in shown
    assert "[dim]\\" in shown
    assert "\x1b]8;" not in result.stdout


# --- text the loader refuses --------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("show", "esc"), ("list",), ("list", "--json"), ("catalog", "check"), ("export", "--all")],
    ids=" ".join,
)
def test_a_catalog_with_control_characters_is_refused_naming_each_field(
    run: Callable[..., Result], command: tuple[str, ...]
) -> None:
    result = run("--catalog", str(REFUSED), *command)

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = [line.removeprefix("Error: ") for line in result.stderr.splitlines()]
    for field, line in (("title", 6), ("tags", 8)):
        assert (
            f"{REFUSED}:{line}: activations.esc.{field}: {field} contains the control character "
            "U+001B: catalog text may not hold control characters, line breaks or bidirectional "
            "overrides"
        ) in lines
    assert len(lines) <= 3  # (catalog check counts the problems) short: no traceback
    assert _ACTING.search(result.stderr.replace("\n", "")) is None  # the error quotes nothing


# --- text the loader refuses, given to the renderers past the loader ----------------------------

#: Entries holding what the loader refuses, in every field the terminal shows.
UNCHECKED = [
    {
        "name": "esc",
        "title": "clear \x1b[2J\x1b]0;PWNED\x07 done \u202e reversed",
        "expr": "x",
        "aliases": ("al\x1b[8mias",),
        "tags": ("t\x1b[31mred", "two\nlines\r\x00"),
        "notes": "note \x9b2J \u2028 sep \u2066iso\u2069",
    },
    {
        "name": "link",
        "title": "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ \x7f",
        "expr": "x*exp(-x**2)",
        "tags": ("\x1bc",),
    },
]


@pytest.mark.parametrize("color", ["--no-color", "--color"])
@pytest.mark.parametrize("command", [("show", "esc"), ("show", "link"), ("list",)], ids=" ".join)
def test_control_characters_in_catalog_text_never_reach_the_terminal(
    run: Callable[..., Result],
    unchecked_catalog: Callable[..., Path],
    command: tuple[str, ...],
    color: str,
) -> None:
    from actderiv.catalog.model import Reference

    esc = {**UNCHECKED[0], "references": (Reference(title="r\x1b[2J", link="https://e\x07"),)}
    path = unchecked_catalog(esc, UNCHECKED[1])

    result = run("--catalog", str(path), color, *command)

    assert result.exit_code == 0, result.stderr
    shown = _unstyled(result)  # no ESC but Rich's colours, no bell, no override
    expected = {
        ("show", "esc"): [
            "clear \\x1b[2J\\x1b]0;PWNED\\x07 done \\u202e reversed",
            "al\\x1b[8mias",
            "r\\x1b[2J https://e\\x07",
        ],
        ("show", "link"): ["\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\ \\x7f"],
        ("list",): ["t\\x1b[31mred", "\\x1bc"],
    }[command]
    for text in expected:  # the text was there, escaped
        assert text in shown


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
