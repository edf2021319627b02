"""Constants as the source wrote them: 0.044715, 1e-7, sqrt(2/pi), in every printed form.

The mathematics stays exact: the parser turns the decimal 0.044715 into the rational
8943/200000 (:func:`actderiv.lang.parse.number`), so that proofs are proofs, and records the
source's spelling beside it as a :class:`Spelling`. Only printers use spellings: before an
expression is printed for people (the display form, LaTeX, Markdown),
:func:`spelled` puts a print-only atom, :class:`Spelled`, where a recorded constant appears:

* a rational equal to a recorded decimal (or its negative) prints as that decimal;
* a rational equal to a small fraction times one or two recorded decimals (3·0.044715 from the
  derivative of 0.044715·x³; SELU's alpha·scale at its defaults) prints as that product;
* a rational with a denominator of 2s and 5s that neither explains, in a formula that has
  decimals, prints as its exact decimal expansion (never rounded);
* a product of square roots that the source wrote as one root (``sqrt(2/pi)``, which SymPy
  writes ``sqrt(2)/sqrt(pi)``) prints as the source's root.

Every spelled form has exactly the value of the rational it replaces; the machine fields of a
record (``derivative``…) keep SymPy's exact rationals. See docs/ARCHITECTURE.md, "Constants as
written". Pure: no I/O, no printing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

import sympy as sp

#: Largest numerator or denominator of the small fraction in "3·0.044715" or "0.044715/2".
SMALL: Final = 100
#: Fractions with a denominator up to this print as fractions (1/2, 3/4), not decimals.
SIMPLE_DENOMINATOR: Final = 100


@dataclass(frozen=True, slots=True)
class Spelling:
    """A constant of a formula: its exact value and how the source wrote it.

    ``shape`` is an unevaluated SymPy form of the text (``sqrt(2/pi)`` as one root), for the
    printers; None for a plain decimal, which prints as ``text``.
    """

    value: sp.Expr
    text: str
    shape: sp.Expr | None = None


class Spelled(sp.Symbol):  # type: ignore[misc]  # SymPy ships no type information
    """A print-only atom: a constant as the source wrote it. Never reaches the engine."""

    shape: sp.Expr | None = None
    value: sp.Expr = sp.S.Zero

    def _sympystr(self, printer: Any) -> str:
        if self.shape is not None:
            return str(printer._print(self.shape))
        return str(self.name)

    def _latex(self, printer: Any) -> str:
        if self.shape is not None:
            return str(printer._print(self.shape))
        return decimal_tex(str(self.name))

    _actderiv_latex = _latex


def spelled_atom(text: str, value: sp.Expr, shape: sp.Expr | None = None) -> Spelled:
    atom = Spelled(text, positive=True)
    atom.shape = shape
    atom.value = value
    return atom


def ordered_terms(expr: sp.Expr, order: str | None) -> list[sp.Expr] | None:
    """The terms of a sum with spelled constants in the order SymPy gives the same sum with
    their values (``x + 1e-7``, not ``1e-7 + x``); None for a sum without them. For printers'
    ``_as_ordered_terms``."""
    atoms = [a for a in expr.free_symbols if isinstance(a, Spelled)]
    if not atoms or order in ("old", "none"):
        return None
    back = {a: a.value for a in atoms}
    pairs: dict[sp.Expr, list[sp.Expr]] = {}
    for term in expr.args:
        pairs.setdefault(term.xreplace(back), []).append(term)
    plain = sp.Add(*(t.xreplace(back) for t in expr.args), evaluate=False)
    return [pairs[t].pop(0) for t in plain.as_ordered_terms(order=order)]


_SCIENTIFIC: Final = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)[eE]([+-]?\d+)$")


def decimal_tex(text: str) -> str:
    """A decimal as LaTeX: ``1e-7`` → ``10^{-7}``, ``2.5e-3`` → ``2.5 \\cdot 10^{-3}``."""
    match = _SCIENTIFIC.match(text)
    if match is None:
        return text
    mantissa, exponent = match.groups()
    power = "10^{" + str(int(exponent)) + "}"
    return power if Fraction(mantissa) == 1 else mantissa + r" \cdot " + power


def decimal_text(value: sp.Rational) -> str | None:
    """The exact decimal expansion of a rational whose denominator has only 2s and 5s."""
    q = int(value.q)
    twos = fives = 0
    while q % 2 == 0:
        q //= 2
        twos += 1
    while q % 5 == 0:
        q //= 5
        fives += 1
    if q != 1:
        return None
    places = max(twos, fives)
    digits = abs(int(value.p)) * 10**places // int(value.q)
    whole, frac = divmod(digits, 10**places)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{frac:0{places}d}".rstrip("0").rstrip(".")


def explanation(
    r: sp.Rational, values: Sequence[sp.Rational]
) -> tuple[sp.Rational, tuple[sp.Rational, ...], int] | None:
    """``r`` as a small fraction q times one or two of ``values`` (3·0.044715, SELU's
    alpha·scale), or divided by them (1/0.596, from silu(x)/0.596; 1/1.41421²): (q, the values used,
    their power, 1 or -1), the simplest such, or None. A product wins a tie.

    The printers write ``r`` so (:func:`spelled`); the readability measure counts a number that
    has no such explanation as one a reader cannot find in the definition
    (:func:`actderiv.engine.forms.unexplained_numbers`)."""
    best: tuple[int, sp.Rational, tuple[sp.Rational, ...], int] | None = None
    singles = [(v,) for v in values]
    pairs = [(v1, v2) for i, v1 in enumerate(values) for v2 in values[i:]]
    tries = [(used, power) for power in (1, -1) for used in singles + pairs]
    for used, power in tries:
        q = r / sp.Mul(*used) ** power
        if abs(q.p) <= SMALL and q.q <= SMALL:
            size = max(abs(int(q.p)), int(q.q)) + 10 * (len(used) - 1) + (power < 0)
            if best is None or size < best[0]:
                best = (size, q, used, power)
    return None if best is None else best[1:]


def spelled(expr: sp.Basic, spellings: tuple[Spelling, ...]) -> sp.Basic:
    """``expr`` with its constants as the source wrote them, for printing only."""
    if not spellings:
        return expr
    return _Speller(spellings).walk(expr)


class _Speller:
    def __init__(self, spellings: tuple[Spelling, ...]) -> None:
        self.decimals = [
            (s.value, spelled_atom(s.text, s.value))
            for s in spellings
            if s.shape is None and s.value.is_Rational and not s.value.is_Integer
        ]
        self.roots = [
            (Counter(sp.Mul.make_args(s.value)), spelled_atom(s.text, s.value, s.shape))
            for s in spellings
            if s.shape is not None and isinstance(s.value, sp.Mul)
        ]

    def walk(self, expr: sp.Basic) -> sp.Basic:
        if isinstance(expr, sp.Rational) and not expr.is_Integer:
            return self.rational(expr)
        if not expr.args or isinstance(expr, Spelled):
            return expr
        if isinstance(expr, sp.Pow):  # exponents stay as SymPy writes them (sqrt, x**(3/2))
            return sp.Pow(self.walk(expr.base), expr.exp)
        if isinstance(expr, sp.Mul):
            expr = self.roots_in(expr)
            if not isinstance(expr, sp.Mul):
                return self.walk(expr)
        if isinstance(expr, sp.Piecewise):
            return sp.Piecewise(*((self.walk(e), self.walk(c)) for e, c in expr.args))
        return expr.func(*(self.walk(a) for a in expr.args))

    def roots_in(self, expr: sp.Mul) -> sp.Basic:
        factors = Counter(expr.args)
        for needed, atom in self.roots:
            if all(factors[f] >= n for f, n in needed.items()):
                factors.subtract(needed)
                factors[atom] += 1
        if factors == Counter(expr.args):
            return expr
        rest = [f for f, n in factors.items() for _ in range(n) if n > 0]
        return sp.Mul(*(self.walk(f) for f in rest))

    def rational(self, r: sp.Rational) -> sp.Expr:
        for value, atom in self.decimals:
            if r == value:
                return atom
            if r == -value:
                return -atom
        if r.q <= SIMPLE_DENOMINATOR:
            return r
        found = explanation(r, [v for v, _ in self.decimals])
        if found is not None:
            q, used, power = found
            atoms = dict(reversed(self.decimals))
            return sp.Mul(q, *(atoms[v] ** power for v in used))
        text = decimal_text(r) if self.decimals else None
        if text is None:
            return r
        if text.startswith("-"):
            return -spelled_atom(text[1:], -r)
        return spelled_atom(text, r)
