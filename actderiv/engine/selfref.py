"""Self-referential forms: the derivative written with ``y = f(x)``, and ``x`` only if needed.

The search is heuristic: every candidate is checked numerically before it is used, and "no form
found" never claims that there is none. A step of the search that runs out of its budget is one
candidate fewer, so only the budget of the whole search is noted when it runs out (see
:func:`actderiv.engine.budget.collecting`). Pure: no I/O, no printing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.derivation import SelfReferential
from actderiv.engine.forms import (
    FORM_REWRITES,
    abstracted,
    complexity,
    differentiate,
    merge_pieces,
    readable_form,
)
from actderiv.engine.formula import Formula
from actderiv.engine.kinks import SwitchPoint, switch_points, to_float
from actderiv.lang.parse import X, Y
from actderiv.numerics import (
    PROBE_ABS_TOL,
    PROBE_DPS,
    PROBE_REL_TOL,
    SAMPLE_XS,
    NotNumeric,
    close,
    compile_mp,
    ill_conditioned,
    real_value,
)


def self_referential(
    f: sp.Expr, order: int, formula: Formula, opts: EngineOptions, wrt: sp.Symbol = X
) -> SelfReferential | None:
    """Write the ``order``-th derivative of ``f`` in terms of ``y = f(x)`` (and ``x`` if needed).

    Each branch of ``f`` is searched on its own: solve ``y = f(x)`` for a kernel of ``f``
    (``exp(-x)``, ``tanh(x)``, ``x`` itself, …) and substitute into the derivative; failing that,
    let ``y`` stand for part of the derivative, keeping ``x`` for the rest. Every candidate is
    checked numerically on its branch before it is accepted. Branches are then joined with
    conditions on ``y`` where their images do not overlap, so that the form needs only the output;
    otherwise the conditions stay on ``x``. Returns None when no form uses ``y``.
    """
    with budget.collecting(propagate=False):
        return _search(f, order, formula, opts, wrt)


def _search(
    f: sp.Expr, order: int, formula: Formula, opts: EngineOptions, wrt: sp.Symbol
) -> SelfReferential | None:
    f = as_branches(f)
    g = differentiate(f, order, wrt)
    points = switch_points(f, formula, opts)
    branches = _branches(f, g, lambda fi: differentiate(fi, order, wrt))
    probe = _Probe(formula)
    forms = []
    for fi, gi, cond in branches:
        found = _branch_form(fi, gi, cond, probe, opts)
        forms.append(found if found is not None else (gi, not gi.has(X)))
    if all(only for _, only in forms):
        if len(branches) == 1:
            return SelfReferential(expr=forms[0][0], output_only=True)
        joined = _join_by_output(branches, forms, formula, points, opts)
        if joined is not None and probe.agrees(joined, f, g, SAMPLE_XS):
            return SelfReferential(expr=joined, output_only=True)
    pieces = [(form, cond) for (form, _), (_, _, cond) in zip(forms, branches, strict=True)]
    expr = merge_pieces(pieces)
    if not expr.has(Y) or not probe.agrees(expr, f, g, SAMPLE_XS):
        return None
    return SelfReferential(expr=expr, output_only=not expr.has(X))


def as_branches(f: sp.Expr) -> sp.Expr:
    """Rewrite ``|u|`` and ``sign(u)`` of the input as explicit branches."""

    def branch_abs(a: sp.Abs) -> sp.Expr:
        u = a.args[0]
        return sp.Piecewise((u, u >= 0), (-u, True)) if u.has(X) else a

    def branch_sign(s: sp.sign) -> sp.Expr:
        u = s.args[0]
        return sp.Piecewise((1, u > 0), (-1, u < 0), (0, True)) if u.has(X) else s

    out = f.replace(lambda e: isinstance(e, sp.Abs), branch_abs)
    out = out.replace(lambda e: isinstance(e, sp.sign), branch_sign)
    return sp.piecewise_fold(out) if out != f else f


def _branches(
    f: sp.Expr, g: sp.Expr, derivative: Callable[[sp.Expr], sp.Expr]
) -> list[tuple[sp.Expr, sp.Expr, Any]]:
    """Pair each branch of f with its derivative and its condition."""
    if not isinstance(f, sp.Piecewise):
        return [(f, g, sp.true)]
    return [(fi, derivative(fi), cond) for fi, cond in f.args]


class _Probe:
    """Numerical checks of candidate forms at the sample points, at the default parameters."""

    def __init__(self, formula: Formula) -> None:
        self.formula = formula
        self.env0: dict[Any, Any] = {
            sym: mpmath.mpf(float(value)) for _, sym, value in formula.params
        }

    def compile(self, expr: Any) -> Callable[[Any], Any] | None:
        try:
            return compile_mp(self.formula.at_defaults(expr))
        except NotNumeric:
            return None

    def points_in(self, cond: Any, xs: tuple[float, ...] = SAMPLE_XS) -> tuple[float, ...]:
        if cond is sp.true:
            return xs
        test = self.compile(cond)
        if test is None:
            return ()
        return tuple(v for v in xs if _holds(test, {**self.env0, X: mpmath.mpf(v)}))

    def output_sign(self, f: sp.Expr, xs: Sequence[float]) -> int:
        """+1 (or -1) when f is positive (or negative) at every point of xs, else 0."""
        ff = self.compile(f)
        if ff is None:
            return 0
        signs = {
            mpmath.sign(v)
            for xv in xs
            if (v := real_value(ff, {**self.env0, X: mpmath.mpf(xv)})) is not None
        }
        return int(signs.pop()) if len(signs) == 1 and 0 not in signs else 0

    def agrees(self, h: sp.Expr, f: sp.Expr, g: sp.Expr, xs: Sequence[float]) -> bool:
        """Whether ``h(y=f(x), x) == g(x)`` at every point of ``xs`` where f and g are finite."""
        hf, ff, gf = self.compile(h), self.compile(f), self.compile(g)
        if hf is None or ff is None or gf is None:
            return False
        checked = 0
        with mpmath.workdps(PROBE_DPS):
            for xv in xs:
                env = {**self.env0, X: mpmath.mpf(xv)}
                y, want = real_value(ff, env), real_value(gf, env)
                if y is None or want is None:
                    continue
                got = real_value(hf, {**env, Y: y})
                if got is None or not close(got, want, PROBE_REL_TOL, PROBE_ABS_TOL):
                    if ill_conditioned(hf, {**env, Y: y}, Y, PROBE_REL_TOL):
                        continue  # y rounded: this point cannot tell
                    return False
                checked += 1
        return checked > 0


def _holds(cond: Callable[[Any], Any], env: dict[Any, Any]) -> bool:
    try:
        return bool(cond(env))
    except (ZeroDivisionError, ValueError, TypeError):
        return False


_MAX_CANDIDATES: Final = 24


def _branch_form(
    fi: sp.Expr, gi: sp.Expr, cond: Any, probe: _Probe, opts: EngineOptions
) -> tuple[sp.Expr, bool] | None:
    """The best form of one branch's derivative that uses y: (form, needs only the output)."""
    if not gi.has(X):
        return gi, True
    # and x = 0, where a form that divides by x (GELU's y/x + x·φ(x)) is undefined
    xs = (probe.points_in(cond) or SAMPLE_XS) + probe.points_in(cond, (0.0,))
    limit = 3 * complexity(gi, fi)[0] + 10

    def usable(c: sp.Expr) -> bool:
        return (
            c.has(Y)
            and not c.has(sp.nan, sp.zoo, sp.I)
            and complexity(c, fi)[0] <= limit
            and probe.agrees(c, fi, gi, xs)
        )

    # exp(x - exp(x)) hides the kernel exp(x) of cloglog's y = 1 - exp(-exp(x)): split it too
    split = sp.expand_power_exp(gi)
    found = itertools.chain(
        _candidates(fi, gi, opts), _candidates(fi, split, opts) if split != gi else ()
    )
    raw = [c for c in itertools.islice(found, _MAX_CANDIDATES) if usable(c)]
    polished = [c for c in _polished(raw[:6], opts, probe.output_sign(fi, xs)) if usable(c)]
    pool = list(dict.fromkeys(raw + polished))
    output_only = [c for c in pool if not c.has(X)]
    if output_only:
        return min(output_only, key=lambda c: complexity(c, fi)), True
    if pool:
        best = min(pool, key=lambda c: complexity(c, fi))
        if complexity(best, fi) <= complexity(readable_form(gi, fi, opts), fi):
            return best, False
    return None


