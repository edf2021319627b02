"""Breaking long formulas into lines (render/tablefit.py): every break keeps the formula's text
(so it reads as the same formula), and what used to overflow now fits, on paper too."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Final

from click.testing import Result

from actderiv.render import latex, tablefit
from actderiv.render.tablefit import break_condition, break_formula, math_width

#: plu's derivative, as the printer writes it: a condition of three alternatives, two of them
#: conjunctions, one comparison wider than a third of a line.
PLU: Final = (
    r"\begin{cases} 1 & \text{if } x \leq \alpha \left(- c + x\right) + c \text{ and } "
    r"x \geq \alpha \left(c + x\right) - c \text{ or } x > - \alpha \left(c - x\right) + c "
    r"\text{ and } x \leq - \alpha \left(c - x\right) + c \text{ or } \alpha \left(c + x\right)"
    r" - c \leq - \alpha \left(c - x\right) + c \\ \alpha & \text{otherwise} \end{cases}"
)
#: A product whose bracketed sum is wider than a line (puaf's derivative has one).
BRACKET: Final = (
    r"x^{a} \left(a c^{2} \left(- \left(c - x\right)^{b} - \left(c + x\right)^{b}\right) + "
    r"a x^{2} \left(\left(c - x\right)^{b} + \left(c + x\right)^{b}\right) - 2 b c x "
    r"\left(c - x\right)^{b}\right)"
)


def _text(tex: str) -> str:
    """What a formula says, whatever its lines: indentation, spacing, line breaks and the
    size of brackets dropped."""
    tex = re.sub(r"\\[Bb]igl\(", r"\\left(", tex)
    tex = re.sub(r"\\[Bb]igr\)", r"\\right)", tex)
    return re.sub(r"\\qquad|\\quad|\\\\|&|\s", "", tex)


def test_a_condition_breaks_at_or_then_and_then_before_a_relation() -> None:
    condition = PLU.split(" & ", 1)[1].split(r" \\ ", 1)[0]
    wide = break_condition(condition, 30.0)
    assert wide[0].startswith(r"\text{if } x \leq")
    assert all(line.startswith(r"\quad \text{or } ") for line in wide[1:])  # alternatives
    narrow = break_condition(condition, 13.0)
    assert [line.split(" ", 1)[0] for line in narrow] == [
        r"\text{if",
        r"\qquad",  # and …: further in than an "or", as "and" binds tighter
        r"\quad",  # or …
        r"\qquad",
        r"\quad",
        r"\quad",  # … \qquad \leq: the rest of a comparison, further in than its line
    ]
    assert narrow[-1].startswith(r"\quad \qquad \leq ")
    for lines in (wide, narrow):
        assert _text(" ".join(lines)) == _text(condition)
        assert all(math_width(line) <= 30.0 for line in lines)


def test_a_piecewise_definition_breaks_inside_its_block() -> None:
    assert math_width(PLU) > 28.5
    (block,) = break_formula(PLU, 28.5)  # one block still: its rows are lines
    assert block.startswith(r"\begin{cases} 1 & \text{if }")
    assert block.endswith(r"\alpha & \text{otherwise} \end{cases}")
    assert math_width(block) <= 28.5
    rows = block.split(r" \\ ")
    assert len(rows) > 2
    assert all(row.startswith("& ") for row in rows[1:-1])  # continued, no new branch
    assert _text(block) == _text(PLU)


def test_a_cases_block_is_as_wide_as_its_columns() -> None:
    """Its columns align: a long value in one row and a long condition in another make it as
    wide as both (it was estimated as its widest row)."""
    value, condition = "a + b + c + d + e + f", r"\text{if } x \leq y + z + w"
    both = math_width(rf"\begin{{cases}} {value} & {condition} \end{{cases}}")
    apart = math_width(rf"\begin{{cases}} {value} & 0 \\ 1 & {condition} \end{{cases}}")
    assert apart >= both - 1.0


def test_a_bracketed_sum_breaks_between_its_terms() -> None:
    lines = break_formula(BRACKET, 16.0)
    assert len(lines) > 1
    assert all(math_width(line) <= 16.0 for line in lines)
    opened = next(k for k, line in enumerate(lines) if r"\bigl(" in line)
    assert r"\bigl(a c^{2}" in lines[opened]
    assert lines[-1].endswith(r"\bigr)")  # opened on one line, closed on another
    assert any(line.startswith("+ a x^{2}") for line in lines[opened + 1 :])
    assert any(line.startswith("- 2 b c x") for line in lines[opened + 1 :])
    assert _text(" ".join(lines)) == _text(BRACKET)


def test_a_break_never_widens_a_term() -> None:
    """1/D then N is wider than N/D where D is the wider part: such a fraction stays whole."""
    term = r"\frac{a + b}{\sqrt{x^{2} + y^{2} + z^{2} + w^{2} + v^{2} + u^{2} + 1}}"
    assert break_formula("1 + " + term, 12.0) == ["1", "+ " + term]


def test_a_wide_denominator_is_one_fraction_per_line_of_its_factors() -> None:
    tex = (
        r"\frac{x^{a}}{x \left(- c + x\right) \left(c + x\right) "
        r"\left(\left(c - x\right)^{b} + \left(c + x\right)^{b}\right)^{2}}"
    )
    lines = break_formula(tex, 12.0)
    assert lines[0] == r"\frac{1}{x \left(- c + x\right) \left(c + x\right)}"
    assert lines[1].startswith(r"\frac{1}{\left(\left(c - x\right)^{b}")
    assert lines[-1].endswith("x^{a}")


def test_a_thin_space_between_factors_is_a_place_to_break_and_is_kept() -> None:
    factors = tablefit.top_level_factors(r"\left(a + b\right)\,\left(c + d\right)\,x")
    assert factors == [r"\left(a + b\right)\,", r"\left(c + d\right)\,", "x"]


def test_a_self_referential_form_too_wide_writes_f() -> None:
    name = r"\operatorname{improved\_logistic\_sigmoid}"
    item = {"latex": {"function": name, "legend": []}}
    tex = rf"{name}(x) \left(1 - {name}(x)\right)"
    assert latex._as_f(tex, item, 40.0) == tex  # it fits: unchanged
    assert latex._as_f(tex, item, 8.0) == r"f(x) \left(1 - f(x)\right)"
    named = {
        "latex": {
            "function": r"\operatorname{softplus}",
            "legend": [r"\operatorname{softplus}(x) = …"],
        }
    }
    assert latex._as_f(r"\operatorname{softplus}(x)", named, 1.0) == r"\operatorname{softplus}(x)"


def test_what_overflowed_now_fits_on_paper(
    compile_latex: Callable[..., str], tmp_path: Path
) -> None:
    """plu's derivative and a long bracketed product, as the equations print them: they ran
    past the text width before (a piecewise definition was never broken)."""
    body = "\n".join(
        [
            r"\begin{align}",
            rf"f'(x) &= {latex._fit(PLU)} \notag \\",
            rf"f'(x) &= {latex._fit(BRACKET + ' + ' + BRACKET)} \notag",
            r"\end{align}",
        ]
    )
    log = compile_latex(latex._document(body.replace("{cases}", "{dcases}")), tmp_path)
    assert "Overfull \\hbox" not in log


def test_equations_of_long_names_and_notes_fit_on_paper(
    run: Callable[..., Result], compile_latex: Callable[..., str], tmp_path: Path
) -> None:
    """A run-in heading stretches only as far as its spaces do: hardsigmoid_paddle's name and
    title, and its name again in "With f = …", ran past the line; sigmoid_gumbel's "(needs x
    too)", in a column right of its widest formula, did too. Ragged breaks after the name and
    before "With", and the note on a line of its own where its column would not fit, mend it."""
    out = tmp_path / "two.tex"
    result = run("export", "hardsigmoid_paddle", "sigmoid_gumbel", "--standalone", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    source = out.read_text(encoding="utf-8")
    assert r"\paragraph{\texttt{hardsigmoid\_\allowbreak{}paddle}:\hspace{0pt plus 1fil}" in source
    assert "& \\quad \\text{(needs $x$ too)} \\notag\n\\end{align}" in source
    log = compile_latex(source, tmp_path, runs=2)
    assert "Overfull \\hbox" not in log


def test_a_broken_branch_has_its_condition_after_its_value() -> None:
    """Beside the value's first line, "if …" would read as the whole branch."""
    value = " + ".join(rf"\frac{{x^{{{k}}}}}{{{k} + a}}" for k in range(2, 9))
    tex = rf"\begin{{cases}} {value} & \text{{if }} x > 0 \\ 0 & \text{{otherwise}} \end{{cases}}"
    (block,) = break_formula(tex, 20.0)
    rows = block.removeprefix(r"\begin{cases} ").removesuffix(r" \end{cases}").split(r" \\ ")
    assert rows[0].endswith("&")  # no condition beside the first line
    assert rows[-2].endswith(r"& \text{if } x > 0")
    assert rows[-1] == r"0 & \text{otherwise}"
    assert _text(block) == _text(tex)


def test_a_broken_term_starts_a_line() -> None:
    """ "a + b" then "(c + d) e" would look like (a + b)(c + d) e: the term b (c + d) e, once
    broken, starts a line of its own."""
    tex = r"a + b \left(c + d + e + f + g + h\right) \left(i + j + k + l + m + n\right)"
    lines = break_formula(tex, 14.0)
    assert lines[0] == "a"
    assert lines[1].startswith(r"+ b")
    assert _text(" ".join(lines)) == _text(tex)
