"""A table for long listings that renders in linear time.

Rich's :class:`~rich.table.Table` measures and wraps every cell through its full layout machinery:
about 0.2 s for the 139 rows of ``actderiv list``, more than everything else the command does.
:class:`Grid` draws the same heavy-headed box (title, bottom-aligned headers, folded cells,
columns shrunk widest-first to fit the terminal) with a greedy word wrap, in a few milliseconds.
Cells are plain strings or :class:`~rich.text.Text` (whose styles are kept). Never prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from actderiv.render.safe import printable

Cell = str | Text
_WORD = re.compile(r"\S+")
_IDENT = re.compile(r"\w")
#: Characters one terminal cell wide each (tests/test_grid.py checks them all against Rich's
#: table): a text of only these is as wide as it is long, which is much cheaper to know than
#: Rich's character-by-character measure. Formulas print Greek letters and ≤ ≥ − · ′ ² √ ∞.
_NARROW = re.compile(
    "[\x20-\x7e\xa1-\xac\xae-\u02ff\u0370-\u03ff\u2010-\u2027\u2030-\u205e"
    "\u2070-\u209f\u2100-\u2319\u2500-\u25fc]*"
)
#: A folded column is never made narrower than this.
MIN_FOLD_WIDTH = 8


class Column(NamedTuple):  # a NamedTuple, not a dataclass: a third of the time to create
    """One column: its header (lines split on newlines), style, justification, wrapping, and
    the narrowest table width (in cells) at which it is shown at all (0: always)."""

    header: str
    style: str = ""
    justify: Literal["left", "center"] = "left"
    no_wrap: bool = False
    hide_below: int = 0


class Grid:
    """A heavy-head box table of text cells (see the module docstring)."""

    def __init__(self, columns: Sequence[Column], title: str | None = None) -> None:
        self.columns = tuple(columns)
        self.title = title
        self.rows: list[tuple[Cell, ...]] = []
        # per row, each cell's width when it is one line of one-cell characters, else -1
        self._simple: list[tuple[int, ...]] = []

    def add_row(self, *cells: Cell) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"expected {len(self.columns)} cells, got {len(cells)}")
        row = tuple(_untabbed(cell) for cell in cells)
        self.rows.append(row)
        self._simple.append(tuple(_simple_width(cell) for cell in row))

    def fitted(self, max_width: int) -> Grid:
        """This table without the columns hidden at ``max_width`` (see :class:`Column`)."""
        keep = [i for i, c in enumerate(self.columns) if c.hide_below <= max_width]
        if len(keep) == len(self.columns):
            return self
        grid = Grid([self.columns[i] for i in keep], self.title)
        grid.rows = [tuple(row[i] for i in keep) for row in self.rows]
        grid._simple = [tuple(simple[i] for i in keep) for simple in self._simple]
        return grid

    def widths(self, max_width: int) -> list[int]:
        """Column widths (without padding) that fit ``max_width`` where wrapping allows."""
        natural = [
            max((_width(line) for line in c.header.split("\n")), default=0) for c in self.columns
        ]
        for row, simple in zip(self.rows, self._simple, strict=True):
            for i, (cell, width) in enumerate(zip(row, simple, strict=True)):
                if width < 0:
                    width = max(_width(line) for line in _plain(cell).split("\n"))
                if width > natural[i]:
                    natural[i] = width
        minimum = [
            n if c.no_wrap else min(n, MIN_FOLD_WIDTH)
            for c, n in zip(self.columns, natural, strict=True)
        ]
        room = max_width - 3 * len(self.columns) - 1
        widths = _shrink(natural, minimum, room)
        # Still too wide: fold every column, no-wrap ones too, rather than lose any to cropping.
        return _shrink(widths, [min(w, 1) for w in widths], room)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        fitted = self.fitted(options.max_width)
        if fitted is not self:
            yield from fitted.__rich_console__(console, options)
            return
        widths = self.widths(options.max_width)
        styles = [console.get_style(c.style) if c.style else None for c in self.columns]
        header_style = console.get_style("table.header")
        total = sum(widths) + 3 * len(widths) + 1
        if self.title:
            yield Segment(self.title.ljust(total), console.get_style("table.title"))
            yield Segment.line()
        yield Segment(_rule("┏", "━", "┳", "┓", widths))
        yield Segment.line()
        headers = [
            [str(line) for line in _lines(c.header, width)]
            for c, width in zip(self.columns, widths, strict=True)
        ]
        height = max(len(h) for h in headers)
        for n in range(height):
            yield Segment("┃")
            for column, lines, width in zip(self.columns, headers, widths, strict=True):
                index = n - (height - len(lines))  # headers sit at the bottom of their row
                text = lines[index] if index >= 0 else ""
                yield Segment(" " + _justify(text, width, column.justify) + " ", header_style)
                yield Segment("┃")
            yield Segment.line()
        yield Segment(_rule("┡", "━", "╇", "┩", widths))
        yield Segment.line()
        plain = console.no_color or console.color_system is None
        for row in self.rows:
            yield from self._row(console, row, widths, styles, plain)
        yield Segment(_rule("└", "─", "┴", "┘", widths))
        yield Segment.line()

    def plain_text(self, max_width: int) -> str:
        """The table as a console ``max_width`` cells wide that writes no styles prints it: the
        text of :meth:`__rich_console__`'s segments, each line cropped to ``max_width``, built
        as one string without Rich's per-line render pipeline."""
        fitted = self.fitted(max_width)
        if fitted is not self:
            return fitted.plain_text(max_width)
        widths = self.widths(max_width)
        total = sum(widths) + 3 * len(widths) + 1
        lines = [self.title.ljust(total)] if self.title else []
        lines.append(_rule("┏", "━", "┳", "┓", widths))
        headers = [_lines(c.header, width) for c, width in zip(self.columns, widths, strict=True)]
        height = max(len(h) for h in headers)
        for n in range(height):
            cells = []
            for column, header, width in zip(self.columns, headers, widths, strict=True):
                index = n - (height - len(header))  # headers sit at the bottom of their row
                text = str(header[index]) if index >= 0 else ""
                cells.append(_justify(text, width, column.justify))
            lines.append("┃ " + " ┃ ".join(cells) + " ┃")
        lines.append(_rule("┡", "━", "╇", "┩", widths))
        overflow = False
        for row, simple in zip(self.rows, self._simple, strict=True):
            row_lines, too_wide = self._plain_lines(row, widths, simple)
            lines.extend(row_lines)
            overflow = overflow or too_wide
        lines.append(_rule("└", "─", "┴", "┘", widths))
        if total > max_width or overflow:  # else every line but the title is `total` cells
            lines = [_cropped(line, max_width) for line in lines]
        elif self.title:
            lines[0] = _cropped(lines[0], max_width)
        lines.append("")
        return "\n".join(lines)

    def _plain_lines(
        self, row: Sequence[Cell], widths: Sequence[int], simple: Sequence[int]
    ) -> tuple[list[str], bool]:
        """The lines of one row as plain text, and whether a cell line is wider than its column
        (a wide character in a column one cell wide), which makes the line wider too."""
        columns: list[list[str]] = []
        overflow = False
        for cell, width, column, own in zip(row, widths, self.columns, simple, strict=True):
            if own >= 0 and column.justify == "left" and isinstance(cell, str):
                # most cells: one line of one-cell characters, left-aligned
                if own <= width:
                    columns.append([cell + " " * (width - own)])
                else:
                    columns.append([cell[a:b].ljust(width) for a, b in _fold(cell, width)])
                continue
            lines, too_wide = _padded(cell, width, column.justify)
            columns.append(lines)
            overflow = overflow or too_wide
        height = max(len(lines) for lines in columns)
        if height > 1:
            for lines, width in zip(columns, widths, strict=True):
                lines.extend([" " * width] * (height - len(lines)))
        return ["│ " + " │ ".join(parts) + " │" for parts in zip(*columns, strict=True)], overflow

    def _row(
        self,
        console: Console,
        row: Sequence[Cell],
        widths: Sequence[int],
        styles: Sequence[Style | None],
        plain: bool,
    ) -> Iterable[Segment]:
        """The lines of one row. Each line is a few long segments (one when nothing is
        coloured): the console's work grows with the number of segments, not their length."""
        if plain:
            for line in self._plain_lines(row, widths, [_simple_width(c) for c in row])[0]:
                yield Segment(line)
                yield Segment.line()
            return
        wrapped = [_lines(cell, width) for cell, width in zip(row, widths, strict=True)]
        for n in range(max(len(lines) for lines in wrapped)):
            parts: list[tuple[str, Style | None]] = [("│", None)]
            for lines, width, column, style in zip(
                wrapped, widths, self.columns, styles, strict=True
            ):
                part = lines[n] if n < len(lines) else ""
                if isinstance(part, str):
                    text = " " + _justify(part, width, column.justify) + " "
                    parts.append((text, style))
                else:
                    parts.extend(_styled(console, part, width, column.justify, style))
                parts.append(("│", None))
            yield from _merged(parts)
            yield Segment.line()


