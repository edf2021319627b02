"""LaTeX names and text: how parameters, functions and catalog text print, without SymPy.

The conventions are those of :mod:`actderiv.render.latex` (and the README, "Export and plots");
the SymPy printer (:mod:`actderiv.render.texprint`) and the export's cells
(:mod:`actderiv.render.export`) build on these. Pure: no I/O, no printing, no SymPy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

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
    greek = _GREEK_ALIASES.get(name, name.rstrip("_") or name)  # lambda_ → \\lambda
    if greek in GREEK:
        return "\\" + greek
    if len(name) == 1:
        return name
    return _upright(name, dialect)


def param_tex(name: str, dialect: Dialect, symbols: Mapping[str, str] | None = None) -> str:
    """A parameter as math: its declared symbol (catalog ``symbols``, checked against an
    allow-list when the catalog loads), else :func:`name_tex`'s form."""
    symbol = (symbols or {}).get(name)
    return symbol if symbol is not None else name_tex(name, dialect)


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
