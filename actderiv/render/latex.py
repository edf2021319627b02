"""LaTeX for papers: one LatexPrinter subclass, and the table + equations document of an export.

Conventions (also in the README, "Export and plots"):

* Parameters named like Greek letters print as Greek (``alpha`` → ``\\alpha``, ``lambd`` →
  ``\\lambda``); one-letter names print as themselves; any other name prints upright in full
  (``negative_slope`` → ``\\mathrm{negative\\_slope}``; in Markdown ``\\text{negative_slope}``,
  because GitHub eats the backslash of ``\\_``). Full names keep the catalog's meaning obvious.
* In a self-referential form ``y`` stands for f(x) and prints as the function itself:
  ``\\sigma(x)`` for sigmoid, ``\\tanh(x)``, else ``\\operatorname{softplus}(x)``.
* Numbers print with ``precision`` significant digits (default 6): 1.0507009873554805 → 1.0507.
* Piecewise definitions print as ``cases`` with "if" and "otherwise".

Pure: no I/O, no printing; never imports click or rich.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import sympy as sp
from sympy.printing.latex import LatexPrinter

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


class ActderivLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with actderiv's conventions for names, numbers and branches."""

    printmethod = "_actderiv_latex"

    def __init__(
        self,
        options: LatexOptions | None = None,
        *,
        function: str | None = None,
        spacing: bool = False,
    ) -> None:
        options = options or LatexOptions()
        # Upright names (\mathrm{scale}) would run into the next factor: "scalex". Expressions
        # that have them get a thin space between factors; the others print tight as usual.
        mul = None if not spacing else (r" \mkern3mu " if options.dialect == "markdown" else r"\,")
        super().__init__({"mul_symbol": mul, "fold_short_frac": False})
        self._options = options
        self._function = function

    def _print_Symbol(self, expr: sp.Symbol, style: str = "plain") -> str:
        dialect = self._options.dialect
        if expr.name == "y" and self._function is not None:
            return function_tex(self._function, dialect) + "(x)"
        return name_tex(expr.name, dialect)

    def _print_Pi(self, expr: sp.Expr) -> str:
        # the inherited method goes through _print_Symbol, which this class overrides
        return r"\pi"

    def _print_Float(self, expr: sp.Float) -> str:
        text = f"{float(expr):.{self._options.precision}g}"
        mantissa, _, exponent = text.partition("e")
        if not exponent:
            return text
        return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        rows = []
        for value, cond in expr.args:
            shown = self._print(value)
            if cond is sp.true:
                rows.append(shown + r" & \text{otherwise}")
            else:
                rows.append(shown + r" & \text{if } " + self._print(cond))
        newline = r" \cr " if self._options.dialect == "markdown" else r" \\ "
        return r"\begin{cases} " + newline.join(rows) + r" \end{cases}"

    def _print_And(self, expr: sp.And) -> str:
        return r" \text{ and } ".join(self._print(a) for a in _ordered(expr.args))

    def _print_Or(self, expr: sp.Or) -> str:
        return r" \text{ or } ".join(self._print(a) for a in _ordered(expr.args))

    def _print_Abs(self, expr: sp.Abs, exp: str | None = None) -> str:
        tex = r"\left\lvert " + self._print(expr.args[0]) + r" \right\rvert"
        return f"{tex}^{{{exp}}}" if exp is not None else tex

    def _print_Heaviside(self, expr: sp.Heaviside, exp: str | None = None) -> str:
        tex = r"H\left(" + self._print(expr.args[0]) + r"\right)"
        return f"{tex}^{{{exp}}}" if exp is not None else tex


def _ordered(args: Iterable[Any]) -> list[Any]:
    return sorted(args, key=sp.default_sort_key)


def to_latex(
    expr: sp.Basic, options: LatexOptions | None = None, *, function: str | None = None
) -> str:
    """``expr`` as LaTeX (or GitHub Markdown math), with ``y`` printed as ``function``(x)."""
    upright = any(
        len(s.name) > 1 and _GREEK_ALIASES.get(s.name, s.name) not in GREEK
        for s in expr.free_symbols
        if isinstance(s, sp.Symbol)
    )
    printer = ActderivLatexPrinter(options, function=function, spacing=upright)
    tex = str(printer.doprint(expr))
    if options is not None and options.dialect == "markdown":
        return markdown_safe(tex)
    return tex


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


def escape_text(text: str) -> str:
    """Plain text for LaTeX's text mode (titles, tags)."""
    out = []
    special = {
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
    }
    for char in text:
        out.append(special.get(char, char))
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