def _polished(cands: Iterable[sp.Expr], opts: EngineOptions, y_sign: int = 0) -> list[sp.Expr]:
    """Rewrites of each candidate; where y has one sign on the branch, SymPy is told so.

    Knowing ``y > 0`` lets SymPy take ``sqrt((b/(4*y) - y)**2 + b)`` to ``y + b/(4*y)``; the
    results are checked numerically like every other candidate.
    """
    signed = (
        sp.Dummy("y", positive=True)
        if y_sign > 0
        else (sp.Dummy("y", negative=True) if y_sign < 0 else None)
    )
    out: list[sp.Expr] = []
    for cand in cands:
        variants = [cand] if signed is None else [cand, cand.subs(Y, signed)]
        for variant in variants:
            for rewrite in FORM_REWRITES:
                polished = attempt(partial(rewrite, variant), opts.step, None, "a rewrite")
                if polished is not None:
                    out.append(polished if signed is None else polished.subs(signed, Y))
    return out


def _kernels(f: sp.Expr) -> list[sp.Expr]:
    """Sub-expressions of ``f`` to solve for: applied functions and powers that hold x, then x."""
    found = [
        node
        for node in sp.preorder_traversal(f)
        if node.has(X)
        and (
            isinstance(node, sp.Function) or (isinstance(node, sp.Pow) and not node.exp.is_Integer)
        )
    ]
    unique = list(dict.fromkeys(found))
    unique.sort(key=lambda k: sp.count_ops(k))
    return [*unique, X]


