"""The fast listing table: the same box as Rich's Table, folded to fit, styles kept."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from actderiv.render.grid import Column, Grid


def _render(renderable: object, width: int, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(
        file=out, width=width, no_color=not color, force_terminal=color, highlight=False
    )
    console.print(renderable)
    return out.getvalue()


def _pair(rows: list[tuple[str, ...]], headers: tuple[str, ...]) -> tuple[Grid, Table]:
    grid = Grid([Column(h) for h in headers], title=f"{len(rows)} rows")
    table = Table(title=f"{len(rows)} rows", title_justify="left", expand=False)
    for h in headers:
        table.add_column(h, overflow="fold")
    for row in rows:
        grid.add_row(*row)
        table.add_row(*row)
    return grid, table


ROWS = [
    ("relu", "max(0, x)", "0 if x ≤ 0; 1 otherwise"),
    ("sigmoid", "1/(1 + exp(-x))", "exp(x)/(exp(x) + 1)^2"),
    ("gelu", "x*(1 + erf(x/sqrt(2)))/2", "x*exp(-x^2/2)/sqrt(2*pi) + (erf(x*sqrt(2)/2) + 1)/2"),
]


def test_when_everything_fits_it_draws_what_rich_draws() -> None:
    grid, table = _pair(ROWS, ("name", "f(x)", "f'(x)"))

    assert _render(grid, 200) == _render(table, 200)


@pytest.mark.parametrize("width", [40, 60, 80, 100])
def test_narrow_terminals_fold_cells_and_every_line_fits(width: int) -> None:
    grid, _ = _pair(ROWS, ("name", "f(x)", "f'(x)"))

    lines = _render(grid, width).splitlines()

    assert all(cell_len(line.rstrip()) <= width for line in lines), lines
    body = "".join(line.strip("│ ") for line in lines)
    for word in ("erf(x/sqrt(2)))/2", "otherwise", "1/(1", "exp(-x))"):
        assert word in body or word[:8] in body  # folded, never dropped


def test_headers_sit_at_the_bottom_and_centre_where_asked() -> None:
    grid = Grid([Column("name"), Column("backward from\noutput only", justify="center")])
    grid.add_row("relu", "yes")

    lines = _render(grid, 80).splitlines()

    assert lines[1].startswith("┃      ┃ backward from ┃")
    assert lines[2].startswith("┃ name ┃  output only  ┃")
    assert lines[4] == "│ relu │      yes      │"


def test_styles_of_columns_and_text_cells_reach_the_terminal() -> None:
    grid = Grid([Column("name", style="bold cyan"), Column("ok", justify="center")])
    grid.add_row("relu", Text("yes", style="green"))

    out = _render(grid, 40, color=True)

    assert "\x1b[1;36m relu \x1b[0m" in out
    assert "\x1b[32myes\x1b[0m" in out


def test_wide_characters_are_folded_by_cells() -> None:
    grid = Grid([Column("name"), Column("note")])
    grid.add_row("x", "活性化関数の導関数" * 4)

    lines = _render(grid, 30).splitlines()

    assert all(cell_len(line) <= 30 for line in lines)
    assert "".join(line.strip("│ ").split("│")[-1].strip() for line in lines[3:-1]) == (
        "活性化関数の導関数" * 4
    )


def test_a_row_of_the_wrong_length_is_refused() -> None:
    grid = Grid([Column("a"), Column("b")])

    with pytest.raises(ValueError, match="expected 2 cells"):
        grid.add_row("only one")


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abc xyz()*+-", max_size=60),
            st.text(alphabet="abc ≤∞σ(),", max_size=60),
        ),
        max_size=6,
    ),
    st.integers(min_value=30, max_value=120),
)
def test_any_cells_keep_every_character_and_fit(rows: list[tuple[str, str]], width: int) -> None:
    grid = Grid([Column("first"), Column("second")])
    for row in rows:
        grid.add_row(*row)

    lines = _render(grid, width).splitlines()

    assert all(cell_len(line) <= width for line in lines)
    for column in (0, 1):
        shown = "".join(
            line.split("│")[1 + column].replace(" ", "") for line in lines if line.startswith("│")
        )
        assert shown == "".join(row[column].replace(" ", "") for row in rows)


@pytest.mark.parametrize("width", [20, 30, 45, 60, 72])
def test_very_narrow_terminals_fold_every_column_rather_than_crop_one(width: int) -> None:
    grid = Grid(
        [
            Column("name", no_wrap=True),
            Column("f(x)"),
            Column("backward from\noutput only", justify="center"),
            Column("tags"),
        ]
    )
    grid.add_row("a_rather_long_activation_name", "x*tanh(softplus(x))", "yes", "smooth, keras")

    lines = _render(grid, width).splitlines()

    assert all(cell_len(line) <= width for line in lines), lines
    assert all(line.endswith(("┓", "┃", "┩", "│", "┘")) for line in lines), lines
    body = "".join(line.split("│")[4] for line in lines if line.startswith("│"))
    assert body.replace(" ", "") == "smooth,keras"  # the last column is all there


def test_newlines_and_tabs_in_cells_keep_the_box_whole() -> None:
    grid = Grid([Column("h"), Column("i")])
    grid.add_row("a\nbb", "x\ty")
    grid.add_row(Text("one\ntwo", style="green"), "z")

    lines = _render(grid, 80).splitlines()

    assert lines[3:7] == [
        "│ a   │ x   y │",
        "│ bb  │       │",
        "│ one │ z     │",
        "│ two │       │",
    ]
    assert len({cell_len(line) for line in lines}) == 1


def _rich_plain(grid: Grid, width: int, no_color: bool = False) -> str:
    """What Rich's own pipeline writes for ``grid`` on a console that is not a terminal."""
    out = io.StringIO()
    Console(file=out, width=width, no_color=no_color, highlight=False).print(grid)
    return out.getvalue()


