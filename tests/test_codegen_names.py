"""Generated identifiers never take a name the target uses (issue #18, item 6).

Entries named like the modules the generated code imports (``torch``, ``jnp``, ``np``, ``math``),
like builtins it calls (``super``) or its own arguments (``self``), and parameters named like C's
<math.h> functions and macros (``fabs``, ``M_PI``, ``INFINITY``), like keywords (``int``,
``lambda``) or like the attributes the torch code sets (``forward``, ``saved_tensors``): the code
of every target is generated, run (NumPy, torch), imported (JAX) or compiled with gcc (C), and
checked against the formula at the defaults.
"""

from __future__ import annotations

import ctypes
import dataclasses
import importlib.util
import math
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy as sp

from actderiv.codegen import TARGETS, CodegenSource, generate
from actderiv.codegen import c as c_target
from actderiv.codegen import jax as jax_target
from actderiv.codegen import numpy as numpy_target
from actderiv.codegen import torch as torch_target
from actderiv.errors import CodegenError
from actderiv.lang.parse import X, Y

#: Entry names that clash with a name some target uses (none is a valid catalog key for all
#: of them, so the sources are built directly).
ENTRY_NAMES = ("torch", "self", "super", "jnp", "np", "math", "none", "lambda", "ctx", "exp")
#: Parameter names that clash: C functions and macros, keywords, builtins, torch attributes,
#: the generated code's own arguments, and a name beside its own mangled form.
PARAM_SETS = (
    ("super", "fabs", "M_PI"),
    ("self", "forward", "saved_tensors"),
    ("primals", "INFINITY", "int"),
    ("ctx", "inplace", "grad"),
    ("lambda", "np", "exp"),
    ("super", "super_", "training"),
    ("a", "A", "x_dot"),
)
DEFAULTS = (1.25, 0.5, -0.75)
POINTS = (-3.1, -0.7, 0.2, 1.4, 2.9)


def _source(name: str, params: tuple[str, ...], output_only: bool) -> CodegenSource:
    syms = [sp.Symbol(p, real=True) for p in params]
    if output_only:
        # f = 1/(1 + exp(-k x)): f' = k*y*(1 - y) in the output alone
        k = syms[0]
        f = 1 / (1 + sp.exp(-k * X))
        backward: sp.Expr | None = k * Y * (1 - Y)
    else:
        a, b, c = syms
        f = sp.Piecewise((a * X + b * sp.tanh(X), sp.Gt(X, c)), (sp.exp(X) * b + a * c, True))
        backward = None
    return CodegenSource(
        name=name,
        title=f"hostile {name}",
        formula=str(f),
        expr=f,
        derivative=sp.diff(f, X),
        backward=backward,
        params=tuple(zip(params, syms, DEFAULTS, strict=False))[: 1 if output_only else 3],
    )


def _sources() -> Iterator[CodegenSource]:
    for i, name in enumerate(ENTRY_NAMES):
        params = PARAM_SETS[i % len(PARAM_SETS)]
        yield _source(name, params, output_only=False)
        yield _source(name, params[1:], output_only=True)


SOURCES = list(_sources())
IDS = [f"{s.name}-{'y' if s.backward is not None else 'x'}" for s in SOURCES]


def _truth(source: CodegenSource) -> list[tuple[float, float, float]]:
    """(x, f(x), f'(x)) at the defaults."""
    at = {sym: v for _, sym, v in source.params}
    f, g = source.expr.subs(at), source.derivative.subs(at)
    return [(p, float(f.subs(X, p)), float(g.subs(X, p))) for p in POINTS]