def _merged(parts: Iterable[tuple[str, Style | None]]) -> Iterable[Segment]:
    """Segments for (text, style) parts, neighbours of the same style joined."""
    texts: list[str] = []
    current: Style | None = None
    for text, style in parts:
        if texts and style != current:
            yield Segment("".join(texts), current)
            texts = []
        texts.append(text)
        current = style
    if texts:
        yield Segment("".join(texts), current)


def _styled(
    console: Console,
    part: Text,
    width: int,
    justify: Literal["left", "center"],
    style: Style | None,
) -> Iterable[tuple[str, Style | None]]:
    """A Text cell's (text, style) parts, padded to ``width``, over the column's style."""
    gap = width - cell_len(part.plain)
    left = gap // 2 if justify == "center" else 0
    own = console.get_style(part.style) if part.style else None
    base = own if style is None else style + own if own is not None else style
    yield " " * (1 + left), style
    for segment in Segment.apply_style(part.render(console), base):
        yield segment.text, segment.style
    yield " " * (gap - left + 1), style


def _cropped(line: str, width: int) -> str:
    """``line`` cut to ``width`` cells, as the console crops the lines it prints."""
    if len(line) <= width and _narrow(line):
        return line
    return line if cell_len(line) <= width else set_cell_size(line, width)


