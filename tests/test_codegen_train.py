"""Generated code that trains: tensor parameters with gradients, in PyTorch (issue 20).

Every parametrised catalog entry's generated torch code is run with its parameters as tensors
that require grad: gradcheck and gradgradcheck in the input and every parameter, the parameter
gradients against autograd through a plain transcription of the formula, float32 and bfloat16 far
from 0, a module with trainable per-channel parameters, and a short training loop that finds
Swish's beta back. The generated code is exec'd in a fresh namespace (it is our own output).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
import sympy as sp

from actderiv import api
from actderiv.codegen import CodegenSource, codegen_source, generate
from actderiv.codegen.printer import _bounds
from actderiv.codegen.torch import TorchPrinter
from actderiv.lang.parse import X
from actderiv.numerics import compile_mp, real_value

CATALOG = api.load_catalog()
PARAMETRISED = [s.name for s in CATALOG if s.params]
#: Away from every kink of the parametrised entries at their defaults; |x| <= 3.1, where no
#: entry's double backward overflows (soft_clipping's, with alpha = 50, does at x = 10).
POINTS = (-7.1, -2.6, -1.3, -0.41, -0.031, 0.029, 0.43, 1.27, 3.1)
FAR = (-1000.0, -300.0, -30.0, 30.0, 300.0, 1000.0)
#: exp(c*x) and exp(-d*x) together (smht), exp(c*x) times 1 - tanh(b*exp(c*x))**2 (tanhsoft2),
#: softplus's exp(x) and exp(-theta*x) together (eis_1: its f' is NaN at x = 300 in float32).
OVERFLOWING = ("smht", "tanhsoft2", "eis_1")


@pytest.fixture(scope="module")
def sources() -> dict[str, CodegenSource]:
    return {name: codegen_source(CATALOG, name, search=False) for name in PARAMETRISED}


def _namespace(source: CodegenSource) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"generated_{source.name}"}
    exec(compile(generate(source, "torch"), f"<generated {source.name}>", "exec"), namespace)
    return namespace


def _tensors(torch: Any, source: CodegenSource, dtype: Any = None) -> dict[str, Any]:
    dtype = dtype or torch.float64
    return {n: torch.tensor(v, dtype=dtype, requires_grad=True) for n, _, v in source.params}


def _real(value: sp.Expr) -> bool:
    """Whether ``value`` evaluates to a finite real number."""
    try:
        number = complex(sp.N(value, 30))
    except (TypeError, ValueError):
        return False
    return math.isfinite(number.real) and number.imag == 0


def _undefined(source: CodegenSource, points: tuple[float, ...]) -> dict[str, set[int]]:
    """For each parameter, the points (indices) where f is not real at a value of it next to its
    default, so that its partial derivative does not exist there: puaf's x**a at x < 0 is real
    only at integer a (gradcheck's finite differences are NaN there as well). Computed by
    SymPy from the formula, not from the generated code."""
    defaults = {sym: sp.Float(v) for _, sym, v in source.params}
    out: dict[str, set[int]] = {}
    for n, sym, v in source.params:
        h = 1e-3 * max(abs(v), 1.0)
        for i, point in enumerate(points):
            at = {**defaults, X: sp.Float(point)}
            if not all(_real(source.expr.xreplace({**at, sym: sp.Float(v + d)})) for d in (h, -h)):
                out.setdefault(n, set()).add(i)
    return out


def _groups(
    source: CodegenSource, points: tuple[float, ...]
) -> list[tuple[list[float], list[str]]]:
    """The points and the parameters to differentiate there: every parameter at every point,
    except that a parameter whose partial derivative does not exist at some points (see
    :func:`_undefined`) is differentiated only where every partial exists, and held at its
    default elsewhere; each other check keeps every point."""
    undefined = _undefined(source, points)
    names = [n for n, _, _ in source.params]
    if not undefined:
        return [(list(points), names)]
    where = [p for i, p in enumerate(points) if not any(i in s for s in undefined.values())]
    assert len(where) >= 3, f"{source.name}: too few points where every partial exists"
    return [(list(points), [n for n in names if n not in undefined]), (where, names)]


def test_a_parameter_without_a_partial_derivative_is_found_only_where_it_has_none() -> None:
    """puaf's ∂f/∂a does not exist at x < 0 (x**a is not real there at a = 1 ± h), everywhere
    else it does; swish's beta has a partial at every point."""
    puaf = codegen_source(CATALOG, "puaf", search=False)
    assert _undefined(puaf, POINTS) == {"a": {i for i, p in enumerate(POINTS) if p < 0}}
    assert _undefined(codegen_source(CATALOG, "swish", search=False), POINTS + FAR) == {}


@pytest.mark.torch
def test_a_masked_branch_stands_in_where_it_and_its_slopes_are_finite(torch: Any) -> None:
    """The unchosen branch |x|**d*log|x| of [-1, 1] sees x replaced by a point of [-1, 1] where it
    and its slopes are finite (not the midpoint 0, where 0 * inf = NaN): a second derivative at
    x outside [-1, 1] (where the branch is not chosen) stays finite; a condition c >= -x is
    solved for x."""
    d = sp.Symbol("d")
    expr = sp.Piecewise((X, X >= 1), (sp.Abs(X) ** d * sp.log(sp.Abs(X)), X >= -1), (-X, True))
    printer = TorchPrinter(X, "x", {"d": "d"}, (d,))
    printer.masked_branches = True
    printer.defaults = {d: 2.0}
    namespace: dict[str, Any] = {"torch": torch}
    exec(compile(f"def f(x, d):\n    return {printer.array(expr)}\n", "<f>", "exec"), namespace)
    x = torch.tensor([2.0, -3.0], dtype=torch.float64, requires_grad=True)
    p = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    gx, gd = torch.autograd.grad(namespace["f"](x, p).sum(), [x, p], create_graph=True)
    second = torch.autograd.grad(gx.sum() + gd, [x, p], allow_unused=True, materialize_grads=True)
    assert all(torch.isfinite(g).all() for g in second)
    assert _bounds(sp.Ge(sp.Symbol("c"), -X), X) == (-sp.Symbol("c"), None)


@pytest.mark.torch
def test_a_power_divided_by_its_base_is_finite_at_zero(
    sources: dict[str, CodegenSource], torch: Any
) -> None:
    """SymPy writes eplaf's and puaf's f' with |x|**d/|x| and a*x**a/x, 0/0 = NaN at x = 0;
    the generated code merges the powers: eplaf'(0) = 0 (d = 2), puaf'(0) = 1/2 (a = 1, as
    swish's)."""
    for name, want in (("eplaf", 0.0), ("puaf", 0.5)):
        x = torch.zeros(1, dtype=torch.float64, requires_grad=True)
        (got,) = torch.autograd.grad(_namespace(sources[name])[name](x).sum(), [x])
        assert torch.allclose(got, torch.tensor([want], dtype=torch.float64)), (name, got)


def test_the_catalog_has_parametrised_entries() -> None:
    assert len(PARAMETRISED) >= 60
    assert {"prelu", "swish", "elu", "pelu", "srelu"} <= set(PARAMETRISED)


@pytest.mark.torch
@pytest.mark.parametrize("name", PARAMETRISED)
def test_gradcheck_and_gradgradcheck_in_the_input_and_every_parameter(
    name: str, sources: dict[str, CodegenSource], torch: Any
) -> None:
    source = sources[name]
    fn = _namespace(source)[name]
    for points, keys in _groups(source, POINTS):
        params = {k: v for k, v in _tensors(torch, source).items() if k in keys}
        fixed = {n: v for n, _, v in source.params if n not in keys}
        x = torch.tensor(points, dtype=torch.float64, requires_grad=True)

        def call(x: Any, *values: Any, fixed: Any = fixed, keys: Any = keys) -> Any:
            return fn(x, **fixed, **dict(zip(keys, values, strict=True)))

        inputs = (x, *params.values())
        assert torch.autograd.gradcheck(call, inputs, eps=1e-6, atol=1e-5)
        assert torch.autograd.gradgradcheck(call, inputs, eps=1e-6, atol=1e-5)


def _transcription(torch: Any, source: CodegenSource) -> Any:
    """f written plainly in torch (no stable forms, no hand-written backward): autograd
    differentiates it. Its branches see x only where they are chosen, else autograd's gradient
    through torch.where would be 0 * inf = NaN (x**a*log(x) at x < 0)."""
    names = [n for n, _, _ in source.params]
    printer = TorchPrinter(X, "x", {n: n for n in names}, tuple(s for _, s, _ in source.params))
    printer.masked_branches = True
    printer.defaults = {s: v for _, s, v in source.params}
    code = f"def plain(x, {', '.join(names)}):\n    return {printer.array(source.expr)}\n"
    namespace: dict[str, Any] = {"torch": torch, "math": math}
    generated = _namespace(source)  # the helpers: _tensor, _full_like
    namespace.update({k: v for k, v in generated.items() if k.startswith("_")})
    exec(compile(code, "<plain>", "exec"), namespace)
    return namespace["plain"]


@pytest.mark.torch
@pytest.mark.parametrize("name", PARAMETRISED)
def test_parameter_gradients_equal_autograds_of_a_plain_transcription(
    name: str, sources: dict[str, CodegenSource], torch: Any
) -> None:
    source = sources[name]
    fn = _namespace(source)[name]
    plain = _transcription(torch, source)
    for points, keys in _groups(source, POINTS):
        x = torch.tensor(points, dtype=torch.float64)
        weights = torch.linspace(0.5, 1.5, len(points), dtype=torch.float64)
        fixed = {n: v for n, _, v in source.params if n not in keys}
        params = {k: v for k, v in _tensors(torch, source).items() if k in keys}
        got = torch.autograd.grad((fn(x, **fixed, **params) * weights).sum(), list(params.values()))
        reference = {k: v for k, v in _tensors(torch, source).items() if k in keys}
        out = (plain(x, **fixed, **reference) * weights).sum()
        want = (  # a parameter met only in conditions (hardshrink's lambd) has no gradient
            torch.autograd.grad(out, list(reference.values()), allow_unused=True)
            if out.requires_grad
            else [None] * len(reference)
        )
        for key, g, w in zip(params, got, want, strict=True):
            w = torch.zeros_like(g) if w is None else w
            assert torch.allclose(g, w, rtol=1e-8, atol=1e-10), f"{name}: d/d{key}: {g} != {w}"


@pytest.mark.torch
def test_per_channel_gradients_equal_those_of_hand_written_transcriptions(
    sources: dict[str, CodegenSource], torch: Any
) -> None:
    x = torch.tensor(POINTS, dtype=torch.float64)
    cases = {
        "swish": lambda x, beta: x * torch.sigmoid(beta * x),
        "prelu": lambda x, a: torch.where(x > 0, x, a * x),
        "pelu": lambda x, a, b: torch.where(x > 0, a / b * x, a * (torch.exp(x / b) - 1)),
    }
    for name, plain in cases.items():
        source = sources[name]
        fn = _namespace(source)[name]
        # per-channel: three values of each parameter against a (3, 9) input
        params = {
            n: torch.tensor([[v], [v * 1.3], [v * 0.7]], dtype=torch.float64, requires_grad=True)
            for n, _, v in source.params
        }
        xs = torch.stack([x, x * 0.5, x * 2]).requires_grad_(True)
        got = torch.autograd.grad(fn(xs, **params).sum(), [xs, *params.values()])
        ref = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        xr = xs.detach().clone().requires_grad_(True)
        want = torch.autograd.grad(plain(xr, **ref).sum(), [xr, *ref.values()])
        for g, w in zip(got, want, strict=True):
            assert g.shape == w.shape
            assert torch.allclose(g, w, rtol=1e-10, atol=1e-12), name


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_low_precision_stays_finite_far_from_zero(
    dtype: str, sources: dict[str, CodegenSource], torch: Any
) -> None:
    """Values and gradients (input and tensor parameters) finite for |x| up to 1000, except in
    the two entries whose exponentials at different rates no stable form covers yet (OVERFLOWING)
    and in those whose value or first derivatives are themselves out of the dtype's range there
    (:func:`_out_of_range`, computed by SymPy: etanh's exp(x)*tanh(x) at x = 300, say). A partial
    derivative that does not exist at some points (see :func:`_undefined`) is checked where it
    does."""
    kind = getattr(torch, dtype)
    failed = []
    for name, source in sources.items():
        fn = _namespace(source)[name]
        bad = False
        for points, keys in _groups(source, POINTS + FAR):
            x = torch.tensor(points, dtype=kind, requires_grad=True)
            fixed = {n: v for n, _, v in source.params if n not in keys}
            params = {k: v for k, v in _tensors(torch, source, kind).items() if k in keys}
            y = fn(x, **fixed, **params)
            grads = torch.autograd.grad(y.sum(), [x, *params.values()])
            if y.dtype != kind or not all(g.dtype == kind for g in grads):
                failed.append(f"{name}: dtype")
            if not torch.isfinite(y).all() or not all(torch.isfinite(g).all() for g in grads):
                bad = True
        if bad:
            failed.append(name)
    largest = float(torch.finfo(kind).max)
    expected = [n for n, s in sources.items() if n in OVERFLOWING or _out_of_range(s, largest)]
    assert failed == expected


def _out_of_range(source: CodegenSource, largest: float) -> bool:
    """Whether f, f' or a partial derivative, at the parameters' defaults, exceeds ``largest``
    in magnitude at a point of FAR (then no stable form can help). Evaluated with mpmath at a
    fixed 600 digits, enough to resolve exp(±1000): SymPy's evalf raised its precision without
    end on a difference that cancels to 1e-217000 (GELU's derivative at x = -1000)."""
    defaults = {sym: mpmath.mpf(v) for _, sym, v in source.params}
    exprs = [source.expr, source.derivative, *(source.partial(n) for n, _, _ in source.params)]
    with mpmath.workdps(600):
        for expr in exprs:
            fn = compile_mp(expr)
            for point in FAR:
                value = real_value(fn, {**defaults, X: mpmath.mpf(point)})
                if value is not None and abs(value) > largest:
                    return True
    return False


def test_the_out_of_range_entries_are_those_whose_values_overflow(
    sources: dict[str, CodegenSource], torch: Any
) -> None:
    """etanh (a*exp(x)*tanh(x)) exceeds float32's range at x = 300; swish and aranda_ordaz
    (whose exp(x) overflows in float32 although its value and slopes stay in [0, 1]) do not."""
    largest = float(torch.finfo(torch.float32).max)
    assert _out_of_range(sources["etanh"], largest)
    assert not _out_of_range(sources["swish"], largest)
    assert not _out_of_range(sources["aranda_ordaz"], largest)


@pytest.mark.torch
def test_a_module_registers_its_trainable_parameters(
    sources: dict[str, CodegenSource], torch: Any
) -> None:
    ns = _namespace(sources["prelu"])
    prelu = ns["Prelu"]()  # trainable by default, as torch.nn.PReLU
    assert [n for n, _ in prelu.named_parameters()] == ["a"]
    assert prelu.a.shape == (1,)
    assert repr(prelu) == "Prelu(a=0.25 (trainable))"
    per_channel = ns["Prelu"](num_parameters=3, a=0.1)
    x = torch.randn(2, 3, 4, dtype=torch.float32)
    y = per_channel(x)
    y.sum().backward()
    assert per_channel.a.grad is not None
    assert per_channel.a.grad.shape == (3,)
    want = torch.nn.functional.prelu(x, torch.full((3,), 0.1))
    assert torch.allclose(y, want)
    expected = torch.where(x > 0, 0.0, x).sum(dim=(0, 2))
    assert torch.allclose(per_channel.a.grad, expected)
    assert ns["Prelu"](trainable=False).a == 0.25
    assert list(ns["Prelu"](trainable=False).parameters()) == []

    swish = _namespace(sources["swish"])
    fixed = swish["Swish"]()  # not trainable by default: a Python number, at no extra cost
    assert list(fixed.parameters()) == []
    assert repr(fixed) == "Swish(beta=1.0)"
    learned = swish["Swish"](beta=1.5, trainable=["beta"])
    assert repr(learned) == "Swish(beta=1.5 (trainable))"

    pelu = _namespace(sources["pelu"])["Pelu"](trainable=("b",), num_parameters=2)
    assert [n for n, _ in pelu.named_parameters()] == ["b"]
    assert repr(pelu) == "Pelu(a=1.0, b=[1, 1] (trainable))"
    with pytest.raises(ValueError, match="no parameter 'c'"):
        _namespace(sources["pelu"])["Pelu"](trainable=["c"])


@pytest.mark.torch
def test_a_short_training_loop_learns_swish_beta_back(
    sources: dict[str, CodegenSource], torch: Any
) -> None:
    """Data made with beta = 1.7; a Swish module that starts at beta = 1 learns it back."""
    ns = _namespace(sources["swish"])
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(512, generator=generator, dtype=torch.float64) * 3
    target = ns["swish"](x, beta=1.7)
    module = ns["Swish"](trainable=True).double()
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.mean((module(x) - target) ** 2)
        loss.backward()
        optimizer.step()
    assert abs(module.beta.item() - 1.7) < 1e-3


@pytest.mark.torch
def test_plain_numbers_keep_the_output_only_backward(torch: Any) -> None:
    """With Python numbers, forward saves y alone and may run in place; with a tensor parameter
    (whose gradient needs x) it saves x and the tensor."""
    source = codegen_source(CATALOG, "elu")
    assert source.output_only
    fn = _namespace(source)["elu"]
    x = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    for alpha, count in ((0.5, 1), (torch.tensor(0.5, dtype=torch.float64, requires_grad=True), 2)):
        saved: list[Any] = []
        with torch.autograd.graph.saved_tensors_hooks(
            lambda t, s=saved: s.append(t) or t, lambda t: t
        ):
            y = fn(x, alpha=alpha)
        assert len(saved) == count
        assert (saved[0] is y) == (count == 1)
        assert torch.autograd.gradcheck(lambda x, a=alpha: fn(x, alpha=a), (x,))
    alpha = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x, a: fn(x, alpha=a), (x, alpha))
    assert torch.autograd.gradgradcheck(lambda x, a: fn(x, alpha=a), (x, alpha))
    work = x.detach().clone()  # inplace is ignored while a parameter's gradient needs x
    assert torch.equal(fn(work, alpha=alpha, inplace=True), fn(x, alpha=0.5).detach())


