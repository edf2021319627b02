"""The evidence behind a claim's verdict: the claim and the truth compared point by point.

A claim C(x, y = f(x)) is compared with the truth T(x) (f' or f) at ``CLAIM_DPS`` digits, every
constant exact, on a fixed set of points: an even grid on |x| <= ``CLAIM_NEAR``, points on every
branch out to |x| = 50 and hugging every breakpoint of f and of the claim, points far out to
|x| = 1e12, and the points where the difference can peak: the roots and critical points of each
polynomial argument inside the claim (a narrow bump ``exp(-40000*(x + 1.3)**2)`` peaks at
x = -1.3) and, where SymPy solves it within a budget, the critical points of the difference
itself. A difference counts when it is larger than ``CLAIM_PRECISION`` times the size of the
terms summed (so cancellation in a far tail is not taken for a difference). The first-order
effect of the claim's decimal constants, rounded as written, is computed at each point, so that
a claim can be "equal within the precision of its constants" (``Evaluator.explained``).
Everything is deterministic: the same claim gives the same points, the same counterexample, on
every machine.
See docs/ARCHITECTURE.md ("Claims"). Pure: no I/O, no printing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import mpmath
import sympy as sp

from actderiv.engine import budget
from actderiv.engine.budget import EngineOptions, attempt
from actderiv.engine.formula import Formula
from actderiv.errors import FormulaError
from actderiv.lang.grammar import check_formula
from actderiv.lang.parse import Scope, X, Y, parse_formula
from actderiv.numerics import (
    CLAIM_DPS,
    CLAIM_FAR,
    CLAIM_GRID,
    CLAIM_MAX_DPS,
    CLAIM_NEAR,
    CLAIM_PRECISION,
    CLAIM_REFINE,
    FLOAT64_DIGITS,
    NotNumeric,
    compile_mp,
    real_value,
    sample_points,
)

#: A difference with at most this many operations is explicit: its extrema are solved for.
EXPLICIT_OPS = 40


@dataclass(frozen=True, slots=True)
class Point:
    """The claim and the truth at one x, with the scales that say whether they differ."""

    x: Any
    want: Any
    have: Any | None  # None where the claim is undefined (or infinite) and the truth is not
    size: Any  # the size of the terms summed on either side (the precision's scale)
    precision: Any = CLAIM_PRECISION  # a difference below precision * size is rounding

    @property
    def diff(self) -> Any:
        return mpmath.inf if self.have is None else abs(self.have - self.want)

    @property
    def differs(self) -> bool:
        return bool(self.diff > self.precision * self.size)

    @property
    def against_size(self) -> Any:
        """The difference relative to the size of the terms (what rounding can change)."""
        if self.have is None:
            return mpmath.inf
        return mpmath.mpf(0) if self.size == 0 else self.diff / self.size

    @property
    def relative(self) -> Any:
        """The difference relative to the larger of the two values (infinite if undefined)."""
        if self.have is None:
            return mpmath.inf
        scale = max(abs(self.want), abs(self.have))
        return mpmath.mpf(0) if scale == 0 else self.diff / scale


@dataclass(frozen=True, slots=True)
class Constant:
    """A decimal constant as the claim writes it, and how precisely it is written."""

    text: str
    symbol: sp.Symbol
    delta: Any  # half a unit of its last digit (float64's rounding for long ones)


def claim_constants(text: str, scope: Scope) -> tuple[sp.Expr, tuple[Constant, ...]] | None:
    """The claim with each decimal constant as a symbol, and those constants; None without any.

    The text is checked by the grammar; each decimal literal's span is replaced by a fresh name
    that is then a parameter of the scope, so the result goes through the grammar and the parser
    like any formula (no text reaches ``sympify``).
    """
    try:
        stripped = text.strip()
        tree = check_formula(stripped, scope.names)
    except FormulaError:
        return None
    literals = sorted(
        (n.col_offset, n.end_col_offset or n.col_offset)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, float)
    )
    if not literals:
        return None
    taken = set(scope.params) | set(scope.names.calls) | {"x", "y", "e", "pi"}
    constants: list[Constant] = []
    params = dict(scope.params)
    out, last = [], 0
    for i, (start, end) in enumerate(literals):
        name = f"c{i}"
        while name in taken:
            name = "c" + name
        taken.add(name)
        literal = stripped[start:end]
        sym = sp.Symbol(name, real=True)
        params[name] = sym
        constants.append(Constant(literal, sym, _precision(literal)))
        out += [stripped[last:start], name]
        last = end
    out.append(stripped[last:])
    try:
        expr = parse_formula("".join(out), Scope(params, scope.resolve, scope.allow_y))
    except FormulaError:
        return None
    return expr, tuple(constants)


def _precision(literal: str) -> Any:
    """Half a unit of the literal's last digit; float64's rounding where that is coarser."""
    mantissa, _, exponent = literal.lower().partition("e")
    digits = mantissa.replace(".", "").lstrip("0") or "0"
    decimals = len(mantissa.partition(".")[2])
    with mpmath.workdps(CLAIM_DPS):
        half = mpmath.mpf(5) * mpmath.mpf(10) ** (int(exponent or 0) - decimals - 1)
        if len(digits) >= FLOAT64_DIGITS:
            half = max(half, abs(mpmath.mpf(literal)) * mpmath.mpf(2) ** -52)
        return half


def magnitude(expr: sp.Expr) -> sp.Expr:
    """The size of the terms an expression sums: each sum's terms in absolute value.

    Where terms cancel (y + scale*alpha in SELU's far negative tail), a difference at the
    working precision is a fraction of this size, not of the (tiny) result.
    """
    if isinstance(expr, sp.Add):
        return sp.Add(*(magnitude(a) for a in expr.args))
    if isinstance(expr, sp.Mul):
        return sp.Mul(*(magnitude(a) for a in expr.args))
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        return sp.Pow(magnitude(expr.base), expr.exp)
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*((magnitude(v), c) for v, c in expr.args))
    return sp.Abs(expr)


class Evaluator:
    """The claim and the truth as mpmath functions at the default parameters."""

    def __init__(
        self,
        formula: Formula,
        target: sp.Expr,
        claimed: sp.Expr,
        constants: tuple[sp.Expr, tuple[Constant, ...]] | None,
    ) -> None:
        with mpmath.workdps(CLAIM_DPS):
            self.env0: dict[Any, Any] = {sym: mpmath.mpf(float(v)) for _, sym, v in formula.params}
            for sym, value in formula.defaults.items():
                self.env0[sym] = _mp(value)
        self.defaults = dict(formula.defaults)
        self.precision = mpmath.mpf(CLAIM_PRECISION)
        self._envs: dict[int, dict[Any, Any]] = {}
        self.f = compile_mp(formula.expr)
        self.g = compile_mp(target)
        args = _growth_arguments(formula.expr, target, claimed.subs(Y, formula.expr))
        self.growth = [
            fn for arg in args if arg.has(X) and (fn := _compile_or_none(arg)) is not None
        ]
        # A huge constant exp(c) is as precise as c: log10|c| more digits (exp(exp(100))*x);
        # a claim that adds 1e-40*exp(-x**2) needs 40 more digits to tell.
        self.constant_digits = _number_digits(claimed)
        with mpmath.workdps(CLAIM_DPS):
            for arg in args:
                if not arg.has(X) and (fn := _compile_or_none(arg)) is not None:
                    value = _value(fn, self.env0)
                    if value is not None and abs(value) > 1:
                        self.constant_digits = max(
                            self.constant_digits, int(mpmath.log10(abs(value))) + 1
                        )
            self.precision = mpmath.mpf(CLAIM_PRECISION) / mpmath.mpf(10) ** min(
                _number_digits(claimed), CLAIM_MAX_DPS
            )
        self.h = compile_mp(claimed)
        self.f_size = _compile_or_none(magnitude(formula.expr))
        self.g_size = _compile_or_none(magnitude(target))
        self.h_size = _compile_or_none(magnitude(claimed))
        self.sensitivity: list[tuple[Callable[[Any], Any], Any]] = []
        self.constant_env: dict[Any, Any] = {}
        if constants is not None:
            expr, consts = constants
            with mpmath.workdps(CLAIM_DPS):
                for c in consts:
                    self.constant_env[c.symbol] = mpmath.mpf(c.text)
            for c in consts:
                partial = _compile_or_none(sp.diff(expr, c.symbol))
                if partial is not None:
                    self.sensitivity.append((partial, c.delta))

    def at(self, xv: Any) -> Point | None:
        """The comparison at x (None where the truth itself is undefined, or where telling
        the two apart would take more than ``CLAIM_MAX_DPS`` digits).

        A difference found at ``CLAIM_DPS`` digits is confirmed at as many digits as the
        exponentials there need (1 + exp(-300) is 1 to 130 digits: Mish's tail)."""
        p = self._at(xv, CLAIM_DPS + self.constant_digits)
        if p is None or not p.differs:
            return p
        need = self._digits_needed(xv)
        if need is None:
            return None
        return p if need <= CLAIM_DPS else self._at(xv, need)

    def _digits_needed(self, xv: Any) -> int | None:
        with mpmath.workdps(20):
            env = {**self.env0, X: mpmath.mpf(xv)}
            largest = mpmath.mpf(0)
            for fn in self.growth:
                value = _value(fn, env)
                if value is None:
                    return None
                largest = max(largest, abs(value))
            digits = CLAIM_DPS + self.constant_digits + 10 + 2 * largest / mpmath.log(10)
        return None if digits > CLAIM_MAX_DPS else int(digits)

    def _at(self, xv: Any, dps: int) -> Point | None:
        with mpmath.workdps(dps):
            env = {**self._env(dps), X: mpmath.mpf(xv)}
            want = real_value(self.g, env)
            if want is None:
                return None
            y = real_value(self.f, env)
            have = None if y is None else real_value(self.h, {**env, Y: y})
            sizes = [abs(want), abs(have) if have is not None else mpmath.mpf(0)]
            fy = _value(self.f_size, env) if self.f_size else None
            sizes.append(_value(self.g_size, env) or 0 if self.g_size else 0)
            if self.h_size is not None and y is not None:
                sizes.append(_value(self.h_size, {**env, Y: fy if fy is not None else abs(y)}))
            size = max((s for s in sizes if s is not None), default=mpmath.mpf(0))
            return Point(mpmath.mpf(xv), want, have, size, self.precision)

    def _env(self, dps: int) -> dict[Any, Any]:
        if dps <= CLAIM_DPS:
            return self.env0
        if dps not in self._envs:
            with mpmath.workdps(dps):
                self._envs[dps] = {
                    sym: mpmath.mpf(str(sp.N(v, dps + 10))) for sym, v in self.defaults.items()
                }
        return self._envs[dps]

    def explained(self, p: Point) -> Any:
        """What the claim's rounded constants can change at p's x (first order), or 0."""
        if not self.sensitivity or p.have is None:
            return mpmath.mpf(0)
        with mpmath.workdps(CLAIM_DPS):
            env = {**self.env0, X: p.x}
            y = real_value(self.f, env)
            if y is None:
                return mpmath.inf
            cenv = {**env, Y: y, **self.constant_env}
            total = mpmath.mpf(0)
            for partial, delta in self.sensitivity:
                slope = _value(partial, cenv)
                total += mpmath.inf if slope is None else abs(slope) * delta
            return total


_GROWING = (sp.exp, sp.sinh, sp.cosh, sp.tanh, sp.sech, sp.csch, sp.coth)


def _growth_arguments(*exprs: sp.Expr) -> list[sp.Expr]:
    """The arguments whose size says how many digits exp(u) + 1 and the like need (for erf
    and erfc, u**2)."""
    found: dict[sp.Expr, None] = {}
    for expr in exprs:
        for atom in sorted(expr.atoms(*_GROWING, sp.erf, sp.erfc), key=sp.default_sort_key):
            arg = atom.args[0]
            found[arg**2 if isinstance(atom, sp.erf | sp.erfc) else arg] = None
    return list(found)


def _number_digits(expr: sp.Expr) -> int:
    """How many decimal orders of magnitude the numbers in ``expr`` span below and above 1."""
    digits = 0
    for n in expr.atoms(sp.Rational, sp.Float):
        if n != 0:
            p, q = (abs(int(n.p)), int(n.q)) if isinstance(n, sp.Rational) else (1, 1)
            digits = max(digits, len(str(p)) - 1, len(str(q)) - 1)
            if isinstance(n, sp.Float):
                digits = max(digits, abs(int(mpmath.log10(abs(mpmath.mpf(n))))))
    return min(digits, CLAIM_MAX_DPS)


def _mp(value: sp.Expr) -> Any:
    return mpmath.mpf(str(sp.N(value, CLAIM_DPS + 10)))


def _compile_or_none(expr: sp.Expr) -> Callable[[Any], Any] | None:
    try:
        return compile_mp(expr)
    except NotNumeric:
        return None


def _value(fn: Callable[[Any], Any], env: Mapping[Any, Any]) -> Any | None:
    return real_value(fn, env)


def grid_points(
    f_breaks: Sequence[float], claim_breaks: Sequence[float], features: Iterable[float]
) -> list[float]:
    """Every point the comparison looks at, sorted; f's own breakpoints left out (see kinks)."""
    near = [-CLAIM_NEAR + 2 * CLAIM_NEAR * k / CLAIM_GRID for k in range(CLAIM_GRID + 1)]
    breaks = sorted({*f_breaks, *claim_breaks})
    points = {*near, *sample_points(breaks), *features, *claim_breaks}
    for far in CLAIM_FAR:
        points.update((-far, far))
    for b in breaks:
        for gap in (1e-7, 1e-4, 1e-2):
            step = gap * max(1.0, abs(b))
            points.update((b - step, b + step))
        points.update((2 * b, b / 2) if b else ())
    skip = set(f_breaks)
    return sorted(p for p in points if p not in skip and abs(p) < 1e300)


def feature_points(expr: sp.Expr, opts: EngineOptions) -> list[float]:
    """Where parts of ``expr`` (x alone, parameters at their values) can peak: the real roots
    and critical points of every polynomial argument of a function or power inside it."""
    found: set[float] = set()
    seen: set[sp.Expr] = set()
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Function | sp.Pow):
            continue
        for arg in node.args:
            if not isinstance(arg, sp.Expr) or arg in seen or not arg.has(X):
                continue
            if arg.free_symbols - {X}:
                continue
            seen.add(arg)
            roots: list[float] = attempt(
                partial(_poly_points, arg), budget.SMALL, [], "the feature points"
            )
            found.update(roots)
    return sorted(found)


def _poly_points(arg: sp.Expr) -> list[float]:
    if not arg.is_polynomial(X):
        return []
    poly = sp.Poly(arg, X)
    if not 1 <= poly.degree() <= 12:
        return []
    out = []
    for p in (poly, poly.diff(X)):
        if p.degree() < 1:
            continue
        for r in p.nroots(n=30, maxsteps=200):
            if abs(sp.im(r)) < 1e-20 and abs(sp.re(r)) < 1e12:
                out.append(float(sp.re(r)))
    return out


def extrema_of_difference(diff: sp.Expr, opts: EngineOptions) -> list[float]:
    """The real critical points of an explicit difference: one that cancelled to a polynomial
    (``solveset`` on a general difference can spend minutes inside one polynomial operation,
    which no budget counts; the arguments inside it are covered by :func:`feature_points`)."""
    if diff == 0 or not diff.has(X) or diff.free_symbols - {X} or diff.has(sp.Piecewise):
        return []
    if sp.count_ops(diff) > EXPLICIT_OPS or not diff.is_polynomial(X):
        return []
    return attempt(partial(_poly_points, diff), budget.SMALL, [], "the extrema of the difference")


def refine(evaluator: Evaluator, lo: float, hi: float, score: Callable[[Point], Any]) -> float:
    """The x in [lo, hi] where ``score`` peaks, by golden-section search (fixed steps)."""
    with mpmath.workdps(CLAIM_DPS):
        ratio = (mpmath.sqrt(5) - 1) / 2
        a, b = mpmath.mpf(lo), mpmath.mpf(hi)

        def s(t: Any) -> Any:
            p = evaluator.at(t)
            return -1 if p is None or p.have is None else score(p)

        c, d = b - ratio * (b - a), a + ratio * (b - a)
        sc, sd = s(c), s(d)
        for _ in range(CLAIM_REFINE):
            if sc >= sd:
                b, d, sd = d, c, sc
                c = b - ratio * (b - a)
                sc = s(c)
            else:
                a, c, sc = c, d, sd
                d = a + ratio * (b - a)
                sd = s(d)
        return float((a + b) / 2)


def runs(points: Sequence[Point], bad: Callable[[Point], bool]) -> list[tuple[float, float]]:
    """The intervals (first and last point of each run of consecutive points) where ``bad``."""
    out: list[tuple[float, float]] = []
    previous = False
    for p in points:
        now = bad(p)
        if now and previous:
            out[-1] = (out[-1][0], float(p.x))
        elif now:
            out.append((float(p.x), float(p.x)))
        previous = now
    return out


def tail_limits(diff: sp.Expr, opts: EngineOptions) -> list[sp.Expr | None]:
    """The limits of the difference at -oo and +oo (None where SymPy finds none in a budget)."""
    out: list[sp.Expr | None] = []
    for end in (-sp.oo, sp.oo):
        value = attempt(partial(sp.limit, diff, X, end), opts.step, None, "a limit at ±∞")
        out.append(value if isinstance(value, sp.Expr) and value.is_number else None)
    return out