def _solve(equation: sp.Expr, unknown: sp.Symbol, opts: EngineOptions) -> list[sp.Expr]:
    """Up to four solutions of ``equation = 0`` for ``unknown``. Numbers with many digits
    (1.67917679 is 167917679/10**8) are solved for as positive symbols and put back after: SymPy
    turns an exact exponent such as that into a polynomial of that degree, whose dense
    arithmetic no step budget can interrupt. Every candidate is checked numerically after."""
    abstract, back = abstracted(equation)
    solutions: list[Any] = attempt(
        partial(sp.solve, abstract, unknown, dict=False), opts.step, [], "a solve"
    )
    return [s.xreplace(back) for s in solutions if isinstance(s, sp.Expr)][:4]


def _candidates(fi: sp.Expr, gi: sp.Expr, opts: EngineOptions) -> Iterator[sp.Expr]:
    """Forms of ``gi`` with y substituted for ``fi`` (or part of it), most promising first."""
    u = sp.Dummy("u", real=True)
    mixed: list[sp.Expr] = []
    for k in _kernels(fi):
        big_f, big_g = fi.subs(k, u), gi.subs(k, u)
        if not big_f.has(X):
            # y = F(u): solve for the kernel u, then for x if g still holds x.
            for u_sol in _solve(big_f - Y, u, opts):
                if not big_g.has(X):
                    yield big_g.subs(u, u_sol)
                    continue
                for x_sol in [u] if k == X else _solve(k - u, X, opts):
                    yield big_g.subs(X, x_sol).subs(u, u_sol)
        elif k != X:
            mixed.append(k)
    for k in mixed:
        # y = F(x, u): let y stand for part of g; x stays in the form.
        big_f, big_g = fi.subs(k, u), gi.subs(k, u)
        for x_sol in _solve(big_f - Y, X, opts):
            yield big_g.subs(X, x_sol).subs(u, k)
        for u_sol in _solve(big_f - Y, u, opts):
            yield big_g.subs(u, u_sol)


@dataclass(slots=True)
class _Image:
    """The image under f of one interval or point of x, on one branch; ``hi_expr`` is exact."""

    branch: int
    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool
    hi_expr: sp.Expr

    def extend(self, other: _Image) -> _Image:
        if other.hi > self.hi or (other.hi == self.hi and other.hi_closed):
            return _Image(
                self.branch, self.lo, other.hi, self.lo_closed, other.hi_closed, other.hi_expr
            )
        return self


def _join_by_output(
    branches: list[tuple[sp.Expr, sp.Expr, Any]],
    forms: list[tuple[sp.Expr, bool]],
    formula: Formula,
    points: Sequence[SwitchPoint],
    opts: EngineOptions,
) -> sp.Expr | None:
    """Join per-branch forms with conditions on y, where the branches' images do not overlap."""
    images = _images(branches, formula, points, opts)
    if images is None:
        return None
    images.sort(key=lambda s: (s.lo, s.hi))
    merged: list[_Image] = []
    for image in images:
        last = merged[-1] if merged else None
        if (
            last is not None
            and image.lo <= last.hi
            and _same(forms[last.branch][0], forms[image.branch][0])
        ):
            merged[-1] = last.extend(image)
        elif last is not None and (
            image.lo < last.hi or (image.lo == last.hi and image.lo_closed and last.hi_closed)
        ):
            return None  # the images overlap: y alone cannot tell the branches apart
        else:
            merged.append(image)
    if any(m.lo == m.hi and not _float_exact(m.hi_expr) for m in merged):
        # A branch whose whole image is one value that float64 cannot hold (TaLU's tanh(-1)) is
        # chosen by an exact equality that a computed y misses: keep the conditions on x.
        return None
    pieces = [
        (forms[m.branch][0], sp.Le(Y, m.hi_expr) if m.hi_closed else sp.Lt(Y, m.hi_expr))
        for m in merged[:-1]
    ]
    pieces.append((forms[merged[-1].branch][0], sp.true))
    return merge_pieces(pieces)


