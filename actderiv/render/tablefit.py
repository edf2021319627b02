"""Fitting a LaTeX table to the line: widths of printed math estimated from its text, columns
sized from their content, and long formulas broken into lines at their top-level + and −.

A table must go into a portrait article without hand-editing: no overfull box, no cell scaled
down, no reference that needs a second run (docs/ARCHITECTURE.md, "The LaTeX export"). LaTeX
cannot be asked for widths from here, so they are estimated from the printed text, generously
(each visible character of display-style math as :data:`EM_PER_CHAR` em; a fraction as wide as
the wider of its parts). Pure: no I/O, no printing, no SymPy.
"""

from __future__ import annotations

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


def _width(tokens: list[str]) -> float:
    total, i = 0.0, 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == r"\frac":
            num, i = _group(tokens, i + 1)
            den, i = _group(tokens, i)
            total += max(_width(num), _width(den)) + 0.4
        elif tok == r"\begin" and tokens[i + 1 : i + 2] == ["{"]:
            name, j = _group(tokens, i + 1)
            end = _matching_end(tokens, j, "".join(name))
            rows = _split_rows(tokens[j:end])
            total += max((_row_width(r) for r in rows), default=0.0) + 1.5
            i = end + 1 + len(name) + 2
        elif tok in ("^", "_"):
            part, i = _group(tokens, i + 1)
            total += 0.75 * _width(part)
        elif tok in (r"\text", r"\mathrm", r"\operatorname", r"\texttt"):
            part, i = _group(tokens, i + 1)  # upright letters are narrower than italic math
            total += 0.8 * len("".join(p for p in part if not p.startswith("\\")))
        elif tok == r"\mkern":
            i += 2  # \mkern3mu: the amount is two tokens ("3", "m" "u" ...) and small
        elif tok in ("{", "}") or tok.isspace():
            i += 1
        else:
            total += _WIDE.get(tok, 1.0)
            i += 1
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


def _row_width(tokens: list[str]) -> float:
    cells: list[list[str]] = [[]]
    for tok in tokens:
        if tok == "&":
            cells.append([])
        else:
            cells[-1].append(tok)
    return sum(_width(c) for c in cells) + 1.0 * (len(cells) - 1)


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
            and tex[start:i].strip() not in ("", "-")
            and not tex.startswith((r" \right", " ^", " _"), i)
        ):
            pieces.append(tex[start:i].strip())
            start = i + 1
    pieces.append(tex[start:].strip())
    return [p for p in pieces if p]


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


def _fraction_pieces(term: str) -> list[str]:
    """The pieces a long fraction breaks into: ``\\frac{1}{D}`` and its numerator's factors
    (juxtaposed factors read as a product across lines), or, when the numerator is a sum, its
    terms inside ``\\bigl( … \\bigr)`` (which, unlike ``\\left``/``\\right``, may open
    on one line and close on another): ``\\frac{1}{D} \\bigl(a``, ``- b``, ``+ c \\bigr)``,
    never ``\\frac{1}{D} a`` then ``- b``, which would read as (a/D) − b. A term that is no
    fraction is broken between its factors."""
    split = _split_fraction(term)
    if split is None:
        return top_level_factors(term)
    sign, den, num = split
    head = sign + r"\frac{1}{" + den + "}"
    terms = top_level_terms(num)
    if len(terms) > 1:
        return [head + r" \bigl(" + terms[0], *terms[1:-1], terms[-1] + r" \bigr)"]
    return top_level_factors(head + " " + num)


def break_formula(tex: str, limit_em: float) -> list[str]:
    """``tex`` as lines no wider than ``limit_em`` where it can be broken: at top-level + and −
    first, then a long fraction's numerator between its factors (or its terms, in brackets).
    A piece that cannot be broken stays whole (and may be wider)."""
    if math_width(tex) <= limit_em or r"\begin{" in tex:  # cases are lines already
        return [tex]
    pieces: list[str] = []
    for term in top_level_terms(tex):
        if math_width(term) <= limit_em - 1.5:
            pieces.append(term)
            continue
        factors = _fraction_pieces(term)
        pieces.extend(factors if len(factors) > 1 else [term])
    return _pack(pieces, limit_em - 1.5)


def narrowest(tex: str) -> float:
    """The width (em) of the widest piece that :func:`break_formula` cannot break."""
    return max(math_width(line) for line in break_formula(tex, 0.0)) + 1.5


def _pack(pieces: Sequence[str], limit_em: float) -> list[str]:
    lines: list[str] = []
    for piece in pieces:
        if lines and math_width(lines[-1] + " " + piece) <= limit_em:
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