def _every_kind_of_cell() -> Grid:
    grid = Grid(
        [
            Column("name", style="bold cyan", no_wrap=True),
            Column("f(x)"),
            Column("backward from\noutput only", justify="center"),
            Column("note", style="dim"),
        ],
        title="a title longer than the narrowest tables are wide",
    )
    grid.add_row("relu", "max(0, x)", Text("yes", style="green"), "")
    grid.add_row("gelu", "x*(1 + erf(x/sqrt(2)))/2", Text("no", style="red"), "smooth, keras")
    grid.add_row("wide", "活性化関数の導関数" * 3, Text("?", style="yellow"), "σ(x) ≤ 1, ∞")
    grid.add_row("lines", "a\nbb\n", Text("one\ntwo\n", style="green"), "x\ty")
    grid.add_row("a_rather_long_activation_name", "", "", "zero\u200bwidth, e\u0301")
    return grid


@pytest.mark.parametrize("width", [8, 12, 20, 30, 45, 60, 80, 120, 200])
def test_the_plain_text_is_what_rich_writes_without_a_terminal(width: int) -> None:
    grid = _every_kind_of_cell()

    fast = grid.plain_text(width)

    assert fast == _rich_plain(grid, width)
    assert fast == _rich_plain(grid, width, no_color=True)


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abc xyz()*+-\n\t", max_size=60),
            st.text(alphabet="abc ≤∞σ(),活関\n", max_size=60),
        ),
        max_size=6,
    ),
    st.integers(min_value=4, max_value=120),
    st.booleans(),
)
def test_any_cells_give_the_same_text_on_both_paths(
    rows: list[tuple[str, str]], width: int, texts: bool
) -> None:
    grid = Grid([Column("first", no_wrap=True), Column("second\nheader", justify="center")])
    for first, second in rows:
        grid.add_row(first, Text(second, style="green") if texts else second)

    assert grid.plain_text(width) == _rich_plain(grid, width)


def test_list_at_80_columns_does_not_split_identifiers() -> None:
    """A formula too long for its column is cut between identifiers (x*sigmoid(beta | *x)),
    never inside one (x*sigm | oid), as actderiv list prints at 80 columns."""
    grid = Grid(
        [Column("name", no_wrap=True), Column("f(x)"), Column("f'(x)"), Column("tags")],
        title="3 activations",
    )
    formula = "2*x*sigmoid_algebraic(beta*x)*tanh(log1p(exp(negative_slope*x)))"
    grid.add_row("swish_like", formula, "exp(x)/(exp(x)+1)^2", "pytorch, smooth, self-gated")
    grid.add_row("relu", "max(0, x)", "0 if x ≤ 0; 1 otherwise", "pytorch, piecewise")
    text = grid.plain_text(80)
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    pieces = [line.split("│")[2].strip() for line in text.splitlines() if "│" in line]
    assert len([p for p in pieces if p]) > 2  # the formula did wrap
    for identifier in ("sigmoid_algebraic", "beta", "tanh", "log1p", "negative_slope"):
        assert any(identifier in piece for piece in pieces), identifier  # whole on one line


def test_the_characters_counted_one_cell_wide_are_one_cell_wide_in_rich() -> None:
    """The fast width (a text of such characters is as wide as it is long) agrees with Rich's
    measure for every character it covers, and leaves wide and zero-width ones to Rich."""
    from actderiv.render import grid

    covered = [chr(c) for c in range(0x20, 0x2600) if grid._NARROW.fullmatch(chr(c))]
    assert len(covered) > 1500
    assert {"σ", "Φ", "φ", "≤", "≥", "−", "·", "′", "²", "√", "∞"} <= set(covered)
    assert [c for c in covered if cell_len(c) != 1] == []
    for wide in (
        "⌚",
        "中",
        "\u0301",
        "\u00ad",
    ):  # a watch, a CJK ideograph, combining, soft hyphen
        assert not grid._narrow(wide)
        assert grid._width(f"σ{wide}") == cell_len(f"σ{wide}")


def test_a_column_hidden_below_a_width_is_left_out_on_narrower_terminals() -> None:
    columns = [Column("name", no_wrap=True), Column("f(x)"), Column("tags", hide_below=100)]
    grid = Grid(columns, title="1 row")
    grid.add_row("relu", "max(0, x)", "pytorch, piecewise")
    for width in (60, 99):
        assert "tags" not in grid.plain_text(width)
        assert "tags" not in _render(grid, width)
        assert "max(0, x)" in grid.plain_text(width)
    assert "pytorch, piecewise" in grid.plain_text(100)
    assert "pytorch, piecewise" in _render(grid, 100)
    assert grid.plain_text(100) == _rich_plain(grid, 100)


def test_every_character_escaped_for_the_terminal_is_one_python_calls_unprintable() -> None:
    """render.safe.printable returns printable text untouched without searching it: that is
    sound only if every character it escapes is one str.isprintable refuses."""
    from actderiv.render import safe

    escaped = [chr(c) for c in range(0x110000) if safe._UNSAFE.fullmatch(chr(c))]
    assert len(escaped) > 60
    assert [c for c in escaped if c.isprintable()] == []
    assert safe.printable("σ(x) ≤ 1\x1b[31m") == "σ(x) ≤ 1\\x1b[31m"