def _close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def _exec(code: str, name: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"generated_{name}"}
    exec(compile(code, f"<generated {name}>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_numpy_code_with_clashing_names_runs(source: CodegenSource) -> None:
    names = numpy_target.identifiers(source)
    ns = _exec(generate(source, "numpy"), source.name)
    forward, derivative = ns[f"{names.entry}_forward"], ns[f"{names.entry}_derivative"]
    backward = ns[f"{names.entry}_backward"]
    for p, fv, gv in _truth(source):
        assert _close(float(forward(p)), fv), p
        assert _close(float(derivative(np.array([p]))[0]), gv), p
        arg = fv if source.backward is not None else p
        assert _close(float(backward(arg, 2.0)), 2 * gv), p
    # the defaults are keyword arguments, under their (mangled) identifiers
    kwargs = {ident: v for _, ident, v in names.params}
    assert _close(float(forward(POINTS[0], **kwargs)), _truth(source)[0][1])


@pytest.mark.torch
@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_torch_code_with_clashing_names_runs(source: CodegenSource, torch: Any) -> None:
    names = torch_target.identifiers(source)
    ns = _exec(generate(source, "torch"), source.name)
    x = torch.tensor(POINTS, dtype=torch.float64, requires_grad=True)
    for fn in (ns[names.entry], ns[names.camel]()):
        y = fn(x)
        (grad,) = torch.autograd.grad(y.sum(), x)
        for i, (p, fv, gv) in enumerate(_truth(source)):
            assert _close(float(y[i]), fv), p
            assert _close(float(grad[i]), gv), p
    module = ns[names.camel]()
    module.eval()  # what the module's own attributes are for: still a module
    assert module.training is False


@pytest.mark.jax
@pytest.mark.parametrize("source", SOURCES, ids=IDS)
def test_jax_code_with_clashing_names_imports(
    source: CodegenSource, jax: Any, tmp_path: Path
) -> None:
    names = jax_target.identifiers(source)
    path = tmp_path / f"generated_{source.name}.py"
    path.write_text(generate(source, "jax"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"generated_{source.name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        fn = getattr(module, names.entry)
        with jax.enable_x64(True):
            xs = jax.numpy.array(POINTS, dtype=jax.numpy.float64)
            y = fn(xs)
            grad = jax.vmap(jax.grad(fn))(xs)
            for i, (p, fv, gv) in enumerate(_truth(source)):
                assert _close(float(y[i]), fv), p
                assert _close(float(grad[i]), gv), p
    finally:
        del sys.modules[spec.name]


@pytest.fixture(scope="module", params=["c99", "gnu99"])
def c_library(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Every source's C code in one shared library, under strict C99 and under GNU C (which
    declares the M_ constants and more of <math.h>)."""
    cc = shutil.which("gcc") or shutil.which("cc")
    assert cc is not None, "a C compiler is required"
    folder = tmp_path_factory.mktemp(f"c-{request.param}")
    files = []
    for i, source in enumerate(SOURCES):
        # two sources share each entry name: prefix the functions to keep the symbols apart
        path = folder / f"s{i}.c"
        text = re.sub(
            rf"\b{source.name}_(forward|derivative|backward|partial_\w+)\(",
            rf"s{i}_{source.name}_\1(",
            generate(source, "c"),
        )
        path.write_text(text, encoding="utf-8")
        files.append(str(path))
    library = folder / "libnames.so"
    out = subprocess.run(
        [cc, f"-std={request.param}", "-Wall", "-Werror", "-shared", "-fPIC", *files, "-o",
         str(library), "-lm"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return ctypes.CDLL(str(library))


def test_c_code_with_clashing_names_compiles_and_runs(c_library: Any) -> None:
    for i, source in enumerate(SOURCES):
        names = c_target.identifiers(source)
        defaults = [v for _, _, v in names.params]
        n = len(defaults)
        functions = []
        for suffix, arity in (("forward", 1 + n), ("derivative", 1 + n), ("backward", 2 + n)):
            fn = getattr(c_library, f"s{i}_{source.name}_{suffix}")
            fn.restype = ctypes.c_double
            fn.argtypes = [ctypes.c_double] * arity
            functions.append(fn)
        forward, derivative, backward = functions
        for p, fv, gv in _truth(source):
            assert _close(forward(p, *defaults), fv), (source.name, p)
            assert _close(derivative(p, *defaults), gv), (source.name, p)
            arg = fv if source.backward is not None else p
            assert _close(backward(arg, 2.0, *defaults), 2 * gv), (source.name, p)


@pytest.mark.parametrize("target", TARGETS)
def test_clashing_parameters_are_renamed_and_say_so(target: str) -> None:
    source = _source("torch", ("super", "super_", "fabs"), output_only=False)
    code = generate(source, target)
    if target == "c":  # super is no C name; fabs is a <math.h> function
        assert "parameters: super = 1.25, super_ = 0.5, fabs = -0.75 (argument fabs_)" in code
        assert "(double x, double super, double super_, double fabs_)" in code
        assert "#define TORCH_DEFAULT_SUPER 1.25\n#define TORCH_DEFAULT_SUPER_ 0.5" in code
    else:  # super is a builtin, super_ is taken by the next parameter
        assert "parameters: super = 1.25 (argument super__), super_ = 0.5, fabs = -0.75\n" in code
        assert "super__=1.25, super_=0.5, fabs=-0.75" in code


def test_c_macros_stay_apart_for_names_that_differ_in_case() -> None:
    code = generate(_source("ok", ("a", "A", "b"), output_only=False), "c")
    assert (
        "#define OK_DEFAULT_A 1.25\n#define OK_DEFAULT_A_ 0.5\n#define OK_DEFAULT_B -0.75" in code
    )


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(
    ("what", "name"),
    [
        ("entry", "bad-name"),
        ("entry", "x\nimport os"),
        ("entry", "_private"),
        ("entry", "naïve"),
        ("parameter", "a b"),
        ("parameter", "_a"),
        ("parameter", "1a"),
    ],
)
def test_a_name_that_is_no_identifier_is_refused(target: str, what: str, name: str) -> None:
    source = _source("ok", ("a", "b", "c"), output_only=False)
    if what == "entry":
        source = CodegenSource(
            name=name,
            title=source.title,
            formula=source.formula,
            expr=source.expr,
            derivative=source.derivative,
            backward=None,
            params=source.params,
        )
    else:
        (_, sym, v), *rest = source.params
        renamed = sp.Symbol(name, real=True)
        source = CodegenSource(
            name="ok",
            title=source.title,
            formula=source.formula,
            expr=source.expr.subs(sym, renamed),
            derivative=source.derivative.subs(sym, renamed),
            backward=None,
            params=((name, renamed, v), *rest),
        )
    with pytest.raises(CodegenError) as info:
        generate(source, target)
    message = str(info.value)
    assert message.startswith(f"{what} name {name!r} cannot be used in generated code")
    assert "\n" not in message


def test_a_catalog_entry_named_torch_with_a_parameter_fabs(tmp_path: Path) -> None:
    """The path from a user catalog: the names the catalog accepts reach every target intact."""
    from actderiv import api
    from actderiv.codegen import codegen_source

    path = tmp_path / "user.toml"
    path.write_text(
        '[activations.torch]\ntitle = "leaky ReLU named torch"\n'
        'expr = "x if x > 0 else fabs*x"\nparams = { fabs = 0.25 }\n',
        encoding="utf-8",
    )
    source = codegen_source(api.load_catalog(path), "torch", search=False)
    ns = _exec(generate(source, "numpy"), "torch")
    assert float(ns["torch_forward"](-2.0)) == -0.5
    assert "def torch_(x, *, fabs=0.25):" in generate(source, "torch")
    assert "double torch_forward(double x, double fabs_) {" in generate(source, "c")


@pytest.mark.parametrize("target", ["numpy", "torch", "jax", "c"])
def test_catalog_text_is_made_inert_where_code_is_generated_whatever_made_the_source(
    target: str,
) -> None:
    # A source built by hand (or from an edited cache) never went through codegen_source.
    from actderiv.codegen import codegen_source, generate
    from actderiv.store.snapshot import load_catalog

    source = codegen_source(load_catalog(Path(__file__).parent / "data" / "tiny.toml"), "relu")
    hostile = dataclasses.replace(
        source, title='t\n"""\nimport os  */ \x1b[2J', formula="max(0, x)\nimport os"
    )

    code = generate(hostile, target)

    assert "\nimport os" not in code
    assert "\x1b" not in code
    assert code.count("*/") == code.count("/*")
