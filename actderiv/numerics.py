"""Evaluate SymPy expressions with mpmath, independently of SymPy's own evaluation and ``diff``.

The expression tree is compiled into nested Python closures over mpmath functions (no ``lambdify``,
no generated source). Used by verification for high-precision numerical differentiation.
Pure: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import mpmath
import sympy as sp

Fn = Callable[[Mapping[sp.Symbol, Any]], Any]

_FUNCS: Final[dict[type, Callable[..., Any]]] = {
    sp.exp: lambda v: _guarded(mpmath.exp, v),
    sp.log: mpmath.log,
    sp.sin: mpmath.sin,
    sp.cos: mpmath.cos,
    sp.tan: mpmath.tan,
    sp.asin: mpmath.asin,
    sp.acos: mpmath.acos,
    sp.atan: mpmath.atan,
    sp.sinh: lambda v: _guarded(mpmath.sinh, v),
    sp.cosh: lambda v: _guarded(mpmath.cosh, v),
    sp.tanh: mpmath.tanh,
    sp.asinh: mpmath.asinh,
    sp.acosh: mpmath.acosh,
    sp.atanh: mpmath.atanh,
    sp.sech: mpmath.sech,
    sp.csch: mpmath.csch,
    sp.coth: mpmath.coth,
    sp.sec: mpmath.sec,
    sp.csc: mpmath.csc,
    sp.cot: mpmath.cot,
    sp.erf: mpmath.erf,
    sp.erfc: mpmath.erfc,
    sp.Abs: abs,
    sp.sign: lambda v: mpmath.sign(v),
    sp.atan2: mpmath.atan2,
    sp.DiracDelta: lambda v, *k: mpmath.mpf(0) if v != 0 else mpmath.inf,
    sp.Heaviside: lambda v, h0=None: (
        mpmath.mpf(1)
        if v > 0
        else mpmath.mpf(0)
        if v < 0
        else (mpmath.mpf(0.5) if h0 is None else h0)
    ),
}
_RELATIONS: Final[dict[type, Callable[[Any, Any], bool]]] = {
    sp.StrictLessThan: lambda a, b: a < b,
    sp.LessThan: lambda a, b: a <= b,
    sp.StrictGreaterThan: lambda a, b: a > b,
    sp.GreaterThan: lambda a, b: a >= b,
    sp.Equality: lambda a, b: a == b,
    sp.Unequality: lambda a, b: a != b,
}


EXP_LIMIT: Final = 1e300
"""Beyond this argument exp, sinh and cosh count as infinite. mpmath computes exp(1e300)
instantly (its exponent is just a big integer), but exp(exp(exp(exp(50)))) would need more
memory than any machine has."""


def _guarded(fn: Callable[[Any], Any], v: Any) -> Any:
    if isinstance(v, mpmath.mpc):
        return fn(v) if abs(v.real) <= EXP_LIMIT else mpmath.nan
    if v > EXP_LIMIT:
        return mpmath.inf
    if v < -EXP_LIMIT:
        return fn(-mpmath.inf)
    return fn(v)


class NotNumeric(ValueError):
    """The expression holds something this evaluator does not know."""


def compile_mp(expr: Any) -> Fn:
    """Compile ``expr`` into a function of a symbol → value mapping, evaluated with mpmath."""
    if isinstance(expr, sp.Symbol):
        return lambda env: env[expr]
    if expr is sp.true or expr is True:
        return lambda env: True
    if expr is sp.false or expr is False:
        return lambda env: False
    if isinstance(expr, sp.Number) or expr in (sp.pi, sp.E) or isinstance(expr, sp.NumberSymbol):
        if expr.is_Rational:
            p, q = int(expr.p), int(expr.q)
            return lambda env: mpmath.mpf(p) / q
        if expr in (sp.oo, -sp.oo, sp.zoo, sp.nan):
            const = {sp.oo: mpmath.inf, -sp.oo: -mpmath.inf}.get(expr, mpmath.nan)
            return lambda env: const
        text = str(sp.N(expr, 60))
        return lambda env: mpmath.mpf(text)
    if isinstance(expr, sp.Add):
        parts = [compile_mp(a) for a in expr.args]
        return lambda env: mpmath.fsum(p(env) for p in parts)
    if isinstance(expr, sp.Mul):
        parts = [compile_mp(a) for a in expr.args]

        def mul(env: Mapping[sp.Symbol, Any]) -> Any:
            out = mpmath.mpf(1)
            for p in parts:
                out *= p(env)
            return out

        return mul
    if isinstance(expr, sp.Pow):
        return _pow(expr)
    if isinstance(expr, sp.Piecewise):
        pieces = [(compile_mp(e), compile_mp(c)) for e, c in expr.args]

        def piecewise(env: Mapping[sp.Symbol, Any]) -> Any:
            for value, cond in pieces:
                if cond(env):
                    return value(env)
            return mpmath.nan

        return piecewise
    if type(expr) in _RELATIONS:
        rel = _RELATIONS[type(expr)]
        lhs, rhs = compile_mp(expr.lhs), compile_mp(expr.rhs)
        return lambda env: bool(rel(lhs(env), rhs(env)))
    if isinstance(expr, sp.And | sp.Or):
        parts = [compile_mp(a) for a in expr.args]
        join = all if isinstance(expr, sp.And) else any
        return lambda env: join(p(env) for p in parts)
    if isinstance(expr, sp.Not):
        inner = compile_mp(expr.args[0])
        return lambda env: not inner(env)
    if isinstance(expr, sp.Max | sp.Min):
        parts = [compile_mp(a) for a in expr.args]
        pick = max if isinstance(expr, sp.Max) else min
        return lambda env: pick(p(env) for p in parts)
    func = _FUNCS.get(type(expr)) or _FUNCS.get(expr.func)
    if func is not None:
        args = [compile_mp(a) for a in expr.args]
        return lambda env: func(*(a(env) for a in args))
    raise NotNumeric(f"cannot evaluate {type(expr).__name__} numerically")


def _pow(expr: sp.Pow) -> Fn:
    base, exponent = compile_mp(expr.base), expr.exp
    if exponent.is_Integer:
        n = int(exponent)
        return lambda env: base(env) ** n
    if exponent == sp.Rational(1, 2):
        return lambda env: mpmath.sqrt(base(env))
    power = compile_mp(exponent)
    return lambda env: mpmath.power(base(env), power(env))


def real_value(fn: Fn, env: Mapping[sp.Symbol, Any]) -> Any | None:
    """``fn(env)`` as a finite real mpf, or None where it is undefined, infinite or complex."""
    try:
        value = fn(env)
    except (ZeroDivisionError, ValueError, OverflowError):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, mpmath.mpc):
        if abs(value.imag) > mpmath.mpf(10) ** (-mpmath.mp.dps + 5) * max(1, abs(value.real)):
            return None
        value = value.real
    if not mpmath.isfinite(value):
        return None
    return mpmath.mpf(value)


def close(a: Any, b: Any, rel: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    """Whether two numbers agree to a relative (or, near zero, absolute) tolerance."""
    return bool(abs(a - b) <= max(rel * max(abs(a), abs(b)), abs_tol))
