"""LaTeX for papers: names, numbers, and the table + equations document of an export.

Conventions (also in the README, "Export and plots"):

* Parameters named like Greek letters print as Greek (``alpha`` → ``\\alpha``, ``lambd`` →
  ``\\lambda``); one-letter names print as themselves; any other name prints upright in full
  (``negative_slope`` → ``\\mathrm{negative\\_slope}``; in Markdown ``\\text{negative_slope}``,
  because GitHub eats the backslash of ``\\_``). Full names keep the catalog's meaning obvious.
* In a self-referential form ``y`` stands for f(x) and prints as the function itself:
  ``\\sigma(x)`` for sigmoid, ``\\tanh(x)``, else ``\\operatorname{softplus}(x)``.
* Numbers print with ``precision`` significant digits (default 6): 1.0507009873554805 → 1.0507.
* Piecewise definitions print as ``cases`` with "if" and "otherwise".

The SymPy printer is in :mod:`actderiv.render.texprint`. Pure: no I/O, no printing; never imports
click, rich or (at import) SymPy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    import sympy as sp

Dialect = Literal["latex", "markdown"]

GREEK: Final = frozenset(
    [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
        "pi",
        "rho",
        "sigma",
        "tau",
        "upsilon",
        "phi",
        "chi",
        "psi",
        "omega",
        "Gamma",
        "Delta",
        "Theta",
        "Lambda",
        "Xi",
        "Pi",
        "Sigma",
        "Upsilon",
        "Phi",
        "Psi",
        "Omega",
    ]
)
#: Spellings that avoid Python keywords (PyTorch's ``lambd``) or differ from TeX's.
_GREEK_ALIASES: Final = {"lambd": "lambda", "lamda": "lambda", "lam": "lambda"}
#: Activations with a conventional one-symbol name.
_FUNCTION_SYMBOLS: Final = {
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "identity": r"\operatorname{id}",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LatexOptions:
    """How expressions print: the dialect (plain LaTeX or GitHub Markdown math) and precision."""

    dialect: Dialect = "latex"
    precision: int = 6

    def __post_init__(self) -> None:
        if self.dialect not in ("latex", "markdown"):
            raise ValueError(f"unknown dialect {self.dialect!r}")
        if not 1 <= self.precision <= 17:
            raise ValueError("precision must be between 1 and 17 significant digits")


def name_tex(name: str, dialect: Dialect = "latex") -> str:
    """A parameter or variable name as math: Greek as Greek, one letter as is, else upright."""
    greek = _GREEK_ALIASES.get(name, name)
    if greek in GREEK:
        return "\\" + greek
    if len(name) == 1:
        return name
    return _upright(name, dialect)


def function_tex(name: str, dialect: Dialect = "latex") -> str:
    """The symbol of activation ``name``: ``\\sigma``, ``\\tanh``, else ``\\operatorname{…}``."""
    symbol = _FUNCTION_SYMBOLS.get(name)
    if symbol is not None:
        return symbol.replace(r"\operatorname", r"\mathrm") if dialect == "markdown" else symbol
    if dialect == "markdown":
        return _upright(name, dialect)
    return r"\operatorname{" + name.replace("_", r"\_") + "}"


def _upright(name: str, dialect: Dialect) -> str:
    if dialect == "markdown":
        # GitHub strips the backslash from \_ before MathJax sees it; \text keeps _ literal.
        return r"\text{" + name + "}" if "_" in name else r"\mathrm{" + name + "}"
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def to_latex(
    expr: sp.Basic, options: LatexOptions | None = None, *, function: str | None = None
) -> str:
    """``expr`` as LaTeX (or GitHub Markdown math), with ``y`` printed as ``function``(x).

    The printer lives in :mod:`actderiv.render.texprint` (it needs SymPy); assembling a document
    from printed fragments, as a warm ``export`` does, does not.
    """
    from actderiv.render.texprint import to_latex as print_latex

    return print_latex(expr, options, function=function)


#: Backslash + ASCII punctuation: GitHub's Markdown treats these as escapes before MathJax runs.
_PUNCT_ESCAPE: Final = re.compile(r"\\[!-/:-@\[-`{-~]")


def markdown_safe(tex: str) -> str:
    """Rewrite math so that GitHub's Markdown leaves it alone: no ``|``, ``<``, ``\\{`` …

    Raises:
        ValueError: a backslash-punctuation sequence is left that has no safe spelling.
    """
    for old, new in (
        (r"\operatorname{", r"\mathrm{"),
        (r"\{", r"\lbrace "),
        (r"\}", r"\rbrace "),
        (r"\,", r"\mkern3mu "),
        (r"\:", r"\medspace "),
        (r"\;", r"\thickspace "),
        (r"\!", ""),
        ("|", r"\vert "),
    ):
        tex = tex.replace(old, new)
    tex = re.sub(r"\s*<\s*", r" \\lt ", tex)
    tex = re.sub(r"\s*>\s*", r" \\gt ", tex)
    bad = _PUNCT_ESCAPE.search(tex)
    if bad:
        raise ValueError(f"cannot write {bad.group()!r} safely in GitHub Markdown math: {tex}")
    return tex


# ---------------------------------------------------------------------------------------------
# The document: a booktabs table and one align block per activation.


#: Characters with a meaning in LaTeX's text mode, and their literal forms.
_TEXT_SPECIAL: Final = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
#: The lower-case Greek letters from U+03B1 on, by their LaTeX names.
_GREEK: Final = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "o",
    "pi",
    "rho",
    "varsigma",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
)
#: Non-ASCII characters titles use, in forms pdflatex knows without extra packages.
_TEXT_UNICODE: Final = {
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": r"\ldots{}",
    "²": r"\ensuremath{^2}",
    "′": r"\ensuremath{'}",
    "±": r"\ensuremath{\pm}",
    "∞": r"\ensuremath{\infty}",
    **{
        chr(0x3B1 + i): "\\ensuremath{\\" + name + "}"
        for i, name in enumerate(_GREEK)
        if name not in ("o", "varsigma")
    },
    "Γ": r"\ensuremath{\Gamma}",
    "Δ": r"\ensuremath{\Delta}",
    "Θ": r"\ensuremath{\Theta}",
    "Λ": r"\ensuremath{\Lambda}",
    "Π": r"\ensuremath{\Pi}",
    "Σ": r"\ensuremath{\Sigma}",
    "Φ": r"\ensuremath{\Phi}",
    "Ψ": r"\ensuremath{\Psi}",
    "Ω": r"\ensuremath{\Omega}",
}


def escape_text(text: str) -> str:
    """Plain text for LaTeX's text mode (titles, tags): every character prints as itself.

    Line breaks and other white space become one space (a blank line would end the paragraph
    inside a heading); control characters print as escapes (``\\x07``); Greek letters and
    common punctuation print as LaTeX writes them; any other non-ASCII character prints as
    ``[U+XXXX]``, since pdflatex without extra packages stops at characters it does not know.
    """
    from actderiv.render.safe import printable

    out = []
    for char in printable(" ".join(text.split())):
        if char in _TEXT_SPECIAL:
            out.append(_TEXT_SPECIAL[char])
        elif char.isascii():
            out.append(char)
        else:
            out.append(_TEXT_UNICODE.get(char, f"[U+{ord(char):04X}]"))
    return "".join(out)


PREAMBLE_PACKAGES: Final = ("amsmath", "booktabs", "longtable", "array", "graphicx")
#: Tables with more rows than this become a longtable, which may break across pages.
LONGTABLE_ROWS: Final = 12
#: A cell whose math is longer than this (in visible characters) points to its equation instead.
CELL_LIMIT: Final = 48

_FIT: Final = (
    r"\providecommand{\actderivfit}[1]{\resizebox{\ifdim\width>\linewidth\linewidth"
    r"\else\width\fi}{!}{$#1$}}"
    "\n"
    r"\providecommand{\actderivfitd}[1]{\resizebox{\ifdim\width>.8\linewidth.8\linewidth"
    r"\else\width\fi}{!}{$\displaystyle #1$}}"
)
#: An equation longer than this (in visible characters) is scaled down to fit the line.
EQUATION_LIMIT: Final = 100


def render_latex(
    entries: Sequence[Mapping[str, Any]], columns: Sequence[str], *, standalone: bool = False
) -> str:
    """The LaTeX export: a table of ``columns`` and the equations of every entry.

    ``entries`` are export entries (see :func:`actderiv.render.export.entry`). Without
    ``standalone`` the text is ready for ``\\input`` in a document that loads
    :data:`PREAMBLE_PACKAGES`; with it, a complete landscape A4 document.
    """
    from actderiv.render.export import COLUMNS, cell_text

    parts = [
        "% Generated by actderiv. Needs: \\usepackage{" + ",".join(PREAMBLE_PACKAGES) + "}",
        _FIT,
        "",
        _table(entries, columns, COLUMNS, cell_text),
        "",
    ]
    for item in entries:
        parts.append(_equations(item))
    body = "\n".join(parts)
    return _document(body) if standalone else body


def _table(
    entries: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
    known: Mapping[str, Any],
    cell_text: Any,
) -> str:
    weights = [known[c].weight for c in columns]
    total = sum(weights)
    spec = "".join(
        r">{\raggedright\arraybackslash}p{\dimexpr "
        + f"{int(w / total * 1000) / 1000:.3f}"
        + r"\linewidth-2\tabcolsep\relax}"
        for w in weights
    )
    header = " & ".join(known[c].latex_header for c in columns) + r" \\"
    rows = []
    for item in entries:
        cells = [_cell(cell_text(item, c, "latex"), known[c].math, item) for c in columns]
        rows.append(" & ".join(cells) + r" \\[2pt]")
    long = len(entries) > LONGTABLE_ROWS
    if long:
        head = [
            r"\begin{longtable}{@{}" + spec + "@{}}",
            r"\caption{Activation functions and their derivatives (actderiv).}\\",
            r"\toprule",
            header,
            r"\midrule",
            r"\endfirsthead",
            r"\toprule",
            header,
            r"\midrule",
            r"\endhead",
            r"\bottomrule",
            r"\endlastfoot",
        ]
        return "\n".join([r"{\small", *head, *rows, r"\end{longtable}}"])
    return "\n".join(
        [
            r"\begin{table}[htbp]",
            r"\centering\small",
            r"\caption{Activation functions and their derivatives (actderiv).}",
            r"\begin{tabular}{@{}" + spec + "@{}}",
            r"\toprule",
            header,
            r"\midrule",
            *rows,
            r"\bottomrule",
            r"\end{tabular}",
            r"\end{table}",
        ]
    )


def _cell(text: str | None, math: bool, item: Mapping[str, Any]) -> str:
    if text is None:
        return "---"
    if not math:
        return text
    if visible_length(text) > CELL_LIMIT:
        return r"see \eqref{" + _label(item["name"]) + "}"
    return r"\actderivfit{" + text + "}"


def visible_length(tex: str) -> int:
    """A rough width of ``tex`` in characters: commands count one, markup none."""
    tex = re.sub(r"\\(left|right)\b", "", tex)
    tex = re.sub(r"\\(begin|end)\{cases\}|\\text\{[^}]*\}", "", tex)
    tex = re.sub(r"\\frac\{", "{", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "#", tex)
    return len(re.sub(r"[\s{}^_&]", "", tex))


def _label(name: str) -> str:
    return "eq:actderiv:" + name


def _equations(item: Mapping[str, Any]) -> str:
    tex = item["latex"]
    name = item["name"]
    f = tex["function"]
    lines = [
        rf"f(x) &= {_fit(tex['expr'])} \label{{{_label(name)}}}",
        rf"f'(x) &= {_fit(tex['derivative'])} \notag",
    ]
    if tex["self_referential"] is not None:
        needs = "output only" if item["record"].get("output_only") else "needs $x$ too"
        lines.append(rf"&= {_fit(tex['self_referential'])} && \text{{({needs})}} \notag")
    title = escape_text(item["record"].get("title") or name)
    out = [
        r"\paragraph{\texttt{" + escape_text(name) + "}: " + title + ".}",
        rf"With $f = {f}$.",
    ]
    if tex["params"]:
        shown = ", ".join(f"${k} = {v}$" for k, v in tex["params"])
        out[-1] = rf"With $f = {f}$ and default parameters {shown}."
    out += [r"\begin{align}", " \\\\\n".join(lines), r"\end{align}"]
    if tex["breakpoints"]:
        kinks = "; ".join(
            rf"at $x = {b['x']}$: $f'({b['x']}^-) = {b['left']}$, $f'({b['x']}^+) = {b['right']}$"
            + (rf", PyTorch uses ${b['torch']}$" if b["torch"] is not None else "")
            for b in tex["breakpoints"]
        )
        out.append(f"Kinks: {kinks}.")
    out.append("")
    return "\n".join(out)


def _fit(tex: str) -> str:
    return tex if visible_length(tex) <= EQUATION_LIMIT else r"\actderivfitd{" + tex + "}"


def _document(body: str) -> str:
    return "\n".join(
        [
            r"\documentclass[11pt]{article}",
            r"\usepackage[a4paper,landscape,margin=2cm]{geometry}",
            r"\usepackage{" + ",".join(PREAMBLE_PACKAGES) + "}",
            r"\setlength{\LTcapwidth}{\linewidth}",
            r"\allowdisplaybreaks",
            r"\begin{document}",
            body,
            r"\end{document}",
            "",
        ]
    )
