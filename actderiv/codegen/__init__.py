"""Derivations → forward and backward source code for NumPy, PyTorch, JAX and C.

Three steps, each a plain function. :func:`codegen_source` gathers what a catalog entry needs (its
expression, its derivative, and the derivative written with ``y = f(x)`` when the backward needs
only the output). :func:`stabilize` rewrites an expression with a small set of rules recognised
on the SymPy tree (``log(1 + exp(u))`` → softplus, ``exp(m*u)/(1 + exp(u))**k`` → sigmoids,
rational functions of ``exp(u)`` evaluated in ``exp(-|u|)``, exponentials nested inside functions
clipped, ``exp(u) - 1`` → expm1, ``log(1 + u)`` → log1p). :func:`generate` prints the result with a
printer per target that knows an allow-list of node types and refuses anything else with a
:class:`~actderiv.errors.CodegenError`. No ``lambdify``, ``sympify`` or ``eval`` anywhere; the
generated text is returned, never run. Pure: no I/O, no printing.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from typing import Any, Final

import mpmath
import sympy as sp
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from actderiv import __version__
from actderiv.catalog.model import Catalog
from actderiv.errors import CodegenError
from actderiv.lang.parse import X, Y, number
from actderiv.numerics import NotNumeric, compile_mp, real_value

#: The targets ``generate`` knows, in the order the CLI lists them.
TARGETS: Final = ("numpy", "torch", "jax", "c")

# Opaque nodes that the stabilizer introduces; each target prints a stable implementation.
SOFTPLUS: Final = sp.Function("softplus")  # log(1 + exp(u))
SIGMOID: Final = sp.Function("sigmoid")  # 1/(1 + exp(-u))
EXPM1: Final = sp.Function("expm1")  # exp(u) - 1
LOG1P: Final = sp.Function("log1p")  # log(1 + u)
SECH: Final = sp.Function("sech_")  # 1/cosh(u), without overflow
EXP_BOUNDED: Final = sp.Function("exp_bounded")  # exp(u) with u <= 0 by construction
EXP_CLIPPED: Final = sp.Function("exp_clipped")  # exp(min(u, 709)): an exponential inside a
# function argument, where exp(u) = inf would give inf - inf or inf*0 (cloglog, gumbel)
_OPAQUE: Final = frozenset(
    {"softplus", "sigmoid", "expm1", "log1p", "sech_", "exp_clipped", "exp_bounded"}
)

#: Largest argument of the clipped exponential: exp(709) is finite in double precision.
EXP_CLIP: Final = 709.0


# --- what a catalog entry needs -------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class CodegenSource:
    """One activation, ready to print: f(x), f'(x), and f' in y = f(x) when that suffices."""

    name: str
    title: str
    formula: str
    expr: sp.Expr
    derivative: sp.Expr
    backward: sp.Expr | None
    """f'(x) written in ``y`` alone (the backward then saves only the output), or None."""
    params: tuple[tuple[str, sp.Symbol, float], ...]

    @property
    def output_only(self) -> bool:
        return self.backward is not None


def codegen_source(
    catalog: Catalog,
    name: str,
    params: Mapping[str, float] | None = None,
    *,
    search: bool = True,
    selfref_steps: int | None = None,
) -> CodegenSource:
    """Gather what code generation needs for the catalog entry ``name`` (key or alias).

    ``params`` overrides the catalog defaults (they become the generated keyword defaults). The
    form in ``y`` comes from the engine's self-referential search, run within its work budget
    (``selfref_steps``, default ``budget.SELF_REFERENTIAL``; skipped when the cached record
    already says that the backward needs ``x``), and is checked again at the chosen parameters.
    ``search=False`` skips the search: the backward then uses ``x``.

    Raises:
        UnknownActivationError: no entry has that name.
        CodegenError: ``params`` names a parameter the entry does not have.
    """
    from actderiv.engine import budget
    from actderiv.engine.budget import EngineOptions, attempt
    from actderiv.engine.forms import differentiate
    from actderiv.engine.formula import CatalogResolver, Formula, formula_of
    from actderiv.engine.selfref import self_referential

    spec = catalog.require(name)
    formula = formula_of(spec, CatalogResolver(catalog))
    overrides = dict(params or {})
    unknown = sorted(set(overrides) - set(formula.symbols))
    if unknown:
        known = ", ".join(formula.symbols) or "none"
        raise CodegenError(f"{spec.name} has no parameter {unknown[0]!r} (parameters: {known})")
    values = tuple((n, sym, float(overrides.get(n, v))) for n, sym, v in formula.params)
    f = formula.expr
    derivative = differentiate(f)
    backward: sp.Expr | None = None
    if search and _cached_output_only(catalog, spec.name) is not False:
        steps = selfref_steps or budget.SELF_REFERENTIAL
        opts = EngineOptions(self_referential=steps)
        found = attempt(
            lambda: self_referential(f, 1, formula, opts),
            steps,
            None,
            "the self-referential search",
        )
        if found is not None and found.output_only:
            backward = found.expr
    if backward is not None and overrides:
        moved = Formula(f, values, formula.source)
        if not _holds(backward, f, derivative, moved):
            backward = None
    return CodegenSource(
        name=spec.name,
        title=_inert(spec.title),
        formula=_inert(spec.expr),
        expr=f,
        derivative=derivative,
        backward=backward,
        params=values,
    )


def _cached_output_only(catalog: Catalog, name: str) -> bool | None:
    """What a cached record says about the output-only form, without deriving anything."""
    from actderiv.store import cache

    if not cache.enabled():
        return None
    spec = catalog.require(name)
    record = cache.RecordCache().get(cache.entry_key(spec, catalog, {"order": 1, "wrt": None}))
    if record is None or not isinstance(record.get("output_only"), bool):
        return None
    return bool(record["output_only"])


_CHECK_XS: Final = (-7.3, -2.2, -0.91, -0.137, 0.0137, 0.5, 1.37, 2.71, 5.5, 13.1)


