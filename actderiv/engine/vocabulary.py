"""Derivatives in the field's vocabulary: σ, softplus, Φ, φ and sech recognised in any formula.

Recognition rewrites primitive functions by identities that hold for every real argument
(``erf(u) = 2Φ(√2·u) − 1``, ``exp(−v²/2) = √(2π)·φ(v)``, ``log(1 + exp(u)) = softplus(u)``,
``exp(u) = σ(u)/(1 − σ(u))``, ``1 − tanh(v)² = sech(v)²``), then tidies the result with SymPy's
algebra, in x and in k·x for each numeric scale k (:func:`scales`). Among the forms found, the
one with the fewest operations (:func:`ops`, each named function one operation; the README states
the measure) is printed. Every candidate is checked numerically against the expression it stands
for before it is kept, and ``verify`` proves or confirms the chosen one again (docs/ARCHITECTURE.md,
"The record contract"). Candidates are bounded by count, rewrites by work budgets. Pure: no I/O,
no printing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, Final

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import attempt
from actderiv.engine.derivation import NamedForms, SelfReferential
from actderiv.engine.forms import (
    UNEXPLAINED_COST,
    abstracted,
    positive_factor,
    unexplained_numbers,
)
from actderiv.engine.formula import Formula
from actderiv.lang.named import NamedFunction, NormalCDF, NormalPDF, Sigmoid, Softplus, expand_named
from actderiv.lang.parse import X, Y
from actderiv.numerics import (
    PROBE_ABS_TOL,
    PROBE_DPS,
    PROBE_REL_TOL,
    SAMPLE_XS,
    NotNumeric,
    close,
    compile_mp,
    real_value,
)

#: At most this many recognised forms are tidied and measured per expression.
MAX_CANDIDATES: Final = 24


def ops(expr: Any) -> int:
    """The readability measure: SymPy's count of operations, each named function (σ, Φ, …)
    one operation like any other function; a branch counts the operations of its values."""
    if isinstance(expr, sp.Piecewise):
        return sum(ops(e) for e, _ in expr.args) + len(expr.args) - 1
    return int(sp.count_ops(expr))


def kinds(expr: Any) -> frozenset[type]:
    """The named functions (and sech) that ``expr`` uses: each has a line of legend."""
    found = {type(f) for f in expr.atoms(NamedFunction)}
    return frozenset(found | {sp.sech} if expr.has(sp.sech) else found)


def measure(
    expr: Any, known: frozenset[type] = frozenset(), reference: sp.Expr | None = None
) -> tuple[int, int, int, int]:
    """:func:`ops`, with each number a reader cannot find in the definition ``reference`` counted
    as :data:`~actderiv.engine.forms.UNEXPLAINED_COST` more; then fewer kinds of named function
    that ``known`` (the kinds the other printed forms use) does not hold, since each needs a line
    of legend; fewer sums that open with a minus; and the shorter printed form."""
    text = str(expr)
    new = len(kinds(expr) - known)
    cost = ops(expr) + UNEXPLAINED_COST * unexplained_numbers(expr, reference)
    return cost, new, text.count("(-") + text.startswith("-"), len(text)


# --- recognition ---------------------------------------------------------------------------------


def _erf(e: sp.erf) -> sp.Expr:
    u = e.args[0]
    return 2 * NormalCDF(sp.sqrt(2) * u) - 1


def _erfc(e: sp.erfc) -> sp.Expr:
    u = e.args[0]
    return 2 - 2 * NormalCDF(sp.sqrt(2) * u)


def _gaussian_root(w: sp.Expr) -> sp.Expr | None:
    """v with ``v² = −2w`` exactly, when −2w is a positive constant times even powers."""
    if not w.has(X):
        return None
    q = sp.factor(-2 * w)
    root = sp.S.One
    for factor in sp.Mul.make_args(q):
        if not factor.free_symbols:
            if factor.is_positive is not True:
                return None
            root *= sp.sqrt(factor)
            continue
        base, exponent = factor.as_base_exp()
        if not (exponent.is_Integer and int(exponent) % 2 == 0):
            return None
        root *= base ** (exponent / 2)
    return root


def _gaussian(e: sp.exp) -> sp.Expr:
    v = _gaussian_root(e.args[0])
    # φ is even, so the sign of the root does not matter: exp(w) = √(2π)·φ(v) for every real v.
    return e if v is None else sp.sqrt(2 * sp.pi) * NormalPDF(v)


def _is_softplus(e: Any) -> bool:
    if not isinstance(e, sp.log) or not isinstance(e.args[0], sp.Add):
        return False
    terms = e.args[0].args
    return len(terms) == 2 and sp.S.One in terms and any(isinstance(t, sp.exp) for t in terms)


def _softplus(e: sp.log) -> sp.Expr:
    (power,) = [t for t in e.args[0].args if isinstance(t, sp.exp)]
    return Softplus(power.args[0])


def _sigmoid_of_exp(e: sp.exp) -> sp.Expr:
    u = e.args[0]
    if u.could_extract_minus_sign():
        s = Sigmoid(-u)
        return (1 - s) / s
    s = Sigmoid(u)
    return s / (1 - s)


def _sech(expr: sp.Expr) -> sp.Expr:
    """``k − k·tanh(v)²`` → ``k·sech(v)²`` and ``cosh(v)^−n`` → ``sech(v)^n``, everywhere."""

    def fold(add: sp.Add) -> sp.Expr:
        terms = list(add.args)
        for t in terms:
            coeff, rest = t.as_coeff_Mul()
            square = isinstance(rest, sp.Pow) and isinstance(rest.base, sp.tanh) and rest.exp == 2
            if square and -coeff in terms:
                terms.remove(t)
                terms.remove(-coeff)
                return sp.Add(*terms, -coeff * sp.sech(rest.base.args[0]) ** 2)
        return add

    out = expr.replace(lambda e: isinstance(e, sp.Add), fold)
    return out.replace(
        lambda e: (
            isinstance(e, sp.Pow) and isinstance(e.base, sp.cosh) and e.exp.is_Integer and e.exp < 0
        ),
        lambda e: sp.sech(e.base.args[0]) ** (-e.exp),
    )


def _pure(expr: sp.Expr) -> bool:
    """Whether ``expr`` is rational in x, the parameters, y and σ(·) alone (safe to cancel)."""
    return all(isinstance(f, Sigmoid) for f in expr.atoms(sp.Function)) and not any(
        p.has(X) and not p.exp.is_Integer
        for p in expr.atoms(sp.Pow)
        if not isinstance(p.base, sp.Function)
    )


def _tidy(expr: sp.Expr) -> sp.Expr:
    """Cancel the parts that are rational in σ, bottom-up, leaving other functions alone."""
    if not expr.args or expr.is_Atom:
        return expr
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*((_tidy(e), c) for e, c in expr.args))
    args = [_tidy(a) for a in expr.args]
    rebuilt = expr.func(*args)
    if not isinstance(rebuilt, sp.Mul | sp.Add) or not rebuilt.has(Sigmoid):
        return rebuilt
    if _pure(rebuilt):
        return _polish(rebuilt)
    if isinstance(rebuilt, sp.Mul):
        pure = [a for a in rebuilt.args if _pure(a)]
        rest = [a for a in rebuilt.args if not _pure(a)]
        if len(pure) > 1:
            return sp.Mul(_polish(sp.Mul(*pure)), *rest)
    return rebuilt


def _polish(expr: sp.Expr) -> sp.Expr:
    found = attempt(lambda: positive_factor(sp.cancel(expr)), budget.SMALL, None, "a rewrite")
    return expr if found is None else found


def _recognitions(expr: sp.Expr) -> Iterator[sp.Expr]:
    """Forms of ``expr`` in named functions, before tidying (each equal to ``expr``)."""
    yield from _recognised(expr)
    hyperbolic = expr.rewrite(sp.cosh, sp.exp).rewrite(sp.sinh, sp.exp)
    if hyperbolic != expr:
        yield from _recognised(hyperbolic)


def _recognised(expr: sp.Expr) -> Iterator[sp.Expr]:
    normal = expr.replace(lambda e: isinstance(e, sp.erf), _erf)
    normal = normal.replace(lambda e: isinstance(e, sp.erfc), _erfc)
    # erf kept as well: SERF's erf(softplus(x)) is shorter than 2Φ(√2·softplus(x)) − 1
    starts = []
    for base in dict.fromkeys((normal, expr)):
        base = base.replace(_is_softplus, _softplus)
        starts += [base, base.replace(lambda e: isinstance(e, sp.exp), _gaussian)]
    for start in dict.fromkeys(starts):
        yield start
        powers = [p for p in start.atoms(sp.exp) if p.has(X)]
        if powers:
            yield start.replace(lambda e: isinstance(e, sp.exp) and e.has(X), _sigmoid_of_exp)
        for p in powers[:4]:
            yield start.xreplace({p: _sigmoid_of_exp(p)})


_REWRITES: Final[tuple[Callable[[sp.Expr], sp.Expr], ...]] = (
    lambda e: e,
    _tidy,
    lambda e: _tidy(sp.expand(e)),
    lambda e: positive_factor(_tidy(e)),
    lambda e: sp.collect(sp.expand(_tidy(e)), [*_named_atoms(e), X]),
    lambda e: sp.collect(sp.expand(_tidy(e)), X),
    lambda e: _collect_inner(positive_factor(_tidy(e))),
)


def _collect_inner(expr: sp.Expr) -> sp.Expr:
    """Every sum collected in x: ``(1 + x − x·σ)·σ`` → ``(1 + x·(1 − σ))·σ``."""
    return expr.replace(
        lambda e: isinstance(e, sp.Add), lambda e: sp.collect(e, X, func=positive_factor)
    )


def _named_atoms(expr: sp.Expr) -> set[sp.Expr]:
    return set(expr.atoms(NamedFunction))


def _rewrite_named(rewrite: Callable[[sp.Expr], sp.Expr], expr: sp.Expr) -> sp.Expr | None:
    return _sech(rewrite(expr))


#: At most this many numeric scales of a named function's argument are tidied in (:func:`scales`).
MAX_SCALES: Final = 2


def scales(expr: sp.Expr) -> list[sp.Expr]:
    """The numeric scales k ≠ 1 of the named functions (and sech) applied to k·x in ``expr``:
    851/500 in σ(1.702·x), in a fixed order, at most :data:`MAX_SCALES`."""
    found: dict[sp.Expr, None] = {}
    applied = [*expr.atoms(NamedFunction), *expr.atoms(sp.sech)]
    for f in sorted(applied, key=sp.default_sort_key):
        k, rest = f.args[0].as_independent(X, as_Add=False)
        if rest == X and k.is_number and k != 1 and k.is_nonzero:
            found.setdefault(k)
    return list(found)[:MAX_SCALES]


def _in_scale(rewrite: Callable[[sp.Expr], sp.Expr], k: sp.Expr, expr: sp.Expr) -> sp.Expr:
    """``rewrite`` applied with k·x written as x, then k·x put back: the algebra sees σ(1.702·x)
    as σ(t), with its scale kept whole, as it sees σ(β·x) (``factor`` would otherwise pull the
    scale's denominator out of 1 + 1.702·x·(1 − σ), and ``collect`` its sign: −2x·(σ − 1))."""
    return rewrite(expr.xreplace({X: X / k})).xreplace({X: k * X})


def candidates(expr: sp.Expr) -> list[sp.Expr]:
    """Named forms of ``expr`` (and ``expr``), tidied; unchecked, at most :data:`MAX_CANDIDATES`
    recognitions each, each tidied in x and in the variable k·x of each numeric scale k."""
    out: list[sp.Expr] = [expr, _sech(expr)]
    for recognised in itertools.islice(_recognitions(expr), MAX_CANDIDATES):
        # numbers of many digits as symbols, as in readable forms (see forms.abstracted)
        raw, back = abstracted(recognised)
        variants = [partial(_rewrite_named, rewrite) for rewrite in _REWRITES]
        if not isinstance(raw, sp.Piecewise):
            variants += [
                partial(_rewrite_named, partial(_in_scale, rewrite, k))
                for k in scales(raw)
                for rewrite in _REWRITES[1:]  # the first leaves the form as it is
            ]
        for variant in variants:
            with budget.collecting(propagate=False):
                found = attempt(partial(variant, raw), budget.SMALL, None)
            if found is not None:
                found = found.xreplace(back)
            if found is not None and not found.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
                out.append(found)
    return list(dict.fromkeys(out))


# --- the choice ----------------------------------------------------------------------------------


class Agreement:
    """Checks that a form equals a reference at the sample points (y = f(x) where y is used)."""

    def __init__(self, f: sp.Expr, env0: dict[Any, Any], definition: sp.Expr | None = None) -> None:
        self.env0 = env0
        self._f = _compile(f)
        #: The formula as written (with its parameters), for :func:`measure`.
        self.definition = definition

    def defined_at_zero(self, form: sp.Expr) -> bool:
        """Whether ``form`` has a finite value at x = 0 (with y = f(0)), or f is undefined there."""
        fn = _compile(expand_named(form))
        if fn is None:
            return False
        env = {**self.env0, X: mpmath.mpf(0)}
        if form.has(Y):
            y = None if self._f is None else real_value(self._f, env)
            if y is None:
                return True
            env[Y] = y
        with mpmath.workdps(PROBE_DPS):
            return real_value(fn, env) is not None

    def same(self, form: sp.Expr, reference: sp.Expr, xs: Sequence[float] = SAMPLE_XS) -> bool:
        got, want = _compile(expand_named(form)), _compile(reference)
        if got is None or want is None:
            return False
        checked = 0
        with mpmath.workdps(PROBE_DPS):
            for xv in xs:
                env = {**self.env0, X: mpmath.mpf(xv)}
                if reference.has(Y) or form.has(Y):
                    if self._f is None:
                        return False
                    y = real_value(self._f, env)
                    if y is None:
                        continue
                    env[Y] = y
                w = real_value(want, env)
                if w is None:
                    continue
                g = real_value(got, env)
                if g is None or not close(g, w, PROBE_REL_TOL, PROBE_ABS_TOL):
                    return False
                checked += 1
        return checked > 0


def _compile(expr: sp.Expr) -> Callable[[Any], Any] | None:
    try:
        return compile_mp(expr)
    except NotNumeric:
        return None


def named_form(
    expr: sp.Expr, check: Agreement, *also: sp.Expr, known: frozenset[type] = frozenset()
) -> sp.Expr:
    """The shortest form of ``expr`` by :func:`measure` (``known``: the kinds of named function
    the forms printed with it use; the definition is ``check``'s) among its named forms (and
    those of ``also``, other forms of it) that agree with it numerically; ``expr`` itself when
    none is shorter. Branches are named one by one."""
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*((named_form(e, check, known=known), c) for e, c in expr.args))
    reference = check.definition
    # a form undefined at x = 0 (SiLU's y·(x − y + 1)/x) loses to one defined there
    best, best_measure = expr, (not check.defined_at_zero(expr), *measure(expr, known, reference))
    pool = candidates(expr)
    for other in also:
        if other != expr and not isinstance(other, sp.Piecewise):
            pool += candidates(other)
    for cand in dict.fromkeys(pool):
        m = (not check.defined_at_zero(cand), *measure(cand, known, reference))
        if m < best_measure and check.same(cand, expr):
            best, best_measure = cand, m
    return best


