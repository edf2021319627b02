"""The derivation engine: derivatives, readable forms, self-referential forms and breakpoints.

Everything here works on SymPy expressions in the real symbol ``x`` (:mod:`actderiv.lang.parse`).
Work that can run long (simplify, solve, limit) goes through
:func:`actderiv.engine.budget.attempt` and
falls back to a less polished answer when its time is up. Pure: no I/O, no printing.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Any, Final, Literal

import mpmath
import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.logic.boolalg import BooleanFunction

from actderiv.engine.budget import attempt, time_budget
from actderiv.engine.derivation import Breakpoint, Derivation, SelfReferential
from actderiv.engine.formula import Formula
from actderiv.errors import BudgetExceeded, DerivationError
from actderiv.lang.parse import X, Y
from actderiv.numerics import NotNumeric, close, compile_mp, real_value

#: Points at which candidate forms are checked; irrational-looking values avoid landing on kinks.
SAMPLE_XS: Final = tuple(
    sorted(
        {0.0}
        | {
            s * v
            for v in (0.0137, 0.137, 0.5, 0.91, 1.37, 2.2, 2.71, 3.9, 5.5, 7.3, 13.1, 19.7)
            for s in (-1.0, 1.0)
        }
    )
)


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOptions:
    """Time budgets, in seconds: one symbolic step, the self-referential search, one derivation;
    and whether to search for a self-referential form at all (``verify`` does not need one)."""

    step_seconds: float = 2.0
    total_seconds: float = 60.0
    selfref_seconds: float = 15.0
    search_self_referential: bool = True

    def __post_init__(self) -> None:
        if min(self.step_seconds, self.total_seconds, self.selfref_seconds) <= 0:
            raise ValueError("time budgets must be positive")


def derive(
    formula: Formula,
    *,
    order: int = 1,
    name: str | None = None,
    title: str | None = None,
    aliases: tuple[str, ...] = (),
    torch: str | None = None,
    wrt: str | None = None,
    options: EngineOptions | None = None,
) -> Derivation:
    """Differentiate ``formula`` ``order`` times (in ``x``, or in the parameter ``wrt``).

    Raises:
        ValueError: ``order`` is not between 1 and 20, or ``wrt`` is not a parameter.
        DerivationError: the derivation ran past ``options.total_seconds``.
    """
    if not 1 <= order <= 20:
        raise ValueError("order must be between 1 and 20")
    if wrt is not None and wrt not in formula.symbols:
        known = ", ".join(formula.symbols) or "none"
        raise ValueError(f"{wrt!r} is not a parameter of this formula (parameters: {known})")
    opts = options or EngineOptions()
    variable = formula.symbols[wrt] if wrt is not None else X
    try:
        with time_budget(opts.total_seconds, "the derivation"):
            return _derive(formula, order, variable, name, title, aliases, torch, opts)
    except BudgetExceeded as exc:
        raise DerivationError(
            f"deriving {name or formula.source!r} ran past its time budget of "
            f"{opts.total_seconds:g} s (raise it with --timeout)"
        ) from exc


def _derive(
    formula: Formula,
    order: int,
    variable: sp.Symbol,
    name: str | None,
    title: str | None,
    aliases: tuple[str, ...],
    torch: str | None,
    opts: EngineOptions,
) -> Derivation:
    f = formula.expr
    notes: list[str] = []
    raw = differentiate(f, order, variable)
    readable = readable_form(raw, f, opts)
    breakpoints: tuple[Breakpoint, ...] = ()
    if variable == X:
        ctx = _Context(formula, opts)
        points = switch_points(f, formula, opts)
        breakpoints = tuple(
            bp for bp in (ctx.breakpoint(f, order, p.at_defaults) for p in points) if bp is not None
        )
    if torch is not None:
        breakpoints = tuple(_with_torch(bp) for bp in breakpoints)
    selfref = None
    if opts.search_self_referential:
        selfref = attempt(
            lambda: self_referential(f, order, formula, opts, variable),
            opts.selfref_seconds,
            None,
            "the self-referential search",
        )
        if selfref is None:
            notes.append("no self-referential form found")
    else:
        notes.append("no self-referential form searched for (a derivation for verify)")
    param_derivatives = tuple(
        (pname, readable_form(differentiate(f, 1, sym), f, opts, thorough=False))
        for pname, sym, _ in formula.params
    )
    return Derivation(
        name=name,
        title=title,
        aliases=aliases,
        params=tuple((n, v) for n, _, v in formula.params),
        source=formula.source,
        expr=f,
        order=order,
        wrt=str(variable),
        derivative=readable,
        self_referential=selfref,
        breakpoints=breakpoints,
        param_derivatives=param_derivatives,
        notes=tuple(notes),
        torch=torch,
    )


def _with_torch(bp: Breakpoint) -> Breakpoint:
    """PyTorch's value at a kink is the value as written (the catalog is written that way)."""
    return dataclasses.replace(bp, torch=bp.value)