def _holds(h: sp.Expr, f: sp.Expr, g: sp.Expr, formula: Any) -> bool:
    """Whether ``h(y = f(x)) == g(x)`` at sample points, at the parameters of ``formula``."""
    env0 = {sym: mpmath.mpf(v) for _, sym, v in formula.params}
    try:
        hf, ff, gf = (compile_mp(e) for e in (h, f, g))
    except NotNumeric:
        return False
    checked = 0
    with mpmath.workdps(30):
        for xv in _CHECK_XS:
            env = {**env0, X: mpmath.mpf(xv)}
            y, want = real_value(ff, env), real_value(gf, env)
            if y is None or want is None:
                continue
            got = real_value(hf, {**env, Y: y})
            if got is None or abs(got - want) > 1e-10 * max(1, abs(want)):
                return False
            checked += 1
    return checked > 0


# --- numerically stable forms ---------------------------------------------------------------------


def stabilize(expr: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """Rewrite ``expr`` (a function of ``var``) into forms that neither overflow nor lose digits.

    The rules only touch sub-expressions that depend on ``var``; parameters alone are left as
    they are. Every rule is an identity wherever the original is real and finite.
    """
    out = _stab(expr, var)
    out = _precise(out, var)
    return _clip_nested(out, var, inside=False)


def _stab(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    if e.is_Atom or not e.has(var):
        return e
    if isinstance(e, sp.Piecewise):
        return sp.Piecewise(*[(_stab(v, var), c) for v, c in e.args])
    if isinstance(e, sp.Mul):
        if any(_denominator_with_exp(f, var) for f in e.args) and any(
            _sum_with_exp(f, var) for f in e.args
        ):
            # exponentials above and below the line: no sigmoid pairing can absorb them all
            rational = _exp_rational(e, var)
            if rational is not None:
                return rational
        return _mul_rule([_stab_factor(a, var) for a in e.args], var)
    if isinstance(e, sp.Pow):
        return _mul_rule([_stab_factor(e, var)], var)
    if isinstance(e, sp.log):
        return _log_rule(e.args[0], var)
    if isinstance(e, sp.sech):
        return SECH(_stab(e.args[0], var))
    if isinstance(e, sp.Add):
        return _add_rule(sp.Add(*[_stab(a, var) for a in e.args]), var)
    return e.func(*[_stab(a, var) for a in e.args])


def _stab_factor(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """A factor of a product: powers keep their base's shape, so the product can pair them."""
    if isinstance(e, sp.Pow) and e.base.has(var):
        return sp.Pow(_stab(e.base, var), e.exp, evaluate=False)
    return _stab(e, var)


def _add_rule(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """1 - sigmoid(u) → sigmoid(-u)."""
    if not isinstance(e, sp.Add):
        return e
    terms = list(e.args)
    if 1 in terms:
        for t in terms:
            if isinstance(t, sp.Mul) and len(t.args) == 2 and t.args[0] == -1:
                inner = t.args[1]
                if getattr(inner, "func", None) == SIGMOID:
                    others = list(terms)
                    others.remove(t)
                    others.remove(1)
                    return sp.Add(SIGMOID(-inner.args[0]), *others)
    return e


def _is_exp(e: Any) -> bool:
    return isinstance(e, sp.exp)


def _one_plus_exp(base: Any, var: sp.Symbol) -> sp.Expr | None:
    """``w`` when ``base`` is exactly ``1 + exp(w)`` with ``w`` depending on ``var``."""
    if isinstance(base, sp.Add) and len(base.args) == 2 and 1 in base.args:
        other = base.args[0] if base.args[1] == 1 else base.args[1]
        if _is_exp(other) and other.args[0].has(var):
            return other.args[0]
    return None


def _mul_rule(factors: list[sp.Expr], var: sp.Symbol) -> sp.Expr:
    """Combine exponentials, pair ``exp(m*w)`` with ``(1 + exp(w))**-k`` into sigmoids, and
    evaluate what is left of a quotient of sums of exponentials in ``exp(-|u|)``."""
    # exp(a)**n * exp(b) → exp(n*a + b): exp(x)*exp(-exp(x)) is 0, not inf*0, at x = 1000
    exps: list[sp.Expr] = []
    rest: list[sp.Expr] = []
    for f in factors:
        if _is_exp(f):
            exps.append(f.args[0])
        elif isinstance(f, sp.Pow) and _is_exp(f.base) and f.exp.is_number:
            exps.append(f.exp * f.base.args[0])
        else:
            rest.append(f)
    exp_arg: sp.Expr | None = sp.Add(*exps) if exps else None
    out: list[sp.Expr] = []
    for f in rest:
        w = _one_plus_exp(f.base, var) if isinstance(f, sp.Pow) else None
        k = f.exp if w is not None else None
        if w is None or k is None or not (k.is_Integer and k < 0):
            out.append(f)
            continue
        k = -int(k)
        m = 0
        if exp_arg is not None:
            ratio = sp.cancel(exp_arg / w)
            if ratio.is_Integer and 0 < int(ratio) <= k:
                m = int(ratio)
                exp_arg = None
        # exp(m*w)/(1 + exp(w))**k = sigmoid(w)**m * sigmoid(-w)**(k - m)
        out.append(SIGMOID(w) ** m * SIGMOID(-w) ** (k - m))
    if exp_arg is not None:
        out.append(sp.exp(exp_arg))
    product = sp.Mul(*out)
    leftover = any(_top_exps(f, var) for f in out)
    if leftover and any(_denominator_with_exp(f, var) for f in factors):
        # the sigmoids did not absorb every exponential: treat the whole quotient instead
        rational = _exp_rational(sp.Mul(*factors), var)
        if rational is not None:
            return rational
    if any(_denominator_with_exp(f, var) for f in out):
        rational = _exp_rational(product, var)
        if rational is not None:
            return rational
    return product


def _denominator_with_exp(f: sp.Expr, var: sp.Symbol) -> bool:
    return (
        isinstance(f, sp.Pow)
        and f.exp.is_number
        and bool(f.exp < 0)
        and isinstance(f.base, sp.Add)
        and bool(_top_exps(f.base, var))
    )


def _sum_with_exp(f: sp.Expr, var: sp.Symbol) -> bool:
    """A factor above the line that is a sum holding exponentials of ``var``."""
    base, n = f.as_base_exp()
    return isinstance(base, sp.Add) and bool(n.is_positive) and bool(_top_exps(base, var))


def _top_exps(e: sp.Expr, var: sp.Symbol) -> list[sp.Expr]:
    """The exponentials of ``var`` reached through sums, products and powers only."""
    if _is_exp(e):
        return [e] if e.args[0].has(var) else []
    if isinstance(e, sp.Add | sp.Mul | sp.Pow):
        found: list[sp.Expr] = []
        for a in e.args:
            found.extend(x for x in _top_exps(a, var) if x not in found)
        return found
    return []


def _exp_rational(term: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """A product of powers of polynomials in ``t = exp(v)``, evaluated in ``exp(-|v|)``.

    Each polynomial factor ``P(t) = sum c_k t**k`` is ``t**lo * P_lo(t)`` for ``v <= 0`` and
    ``t**hi * P_hi(1/t)`` for ``v > 0``, so that only powers of a number at most 1 are ever
    computed and the leftover power of ``t`` collects into one exponential. None when the term is
    not of that shape (an exponential inside another function, say).
    """
    tops = _top_exps(term, var)
    if not tops:
        return None
    _, r0 = sp.expand(tops[0].args[0]).as_independent(var, as_Add=True)
    powers: dict[sp.Expr, tuple[sp.Expr, sp.Rational]] = {}
    for e in tops:
        c, r = sp.expand(e.args[0]).as_independent(var, as_Add=True)
        q = sp.cancel(r / r0)
        if q.is_Rational:
            powers[e] = (c, q)
    lcm = reduce(sp.ilcm, (int(q.q) for _, q in powers.values()), 1)
    v = r0 / lcm
    if v.could_extract_minus_sign():
        v, sign = -v, -1
    else:
        sign = 1
    t = sp.Dummy("t", positive=True)
    replaced = term.xreplace({e: sp.exp(c) * t ** (sign * q * lcm) for e, (c, q) in powers.items()})
    num, den = sp.fraction(sp.together(replaced))
    parts: list[tuple[dict[int, sp.Expr], sp.Expr]] = []
    coeff: list[sp.Expr] = []
    m = sp.S.Zero
    for side, whole in ((1, num), (-1, den)):
        for factor in sp.Mul.make_args(whole):
            base, n = factor.as_base_exp()
            n = side * n
            if not base.has(t):
                coeff.append(base**n)
            elif base == t:
                m += n
            else:
                if not n.is_number or n.has(var):
                    return None
                poly = _laurent(base, t)
                if poly is None:
                    return None
                parts.append((poly, n))
    if not any(len(p) > 1 for p, _ in parts):
        return None
    s_lo, s_hi = EXP_BOUNDED(v), EXP_BOUNDED(-v)  # at most 1 where each is used
    lo_power, hi_power = m, m
    lo_factors: list[sp.Expr] = []
    hi_factors: list[sp.Expr] = []
    for poly, n in parts:
        low, high = min(poly), max(poly)
        lo_power += n * low
        hi_power += n * high
        lo_factors.append(sp.Add(*[c * s_lo ** (k - low) for k, c in poly.items()]) ** n)
        hi_factors.append(sp.Add(*[c * s_hi ** (high - k) for k, c in poly.items()]) ** n)
    common = sp.Mul(*coeff)
    lo = common * sp.exp(lo_power * v) * sp.Mul(*lo_factors)
    hi = common * sp.exp(hi_power * v) * sp.Mul(*hi_factors)
    return sp.Piecewise((lo, sp.Le(v, 0)), (hi, True))


def _laurent(base: sp.Expr, t: sp.Symbol) -> dict[int, sp.Expr] | None:
    """``base`` as {power of t: coefficient free of t}, or None if it is no polynomial in t."""
    try:
        poly = sp.Poly(base, t)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    out: dict[int, sp.Expr] = {}
    for (k,), c in poly.terms():
        if c.has(t):
            return None
        out[int(k)] = c
    return out or None


def _positive_looking(e: sp.Expr) -> bool:
    """Obviously positive: exponentials, positive numbers and symbols, sums and powers of them."""
    if e.is_positive:
        return True
    if _is_exp(e) or getattr(e, "func", None) in (SIGMOID,):
        return True
    if isinstance(e, sp.Add | sp.Mul):
        return all(_positive_looking(a) for a in e.args)
    if isinstance(e, sp.Pow):
        return _positive_looking(e.base)
    return False


def _log_rule(arg: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """log(1 + exp(w)) → softplus(w); logs of products of positive factors split; log of a
    polynomial in exp(v) evaluated in exp(-|v|); log(sigmoid(u)) → -softplus(-u).

    ``arg`` is the argument as written (not yet stabilized), so that its shape can be seen.
    """
    if not arg.has(var):
        return sp.log(arg)
    if _is_exp(arg) and arg.args[0].is_extended_real:
        return _stab(sp.expand(arg.args[0]), var)
    w = _one_plus_exp(arg, var)
    if w is not None:
        return SOFTPLUS(_stab(w, var))
    if isinstance(arg, sp.Mul | sp.Pow) and _positive_looking(arg):
        total: list[sp.Expr] = []
        for factor in sp.Mul.make_args(arg):
            base, n = factor.as_base_exp()
            total.append(n * _log_rule(base, var) if base.has(var) else sp.log(factor))
        return sp.Add(*total)
    if isinstance(arg, sp.Add) and _top_exps(arg, var):
        split = _log_poly(arg, var)
        if split is not None:
            return split
    inner = _stab(arg, var)
    if getattr(inner, "func", None) == SIGMOID:
        return -SOFTPLUS(-inner.args[0])
    return sp.log(inner)


def _log_poly(arg: sp.Expr, var: sp.Symbol) -> sp.Expr | None:
    """log(P(exp(v))) = lo*v + log(P_lo(exp(v))) for v <= 0, hi*v + log(P_hi(exp(-v))) else."""
    tops = _top_exps(arg, var)
    _, r0 = sp.expand(tops[0].args[0]).as_independent(var, as_Add=True)
    t = sp.Dummy("t", positive=True)
    mapping = {}
    for e in tops:
        c, r = sp.expand(e.args[0]).as_independent(var, as_Add=True)
        q = sp.cancel(r / r0)
        if not q.is_Integer:
            return None
        mapping[e] = sp.exp(c) * t ** int(q)
    v = r0
    poly = _laurent(sp.expand(arg.xreplace(mapping)), t)
    if poly is None or len(poly) < 2:
        return None
    low, high = min(poly), max(poly)
    s_lo, s_hi = EXP_BOUNDED(v), EXP_BOUNDED(-v)
    lo = low * v + sp.log(sp.Add(*[c * s_lo ** (k - low) for k, c in poly.items()]))
    hi = high * v + sp.log(sp.Add(*[c * s_hi ** (high - k) for k, c in poly.items()]))
    return sp.Piecewise((_stab(lo, var), sp.Le(v, 0)), (_stab(hi, var), True))


def _precise(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """exp(u) - 1 → expm1(u) and log(1 + u) → log1p(u), where u depends on ``var``."""
    if e.is_Atom or not e.has(var):
        return e
    if isinstance(e, sp.Piecewise):
        return sp.Piecewise(*[(_precise(v, var), c) for v, c in e.args])
    args = [_precise(a, var) for a in e.args]
    if isinstance(e, sp.log):
        inner = args[0]
        if isinstance(inner, sp.Add) and 1 in inner.args:
            return LOG1P(inner - 1)
        return sp.log(inner)
    if isinstance(e, sp.Add):
        terms = list(args)
        for term in terms:
            c, rest = term.as_independent(var, as_Add=False)
            if (_is_exp(rest) or getattr(rest, "func", None) == EXP_BOUNDED) and -c in terms:
                others = list(terms)
                others.remove(term)
                others.remove(-c)
                return sp.Add(c * EXPM1(rest.args[0]), *others)
        return sp.Add(*terms)
    return e.func(*args)


def _clip_nested(e: sp.Expr, var: sp.Symbol, inside: bool) -> sp.Expr:
    """exp(u) inside another function's argument → exp(min(u, 709)) (no overflow on the way)."""
    if e.is_Atom or not e.has(var):
        return e
    if isinstance(e, sp.Piecewise):
        return sp.Piecewise(
            *[(_clip_nested(v, var, inside), _clip_nested(c, var, True)) for v, c in e.args]
        )
    is_function = isinstance(e, sp.Function) or getattr(e.func, "__name__", "") in _OPAQUE
    args = [_clip_nested(a, var, inside or is_function) for a in e.args]
    if _is_exp(e) and inside:
        return EXP_CLIPPED(args[0])
    return e.func(*args)


# --- printers -------------------------------------------------------------------------------------


class _Printer(StrPrinter):  # type: ignore[misc]  # SymPy ships no type information
    """The shared part: numbers, arithmetic, an allow-list of functions; everything else refused.

    Subclasses give the function tables and how branches and conditions are written.
    """

    target = ""
    functions: Mapping[str, str] = {}
    scalar_functions: Mapping[str, str] = {}

    def __init__(self, var: sp.Symbol, var_name: str) -> None:
        super().__init__({"order": "none"})
        self.var = var
        self.var_name = var_name
        self.used: set[str] = set()

    # numbers and names

    def _print(self, expr: Any, **kwargs: Any) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number and not expr.is_Boolean:
            return self._number(expr)
        return str(super()._print(expr, **kwargs))

    def _number(self, expr: sp.Expr) -> str:
        if expr.is_Integer:
            return self._integer(int(expr))
        value = complex(sp.N(expr, 30))
        if value.imag != 0:
            raise CodegenError(f"{self.target}: the formula has a complex constant {expr}")
        real = value.real
        if math.isinf(real):
            return self._infinity(real > 0)
        if math.isnan(real):
            raise CodegenError(f"{self.target}: the formula has an undefined constant {expr}")
        return repr(real)

    def _integer(self, n: int) -> str:
        return str(n)

    def _infinity(self, positive: bool) -> str:
        self.used.add("math")
        return "math.inf" if positive else "-math.inf"

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self.var_name if expr == self.var else str(expr.name)

    def emptyPrinter(self, expr: Any) -> str:  # SymPy's name
        raise CodegenError(
            f"{self.target}: cannot generate code for {type(expr).__name__} ({expr})"
        )

    _print_Basic = emptyPrinter

    # arithmetic

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, exp = expr.base, expr.exp
        prec = precedence(expr)
        if exp == sp.Rational(1, 2):
            return self._call("sqrt", base)
        if exp == -sp.Rational(1, 2):
            return f"1/{self._call('sqrt', base)}"
        if exp == -1:
            return f"1/{self.parenthesize(base, prec, strict=False)}"
        return self._power(base, exp)

    def _power(self, base: sp.Expr, exp: sp.Expr) -> str:
        prec = precedence(sp.Pow(base, exp, evaluate=False))
        return f"{self.parenthesize(base, prec, strict=True)}**{self.parenthesize(exp, prec)}"

    # functions

    def _call(self, name: str, *args: sp.Expr) -> str:
        scalar = not any(a.has(self.var) for a in args)
        table = self.scalar_functions if scalar else self.functions
        template = table.get(name)
        if template is None:
            raise CodegenError(
                f"{self.target}: no {'scalar ' if scalar else ''}function for {name}() "
                f"(the {self.target} printer knows: {', '.join(sorted(table))})"
            )
        self.used.add(template.split("(", 1)[0])
        if "math." in template:
            self.used.add("math")
        printed = [self._print(a) for a in args]
        return template.format(*printed) if "{" in template else f"{template}({', '.join(printed)})"

    def _print_Function(self, expr: Any) -> str:
        return self._call(expr.func.__name__, *expr.args)

    def _print_Exp1(self, expr: Any) -> str:
        return self._number(expr)

    _print_Pi = _print_Exp1

    # conditions

    def _print_Relational(self, expr: Any) -> str:
        op = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}[expr.rel_op]
        lhs = self.parenthesize(expr.lhs, precedence(expr))
        rhs = self.parenthesize(expr.rhs, precedence(expr))
        return f"{lhs} {op} {rhs}"

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "True"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "False"

    def _print_And(self, expr: Any) -> str:
        return self._join(expr, "and", "&")

    def _print_Or(self, expr: Any) -> str:
        return self._join(expr, "or", "|")

    def _print_Not(self, expr: Any) -> str:
        inner = self._print(expr.args[0])
        return f"not ({inner})" if not expr.has(self.var) else f"~({inner})"

    def _join(self, expr: Any, scalar_op: str, array_op: str) -> str:
        op = array_op if expr.has(self.var) else scalar_op
        return f" {op} ".join(f"({self._print(a)})" for a in expr.args)

    # branches

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1][1] is not sp.true:
            pieces.append((sp.nan, sp.true))
        out = self._branch_value(pieces[-1][0])
        for value, cond in reversed(pieces[:-1]):
            if cond.has(self.var):
                out = self._where(cond, value, out)
            else:
                out = f"({self._branch_value(value)} if {self._print(cond)} else {out})"
        return out

    def _branch_value(self, value: sp.Expr) -> str:
        return self._print(value)

    def _where(self, cond: Any, value: sp.Expr, otherwise: str) -> str:
        raise NotImplementedError

    def array(self, expr: sp.Expr) -> str:
        """``expr`` as an array of the variable's shape (a constant is broadcast)."""
        if not expr.has(self.var):
            return self._full(expr)
        return str(self.doprint(expr))

    def _full(self, expr: sp.Expr) -> str:
        raise NotImplementedError


_PY_SCALAR: Final = {
    "exp": "math.exp",
    "log": "math.log",
    "sin": "math.sin",
    "cos": "math.cos",
    "tan": "math.tan",
    "asin": "math.asin",
    "acos": "math.acos",
    "atan": "math.atan",
    "sinh": "math.sinh",
    "cosh": "math.cosh",
    "tanh": "math.tanh",
    "asinh": "math.asinh",
    "acosh": "math.acosh",
    "atanh": "math.atanh",
    "erf": "math.erf",
    "erfc": "math.erfc",
    "sqrt": "math.sqrt",
    "Abs": "abs",
    "sign": "math.copysign(1.0, {0}) if {0} != 0 else 0.0",
    "sec": "1/math.cos({0})",
    "csc": "1/math.sin({0})",
    "cot": "1/math.tan({0})",
    "sech": "1/math.cosh({0})",
    "csch": "1/math.sinh({0})",
    "coth": "1/math.tanh({0})",
}


def _array_table(prefix: str, **special: str) -> dict[str, str]:
    table = {
        name: f"{prefix}.{name}"
        for name in ("exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh", "sqrt", "sign")
    }
    table.update(
        {
            "Abs": f"{prefix}.abs",
            "sec": f"1/{prefix}.cos({{0}})",
            "csc": f"1/{prefix}.sin({{0}})",
            "cot": f"1/{prefix}.tan({{0}})",
            "csch": f"1/{prefix}.sinh({{0}})",
            "coth": f"1/{prefix}.tanh({{0}})",
            "expm1": f"{prefix}.expm1",
            "log1p": f"{prefix}.log1p",
            "softplus": "_softplus",
            "sigmoid": "_sigmoid",
            "sech_": "_sech",
            "exp_clipped": "_exp_clipped",
            "exp_bounded": f"{prefix}.exp",
        }
    )
    table.update(special)
    return table


class _NumpyPrinter(_Printer):
    target = "numpy"
    functions: Mapping[str, str] = _array_table(
        "np",
        asin="np.arcsin",
        acos="np.arccos",
        atan="np.arctan",
        asinh="np.arcsinh",
        acosh="np.arccosh",
        atanh="np.arctanh",
        erf="_erf",
        erfc="_erfc",
    )
    scalar_functions = _PY_SCALAR

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        # Each branch runs only where it is chosen, so a discarded branch never overflows
        # or warns (np.where would evaluate every branch everywhere).
        if not any(c.has(self.var) for _, c in expr.args):
            return str(super()._print_Piecewise(expr))
        self.used.add("_piecewise")
        v = self.var_name
        pieces = ", ".join(
            f"(lambda {v}: {self._print(c)}, lambda {v}: {self._print(e)})" for e, c in expr.args
        )
        return f"_piecewise({v}, [{pieces}])"

    def _full(self, expr: sp.Expr) -> str:
        return f"np.full(np.shape({self.var_name}), {self._print(expr)}, dtype=np.float64)"


class _TorchPrinter(_Printer):
    target = "torch"
    functions: Mapping[str, str] = _array_table(
        "torch",
        asin="torch.asin",
        acos="torch.acos",
        atan="torch.atan",
        asinh="torch.asinh",
        acosh="torch.acosh",
        atanh="torch.atanh",
        erf="torch.erf",
        erfc="torch.erfc",
        sigmoid="torch.sigmoid",
    )
    scalar_functions = _PY_SCALAR

    def _where(self, cond: Any, value: sp.Expr, otherwise: str) -> str:
        return f"torch.where({self._print(cond)}, {self._branch_value(value)}, {otherwise})"

    def _branch_value(self, value: sp.Expr) -> str:
        # torch.where of two Python numbers would give the default dtype (float32)
        return self._print(value) if value.has(self.var) else self._full(value)

    def _full(self, expr: sp.Expr) -> str:
        return f"torch.full_like({self.var_name}, {self._print(expr)})"


class _JaxPrinter(_Printer):
    target = "jax"
    functions: Mapping[str, str] = _array_table(
        "jnp",
        asin="jnp.arcsin",
        acos="jnp.arccos",
        atan="jnp.arctan",
        asinh="jnp.arcsinh",
        acosh="jnp.arccosh",
        atanh="jnp.arctanh",
        erf="jax.scipy.special.erf",
        erfc="jax.scipy.special.erfc",
        sigmoid="jax.nn.sigmoid",
    )
    scalar_functions = _PY_SCALAR

    def _where(self, cond: Any, value: sp.Expr, otherwise: str) -> str:
        return f"jnp.where({self._print(cond)}, {self._print(value)}, {otherwise})"

    def _full(self, expr: sp.Expr) -> str:
        return f"jnp.full_like({self.var_name}, {self._print(expr)})"


_C_MATH: Final = (
    "exp log sin cos tan asin acos atan sinh cosh tanh asinh acosh atanh erf erfc sqrt expm1 log1p"
)


class _CPrinter(_Printer):
    target = "c"
    functions: Mapping[str, str] = {
        **{n: n for n in _C_MATH.split()},
        "Abs": "fabs",
        "sign": "actderiv_sign",
        "sec": "1.0/cos({0})",
        "csc": "1.0/sin({0})",
        "cot": "1.0/tan({0})",
        "sech": "1.0/cosh({0})",
        "sech_": "1.0/cosh({0})",
        "csch": "1.0/sinh({0})",
        "coth": "1.0/tanh({0})",
        "softplus": "actderiv_softplus",
        "sigmoid": "actderiv_sigmoid",
        "exp_clipped": "actderiv_exp_clipped",
        "exp_bounded": "exp",
    }
    scalar_functions = functions

    def _integer(self, n: int) -> str:
        return f"{n}.0"

    def _infinity(self, positive: bool) -> str:
        return "INFINITY" if positive else "-INFINITY"

    def _power(self, base: sp.Expr, exp: sp.Expr) -> str:
        return f"pow({self._print(base)}, {self._print(exp)})"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp == -1:
            return f"1.0/{self.parenthesize(expr.base, precedence(expr), strict=False)}"
        return str(super()._print_Pow(expr, rational))

    def _print_BooleanTrue(self, expr: Any) -> str:
        return "1"

    def _print_BooleanFalse(self, expr: Any) -> str:
        return "0"

    def _print_And(self, expr: Any) -> str:
        return " && ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Or(self, expr: Any) -> str:
        return " || ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Not(self, expr: Any) -> str:
        return f"!({self._print(expr.args[0])})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        pieces = list(expr.args)
        if pieces[-1][1] is not sp.true:
            pieces.append((sp.nan, sp.true))
        out = "NAN" if pieces[-1][0] is sp.nan else self._print(pieces[-1][0])
        for value, cond in reversed(pieces[:-1]):
            out = f"(({self._print(cond)}) ? {self._print(value)} : {out})"
        return out

    def array(self, expr: sp.Expr) -> str:
        return str(self.doprint(expr))


_PRINTERS: Final[dict[str, type[_Printer]]] = {
    "numpy": _NumpyPrinter,
    "torch": _TorchPrinter,
    "jax": _JaxPrinter,
    "c": _CPrinter,
}


# --- whole files ----------------------------------------------------------------------------------

_RESERVED: Final = frozenset(
    {"x", "y", "grad", "grad_out", "ctx", "self", "inplace", "np", "torch", "jax", "jnp", "math"}
    | {"functools", "auto", "double", "float", "int", "return", "static", "inline", "const"}
)


@dataclass(frozen=True, slots=True)
class _Printed:
    forward: str
    derivative: str
    backward: str | None
    used: frozenset[str]


def _print_all(source: CodegenSource, target: str) -> _Printed:
    printer_type = _PRINTERS[target]
    px = printer_type(X, "x")
    forward = px.array(stabilize(source.expr, X))
    derivative = px.array(stabilize(source.derivative, X))
    backward = None
    used = set(px.used)
    if source.backward is not None:
        py = printer_type(Y, "y")
        backward = py.array(stabilize(source.backward, Y))
        used |= py.used
    return _Printed(forward, derivative, backward, frozenset(used))


def generate(source: CodegenSource, target: str) -> str:
    """The source code of ``source`` for ``target`` (one of :data:`TARGETS`), as one string.

    Raises:
        CodegenError: the target is unknown, a name clashes, or the formula holds something the
            target's printer cannot write.
    """
    if target not in _PRINTERS:
        raise CodegenError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    for pname, _, _ in source.params:
        if pname in _RESERVED or keyword.iskeyword(pname) or pname.startswith("_"):
            raise CodegenError(
                f"parameter name {pname!r} clashes with a name the generated code uses"
            )
    printed = _print_all(source, target)
    writer = {"numpy": _numpy_file, "torch": _torch_file, "jax": _jax_file, "c": _c_file}[target]
    return writer(source, printed)


def codegen(
    catalog: Catalog,
    name: str,
    target: str,
    params: Mapping[str, float] | None = None,
) -> str:
    """:func:`generate` for the catalog entry ``name``, with ``params`` as the defaults."""
    if target not in _PRINTERS:
        raise CodegenError(f"unknown target {target!r} (known: {', '.join(TARGETS)})")
    return generate(codegen_source(catalog, name, params), target)


def _text(expr: sp.Expr | None) -> str:
    from actderiv.lang.unparse import to_formula

    if expr is None:
        return ""
    try:
        return to_formula(expr)
    except ValueError:
        return str(expr)


def _header(source: CodegenSource, target: str, comment: str) -> list[str]:
    lines = [
        f"{source.name} — {source.title}",
        f"f(x)  = {source.formula}",
        f"f'(x) = {_text(source.derivative)}",
    ]
    if source.backward is not None:
        lines.append(f"f'(x) = {_text(source.backward)}  in y = f(x): the backward needs only y")
    else:
        lines.append("the backward needs the input x")
    if source.params:
        lines.append(
            "parameters: " + ", ".join(f"{n} = {_literal(v)}" for n, _, v in source.params)
        )
    lines.append(f"generated by actderiv {__version__} (target: {target}); do not edit")
    return [f"{comment} {line}".rstrip() for line in lines]


def _literal(value: float) -> str:
    return repr(float(value))


def _python_identifier(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part) or "Activation"


def _kw(source: CodegenSource) -> str:
    """``, *, alpha=1.0, …`` for a signature (empty without parameters)."""
    if not source.params:
        return ""
    return ", *" + "".join(f", {n}={_literal(v)}" for n, _, v in source.params)


def _pass(source: CodegenSource, prefix: str = "") -> str:
    """``, alpha=alpha, …``: the parameters passed on by keyword."""
    return "".join(f", {n}={prefix}{n}" for n, _, _ in source.params)


_NUMPY_ONLY_HELPERS: Final = {
    "_piecewise": '''
def _piecewise(v, pieces):
    """Evaluate each (condition, value) piece only where it is the first that holds."""
    v = np.asarray(v, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    todo = np.ones(v.shape, dtype=bool)
    for cond, value in pieces:
        mask = todo & np.broadcast_to(cond(v), v.shape)
        if mask.any():
            out[mask] = value(v[mask])
        todo &= ~mask
    return out
''',
    "_erf": """
try:  # SciPy is optional: without it, math.erf runs element by element
    from scipy.special import erf as _erf
    from scipy.special import erfc as _erfc
except ImportError:
    _erf = np.vectorize(math.erf, otypes=[np.float64])
    _erfc = np.vectorize(math.erfc, otypes=[np.float64])
""",
}


def _array_helpers(mod: str) -> dict[str, str]:
    """The stable helpers for NumPy (``mod = "np"``), torch (``"torch"``) or jax.numpy
    (``"jnp"``)."""
    clip = repr(EXP_CLIP)
    relu = "torch.clamp(u, min=0.0)" if mod == "torch" else f"{mod}.maximum(u, 0.0)"
    clipped = f"torch.clamp(u, max={clip})" if mod == "torch" else f"{mod}.minimum(u, {clip})"
    text = {
        "_softplus": '''
def _softplus(u):
    """log(1 + exp(u)) without overflow: max(u, 0) + log1p(exp(-|u|))."""
    return RELU + MOD.log1p(MOD.exp(-MOD.abs(u)))
''',
        "_sigmoid": '''
def _sigmoid(u):
    """1/(1 + exp(-u)) without overflow, from exp(-|u|) <= 1."""
    e = MOD.exp(-MOD.abs(u))
    return MOD.where(u >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
''',
        "_sech": '''
def _sech(u):
    """1/cosh(u) without overflow."""
    e = MOD.exp(-MOD.abs(u))
    return 2.0 * e / (1.0 + e * e)
''',
        "_exp_clipped": '''
def _exp_clipped(u):
    """exp(u) for u <= CLIP: an exponential inside another function, which saturates."""
    return MOD.exp(CLIPPED)
''',
    }
    return {
        k: v.replace("RELU", relu)
        .replace("CLIPPED", clipped)
        .replace("CLIP", clip)
        .replace("MOD", mod)
        for k, v in text.items()
    }


def _helpers(table: Mapping[str, str], used: frozenset[str]) -> list[str]:
    return [text.strip("\n") for name, text in table.items() if name in used]


def _python_file(source: CodegenSource, target: str, imports: list[str], blocks: list[str]) -> str:
    """Header, imports, then top-level blocks two blank lines apart (as ruff format does)."""
    head = "\n".join(_header(source, target, "#"))
    body = "\n\n\n".join(b.strip("\n") for b in blocks)
    text = f"{head}\n\n{chr(10).join(imports)}\n\n\n{body}\n"
    return "\n".join(line.rstrip() for line in text.split("\n"))


def _math_import(used: frozenset[str]) -> list[str]:
    return ["import math"] if used & {"math", "_erf", "_erfc"} else []


def _mentions(code: str, name: str) -> bool:
    """Whether the printed ``code`` uses the name ``name`` (so that no unused local is made)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", code) is not None


def _paren(code: str) -> str:
    return code if code.replace("_", "").replace(".", "").isalnum() else f"({code})"


def _numpy_file(source: CodegenSource, p: _Printed) -> str:
    name = _python_identifier(source.name)
    kw = _kw(source)
    used = p.used | ({"_erf"} if "_erfc" in p.used else set())
    blocks = _helpers({**_NUMPY_ONLY_HELPERS, **_array_helpers("np")}, frozenset(used))
    blocks.append(
        f'''
def {name}_forward(x{kw}):
    """{source.title}: f(x), elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return {p.forward}
'''
    )
    blocks.append(
        f'''
def {name}_derivative(x{kw}):
    """f'(x), elementwise."""
    x = np.asarray(x, dtype=np.float64)
    return {p.derivative}
'''
    )
    if p.backward is not None:
        blocks.append(
            f'''
def {name}_backward(y, grad_out{kw}):
    """The gradient with respect to x, from the output y = {name}_forward(x) alone."""
    y = np.asarray(y, dtype=np.float64)
    return grad_out * {_paren(p.backward)}
'''
        )
    else:
        blocks.append(
            f'''
def {name}_backward(x, grad_out{kw}):
    """The gradient with respect to x (this backward needs the input x)."""
    return grad_out * {name}_derivative(x{_pass(source)})
'''
        )
    return _python_file(source, "numpy", [*_math_import(used), "import numpy as np"], blocks)


def _torch_file(source: CodegenSource, p: _Printed) -> str:
    name = _python_identifier(source.name)
    camel = _camel(source.name)
    names = [n for n, _, _ in source.params]
    kw = _kw(source)
    args = "".join(f", {n}" for n in names)
    nones = "".join(", None" for _ in names)
    store = "".join(f"\n        ctx.{n} = {n}" for n in names)
    slope = p.backward if p.backward is not None else p.derivative
    load = "".join(f"\n        {n} = ctx.{n}" for n in names if _mentions(slope, n))
    attrs = "".join(f"\n        self.{n} = {n}" for n in names)
    blocks = _helpers(_array_helpers("torch"), p.used)
    if p.backward is not None:
        kw_inplace = f"{kw}, inplace=False" if kw else ", *, inplace=False"
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs only the output, so forward saves y, not x,
    and may overwrite its input (inplace=True)."""

    @staticmethod
    def forward(ctx, x, inplace{args}):
        y = {p.forward}
        if inplace:
            ctx.mark_dirty(x)
            y = x.copy_(y)
        ctx.save_for_backward(y){store}
        return y

    @staticmethod
    def backward(ctx, grad_out):
        (y,) = ctx.saved_tensors{load}
        return grad_out * {_paren(p.backward)}, None{nones}
'''
        )
        blocks.append(
            f'''
def {name}(x{kw_inplace}):
    """{source.title}, with a hand-written backward that uses only the output."""
    return {camel}Function.apply(x, inplace{args})
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def __init__(self{kw_inplace}):
        super().__init__(){attrs}
        self.inplace = inplace

    def forward(self, x):
        return {name}(x{_pass(source, "self.")}, inplace=self.inplace)
"""
        )
    else:
        blocks.append(
            f'''
class {camel}Function(torch.autograd.Function):
    """{source.title}. Its backward needs the input, so forward saves x."""

    @staticmethod
    def forward(ctx, x{args}):
        ctx.save_for_backward(x){store}
        return {p.forward}

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors{load}
        return grad_out * {_paren(p.derivative)}{nones}
'''
        )
        blocks.append(
            f'''
def {name}(x{kw}):
    """{source.title}, with a hand-written backward."""
    return {camel}Function.apply(x{args})
'''
        )
        blocks.append(
            f"""
class {camel}(torch.nn.Module):
    def __init__(self{kw}):
        super().__init__(){attrs}

    def forward(self, x):
        return {name}(x{_pass(source, "self.")})
"""
        )
    return _python_file(source, "torch", [*_math_import(p.used), "import torch"], blocks)


def _jax_file(source: CodegenSource, p: _Printed) -> str:
    name = _python_identifier(source.name)
    names = [n for n, _, _ in source.params]
    kw = _kw(source)
    args = "".join(f", {n}" for n in names)
    imports = [*_math_import(p.used), "import jax", "import jax.numpy as jnp"]
    if any(u.startswith("jax.scipy") for u in p.used):
        imports.append("import jax.scipy.special")
    if names:
        imports.insert(0, "import functools")
        imports.insert(1, "")
        nondiff = ", ".join(str(i + 1) for i in range(len(names)))
        decorator = f"@functools.partial(jax.custom_jvp, nondiff_argnums=({nondiff},))"
        jvp_args = f"{', '.join(names)}, primals, tangents"
    else:
        decorator = "@jax.custom_jvp"
        jvp_args = "primals, tangents"
    slope = p.backward if p.backward is not None else p.derivative
    saves = "from the output y" if p.backward is not None else "from the input x"
    blocks = _helpers(_array_helpers("jnp"), p.used)
    blocks.append(
        f"""
{decorator}
def _{name}_primal(x{args}):
    return {p.forward}
"""
    )
    blocks.append(
        f"""
@_{name}_primal.defjvp
def _{name}_jvp({jvp_args}):
    (x,), (x_dot,) = primals, tangents
    y = _{name}_primal(x{args})
    return y, {_paren(slope)} * x_dot
"""
    )
    blocks.append(
        f'''
def {name}(x{kw}):
    """{source.title}, with a custom JVP (the derivative {saves})."""
    return _{name}_primal(x{args})
'''
    )
    blocks.append(
        f'''
def {name}_derivative(x{kw}):
    """f'(x), elementwise."""
    return {p.derivative}
'''
    )
    return _python_file(source, "jax", imports, blocks)


_C_HELPERS: Final = {
    "actderiv_softplus": """
/* log(1 + exp(u)) without overflow */
static inline double actderiv_softplus(double u) {
    return fmax(u, 0.0) + log1p(exp(-fabs(u)));
}
""",
    "actderiv_sigmoid": """
/* 1/(1 + exp(-u)) without overflow */
static inline double actderiv_sigmoid(double u) {
    double e = exp(-fabs(u));
    return u >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}
""",
    "actderiv_exp_clipped": """
/* exp(u) for u <= CLIP: an exponential inside another function, which saturates */
static inline double actderiv_exp_clipped(double u) {
    return exp(fmin(u, CLIP));
}
""".replace("CLIP", repr(EXP_CLIP)),
    "actderiv_sign": """
static inline double actderiv_sign(double u) {
    return (double)((u > 0.0) - (u < 0.0));
}
""",
}


def _c_file(source: CodegenSource, p: _Printed) -> str:
    name = source.name
    params = "".join(f", double {n}" for n, _, _ in source.params)
    call = "".join(f", {n}" for n, _, _ in source.params)
    blocks = ["\n".join(["/*", *_header(source, "c", " *"), " */"]), "#include <math.h>"]
    blocks.extend(_helpers(_C_HELPERS, p.used))
    if source.params:
        blocks.append(
            "\n".join(
                f"#define {name.upper()}_DEFAULT_{n.upper()} {_literal(v)}"
                for n, _, v in source.params
            )
        )
    blocks.append(
        f"/* f(x) */\ndouble {name}_forward(double x{params}) {{\n    return {p.forward};\n}}"
    )
    blocks.append(
        f"/* f'(x) */\ndouble {name}_derivative(double x{params}) {{\n"
        f"    return {p.derivative};\n}}"
    )
    if p.backward is not None:
        blocks.append(
            f"/* grad * f'(x), from the output y = {name}_forward(x) alone */\n"
            f"double {name}_backward(double y, double grad{params}) {{\n"
            f"    return grad * ({p.backward});\n}}"
        )
    else:
        blocks.append(
            f"/* grad * f'(x), from the input x (this backward needs it) */\n"
            f"double {name}_backward(double x, double grad{params}) {{\n"
            f"    return grad * {name}_derivative(x{call});\n}}"
        )
    return "\n\n".join(b.strip("\n") for b in blocks) + "\n"


def supported(source: CodegenSource, target: str) -> bool:
    """Whether ``target`` can print ``source`` (every node is on its allow-list)."""
    try:
        generate(source, target)
    except CodegenError:
        return False
    return True


def with_defaults(expr: sp.Expr, source: CodegenSource) -> sp.Expr:
    """``expr`` with every parameter replaced by its value in ``source``."""
    return expr.subs({sym: number(v) for _, sym, v in source.params})


__all__ = [
    "TARGETS",
    "CodegenSource",
    "codegen",
    "codegen_source",
    "generate",
    "stabilize",
    "supported",
    "with_defaults",
]


def _inert(text: str) -> str:
    """Catalog text made safe to place in generated comments and docstrings: one line, printable
    characters only, no backslash or double quote (which could end a docstring) and no ``*/``
    or ``/*`` (which end or nest a C comment). Titles and formulas come from user catalogs."""
    text = "".join(ch for ch in " ".join(text.split()) if ch.isprintable())
    text = text.replace("\\", "/").replace('"', "'")
    return text.replace("*/", "* /").replace("/*", "/ *")
