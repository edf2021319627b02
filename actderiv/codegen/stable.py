"""Numerically stable forms: the rules that rewrite an expression before any target prints it.

:func:`stabilize` recognises shapes on the SymPy tree (``log(1 + exp(u))`` → softplus,
``exp(m*u)/(1 + exp(u))**k`` → sigmoids, rational functions of ``exp(u)`` evaluated in
``exp(-|u|)``, exponentials nested inside functions clipped, ``exp(u) - 1`` → expm1,
``log(1 + u)`` → log1p). The opaque nodes it introduces are printed by every target with a stable
implementation (see :mod:`actderiv.codegen.rules` for the shared helper templates).
"""

from __future__ import annotations

from functools import reduce
from typing import Any, Final

import sympy as sp

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


def plain_functions(expr: sp.Expr) -> sp.Expr:
    """``expr`` with the opaque nodes written as the functions they stand for, so that SymPy can
    evaluate and differentiate it (the printer probes points with it)."""
    return expr.replace(
        lambda e: getattr(getattr(e, "func", None), "__name__", "") in _OPAQUE,
        lambda e: _PLAIN[e.func.__name__](*e.args),
    )


_PLAIN: Final = {
    "softplus": lambda u: sp.log(1 + sp.exp(u)),
    "sigmoid": lambda u: 1 / (1 + sp.exp(-u)),
    "expm1": lambda u: sp.exp(u) - 1,
    "log1p": lambda u: sp.log(1 + u),
    "sech_": sp.sech,
    "exp_clipped": sp.exp,
    "exp_bounded": sp.exp,
}

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
        e = _same_bases(e, var)
        if not isinstance(e, sp.Mul):
            return _stab(e, var)
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


def _same_bases(e: sp.Expr, var: sp.Symbol) -> sp.Expr:
    """Powers of one base in ``var`` multiplied into one, where an exponent is no number (SymPy
    leaves a*x**a/x as it is): x**(a - 1) is finite at x = 0 for a >= 1, x**a/x is 0/0 there
    (puaf's and eplaf's derivatives at 0)."""
    groups: dict[sp.Expr, list[sp.Expr]] = {}
    for factor in e.args:
        base, n = factor.as_base_exp()
        if base.has(var) and not _is_exp(factor):
            groups.setdefault(base, []).append(n)
    merged = {b: ns for b, ns in groups.items() if len(ns) > 1 and not all(n.is_number for n in ns)}
    if not merged:
        return e
    kept = [f for f in e.args if f.as_base_exp()[0] not in merged or _is_exp(f)]
    return sp.Mul(*kept, *[sp.Pow(b, sp.Add(*ns)) for b, ns in merged.items()])


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
        if _parameter_power(f, var):
            # (1 + lam*exp(x))**(-1/lam) → exp(-log(1 + lam*exp(x))/lam), the log in its stable
            # form: the power of inf would be inf or 0, and inf*0 = NaN beside exp(x)
            exps.append(f.exp * _log_rule(f.base, var))
        elif _is_exp(f):
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


def _parameter_power(f: sp.Expr, var: sp.Symbol) -> bool:
    """A power, to an exponent in the parameters alone (no number), of an obviously positive
    sum holding exponentials of ``var``: exp(n*log(base)) is then the same function."""
    return (
        isinstance(f, sp.Pow)
        and not f.exp.is_number
        and not f.exp.has(var)
        and isinstance(f.base, sp.Add)
        and bool(_top_exps(f.base, var))
        and _positive_looking(f.base)
    )


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
    # an exponential of var left as it is (its argument no rational multiple of v) joins the
    # power of exp(v): exp(-v)*exp(v - w) is 0*inf = NaN at v = 1000, exp(-w) is not
    moved = sp.Add(*[c.args[0] for c in coeff if _is_exp(c) and c.args[0].has(var)])
    common = sp.Mul(*[c for c in coeff if not (_is_exp(c) and c.args[0].has(var))])
    lo = common * sp.exp(lo_power * v + moved) * sp.Mul(*lo_factors)
    hi = common * sp.exp(hi_power * v + moved) * sp.Mul(*hi_factors)
    out = sp.Piecewise((lo, sp.Le(v, 0)), (hi, True))
    # a moved log in its stable form branches on v <= 0 too: one branching, not one in another
    return sp.piecewise_fold(out) if moved.has(sp.Piecewise) else out


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
