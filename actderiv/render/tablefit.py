"""Fitting a LaTeX table to the line: widths of printed math estimated from its text, columns
sized from their content, and long formulas broken into lines at their top-level + and −.

A table must go into a portrait article without hand-editing: no overfull box, no cell scaled
down, no reference that needs a second run (docs/ARCHITECTURE.md, "The LaTeX export"). LaTeX
cannot be asked for widths from here, so they are estimated from the printed text, generously
(each visible character of display-style math as :data:`EM_PER_CHAR` em; a fraction as wide as
the wider of its parts). Pure: no I/O, no printing, no SymPy.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from typing import Final

#: The width of a portrait article's text (10 pt, letter or A4 paper): 345 pt, in em.
LINE_EM: Final = 34.5
#: Space between two columns (2 \tabcolsep = 12 pt), in em.
GAP_EM: Final = 1.2
#: Estimated width of one visible character, in em: display-style math, and text (\small).
EM_PER_CHAR: Final = 0.62
TEXT_EM_PER_CHAR: Final = 0.5
#: The narrowest a formula column is made, in em (narrower, most formulas would not fit).
MIN_MATH_EM: Final = 8.0
#: The widest a text column is made before its words wrap, in em.
MAX_TEXT_EM: Final = 9.0

_TOKEN: Final = re.compile(r"\\[A-Za-z]+|\\.|[{}]|[^\\{}]")
#: Commands that print as several letters (operator names) and how many.
_WIDE: Final = {
    r"\tanh": 4,
    r"\sinh": 4,
    r"\cosh": 4,
    r"\sin": 3,
    r"\cos": 3,
    r"\tan": 3,
    r"\log": 3,
    r"\exp": 3,
    r"\operatorname": 0,
    r"\mathrm": 0,
    r"\text": 0,
    r"\left": 0,
    r"\right": 0,
    r"\displaystyle": 0,
    r"\begin": 0,
    r"\end": 0,
    r"\quad": 2,
    r"\qquad": 4,
    r"\,": 0.3,
    r"\mkern": 0,
}


def math_width(tex: str) -> float:
    """The estimated width of display-style math ``tex``, in em."""
    return _width(_tokens(tex)) * EM_PER_CHAR


def text_width(text: str) -> float:
    """The estimated width of a text cell (markup not counted), in em."""
    plain = re.sub(r"\\[A-Za-z]+(\{\})?|[{}$]", "", text)
    return len(plain) * TEXT_EM_PER_CHAR


def longest_word(text: str) -> float:
    plain = re.sub(r"\\allowbreak\{\}", " ", text)
    return max((text_width(w) for w in plain.split()), default=0.0)


def _tokens(tex: str) -> list[str]:
    return _TOKEN.findall(tex)


def _group(tokens: list[str], i: int) -> tuple[list[str], int]:
    """The tokens of the brace group starting at ``tokens[i]`` (a ``{``), and the index after it;
    a single token when there are no braces."""
    if i >= len(tokens):
        return [], i
    if tokens[i] != "{":
        return [tokens[i]], i + 1
    depth, j = 0, i
    while j < len(tokens):
        depth += {"{": 1, "}": -1}.get(tokens[j], 0)
        j += 1
        if depth == 0:
            break
    return tokens[i + 1 : j - 1], j


#: Relations and binary operators, and their widths in characters with the space TeX puts
#: around them in display and text style (none in a script).
_RELATIONS: Final = frozenset({"=", "<", ">", r"\leq", r"\geq", r"\neq", r"\le", r"\ge"})
_RELATION_CHARS: Final = 1.8
_BINARY_CHARS: Final = 1.6
#: Tokens after which + and − are signs (unary), not binary operators.
_NO_OPERAND: Final = frozenset({"(", "[", "&", "+", "-", r"\left", r"\cdot", r"\quad", r"\qquad"})


def _width(tokens: list[str], script: bool = False) -> float:
    total, i = 0.0, 0
    prev: str | None = None  # the last token that printed, for telling binary - from a sign
    while i < len(tokens):
        tok = tokens[i]
        if tok == r"\frac":
            num, i = _group(tokens, i + 1)
            den, i = _group(tokens, i)
            total += max(_width(num, script), _width(den, script)) + 0.4
        elif tok == r"\begin" and tokens[i + 1 : i + 2] == ["{"]:
            name, j = _group(tokens, i + 1)
            end = _matching_end(tokens, j, "".join(name))
            total += _block_width(_split_rows(tokens[j:end])) + 1.5
            i = end + 1 + len(name) + 2
        elif tok in ("^", "_"):
            part, i = _group(tokens, i + 1)
            total += 0.75 * _width(part, script=True)
        elif tok in (r"\text", r"\mathrm", r"\operatorname", r"\texttt"):
            part, i = _group(tokens, i + 1)  # upright letters are narrower than italic math
            total += 0.8 * len("".join(p for p in part if not p.startswith("\\")))
            tok = "&" if tok == r"\text" else tok  # (a sign may follow "if")
        elif tok == r"\mkern":
            i += 2  # \mkern3mu: the amount is two tokens ("3", "m" "u" ...) and small
            continue
        elif tok in ("{", "}") or tok.isspace():
            i += 1
            continue
        elif script:
            total += _WIDE.get(tok, 1.0)
            i += 1
        elif tok in _RELATIONS:
            total += _RELATION_CHARS
            i += 1
        elif tok in ("+", "-", r"\cdot") and prev is not None and prev not in _NO_OPERAND:
            total += _BINARY_CHARS
            i += 1
        else:
            total += _WIDE.get(tok, 1.0)
            i += 1
        prev = "&" if tok in _RELATIONS else tok
    return total


def _matching_end(tokens: list[str], start: int, name: str) -> int:
    depth, j = 1, start
    while j < len(tokens):
        if tokens[j] in (r"\begin", r"\end"):
            inner, after = _group(tokens, j + 1)
            if "".join(inner) == name:
                depth += 1 if tokens[j] == r"\begin" else -1
                if depth == 0:
                    return j
            j = after
            continue
        j += 1
    return len(tokens)


def _split_rows(tokens: list[str]) -> list[list[str]]:
    rows: list[list[str]] = [[]]
    for tok in tokens:
        if tok in (r"\\", r"\cr"):
            rows.append([])
        else:
            rows[-1].append(tok)
    return rows


def _block_width(rows: list[list[str]]) -> float:
    """The width of an array's rows: its columns are aligned, so each is as wide as its widest
    cell (not each row as wide as its own cells)."""
    columns: list[float] = []
    for row in rows:
        cells: list[list[str]] = [[]]
        for tok in row:
            if tok == "&":
                cells.append([])
            else:
                cells[-1].append(tok)
        for k, cell in enumerate(cells):
            width = _width(cell)
            if k < len(columns):
                columns[k] = max(columns[k], width)
            else:
                columns.append(width)
    return sum(columns) + 1.0 * (len(columns) - 1)


# --- breaking a formula into lines ----------------------------------------------------------


def _top_level(tex: str) -> Iterator[int]:
    """The positions in ``tex`` outside every group (``{…}``, ``\\left…\\right``,
    ``\\begin…\\end``), control sequences skipped whole."""
    depth, i = 0, 0
    while i < len(tex):
        if tex.startswith((r"\left", r"\begin"), i):
            depth += 1
        elif tex.startswith((r"\right", r"\end"), i):
            depth -= 1
        char = tex[i]
        if char == "\\":
            i += 2 if i + 1 < len(tex) and not tex[i + 1].isalpha() else 1
            while i < len(tex) and tex[i].isalpha():
                i += 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            yield i
        i += 1


def top_level_terms(tex: str) -> list[str]:
    """``a + b - c`` → ``["a", "+ b", "- c"]``: split at + and − outside every group."""
    terms: list[str] = []
    start, after = 0, 0
    for i in _top_level(tex):
        if i >= after and i > start and tex.startswith((" + ", " - "), i):
            terms.append(tex[start:i].strip())
            start, after = i + 1, i + 3
    terms.append(tex[start:].strip())
    return [t for t in terms if t]


def top_level_factors(tex: str) -> list[str]:
    """The factors of a product printed with spaces between them, outside every group."""
    pieces: list[str] = []
    start = 0
    for i in _top_level(tex):
        if (
            tex[i] == " "
            and tex[start:i].strip() not in ("", "-", "+")
            and not tex.startswith((r" \right", " ^", " _"), i)
        ):
            pieces.append(tex[start:i].strip())
            start = i + 1
    pieces.append(tex[start:].strip())
    # factors printed with a thin space between them (\mathrm{eps}\,x) part after it, keeping it
    split = []
    for piece in pieces:
        parts = _split_top(piece, r"\,")
        split += [part.strip() + r"\," for part in parts[:-1]] + [parts[-1].strip()]
    return [p for p in split if p and p != r"\,"]


def _split_fraction(term: str) -> tuple[str, str, str] | None:
    """``\\frac{N}{D}`` (with a sign in front or not) as (sign, D, N), so that a long numerator
    can be broken after ``\\frac{1}{D}``; None for any other term."""
    sign = ""
    body = term
    for lead in ("+ ", "- ", "-"):
        if body.startswith(lead):
            sign, body = lead, body[len(lead) :]
            break
    if not body.startswith(r"\frac{"):
        return None
    tokens = _tokens(body)
    num, i = _group(tokens, 1)
    den, j = _group(tokens, i)
    if j != len(tokens) or not num:
        return None
    return sign, "".join(den), "".join(num)


def _fraction_pieces(term: str, limit_em: float) -> list[str]:
    """The pieces a long fraction breaks into: ``\\frac{1}{D}`` and its numerator's factors
    (juxtaposed factors read as a product across lines), or, when the numerator is a sum, its
    terms inside ``\\bigl( … \\bigr)`` (which, unlike ``\\left``/``\\right``, may open
    on one line and close on another): ``\\frac{1}{D} \\bigl(a``, ``- b``, ``+ c \\bigr)``,
    never ``\\frac{1}{D} a`` then ``- b``, which would read as (a/D) − b; a term still wider
    than ``limit_em`` broken further inside the brackets (:func:`_pieces`). Where ``\\frac{1}{D}``
    is itself wider and D a product, one ``\\frac{1}{…}`` per line of D's factors
    (``\\frac{1}{D_1 D_2}`` = ``\\frac{1}{D_1} \\frac{1}{D_2}``). A term that is no fraction
    is broken between its factors."""
    split = _split_fraction(term)
    if split is None:
        return top_level_factors(term)
    sign, den, num = split
    heads = [r"\frac{1}{" + part + "}" for part in _pack(top_level_factors(den), limit_em - 0.4)]
    if len(heads) == 1 or math_width(r"\frac{1}{" + den + "}") <= limit_em:
        heads = [r"\frac{1}{" + den + "}"]
    heads[0] = sign + heads[0]
    terms = top_level_terms(num)
    if len(terms) > 1:
        terms = _pieces(num, limit_em)
        return [
            *heads[:-1],
            heads[-1] + r" \bigl(" + terms[0].lstrip(),
            *terms[1:-1],
            terms[-1] + r" \bigr)",
        ]
    return [*heads[:-1], *top_level_factors(heads[-1] + " " + num)]


def break_formula(tex: str, limit_em: float) -> list[str]:
    """``tex`` as lines no wider than ``limit_em`` where it can be broken: at top-level + and −
    first, then a long fraction's numerator between its factors (or its terms, in brackets).
    A piecewise definition stays one block, its long branches and conditions broken into lines
    inside it (see :func:`_break_cases`). A piece that cannot be broken stays whole (and may be
    wider)."""
    if math_width(tex) <= limit_em:
        return [tex]
    if r"\begin{" in tex:
        return [_break_cases(tex, limit_em) or tex]
    return _pack(_pieces(tex, limit_em - 1.5), limit_em - 1.5)


def _pieces(tex: str, limit_em: float) -> list[str]:
    """The pieces ``tex`` breaks into for lines of ``limit_em``: its top-level terms; a term
    wider than that, its fraction's or product's pieces (:func:`_fraction_pieces`); a factor
    still wider that is a bracketed sum, that sum's terms (:func:`_bracket_pieces`)."""
    pieces: list[str] = []
    for term in top_level_terms(tex):
        if math_width(term) <= limit_em:
            pieces.append(term)
            continue
        factors = _fraction_pieces(term, limit_em)
        broken: list[str] = []
        for factor in factors if len(factors) > 1 else [term]:
            inner = _bracket_pieces(factor, limit_em) if math_width(factor) > limit_em else None
            broken.extend(inner or [factor])
        # never wider for being broken (1/D then N is wider than N/D when D is the wider)
        widest = max(math_width(line) for line in _pack(broken, limit_em))
        if widest >= math_width(term):
            pieces.append(term)
            continue
        # a broken term starts a line: "a + b" then "(c + d) e" would look like (a + b)(c + d) e
        pieces.extend([_NEW_LINE + broken[0].lstrip(), *broken[1:]])
    return pieces


#: Marks a piece that starts a line (whitespace, so it neither counts in a width nor prints).
_NEW_LINE: Final = "\n"


def _bracket_pieces(factor: str, limit_em: float) -> list[str] | None:
    """A factor ``\\left(a + b - c\\right)`` (a sign before it, an exponent after it, or not)
    as the terms of its sum inside ``\\bigl( … \\bigr)`` (``\\Bigl``/``\\Bigr`` around a
    fraction), which may open on one line and close on another: ``\\bigl(a``, ``+ b``,
    ``- c \\bigr)``; each term still too wide broken the same way (inside the brackets, where
    a product's factors on lines of their own still read as one product). None for any other
    factor, or a bracket that holds no sum."""
    sign, body = "", factor
    for lead in ("+ ", "- "):
        if body.startswith(lead):
            sign, body = lead, body[len(lead) :]
            break
    if not body.startswith(r"\left("):
        return None
    close = _matching_right(body)
    if close is None or not body.startswith(r"\right)", close):
        return None
    inner = body[len(r"\left(") : close]
    after = body[close + len(r"\right)") :]
    tail = _tokens(after)
    if tail and not (tail[0] == "^" and _group(tail, 1)[1] == len(tail)):
        return None
    if len(top_level_terms(inner)) < 2:
        return None
    size = "Big" if r"\frac" in inner else "big"
    terms = _pieces(inner, limit_em)
    return [
        sign + "\\" + size + "l(" + terms[0].lstrip(),
        *terms[1:-1],
        terms[-1] + " \\" + size + "r)" + after,
    ]


def _matching_right(tex: str) -> int | None:
    """The position of the ``\\right`` that closes the ``\\left`` at the start of ``tex``."""
    depth, i = 0, 0
    while i < len(tex):
        if tex.startswith(r"\left", i):
            depth += 1
            i += len(r"\left")
            continue
        if tex.startswith(r"\right", i):
            depth -= 1
            if depth == 0:
                return i
            i += len(r"\right")
            continue
        i += 1
    return None


def narrowest(tex: str) -> float:
    """The width (em) of the widest piece that :func:`break_formula` cannot break."""
    return max(math_width(line) for line in break_formula(tex, 0.0)) + 1.5


def _pack(pieces: Sequence[str], limit_em: float) -> list[str]:
    lines: list[str] = []
    for piece in pieces:
        if piece.startswith(_NEW_LINE):
            lines.append(piece.lstrip())
        elif lines and math_width(lines[-1] + " " + piece) <= limit_em:
            lines[-1] = lines[-1] + " " + piece
        else:
            lines.append(piece)
    return lines


def column_widths(
    naturals: Sequence[float], floors: Sequence[float], math: Sequence[bool]
) -> list[float]:
    """Widths (em) for columns of these natural widths that fit :data:`LINE_EM`: each column
    as wide as its content where all fit; else every column from its ``floors`` (a text
    column's longest word, a formula's widest piece that cannot be broken) up, the formula
    columns and then the text columns sharing what room is left: each as much as it needs up
    to an equal share, what one leaves going to the others. The sum exceeds the line only where
    the floors do."""
    room = LINE_EM - GAP_EM * (len(naturals) - 1)
    if sum(naturals) <= room:
        return list(naturals)
    widths = [min(floor, nat) for nat, floor in zip(naturals, floors, strict=True)]
    remaining = room - sum(widths)
    for kind in (True, False):
        order = sorted(
            (i for i, m in enumerate(math) if m == kind), key=lambda i: naturals[i] - widths[i]
        )
        for k, i in enumerate(order):
            share = max(0.0, remaining) / (len(order) - k)
            extra = min(naturals[i] - widths[i], share)
            widths[i] += extra
            remaining -= extra
    return widths


def fits(widths: Sequence[float]) -> bool:
    """Whether columns of these widths fit the line."""
    return sum(widths) + GAP_EM * (len(widths) - 1) <= LINE_EM + 1e-9


# --- breaking a piecewise definition ---------------------------------------------------------

_CASES_OPEN: Final = r"\begin{cases}"
_CASES_CLOSE: Final = r"\end{cases}"
#: What a cases block adds to its rows' widths (the brace), and the gap between its columns, in em
#: (as :func:`_width` counts them).
_BRACE_EM: Final = 1.5
_CELL_GAP_EM: Final = 1.0
_OR: Final = r" \text{ or } "
_AND: Final = r" \text{ and } "
_IF: Final = r"\text{if } "


def _split_top(tex: str, separator: str) -> list[str]:
    """``tex`` split at every ``separator`` outside every group (braces, ``\\left…\\right``,
    ``\\begin…\\end``), separators dropped."""
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(tex):
        if depth == 0 and tex.startswith(separator, i):
            parts.append(tex[start:i])
            i += len(separator)
            start = i
            continue
        if tex.startswith((r"\left", r"\begin"), i):
            depth += 1
        elif tex.startswith((r"\right", r"\end"), i):
            depth -= 1
        char = tex[i]
        if char == "\\":
            i += 2 if i + 1 < len(tex) and not tex[i + 1].isalpha() else 1
            while i < len(tex) and tex[i].isalpha():
                i += 1
            continue
        depth += {"{": 1, "}": -1}.get(char, 0)
        i += 1
    parts.append(tex[start:])
    return parts


def _cases_rows(tex: str) -> list[tuple[str, str]] | None:
    """The (value, condition) rows of ``tex`` when it is one cases block, else None."""
    text = tex.strip()
    if not (text.startswith(_CASES_OPEN) and text.endswith(_CASES_CLOSE)):
        return None
    body = text[len(_CASES_OPEN) : -len(_CASES_CLOSE)]
    if len(_split_top(_CASES_OPEN + body, _CASES_CLOSE)) != 1:
        return None  # two blocks side by side, not one
    rows = []
    for row in _split_top(body, r" \\ "):
        cells = _split_top(row, "&")
        if len(cells) != 2:
            return None
        rows.append((cells[0].strip(), cells[1].strip()))
    return rows


_RELATION_TEX: Final = (r" \leq ", r" \geq ", r" \neq ", " < ", " > ", " = ")


def _split_relations(comparison: str) -> list[str]:
    """``a \\leq b`` → ``["a", "\\leq b"]``: a comparison split before each of its top-level
    relations (a break before a relation, the way long relations are broken in print)."""
    positions = [i for i in _top_level(comparison) if comparison.startswith(_RELATION_TEX, i)]
    cuts = [0, *(i + 1 for i in positions), len(comparison)]
    parts = [comparison[x:y].strip() for x, y in itertools.pairwise(cuts)]
    return [p for p in parts if p]


def break_condition(condition: str, limit_em: float) -> list[str]:
    """A branch's condition (``\\text{if } A \\text{ and } B \\text{ or } C``) as lines no
    wider than ``limit_em`` where it can be broken: between its alternatives ("or", a line
    ``\\quad \\text{or } …``), inside a long one between its "and"s (``\\qquad \\text{and } …``,
    further in, so that the lines group as "and" binds, tighter), and a long comparison before
    its relation (``\\qquad \\leq …``, further in than the line it continues). Alternatives
    share a line only where each is whole on it."""
    if math_width(condition) <= limit_em or not condition.startswith(_IF):
        return [condition]
    lines: list[str] = []
    single = False  # whether the last alternative is on one line (another may join it)
    for k, alternative in enumerate(_split_top(condition[len(_IF) :], _OR)):
        alternative = alternative.strip()
        if single and math_width(lines[-1] + _OR + alternative) <= limit_em:
            lines[-1] = lines[-1] + _OR + alternative
            continue
        mine: list[str] = []
        for j, conjunct in enumerate(_split_top(alternative, _AND)):
            head, *rest = _split_relations(conjunct.strip())
            if j == 0:
                indent = "" if k == 0 else r"\quad "
                mine.append((_IF if k == 0 else indent + r"\text{or } ") + head)
            elif math_width(mine[-1] + _AND + conjunct.strip()) <= limit_em:
                mine[-1] = mine[-1] + _AND + conjunct.strip()
                continue
            else:
                indent = r"\qquad "
                mine.append(indent + r"\text{and } " + head)
            for relation in rest:
                if math_width(mine[-1] + " " + relation) <= limit_em:
                    mine[-1] = mine[-1] + " " + relation
                else:
                    mine.append(indent + r"\qquad " + relation)
        lines.extend(mine)
        single = len(mine) == 1
    return lines


def _break_cases(tex: str, limit_em: float) -> str | None:
    """``tex``, a cases block wider than ``limit_em``, with its long values and conditions broken
    into lines, each line a row of the block: a value's lines as :func:`break_formula` makes
    them (continued lines indented), a condition's as :func:`break_condition` makes them, from
    the value's last line on. The columns share the width as a table's do (from their
    narrowest up). None when ``tex`` is no single cases block."""
    rows = _cases_rows(tex)
    if rows is None:
        return None
    room = limit_em - _BRACE_EM - _CELL_GAP_EM
    naturals = [max(math_width(v) for v, _ in rows), max(math_width(c) for _, c in rows)]
    floors = [  # a value is not broken into lines narrower than MIN_MATH_EM
        max(min(max(narrowest(v), MIN_MATH_EM), math_width(v)) for v, _ in rows),
        max(max(math_width(p) for p in break_condition(c, 0.0)) for _, c in rows),
    ]
    widths = _share(naturals, floors, room)
    out: list[str] = []
    for value, condition in rows:
        values = break_formula(value, widths[0]) if math_width(value) > widths[0] else [value]
        values = [values[0]] + [r"\quad " + line for line in values[1:]]
        conditions = break_condition(condition, widths[1])
        # the condition from the value's last line: a first line beside "if …" would read as
        # the whole branch
        start = len(values) - 1
        for k in range(start + len(conditions)):
            left = values[k] if k < len(values) else ""
            right = conditions[k - start] if k >= start else ""
            out.append(f"{left} & {right}".strip() if left else f"& {right}")
    return _CASES_OPEN + " " + r" \\ ".join(out) + " " + _CASES_CLOSE


def _share(naturals: Sequence[float], floors: Sequence[float], room: float) -> list[float]:
    """Widths for columns of these natural widths in ``room`` em: their natural widths where
    all fit, else each from its floor up, sharing the rest as :func:`column_widths` does."""
    if sum(naturals) <= room:
        return list(naturals)
    widths = [min(floor, nat) for nat, floor in zip(naturals, floors, strict=True)]
    remaining = room - sum(widths)
    order = sorted(range(len(naturals)), key=lambda i: naturals[i] - widths[i])
    for k, i in enumerate(order):
        share = max(0.0, remaining) / (len(order) - k)
        extra = min(naturals[i] - widths[i], share)
        widths[i] += extra
        remaining -= extra
    return widths