@pytest.mark.torch
def test_codegen_from_a_typed_formula_trains(run: Callable[..., Any], torch: Any) -> None:
    result = run(
        "codegen", "--formula", "a*x*exp(-exp(-b*x))", "-p", "a=1.5", "-p", "b=0.5",
        "--name", "gumbelish", "-t", "torch",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# gumbelish — f(x) = a*x*exp(-exp(-b*x))\n")
    namespace: dict[str, Any] = {}
    exec(compile(result.stdout, "<gumbelish>", "exec"), namespace)
    a = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    b = torch.tensor([[0.5], [0.8]], dtype=torch.float64, requires_grad=True)
    x = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    fn = namespace["gumbelish"]
    assert torch.autograd.gradcheck(lambda x, a, b: fn(x, a=a, b=b), (x, a, b))
    module = namespace["Gumbelish"](trainable=["b"], num_parameters=2)
    assert [n for n, _ in module.named_parameters()] == ["b"]
    assert repr(module) == "Gumbelish(a=1.5, b=[0.5, 0.5] (trainable))"


def test_codegen_takes_a_name_or_a_formula(run: Callable[..., Any]) -> None:
    both = run("codegen", "relu", "--formula", "x", "-t", "c")
    assert both.exit_code == 2
    assert "give an activation NAME or --formula EXPR (one of them)" in both.stderr
    assert run("codegen", "-t", "c").exit_code == 2
    label = run("codegen", "relu", "--name", "r", "-t", "c")
    assert label.exit_code == 2
    assert "--name is for --formula" in label.stderr
    bad = run("codegen", "--formula", "__import__('os')", "-t", "numpy")
    assert bad.exit_code == 1
    assert bad.stdout == ""
    c = run("codegen", "--formula", "max(0, x)**2", "--name", "sq_relu", "-t", "c")
    assert c.exit_code == 0, c.stderr
    assert "double sq_relu_forward(double x)" in c.stdout


# --- jax ------------------------------------------------------------------------------------------

#: A fast representative subset (second derivatives too: repu's and polu's branches are not
#: finite on each other's side); the whole catalog runs in the slow test below (about 90 s).
JAX_FAST = ["swish", "prelu", "pelu", "soft_clipping", "repu", "polu"]


@pytest.fixture
def jax64(jax: Any) -> Any:
    """JAX with double precision for the duration of one test."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield jax
    finally:
        jax.config.update("jax_enable_x64", before)


def _jax_namespace(source: CodegenSource) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"generated_{source.name}"}
    code = generate(source, "jax")  # compiled as its own module, without this file's __future__
    exec(compile(code, f"<generated {source.name}>", "exec", dont_inherit=True), namespace)
    return namespace


def _check_jax(jax: Any, source: CodegenSource, second: bool = False) -> None:
    """check_grads (forward and reverse mode; with ``second``, second derivatives in reverse
    mode too) in x and every parameter, then vmap(grad) point by point against jit(grad) of
    the sum. A parameter is differentiated only where its partial exists (see :func:`_groups`)
    and held at its default elsewhere."""
    from jax.test_util import check_grads

    jnp = jax.numpy
    fn = _jax_namespace(source)[source.name]
    defaults = {n: jnp.asarray(v, dtype=jnp.float64) for n, _, v in source.params}
    for points, names in _groups(source, POINTS):
        keys = tuple(names)

        def call(x: Any, *vs: Any, keys: tuple[str, ...] = keys) -> Any:
            return fn(x, **{**defaults, **dict(zip(keys, vs, strict=True))})

        values = tuple(defaults[n] for n in keys)
        x = jnp.array(points, dtype=jnp.float64)
        check_grads(call, (x, *values), order=1, modes=("fwd", "rev"), eps=1e-6)
        if second:  # the branches of the JVP rule are masked, so no 0 * inf in a second derivative
            check_grads(call, (x, *values), order=2, modes=("rev",), eps=1e-6)
        argnums = tuple(range(len(values) + 1))
        grads = jax.jit(jax.grad(lambda *a: call(*a).sum(), argnums=argnums))(x, *values)
        per_point = jax.vmap(jax.grad(call, argnums=argnums), in_axes=(0, *[None] * len(values)))(
            x, *values
        )
        for whole, each in zip(grads[1:], per_point[1:], strict=True):
            assert jnp.allclose(whole, each.sum(), rtol=1e-10), source.name
        assert jnp.allclose(grads[0], per_point[0], rtol=1e-12), source.name


@pytest.mark.jax
@pytest.mark.parametrize("name", JAX_FAST)
def test_jax_differentiates_every_parameter(
    name: str, sources: dict[str, CodegenSource], jax64: Any
) -> None:
    _check_jax(jax64, sources[name], second=True)


@pytest.mark.slow
@pytest.mark.jax
def test_jax_differentiates_every_parameter_of_the_catalog(
    sources: dict[str, CodegenSource], jax64: Any
) -> None:
    for source in sources.values():
        _check_jax(jax64, source)


@pytest.mark.jax
def test_jax_per_channel_gradients_equal_those_of_a_plain_transcription(
    sources: dict[str, CodegenSource], jax64: Any
) -> None:
    jnp = jax64.numpy
    fn = _jax_namespace(sources["swish"])["swish"]
    x = jnp.array(POINTS, dtype=jnp.float64)[:, None] * jnp.array([1.0, 0.5, 2.0])
    beta = jnp.array([1.0, 1.3, 0.7])

    def plain(x: Any, beta: Any) -> Any:
        return x * jax64.nn.sigmoid(beta * x)

    got = jax64.grad(lambda x, b: fn(x, beta=b).sum(), argnums=(0, 1))(x, beta)
    want = jax64.grad(lambda x, b: plain(x, b).sum(), argnums=(0, 1))(x, beta)
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape
        assert jnp.allclose(g, w, rtol=1e-12)


def test_a_flax_module_trains_its_parameters(
    sources: dict[str, CodegenSource], jax64: Any, flax: Any
) -> None:
    jnp = jax64.numpy
    ns = _jax_namespace(sources["prelu"])
    module = ns["Prelu"](num_parameters=3)  # trainable by default, as torch.nn.PReLU
    x = jnp.array([[-1.0, 2.0, -3.0], [4.0, -5.0, 6.0]])
    variables = module.init(jax64.random.PRNGKey(0), x)
    assert jnp.array_equal(variables["params"]["a"], jnp.full((3,), 0.25))
    assert jnp.allclose(module.apply(variables, x), jnp.where(x > 0, x, 0.25 * x))
    grads = jax64.grad(lambda v: module.apply(v, x).sum())(variables)
    assert jnp.allclose(grads["params"]["a"], jnp.array([-1.0, -5.0, -3.0]))
    fixed = ns["Prelu"](trainable=False)
    assert fixed.init(jax64.random.PRNGKey(0), x) == {}
    swish = _jax_namespace(sources["swish"])
    learned = swish["Swish"](beta=1.5, trainable=["beta"])
    params = learned.init(jax64.random.PRNGKey(0), x)["params"]
    assert list(params) == ["beta"]
    with pytest.raises(ValueError, match="no parameter 'gamma'"):
        swish["Swish"](trainable=["gamma"]).init(jax64.random.PRNGKey(0), x)


# --- numpy and C ----------------------------------------------------------------------------------


def _numpy_namespace(source: CodegenSource) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"generated_{source.name}"}
    code = generate(source, "numpy")
    exec(compile(code, f"<generated {source.name}>", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.mark.parametrize("name", PARAMETRISED)
def test_numpy_grads_return_the_input_and_parameter_gradients(
    name: str, sources: dict[str, CodegenSource]
) -> None:
    """NAME_grads against central differences of NAME_forward, with every parameter an array of
    two values (one per row of x), each gradient of its argument's shape."""
    import numpy as np

    source = sources[name]
    ns = _numpy_namespace(source)
    forward, grads = ns[f"{name}_forward"], ns[f"{name}_grads"]
    for points, keys in _groups(source, POINTS):  # a partial checked where it exists
        x = np.array([points, [p * 0.9 for p in points]])
        params = {  # one value per row; one held at its default where its partial is not checked
            n: np.array([[v], [(v * 1.05 if v else 0.01) if n in keys else v]])
            for n, _, v in source.params
        }
        weights = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
        got = grads(x, weights, **params)
        assert len(got) == 1 + len(params)
        assert got[0].shape == x.shape
        h = 1e-6
        for (key, value), g in zip(params.items(), got[1:], strict=True):
            assert np.shape(g) == value.shape, key
            if key not in keys:
                continue
            up = forward(x, **{**params, key: value + h})
            down = forward(x, **{**params, key: value - h})
            want = np.sum(weights * (up - down) / (2 * h), axis=1, keepdims=True)
            assert np.allclose(g, want, rtol=1e-5, atol=1e-6), f"{name}: d/d{key}"
        want_x = weights * (forward(x + h, **params) - forward(x - h, **params)) / (2 * h)
        assert np.allclose(got[0], want_x, rtol=1e-5, atol=1e-6), name
    scalar = grads(x, weights)  # the defaults: Python numbers, each gradient a number
    assert all(np.ndim(g) == 0 for g in scalar[1:])


def test_c_has_each_parameters_partial_derivative(
    sources: dict[str, CodegenSource], tmp_path: Any
) -> None:
    import ctypes
    import shutil
    import subprocess

    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc is not None, "a C compiler is required"
    source = sources["pelu"]
    path = tmp_path / "pelu.c"
    path.write_text(generate(source, "c"), encoding="utf-8")
    library = tmp_path / "libpelu.so"
    subprocess.run(
        [cc, "-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", str(path), "-o", str(library),
         "-lm"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    lib = ctypes.CDLL(str(library))
    partial_a, partial_b = lib.pelu_partial_a, lib.pelu_partial_b
    for fn in (partial_a, partial_b):
        fn.restype = ctypes.c_double
        fn.argtypes = [ctypes.c_double] * 3
    # f = a/b*x for x >= 0, a*(exp(x/b) - 1) below
    assert partial_a(2.0, 1.5, 0.5) == pytest.approx(4.0)
    assert partial_b(2.0, 1.5, 0.5) == pytest.approx(-12.0)
    assert partial_a(-1.0, 1.5, 0.5) == pytest.approx(math.expm1(-2.0))
    assert partial_b(-1.0, 1.5, 0.5) == pytest.approx(1.5 * 4 * math.exp(-2.0))


# --- the generated files pass the linters ---------------------------------------------------------

LINTED = ["swish", "prelu", "pelu", "srelu", "soft_clipping", "improved_logistic_sigmoid"]


def _write_generated(sources: dict[str, CodegenSource], folder: Any) -> list[str]:
    files = []
    for target in ("numpy", "torch", "jax"):
        for name in LINTED:
            path = folder / f"{target}_{name}.py"
            path.write_text(generate(sources[name], target), encoding="utf-8")
            files.append(str(path))
    return files


def _tool(name: str) -> str:
    import shutil
    import sys
    from pathlib import Path

    beside = Path(sys.executable).parent / name  # the venv's, as CI installs the test extras
    found = str(beside) if beside.exists() else shutil.which(name)
    assert found is not None, f"{name} is required (pip install -e '.[test]')"
    return found


def test_generated_code_with_parameters_passes_ruff(
    sources: dict[str, CodegenSource], tmp_path: Any
) -> None:
    import subprocess

    files = _write_generated(sources, tmp_path)
    out = subprocess.run(
        [_tool("ruff"), "check", "--isolated", "--no-cache", *files], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_generated_code_with_parameters_passes_mypy(
    sources: dict[str, CodegenSource], tmp_path: Any
) -> None:
    import subprocess

    files = _write_generated(sources, tmp_path)
    out = subprocess.run(
        [_tool("mypy"), "--ignore-missing-imports", "--no-incremental", *files],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stdout + out.stderr


# --- formulas in no catalog -----------------------------------------------------------------------

TYPED = [
    ("x*tanh(softplus(a*x))", {"a": 1.2}),
    ("a*x if x < t else b*(x - t) + a*t", {"a": 0.3, "b": 1.5, "t": 0.7}),
    ("x/(1 + abs(a*x))**b", {"a": 1.1, "b": 1.4}),
    ("max(a*x, b*x)", {"a": 0.2, "b": 1.1}),
    ("x**2 if x > 0 else a*(exp(x) - 1) - x*b", {"a": 1.0, "b": 0.3}),
]


@pytest.mark.torch
@pytest.mark.parametrize(("text", "params"), TYPED, ids=[t for t, _ in TYPED])
def test_typed_formulas_train_with_per_channel_parameters(
    text: str, params: dict[str, float], torch: Any
) -> None:
    """Formulas in no catalog: gradcheck and gradgradcheck with per-channel tensor parameters,
    a module of three channels whose parameters all get finite gradients, and float32 finite
    values and gradients up to |x| = 1000."""
    from actderiv.codegen import formula_source

    source = formula_source(text, params, catalog=CATALOG, name="act", search=False)
    ns = _namespace(source)
    keys = list(params)

    def call(x: Any, *values: Any) -> Any:
        return ns["act"](x, **dict(zip(keys, values, strict=True)))

    rows = torch.tensor([POINTS, [p * 0.7 for p in POINTS]], dtype=torch.float64)
    per_channel = [
        torch.tensor([[v], [v * 1.1]], dtype=torch.float64, requires_grad=True)
        for v in params.values()
    ]
    inputs = (rows.requires_grad_(True), *per_channel)
    assert torch.autograd.gradcheck(call, inputs, eps=1e-6, atol=1e-5)
    assert torch.autograd.gradgradcheck(call, inputs, eps=1e-6, atol=1e-5)
    module = ns["Act"](trainable=True, num_parameters=3)
    module(torch.randn(4, 3, 5, generator=torch.Generator().manual_seed(0))).sum().backward()
    for parameter in module.parameters():
        assert parameter.grad is not None
        assert parameter.grad.shape == (3,)
        assert torch.isfinite(parameter.grad).all()
    far = torch.tensor(POINTS + FAR, requires_grad=True)
    values = [torch.tensor(v, requires_grad=True) for v in params.values()]
    y = call(far, *values)
    grads = torch.autograd.grad(y.sum(), [far, *values])
    assert torch.isfinite(y).all()
    assert all(torch.isfinite(g).all() for g in grads)