def _float_exact(value: sp.Expr) -> bool:
    """Whether ``value`` is a number that float64 holds exactly (-1, 0, 0.5; not 0.1, tanh(1))."""
    if not value.is_Rational:
        return False
    q = int(value.q)
    return q & (q - 1) == 0 and abs(value) < 2**53 and sp.Rational(float(value)) == value


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return a == b or bool(attempt(lambda: sp.simplify(a - b) == 0, budget.SMALL, False))


def _images(
    branches: list[tuple[sp.Expr, sp.Expr, Any]],
    formula: Formula,
    points: Sequence[SwitchPoint],
    opts: EngineOptions,
) -> list[_Image] | None:
    """The image of every open interval between switch points, and of every switch point."""
    ends: list[SwitchPoint | None] = [None, *points, None]
    images: list[_Image] = []
    for lo, hi in itertools.pairwise(ends):
        image = _interval_image(branches, formula, lo, hi, opts)
        if image is None:
            return None
        images.append(image)
    for p in points:
        index = _branch_at(branches, formula, p.value)
        if index is None:
            return None
        y_exact = attempt(
            partial(sp.simplify, branches[index][0].subs(X, p.exact)), opts.step, None
        )
        y_val = None if y_exact is None else to_float(formula.at_defaults(y_exact))
        if y_exact is None or y_val is None:
            return None
        images.append(_Image(index, y_val, y_val, True, True, y_exact))
    return images


def _branch_at(
    branches: list[tuple[sp.Expr, sp.Expr, Any]], formula: Formula, xv: float
) -> int | None:
    env: dict[Any, Any] = {sym: mpmath.mpf(float(v)) for _, sym, v in formula.params}
    env[X] = mpmath.mpf(xv)
    for i, (_, _, cond) in enumerate(branches):
        try:
            if compile_mp(formula.at_defaults(cond))(env):
                return i
        except NotNumeric:
            return None
    return None


def _interval_image(
    branches: list[tuple[sp.Expr, sp.Expr, Any]],
    formula: Formula,
    lo: SwitchPoint | None,
    hi: SwitchPoint | None,
    opts: EngineOptions,
) -> _Image | None:
    a_x = lo.value if lo is not None else (hi.value - 60 if hi is not None else -60.0)
    b_x = hi.value if hi is not None else a_x + 120 if lo is None else lo.value + 60
    index = _branch_at(
        branches,
        formula,
        (a_x + b_x) / 2 if lo and hi else (b_x - 1 if hi is not None else a_x + 1),
    )
    if index is None:
        return None
    fi, _, _ = branches[index]
    if not fi.has(X):
        value = to_float(formula.at_defaults(fi))
        return None if value is None else _Image(index, value, value, True, True, fi)
    if not _monotone(formula.at_defaults(differentiate(fi)), a_x, b_x):
        return None
    exact = [_end_value(fi, lo, "+", -sp.oo, opts), _end_value(fi, hi, "-", sp.oo, opts)]
    if any(e is None for e in exact):
        return None
    a, b = (_float_or_inf(formula.at_defaults(e)) for e in exact)
    if a is None or b is None or a == b:
        return None
    if a < b:
        return _Image(index, a, b, False, False, exact[1])
    return _Image(index, b, a, False, False, exact[0])


def _end_value(
    fi: sp.Expr, end: SwitchPoint | None, side: str, infinity: sp.Expr, opts: EngineOptions
) -> sp.Expr | None:
    target = infinity if end is None else end.exact
    if end is not None:
        value = fi.subs(X, target)
        if value.is_finite is not False and not value.has(sp.nan, sp.zoo):
            return value
    return attempt(lambda: sp.limit(fi, X, target, side), opts.step, None)


def _float_or_inf(value: sp.Expr) -> float | None:
    if value in (sp.oo, -sp.oo):
        return float(value)
    return to_float(value)


def _monotone(g: sp.Expr, a: float, b: float) -> bool:
    """Whether f is strictly monotone on (a, b), judged from the sign of f' at 63 points."""
    fn = compile_mp(g)
    signs = set()
    for k in range(1, 64):
        value = real_value(fn, {X: mpmath.mpf(a) + (mpmath.mpf(b) - a) * k / 64})
        if value is None:
            return False
        signs.add(mpmath.sign(value))
    return len(signs) == 1 and 0 not in signs