# --- differentiation and readable forms ---------------------------------------------------------


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
    sigmoid), then the length of the printed form to break ties.
    """
    known = _function_kinds(reference) if reference is not None else frozenset()
    new = _function_kinds(expr) - known
    return int(sp.count_ops(expr)) + 4 * len(new), len(str(expr))


@lru_cache(maxsize=1024)
def _function_kinds(expr: sp.Expr) -> frozenset[type]:
    return frozenset(type(a) for a in expr.atoms(sp.Function))


def positive_factor(expr: sp.Expr) -> sp.Expr:
    """``factor``, with a leading minus moved into one factor: ``y*(1 - y)``, not ``-y*(y - 1)``."""
    out = sp.factor(expr)
    if isinstance(out, sp.Mul) and out.args[0] == -1:
        sums = [f for f in out.args if isinstance(f, sp.Add)]
        if len(sums) == 1:
            return sp.Mul(*(-f if f is sums[0] else f for f in out.args[1:]))
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
#: parameters, or only at the values it was given (the catalog's).
Proof = Literal["in general", "at the parameter values"]


def proves_zero(
    expr: sp.Expr, opts: EngineOptions, at: Mapping[sp.Symbol, sp.Expr] | None = None
) -> Proof | None:
    """Whether SymPy reduces ``expr`` to 0 within the step budget, and for which parameters;
    cheapest way first:

    1. ``cancel`` (enough for most rational identities);
    2. ``cancel`` after writing sign(x) as x/|x| (see :func:`_zero_with_signs`);
    3. ``cancel`` after writing hyperbolic and other functions as exponentials (identities such
       as sinh(a)*sech(u)*sech(v) = a quotient of exponentials, which ``simplify`` often misses);
    4. piece by piece, for a Piecewise whose conditions are on x alone
       (:func:`_zero_on_every_piece`);
    5. piece by piece with the parameters at ``at``, for a Piecewise whose conditions involve
       the parameters (PLU's claimed derivative is 0 less its derivative only for alpha < 1,
       where its pieces are ordered as claimed); then ``simplify``, for at most a second, to
       tell whether it holds for every value as well (hardtanh's does);
    6. ``simplify``.

    "In general" is for every value of each parameter of the sign of its default (see
    :func:`actderiv.lang.parse.param_symbol`). Rungs 2 to 5 each get at most half a second; the
    first
    and the last the whole step budget.
    """
    cheap = min(opts.step_seconds, _CHEAP_PROOF_SECONDS)
    if attempt(lambda: sp.cancel(expr) == 0, opts.step_seconds, False):
        return "in general"
    piecewise = expr.has(sp.Piecewise)
    if (
        not piecewise
        and expr.has(sp.sign)
        and attempt(partial(_zero_with_signs, expr, sp.S.Reals), cheap, False)
    ):
        return "in general"
    if (
        not piecewise
        and expr.has(sp.exp, HyperbolicFunction)
        and attempt(lambda: sp.cancel(sp.expand(expr.rewrite(sp.exp))) == 0, cheap, False)
    ):
        return "in general"
    if piecewise and attempt(partial(_zero_on_every_piece, expr), cheap, False):
        return "in general"
    if (
        piecewise
        and at
        and _conditions_involve(expr, at)
        and attempt(partial(_zero_on_every_piece, expr.subs(at)), cheap, False)
    ):
        # Often it holds for every value (hardtanh's, for one), which simplify may show quickly.
        general = min(opts.step_seconds, _GENERAL_AFTER_VALUES_SECONDS)
        if attempt(lambda: sp.simplify(expr) == 0, general, False):
            return "in general"
        return "at the parameter values"
    if attempt(lambda: sp.simplify(expr) == 0, opts.step_seconds, False):
        return "in general"
    return None


#: The budget of each cheap rung of :func:`proves_zero`: each succeeds within 0.2 s where it
#: succeeds at all on the bundled catalog, and can otherwise run for seconds.
_CHEAP_PROOF_SECONDS: Final = 0.5
#: How long ``simplify`` may try to show that what holds at the parameter values holds for all.
_GENERAL_AFTER_VALUES_SECONDS: Final = 1.0


def _conditions_involve(expr: sp.Expr, symbols: Iterable[sp.Symbol]) -> bool:
    wanted = set(symbols)
    return any(cond.free_symbols & wanted for pw in expr.atoms(sp.Piecewise) for _, cond in pw.args)


def _zero_on_every_piece(expr: sp.Expr) -> bool:
    """Whether ``expr``, folded into one Piecewise whose conditions are on x alone, is 0 on every
    piece that applies somewhere (the first true condition wins, as in a Piecewise).

    Hard sigmoid's claim ``1/6 if -3 < x < 3 else 0`` against its derivative, written with other
    conditions (``0 if x >= 3 or x <= -3 else 1/6``), is decided here exactly with SymPy's sets;
    ``simplify`` gives up on it.
    """
    folded = sp.piecewise_fold(expr)
    if not isinstance(folded, sp.Piecewise):
        return sp.cancel(folded) == 0 or _zero_with_signs(folded, sp.S.Reals)
    taken: Any = sp.S.EmptySet
    for piece, cond in folded.args:
        if not cond.free_symbols <= {X}:
            return False
        where = _as_set(cond)
        applies = where - taken
        taken = taken | where
        if applies is sp.S.EmptySet or sp.cancel(piece) == 0:
            continue
        if isinstance(applies, sp.FiniteSet):  # single points: the piece's values there
            if not all(_zero_at(piece, point) for point in applies):
                return False
        elif not _zero_with_signs(piece, applies):
            return False
    return True


def _zero_at(expr: sp.Expr, point: sp.Expr) -> bool:
    value = expr.subs(X, point)
    return not value.has(sp.nan, sp.zoo) and sp.cancel(value) == 0


@lru_cache(maxsize=1024)
def _as_set(cond: Any) -> Any:
    """The set of real x where the condition ``cond`` (on x alone) holds; the sets of the
    relations it combines are computed once, as the folded pieces share them."""
    if cond is sp.true:
        return sp.S.Reals
    if cond is sp.false:
        return sp.S.EmptySet
    if isinstance(cond, sp.And):
        return sp.Intersection(*(_as_set(arg) for arg in cond.args))
    if isinstance(cond, sp.Or):
        return sp.Union(*(_as_set(arg) for arg in cond.args))
    if isinstance(cond, sp.Not):
        return sp.S.Reals - _as_set(cond.args[0])
    if isinstance(cond, BooleanFunction):  # Xor, Implies, ...: no formula writes them
        raise NotImplementedError(f"no set for the condition {cond}")
    return cond.as_set()


def _zero_with_signs(expr: sp.Expr, where: Any) -> bool:
    """Whether ``expr`` is 0 on the set ``where``, shown by ``cancel`` after writing sign(x) as
    x/|x| (with |x| as one more generator, so that |x|*sign(x) = x); that holds away from x = 0,
    so at 0, where it applies, ``expr`` must be 0 as well."""
    if not expr.has(sp.sign) or any(s.args[0] != X for s in expr.atoms(sp.sign)):
        return False
    if sp.cancel(expr.replace(sp.sign, lambda u: u / sp.Abs(u))) != 0:
        return False
    if where.contains(sp.S.Zero) is sp.false:
        return True
    return _zero_at(expr, sp.S.Zero)


_REWRITES: Final[tuple[Callable[[sp.Expr], sp.Expr], ...]] = (
    positive_factor,
    sp.cancel,
    sp.together,
    sp.expand,
    simplified,
    lambda e: sp.factor(sign_to_abs(e)) if e.has(sp.sign) else e,  # else positive_factor's
)
_CHEAP_REWRITES: Final = tuple(r for r in _REWRITES if r is not simplified)
_FORM_REWRITES: Final[tuple[Callable[[sp.Expr], sp.Expr], ...]] = (
    *_REWRITES,
    sp.trigsimp,
    sp.powsimp,
    lambda e: sp.factor(factor_radicands(e)),
    lambda e: sp.simplify(factor_radicands(e)),
    lambda e: sp.powsimp(split_radicals(e)),
    lambda e: positive_factor(split_radicals(e)),
)


#: The budget of one rewrite in :func:`readable_form`. On the bundled catalog every rewrite whose
#: result was chosen took under 0.8 s on a loaded machine; ``simplify`` runs far longer on some
#: derivatives (GELU's tanh form, phish) without producing the form that is chosen.
READABLE_SECONDS: Final = 1.0


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
        return _merge_pieces(pieces)
    candidates = [expr]
    budget = min(opts.step_seconds, READABLE_SECONDS)
    for rewrite in _REWRITES if thorough else _CHEAP_REWRITES:
        candidate = attempt(partial(rewrite, expr), budget, None)
        if candidate is not None and not candidate.has(sp.nan, sp.zoo):
            candidates.append(candidate)
    # Rewrites often agree: measure each distinct form once (the first of equals wins ties).
    return min(dict.fromkeys(candidates), key=lambda c: complexity(c, reference))


def _merge_pieces(pieces: Sequence[tuple[sp.Expr, Any]]) -> sp.Expr:
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
        whole = sp.S.Reals if cond is sp.true else attempt(cond.as_set, 1.0, None)
        if whole is None:
            return list(pieces)
        own = whole - taken
        taken = taken | whole
        if own is sp.S.EmptySet:
            continue
        out.append((expr, sp.true if taken == sp.S.Reals else own.as_relational(X)))
    return out


# --- breakpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SwitchPoint:
    """A point where the formula switches branch: exactly (in the parameters) and at defaults."""

    exact: sp.Expr
    at_defaults: sp.Expr
    value: float


def switch_points(f: sp.Expr, formula: Formula, opts: EngineOptions) -> list[SwitchPoint]:
    """Every real point where the formula switches branch, sorted by value at the defaults."""
    zeros_of: list[sp.Expr] = []
    for pw in f.atoms(sp.Piecewise):
        for _, cond in pw.args:
            for rel in cond.atoms(sp.core.relational.Relational):
                zeros_of.append(rel.lhs - rel.rhs)
    for atom in f.atoms(sp.Abs, sp.sign, sp.Heaviside):
        zeros_of.append(atom.args[0])
    found: dict[float, SwitchPoint] = {}
    for g in zeros_of:
        if not g.has(X):
            continue
        for exact in _real_zeros(g, opts) or _real_zeros(formula.at_defaults(g), opts):
            at_defaults = _nice(formula.at_defaults(exact))
            value = _float(at_defaults)
            if value is not None and not any(abs(value - k) < 1e-12 for k in found):
                found[value] = SwitchPoint(exact, at_defaults, value)
    return [found[k] for k in sorted(found)]


def _real_zeros(g: sp.Expr, opts: EngineOptions) -> list[sp.Expr]:
    solutions = attempt(lambda: sp.solveset(g, X, sp.S.Reals), opts.step_seconds, None)
    return list(solutions) if isinstance(solutions, sp.FiniteSet) else []


def _float(value: sp.Expr) -> float | None:
    try:
        result = complex(sp.N(value, 30))
    except (TypeError, ValueError):
        return None
    if abs(result.imag) > 1e-12 or result.real != result.real or abs(result.real) == float("inf"):
        return None
    return result.real


def _nice(value: sp.Expr) -> sp.Expr:
    """Keep small exact numbers; print long rationals (from float defaults) as 17-digit floats."""
    value = sp.nsimplify(value) if isinstance(value, sp.Float) else value
    if isinstance(value, sp.Rational) and abs(value.q) > 10**6:
        return sp.Float(value, 17)
    if value.is_number and not value.is_Rational and len(str(value)) > 40:
        return sp.Float(sp.N(value, 17), 17)
    return value


class _Context:
    """What the breakpoint analysis needs, at the default parameters."""

    def __init__(self, formula: Formula, opts: EngineOptions) -> None:
        self.formula = formula
        self.opts = opts

    def limit(self, expr: sp.Expr, c: sp.Expr, side: str) -> sp.Expr | None:
        expr = self.formula.at_defaults(expr)
        if not _switches_at(expr, c):
            value = attempt(lambda: expr.subs(X, c), self.opts.step_seconds, None)
            if value is not None and value.is_finite:
                return _nice(sp.nsimplify(value) if isinstance(value, sp.Float) else value)
        value = attempt(lambda: sp.limit(expr, X, c, side), self.opts.step_seconds, None)
        if value is None or not value.is_finite:
            return None
        return _nice(value)

    def breakpoint(self, f: sp.Expr, order: int, c: sp.Expr) -> Breakpoint | None:
        """One-sided derivatives and the conventional value at ``c``; None where nothing kinks."""
        f_at = self.formula.at_defaults(f)
        below, above = _piece_near(f_at, c, -1), _piece_near(f_at, c, +1)
        lower = differentiate(below, order - 1) if order > 1 else below
        upper = differentiate(above, order - 1) if order > 1 else above
        continuous = _all_close(
            self.limit(lower, c, "-"),
            self.limit(upper, c, "+"),
            self.value(differentiate(f_at, order - 1) if order > 1 else f_at, c),
        )
        left = self.limit(differentiate(lower, 1), c, "-")
        right = self.limit(differentiate(upper, 1), c, "+")
        value = self.value(differentiate(f_at, order), c)
        same = _all_close(left, right)
        differentiable = None if continuous is None or same is None else continuous and same
        if differentiable and _all_close(left, value):
            return None
        return Breakpoint(
            x=c,
            left=left,
            right=right,
            value=value,
            continuous=continuous,
            differentiable=differentiable,
        )

    def value(self, expr: sp.Expr, c: sp.Expr) -> sp.Expr | None:
        """The value as the formula is written: the first branch whose condition holds at c."""
        result = attempt(lambda: expr.subs(X, c), self.opts.step_seconds, None)
        if result is None or not result.is_number or not result.is_finite:
            return None
        return _nice(result)


def _switches_at(expr: sp.Expr, c: sp.Expr) -> bool:
    """Whether ``expr`` may change branch at ``c`` (then a one-sided limit is needed)."""
    if expr.has(sp.Piecewise):
        return True
    return any(
        atom.args[0].has(X) and attempt(partial(_vanishes_at, atom.args[0], c), 1.0, True)
        for atom in expr.atoms(sp.Abs, sp.sign, sp.Heaviside)
    )


def _vanishes_at(expr: sp.Expr, c: sp.Expr) -> bool:
    return bool(sp.simplify(expr.subs(X, c)) == 0)


def _piece_near(f: sp.Expr, c: sp.Expr, side: int) -> sp.Expr:
    """The branch of ``f`` that applies just to one side of ``c``."""
    if not isinstance(f, sp.Piecewise):
        return f
    point = _float(c) or 0.0
    probe = point + side * 1e-9 * max(1.0, abs(point))
    env = {X: mpmath.mpf(probe)}
    for expr, cond in f.args:
        try:
            if compile_mp(cond)(env):
                return expr
        except NotNumeric:
            break
    return f


def _all_close(*values: sp.Expr | None) -> bool | None:
    if any(v is None for v in values):
        return None
    floats = [_float(v) for v in values if v is not None]
    if any(v is None for v in floats):
        return None
    first = floats[0]
    assert first is not None
    return all(v is not None and abs(v - first) <= 1e-12 * max(1.0, abs(first)) for v in floats)


# --- self-referential forms ----------------------------------------------------------------------


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
    expr = _merge_pieces(pieces)
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

    def points_in(self, cond: Any) -> tuple[float, ...]:
        if cond is sp.true:
            return SAMPLE_XS
        test = self.compile(cond)
        if test is None:
            return ()
        return tuple(v for v in SAMPLE_XS if _holds(test, {**self.env0, X: mpmath.mpf(v)}))

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
        with mpmath.workdps(30):
            for xv in xs:
                env = {**self.env0, X: mpmath.mpf(xv)}
                y, want = real_value(ff, env), real_value(gf, env)
                if y is None or want is None:
                    continue
                got = real_value(hf, {**env, Y: y})
                if got is None or not close(got, want, 1e-12, 1e-14):
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
    xs = probe.points_in(cond) or SAMPLE_XS
    limit = 3 * complexity(gi, fi)[0] + 10

    def usable(c: sp.Expr) -> bool:
        return (
            c.has(Y)
            and not c.has(sp.nan, sp.zoo, sp.I)
            and complexity(c, fi)[0] <= limit
            and probe.agrees(c, fi, gi, xs)
        )

    raw = [c for c in itertools.islice(_candidates(fi, gi, opts), _MAX_CANDIDATES) if usable(c)]
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
            for rewrite in _FORM_REWRITES:
                polished = attempt(partial(rewrite, variant), opts.step_seconds, None)
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
    solutions: list[Any] = attempt(
        partial(sp.solve, equation, unknown, dict=False), opts.step_seconds, []
    )
    return [s for s in solutions if isinstance(s, sp.Expr)][:4]


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
    pieces = [
        (forms[m.branch][0], sp.Le(Y, m.hi_expr) if m.hi_closed else sp.Lt(Y, m.hi_expr))
        for m in merged[:-1]
    ]
    pieces.append((forms[merged[-1].branch][0], sp.true))
    return _merge_pieces(pieces)


def _same(a: sp.Expr, b: sp.Expr) -> bool:
    return a == b or bool(attempt(lambda: sp.simplify(a - b) == 0, 1.0, False))


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
            partial(sp.simplify, branches[index][0].subs(X, p.exact)), opts.step_seconds, None
        )
        y_val = None if y_exact is None else _float(formula.at_defaults(y_exact))
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
        value = _float(formula.at_defaults(fi))
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
    return attempt(lambda: sp.limit(fi, X, target, side), opts.step_seconds, None)


def _float_or_inf(value: sp.Expr) -> float | None:
    if value in (sp.oo, -sp.oo):
        return float(value)
    return _float(value)


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