def _padded(cell: Cell, width: int, justify: Literal["left", "center"]) -> tuple[list[str], bool]:
    """The lines of a cell (see :func:`_lines`) as plain text padded to ``width`` cells, and
    whether one is wider than ``width`` (left as it is)."""
    plain = _plain(cell)
    if "\n" not in plain and _narrow(plain):  # most cells: one cell per character
        if len(plain) <= width:
            texts = [plain]
        else:
            texts = [plain[start:end] for start, end in _fold(plain, width)]
        if justify == "left":
            return [text.ljust(width) for text in texts], False
    else:
        texts = [_plain(line) for line in _lines(cell, width)]
    padded: list[str] = []
    overflow = False
    for text in texts:
        overflow = overflow or _width(text) > width
        padded.append(_justify(text, width, justify))
    return padded, overflow


def _plain(cell: Cell) -> str:
    return cell if isinstance(cell, str) else cell.plain


def _simple_width(cell: Cell) -> int:
    """The width of a cell that is one line of one-cell characters, else -1."""
    if isinstance(cell, str) and "\n" not in cell and _narrow(cell):
        return len(cell)
    return -1


def _narrow(text: str) -> bool:
    """Whether every character of ``text`` is one cell wide (see :data:`_NARROW`)."""
    return text.isascii() or _NARROW.fullmatch(text) is not None


def _width(text: str) -> int:
    return len(text) if _narrow(text) else cell_len(text)


def _shrink(natural: list[int], minimum: list[int], room: int) -> list[int]:
    """Narrow the widest shrinkable columns first until the widths fit ``room``."""
    widths = list(natural)
    excess = sum(widths) - room
    while excess > 0:
        shrinkable = [i for i, w in enumerate(widths) if w > minimum[i]]
        if not shrinkable:
            break  # nothing more can wrap: the terminal crops what is left
        widest = max(widths[i] for i in shrinkable)
        top = [i for i in shrinkable if widths[i] == widest]
        below = max((widths[i] for i in shrinkable if widths[i] < widest), default=0)
        step = min(widest - below, -(-excess // len(top)))
        for i in top:
            cut = min(step, widths[i] - minimum[i], excess)
            widths[i] -= cut
            excess -= cut
    return widths


def _lines(cell: Cell, width: int) -> list[Cell]:
    """The cell's lines (it may hold newlines), each folded to at most ``width`` cells (words
    first, then characters)."""
    plain = _plain(cell)
    if "\n" in plain:
        parts: list[Cell] = []
        parts.extend(cell.split("\n"))
        return [line for part in parts for line in _lines(part, width)]
    if _width(plain) <= width:
        return [cell]
    if not _narrow(plain) and cell_len(plain) != len(plain):
        # Wide characters (one character, two cells): let Rich fold this (rare) cell.
        text = cell if isinstance(cell, Text) else Text(cell)
        folded = text.wrap(Console(width=width, legacy_windows=False), width, overflow="fold")
        return [line if isinstance(cell, Text) else line.plain for line in folded]
    spans = _fold(plain, width)
    return [cell[start:end] for start, end in spans]


def _untabbed(cell: Cell) -> Cell:
    """The cell with tabs expanded and control characters shown as escapes (render/safe.py)."""
    if isinstance(cell, str):
        cell = printable(cell)
        return cell.expandtabs(4) if "\t" in cell else cell
    if printable(cell.plain) != cell.plain:
        cell = Text(printable(cell.plain), style=cell.style)
    if "\t" not in cell.plain:
        return cell
    copy = cell.copy()
    copy.expand_tabs(4)
    return copy


def _fold(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``text`` (one cell per character): (start, end) of each line; words
    longer than a line are cut, between identifiers where they can be (see :func:`_cut`)."""
    spans: list[tuple[int, int]] = []
    line: tuple[int, int] | None = None
    for match in _WORD.finditer(text):
        start, end = match.span()
        if line is not None and end - line[0] <= width:
            line = (line[0], end)
            continue
        if line is not None:
            spans.append(line)
        while end - start > width:
            cut = _cut(text, start, width)
            spans.append((start, cut))
            start = cut
        line = (start, end)
    if line is not None:
        spans.append(line)
    return spans or [(0, 0)]


def _cut(text: str, start: int, width: int) -> int:
    """Where to cut a word too long for a line that starts at ``start``: the last place within
    ``width`` that is not inside an identifier (``x*sigmoid(beta`` | ``*x)``, never
    ``x*sigm`` | ``oid``), else at ``width`` (an identifier longer than the line)."""
    for cut in range(start + width, start, -1):
        if not (_IDENT.match(text[cut - 1]) and _IDENT.match(text[cut])):
            return cut
    return start + width


def _justify(text: str, width: int, justify: Literal["left", "center"]) -> str:
    gap = width - _width(text)
    if justify == "center":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _rule(left: str, fill: str, cross: str, right: str, widths: Sequence[int]) -> str:
    return left + cross.join(fill * (w + 2) for w in widths) + right
