"""Readable forms of a derivative: SymPy's rewrites, and the measure that picks among them.

Every rewrite here returns an expression equal to its input wherever it is defined (checked
numerically where it is used for anything else). Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache, partial
from typing import Any, Final

import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.lang.parse import X
from actderiv.lang.spelling import explanation


def differentiate(f: sp.Expr, order: int = 1, wrt: sp.Symbol = X) -> sp.Expr:
    """The ``order``-th derivative, away from breakpoints (Dirac deltas at kinks are dropped)."""
    d = sp.diff(f, wrt, order)
    if d.has(sp.DiracDelta):
        d = d.replace(lambda e: isinstance(e, sp.DiracDelta), lambda e: sp.S.Zero)
    return sp.piecewise_fold(d)


def complexity(expr: sp.Expr, reference: sp.Expr | None = None) -> tuple[int, int]:
    """The measure by which readable forms are chosen; smaller is more readable.

    SymPy's operation count, plus 4 for each kind of function that the definition ``reference``
    does not use (so ``1/(4*cosh(x/2)**2)`` loses to ``exp(-x)/(1 + exp(-x))**2`` for the
    sigmoid), plus :data:`UNEXPLAINED_COST` for each number a reader cannot find in it
    (:func:`unexplained_numbers`), then the length of the printed form to break ties.
    """
    known = _function_kinds(reference) if reference is not None else frozenset()
    new = _function_kinds(expr) - known
    cost = int(sp.count_ops(expr)) + 4 * len(new)
    return cost + UNEXPLAINED_COST * unexplained_numbers(expr, reference), len(str(expr))


#: Numbers whose numerator and denominator are at most this read as themselves (3, 1/2, 128).
PLAIN_HEIGHT: Final = 1000
#: What a number that a reader cannot find in the definition adds to the measure.
UNEXPLAINED_COST: Final = 2


def unexplained_numbers(expr: sp.Expr, reference: sp.Expr | None) -> int:
    """How many distinct numbers of ``expr`` a reader cannot find in the definition
    ``reference``: neither plain (:data:`PLAIN_HEIGHT`), nor one of its numbers, nor a small
    fraction times one or two of its constants (3·0.044715, as the printers spell it).

    FastGELU's derivative over one common denominator, ``(997355701*x*(…)*(26829*x² + 200000)
    + …)/500000000000000``, has five; the same derivative as SymPy first writes it has none.
    """
    found = [r for r in expr.atoms(sp.Rational) if max(abs(int(r.p)), int(r.q)) > PLAIN_HEIGHT]
    if not found:
        return 0
    known = _numbers(reference) if reference is not None else frozenset()
    values = sorted((v for v in known if not v.is_Integer), key=sp.default_sort_key)
    return sum(
        1 for r in found if abs(r) not in known and (r.is_Integer or explanation(r, values) is None)
    )


@lru_cache(maxsize=1024)
def _numbers(expr: sp.Expr) -> frozenset[sp.Rational]:
    return frozenset(abs(r) for r in expr.atoms(sp.Rational))


@lru_cache(maxsize=1024)
def _function_kinds(expr: sp.Expr) -> frozenset[type]:
    return frozenset(type(a) for a in expr.atoms(sp.Function))


def positive_factor(expr: sp.Expr) -> sp.Expr:
    """``factor``, with a leading minus moved into one factor: ``y*(1 - y)``, not ``-y*(y - 1)``,
    and ``1.679*σ*(1 + x - x*σ)``, not ``-1.679*σ*(x*σ - x - 1)``."""
    out = sp.factor(expr)
    if isinstance(out, sp.Mul) and out.args[0].is_Number and out.args[0].is_negative:
        sums = [f for f in out.args if isinstance(f, sp.Add)]
        # 2*(1 - y) alone would be multiplied out again (SymPy distributes a number over a sum)
        if len(sums) == 1 and (out.args[0] == -1 or len(out.args) > 2):
            coeff = -out.args[0]
            return sp.Mul(coeff, *(-f if f is sums[0] else f for f in out.args[1:]))
    return out


def split_radicals(expr: sp.Expr) -> sp.Expr:
    """Write ``(n/d)**p`` as ``n**p * d**-p`` with the signs that make both sides positive.

    Valid where the base is positive, which is where radicals are real; every form this helps to
    find is checked numerically before it is used.
    """

    def split(power: sp.Pow) -> sp.Expr:
        num, den = sp.fraction(sp.together(power.base))
        if den == 1:
            return power
        if num.is_negative or (num.could_extract_minus_sign() and den.could_extract_minus_sign()):
            num, den = -num, sp.expand(-den)
        return num**power.exp * den ** (-power.exp)

    return expr.replace(
        lambda e: e.is_Pow and not e.exp.is_Integer and bool(e.base.free_symbols), split
    )


def factor_radicands(expr: sp.Expr) -> sp.Expr:
    """Factor the base of every root, so that ``sqrt(b + (b/(4*y) - y)**2)`` can come out."""
    return expr.replace(
        lambda e: e.is_Pow and not e.exp.is_Integer and bool(e.base.free_symbols),
        lambda e: sp.factor(e.base) ** e.exp,
    )


def sign_to_abs(expr: sp.Expr) -> sp.Expr:
    """Replace ``u*sign(u)`` by ``|u|`` and ``sign(u)**2`` by 1 (they differ only where u = 0)."""
    if not expr.has(sp.sign):
        return expr
    num, den = sp.fraction(sp.together(expr))
    num = sp.expand(num)
    for s in num.atoms(sp.sign):
        u = s.args[0]
        num = num.subs({u * s: sp.Abs(u), s**2: 1})
    return num / den


@lru_cache(maxsize=1024)
def simplified(expr: sp.Expr) -> sp.Expr:
    """``simplify``, after :func:`sign_to_abs` (which leaves an expression without signs alone).

    One call where there used to be two: ``simplify`` is most of a readable form's cost, and on
    the bundled catalog ``simplify`` of the expression with its signs kept never gave a
    form that one of the other rewrites did not match.
    """
    return sp.simplify(sign_to_abs(expr))


#: SymPy's rewrites that return an expression equal to their input wherever it is defined
#: (``simplified`` is one on expressions without ``sign``): a readable form that one of them made
#: from the derivative is equal to it by SymPy's own algebra, as a proof by ``simplify`` would be.
IDENTITIES: Final[tuple[tuple[str, Callable[[sp.Expr], sp.Expr]], ...]] = (
    ("simplify", simplified),
    ("cancel", sp.cancel),
    ("together", sp.together),
    ("expand", sp.expand),
    ("factor", sp.factor),
)


#: What :func:`proves_zero` proved: that the expression is 0 for every value of the

_REWRITES: Final[tuple[Callable[[sp.Expr], sp.Expr], ...]] = (
    positive_factor,
    sp.cancel,
    sp.together,
    sp.expand,
    simplified,
    lambda e: sp.factor(sign_to_abs(e)) if e.has(sp.sign) else e,  # else positive_factor's
)
_CHEAP_REWRITES: Final = tuple(r for r in _REWRITES if r is not simplified)
FORM_REWRITES: Final[tuple[Callable[[sp.Expr], sp.Expr], ...]] = (
    *_REWRITES,
    sp.trigsimp,
    sp.powsimp,
    lambda e: sp.factor(factor_radicands(e)),
    lambda e: sp.simplify(factor_radicands(e)),
    lambda e: sp.powsimp(split_radicals(e)),
    lambda e: positive_factor(split_radicals(e)),
)


def readable_form(
    expr: sp.Expr, reference: sp.Expr, opts: EngineOptions, *, thorough: bool = True
) -> sp.Expr:
    """The most readable of several equivalent forms of ``expr``, by :func:`complexity`.

    ``thorough=False`` leaves ``simplify`` out (the other rewrites take a tenth of its time): the
    engine uses it for the derivatives in the parameters, where on the bundled catalog it changed
    10 forms of 99, none for the worse by much, and saved 3.5 of the 4.2 s they took.
    """
    if isinstance(expr, sp.Piecewise):
        pieces = [(readable_form(e, reference, opts, thorough=thorough), c) for e, c in expr.args]
        return merge_pieces(pieces)
    candidates = [expr]
    steps = readable_steps(opts)
    for rewrite in _REWRITES if thorough else _CHEAP_REWRITES:
        candidate = rewritten(rewrite, expr, steps)
        if candidate is not None and not candidate.has(sp.nan, sp.zoo):
            candidates.append(candidate)
    # Rewrites often agree: measure each distinct form once (the first of equals wins ties).
    return min(dict.fromkeys(candidates), key=lambda c: complexity(c, reference))


@lru_cache(maxsize=1024)
def rewritten(rewrite: Callable[[sp.Expr], sp.Expr], expr: sp.Expr, steps: int) -> sp.Expr | None:
    """``rewrite(expr)`` within ``steps``, or None; remembered, so that ``verify``, which asks
    for the rewrites ``readable_form`` made, does not spend a budget that ran out twice.

    A rewrite that runs out of its budget is one candidate fewer, not an undecided answer: the
    form chosen is equal to the derivative all the same (``simplify`` spends any budget on
    GELU's tanh form and phish without finding the form that is chosen), so it is not noted.
    """
    abstract, back = abstracted(expr)
    with budget.collecting(propagate=False):
        found = attempt(partial(rewrite, abstract), steps, None, "a rewrite")
    return None if found is None else found.xreplace(back)


#: A rational number with a larger numerator or denominator is rewritten (and solved for) as a
#: symbol: SymPy's polynomial algebra turns exp(x²/(2·1.41421²)) into a power of exp(x²) of
#: enormous degree, dense work that no step budget can interrupt.
MANY_DIGITS: Final = 1000


def abstracted(expr: sp.Expr, inside: type | None = None) -> tuple[sp.Expr, dict[sp.Expr, sp.Expr]]:
    """``expr`` with each number of many digits (:data:`MANY_DIGITS`) replaced by a positive
    symbol times its sign, and the map back from those symbols to the numbers; with ``inside``
    (a function, such as ``exp``), only the numbers that occur in its arguments."""
    where = [expr] if inside is None else [f.args[0] for f in expr.atoms(inside)]
    numbers = sorted(
        {
            abs(n)
            for part in where
            for n in part.atoms(sp.Rational, sp.Float)
            if isinstance(n, sp.Float) or (not n.is_Integer and max(abs(n.p), n.q) > MANY_DIGITS)
        },
        key=sp.default_sort_key,
    )
    if not numbers:
        return expr, {}
    symbols = [sp.Dummy(f"c{i}", positive=True) for i in range(len(numbers))]
    forward = {}
    for n, c in zip(numbers, symbols, strict=True):
        forward[n] = c
        forward[-n] = -c
    return expr.xreplace(forward), dict(zip(symbols, numbers, strict=True))


def readable_steps(opts: EngineOptions) -> int:
    """The budget of one rewrite in :func:`readable_form` (``verify`` gives its rewrites the
    same, to recognise the form chosen). Not shrunk with ``opts.step``: the forms chosen must not
    depend on the options of the caller."""
    del opts
    return budget.READABLE


def merge_pieces(pieces: Sequence[tuple[sp.Expr, Any]]) -> sp.Expr:
    """Join neighbouring pieces with the same expression; drop pieces that can never apply."""
    out: list[tuple[sp.Expr, Any]] = []
    for expr, cond in _exclusive(pieces):
        if out and out[-1][0] == expr:
            out[-1] = (expr, sp.Or(out[-1][1], cond))
        else:
            out.append((expr, cond))
        if cond is sp.true:
            break
    if len(out) == 1 and out[0][1] is sp.true:
        return out[0][0]
    return sp.Piecewise(*out)


def _exclusive(pieces: Sequence[tuple[sp.Expr, Any]]) -> list[tuple[sp.Expr, Any]]:
    """Rewrite conditions on x alone as the set where each piece applies (first true wins).

    ``(x <= 0) | (x <= 6)`` after ``x <= 0`` becomes ``(x > 0) & (x <= 6)``; pieces that can
    never apply are dropped. Conditions with parameters are left as they are.
    """
    if not all(c is sp.true or c.free_symbols <= {X} for _, c in pieces):
        return list(pieces)
    taken: Any = sp.S.EmptySet
    out = []
    for expr, cond in pieces:
        whole = sp.S.Reals if cond is sp.true else _quiet_set(cond)
        if whole is None:
            return list(pieces)
        own = whole - taken
        taken = taken | whole
        if own is sp.S.EmptySet:
            continue
        out.append((expr, sp.true if taken == sp.S.Reals else own.as_relational(X)))
    return out


# --- breakpoints ---------------------------------------------------------------------------------


def _quiet_set(cond: Any) -> Any:
    """The set where ``cond`` holds, or None; without it the pieces stay as written, which is
    as final a form (so a budget that runs out here is not noted)."""
    with budget.collecting(propagate=False):
        return attempt(cond.as_set, budget.SMALL, None, "a set of x")


budget.MEMOS.extend(
    (
        simplified.cache_clear,
        _function_kinds.cache_clear,
        _numbers.cache_clear,
        rewritten.cache_clear,
    )
)