def with_output(derivative: sp.Expr, f: sp.Expr) -> sp.Expr | None:
    """The entry's own f written as y where the named derivative holds it: SiLU's
    σ(x)·(1 + x·(1 − σ(x))) = σ + xσ − xσ² → y + σ(x)·(1 − y). None when f does not occur."""
    if not f.has(X) or isinstance(f, sp.Piecewise) or isinstance(derivative, sp.Piecewise):
        return None
    found = attempt(lambda: sp.expand(derivative).subs(f, Y), budget.SMALL, None)
    return found if found is not None and found.has(Y) else None


def named_forms(
    formula: Formula, derivative: sp.Expr, selfref: SelfReferential | None, raw: sp.Expr
) -> NamedForms | None:
    """f, its derivative and its self-referential form in named functions, each the shortest
    found (``raw``, SymPy's derivative before the readable form was chosen, is searched too);
    None when the search ran out of its budget (the primitive forms are printed).

    Where the self-referential search found nothing, the named derivative with the entry's own
    f written as y (:func:`with_output`) is the self-referential form if it is shorter (the
    Gaussian's −2x·y); the caller makes it the derivation's (see ``engine.derive``)."""

    def search() -> NamedForms:
        env0 = {sym: mpmath.mpf(float(value)) for _, sym, value in formula.params}
        check = Agreement(formula.at_defaults(formula.expr), env0, formula.expr)
        expr = named_form(formula.expr, check)
        # f that is one named function (the sigmoid entry) keeps its definition
        shown = formula.expr if isinstance(expr, NamedFunction) else expr
        # the legend is printed once for f, f' and the form in y: a named function f already
        # uses costs f' no line of it (x·σ(2x)' in σ, not in exp and cosh, which tie in ops)
        named = named_form(derivative, check, raw, known=kinds(shown))
        mixed = with_output(named, expr)
        if selfref is None:
            shorter = (
                mixed is not None
                and ops(mixed) < ops(named)
                and check.defined_at_zero(mixed)
                and check.same(mixed, derivative)
            )
            selfref_named = mixed if shorter else None
        else:
            extra = () if mixed is None else (mixed,)
            selfref_named = named_form(
                selfref.expr, check, *extra, known=kinds(shown) | kinds(named)
            )
        return NamedForms(
            expr=shown,
            derivative=named,
            self_referential=selfref_named,
        )

    with budget.collecting(propagate=False):
        return attempt(search, budget.NAMED, None, "the named forms")
