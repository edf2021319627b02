"""Printed derivatives against the forms papers and textbooks print (issue 19, item 3).

    python benchmarks/textbook.py            # every case, its measure, the median and worst ratio
    python benchmarks/textbook.py --fresh    # from derivations made now, not the records

Each case is a catalog entry, the derivative as a source prints it (built here as a SymPy
expression in named functions: σ, softplus, Φ, φ, sech, and y = f(x) where the source writes the
derivative in the output) and that source. The measure is the README's (actderiv.engine.
vocabulary.ops: operations, each named function one). actderiv's printed form is the shorter of
the record's derivative and self-referential forms (its "readability"). A case passes when the
printed form is no longer than the textbook's plus one; the ratio is (printed + 1) / (textbook + 1)
so that a textbook form of no operation (f' = 1) has one. Before measuring, each textbook form is
checked numerically against SymPy's derivative of the entry, so a mistyped case cannot pass.
tests/test_textbook.py runs this in CI.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from actderiv import pipelines
from actderiv.engine.forms import differentiate
from actderiv.engine.formula import CatalogResolver, Formula, formula_of
from actderiv.engine.vocabulary import ops
from actderiv.lang.named import NormalCDF as Phi
from actderiv.lang.named import NormalPDF as phi
from actderiv.lang.named import Sigmoid as S
from actderiv.lang.named import Softplus as Z
from actderiv.lang.named import expand_named
from actderiv.lang.parse import X as x
from actderiv.lang.parse import Y as y
from actderiv.numerics import compile_mp, real_value

sech, tanh, exp, log, sqrt, erf = sp.sech, sp.tanh, sp.exp, sp.log, sp.sqrt, sp.erf


def pw(*pieces: tuple[Any, Any]) -> sp.Expr:
    return sp.Piecewise(*pieces)


@dataclass(frozen=True)
class Case:
    name: str
    shown: str  # the textbook form as the source prints it
    build: Callable[[Callable[[str], sp.Symbol]], sp.Expr]  # p("alpha") → the parameter
    source: str


GOODFELLOW = "Goodfellow, Bengio, Courville, Deep Learning (MIT Press, 2016), sec. 3.10"
LECUN = "LeCun, Bottou, Orr, Müller, Efficient BackProp (1998), sec. 4.4"
TORCH = "PyTorch documentation, torch.nn (the formula; its derivative by the chain rule)"
CALCULUS = "Stewart, Calculus (8th ed.), table of derivatives"

CASES: tuple[Case, ...] = (
    Case("sigmoid", "σ(x)(1 − σ(x))", lambda p: S(x) * (1 - S(x)), GOODFELLOW),
    Case("tanh", "1 − tanh²(x)", lambda p: 1 - tanh(x) ** 2, LECUN),
    Case(
        "relu",
        "0 if x ≤ 0; 1 otherwise",
        lambda p: pw((0, x <= 0), (1, True)),
        "Glorot, Bordes, Bengio, Deep Sparse Rectifier Neural Networks (AISTATS 2011)",
    ),
    Case(
        "relu6",
        "1 if 0 < x < 6; 0 otherwise",
        lambda p: pw((0, x <= 0), (0, x >= 6), (1, True)),
        "Krizhevsky, Convolutional Deep Belief Networks on CIFAR-10 (2010)",
    ),
    Case(
        "leaky_relu",
        "1 if x > 0; α otherwise",
        lambda p: pw((1, x > 0), (p("negative_slope"), True)),
        "Maas, Hannun, Ng, Rectifier Nonlinearities Improve Neural Network Acoustic Models "
        "(ICML 2013)",
    ),
    Case(
        "elu",
        "1 if x > 0; f(x) + α otherwise",
        lambda p: pw((1, x > 0), (y + p("alpha"), True)),
        "Clevert, Unterthiner, Hochreiter, Fast and Accurate Deep Network Learning by "
        "Exponential Linear Units (ICLR 2016), eq. 2",
    ),
    Case(
        "selu",
        "λ if x > 0; f(x) + λα otherwise",
        lambda p: pw((p("scale"), x > 0), (y + p("scale") * p("alpha"), True)),
        "Klambauer et al., Self-Normalizing Neural Networks (NeurIPS 2017)",
    ),
    Case(
        "celu",
        "1 if x > 0; exp(x/α) otherwise",
        lambda p: pw((1, x > 0), (exp(x / p("alpha")), True)),
        "Barron, Continuously Differentiable Exponential Linear Units (2017), eq. 3",
    ),
    Case(
        "gelu",
        "Φ(x) + x·φ(x)",
        lambda p: Phi(x) + x * phi(x),
        "Hendrycks, Gimpel, Gaussian Error Linear Units (2016)",
    ),
    Case(
        "silu",
        "σ(x)(1 + x(1 − σ(x)))",
        lambda p: S(x) * (1 + x * (1 - S(x))),
        "Elfwing, Uchibe, Doya, Sigmoid-Weighted Linear Units (Neural Networks 2018), eq. 4",
    ),
    Case(
        "swish",
        "βf(x) + σ(βx)(1 − βf(x))",
        lambda p: p("beta") * y + S(p("beta") * x) * (1 - p("beta") * y),
        "Ramachandran, Zoph, Le, Searching for Activation Functions (2017), sec. 5",
    ),
    Case(
        "mish",
        "tanh(ζ(x)) + x·σ(x)·sech²(ζ(x))",
        lambda p: tanh(Z(x)) + x * S(x) * sech(Z(x)) ** 2,
        "Misra, Mish: A Self Regularized Non-Monotonic Activation Function (BMVC 2020), eq. 2",
    ),
    Case(
        "softplus",
        "σ(βx)",
        lambda p: S(p("beta") * x),
        "Dugas et al., Incorporating Second-Order Functional Knowledge (NeurIPS 2001)",
    ),
    Case(
        "softsign",
        "1/(1 + |x|)²",
        lambda p: 1 / (1 + sp.Abs(x)) ** 2,
        "Bergstra et al., Quadratic Polynomials Learn Better Image Features (2009)",
    ),
    Case(
        "hardtanh",
        "1 if −1 < x < 1; 0 otherwise",
        lambda p: pw((0, x <= p("min_val")), (0, x >= p("max_val")), (1, True)),
        "Collobert, Large Scale Machine Learning (PhD thesis, 2004)",
    ),
    Case(
        "hardsigmoid",
        "1/6 if −3 < x < 3; 0 otherwise",
        lambda p: pw((0, x <= -3), (0, x >= 3), (sp.Rational(1, 6), True)),
        TORCH,
    ),
    Case(
        "hardswish",
        "0 if x < −3; (2x + 3)/6 if x < 3; 1 otherwise",
        lambda p: pw((0, x < -3), ((2 * x + 3) / 6, x < 3), (1, True)),
        "Howard et al., Searching for MobileNetV3 (ICCV 2019)",
    ),
    Case("logsigmoid", "1 − σ(x)", lambda p: 1 - S(x), TORCH),
    Case("tanhshrink", "tanh²(x)", lambda p: tanh(x) ** 2, TORCH),
    Case(
        "softshrink",
        "1 if |x| > λ; 0 otherwise",
        lambda p: pw((1, x > p("lambd")), (1, x < -p("lambd")), (0, True)),
        "Donoho, De-noising by Soft-Thresholding (IEEE Trans. Inf. Theory 1995)",
    ),
    Case(
        "hardshrink",
        "1 if |x| > λ; 0 otherwise",
        lambda p: pw((1, x > p("lambd")), (1, x < -p("lambd")), (0, True)),
        TORCH,
    ),
    Case("identity", "1", lambda p: sp.S.One, CALCULUS),
    Case("exponential", "f(x)", lambda p: y, CALCULUS),
    Case("arctan", "1/(1 + x²)", lambda p: 1 / (1 + x**2), CALCULUS),
    Case("arsinh", "1/√(x² + 1)", lambda p: 1 / sqrt(x**2 + 1), CALCULUS),
    Case(
        "isru",
        "(1/√(1 + αx²))³",
        lambda p: (1 / sqrt(1 + p("alpha") * x**2)) ** 3,
        "Carlile et al., Improving Deep Learning by Inverse Square Root Linear Units (2017), eq. 2",
    ),
    Case(
        "isrlu",
        "1 if x ≥ 0; (1/√(1 + αx²))³ otherwise",
        lambda p: pw((1, x >= 0), ((1 / sqrt(1 + p("alpha") * x**2)) ** 3, True)),
        "Carlile et al. (2017), eq. 4",
    ),
    Case(
        "bent_identity",
        "x/(2√(x² + 1)) + 1",
        lambda p: x / (2 * sqrt(x**2 + 1)) + 1,
        "Godfrey, Gashler, A continuum among logarithmic, linear, and exponential functions "
        "(IC3K 2015)",
    ),
    Case(
        "gaussian",
        "−2x·f(x)",
        lambda p: -2 * x * y,
        "Bishop, Neural Networks for Pattern Recognition (1995), sec. 5.2",
    ),
    Case(
        "sinusoid",
        "cos(x)",
        lambda p: sp.cos(x),
        "Parascandolo, Huttunen, Virtanen, Taming the Waves: Sine as Activation Function (2016)",
    ),
    Case(
        "sqnl",
        "1 − x/2 if 0 ≤ x ≤ 2; 1 + x/2 if −2 ≤ x < 0; 0 otherwise",
        lambda p: pw((0, x > 2), (1 - x / 2, x >= 0), (1 + x / 2, x >= -2), (0, True)),
        "Wuraola, Patel, SQNL: A New Computationally Efficient Activation Function (IJCNN 2018)",
    ),
    Case(
        "lisht",
        "tanh(x) + x(1 − tanh²(x))",
        lambda p: tanh(x) + x * (1 - tanh(x) ** 2),
        "Roy et al., LiSHT: Non-Parametric Linearly Scaled Hyperbolic Tangent (2019), eq. 4",
    ),
    Case(
        "gcu",
        "cos(x) − x sin(x)",
        lambda p: sp.cos(x) - x * sp.sin(x),
        "Noel et al., Growing Cosine Unit (2021), eq. 2",
    ),
    Case(
        "snake",
        "1 + sin(2ax)",
        lambda p: 1 + sp.sin(2 * p("a") * x),
        "Ziyin, Hartwig, Ueda, Neural Networks Fail to Learn Periodic Functions (NeurIPS "
        "2020), sec. 4",
    ),
    Case(
        "loglog",
        "exp(−x)·f(x)",
        lambda p: exp(-x) * y,
        "McCullagh, Nelder, Generalized Linear Models (2nd ed., 1989), sec. 4.3 (log-log link)",
    ),
    Case(
        "cloglog",
        "exp(x − exp(x))",
        lambda p: exp(x - exp(x)),
        "McCullagh, Nelder (1989), sec. 4.3 (complementary log-log link)",
    ),
    Case(
        "squared_relu",
        "2x if x > 0; 0 otherwise",
        lambda p: pw((0, x <= 0), (2 * x, True)),
        "So et al., Primer: Searching for Efficient Transformers (NeurIPS 2021)",
    ),
    Case("probit", "φ(x)", lambda p: phi(x), "McCullagh, Nelder (1989), sec. 4.3 (probit link)"),
    Case(
        "bipolar_sigmoid",
        "(1 − f(x)²)/2",
        lambda p: (1 - y**2) / 2,
        "Fausett, Fundamentals of Neural Networks (1994), sec. 1.4.3",
    ),
    Case(
        "elliott",
        "1/(2(1 + |x|)²)",
        lambda p: 1 / (2 * (1 + sp.Abs(x)) ** 2),
        "Elliott, A Better Activation Function for Artificial Neural Networks (1993)",
    ),
    Case(
        "serf",
        "erf(ζ(x)) + x·σ(x)·(2/√π)·exp(−ζ(x)²)",
        lambda p: erf(Z(x)) + x * S(x) * 2 / sqrt(sp.pi) * exp(-(Z(x) ** 2)),
        "Nag, Bhattacharyya, SERF: Towards better training of deep neural networks (2021), eq. 5",
    ),
    Case(
        "tanh_exp",
        "tanh(eˣ) + x·eˣ·(1 − tanh²(eˣ))",
        lambda p: tanh(exp(x)) + x * exp(x) * (1 - tanh(exp(x)) ** 2),
        "Liu, Di, TanhExp: A Smooth Activation Function (2020), eq. 4",
    ),
    Case(
        "logish",
        "log(1 + σ(x)) + x·σ(x)(1 − σ(x))/(1 + σ(x))",
        lambda p: log(1 + S(x)) + x * S(x) * (1 - S(x)) / (1 + S(x)),
        "Zhu et al., Logish: A new nonlinear nonmonotonic activation function (2021)",
    ),
    Case(
        "penalized_tanh",
        "1 − tanh²(x) if x > 0; a(1 − tanh²(x)) otherwise",
        lambda p: pw((1 - tanh(x) ** 2, x > 0), (p("a") * (1 - tanh(x) ** 2), True)),
        "Xu, Huang, Li, Revise Saturated Activation Functions (2016)",
    ),
    Case(
        "stanh",
        "(2a/3)(1 − tanh²(2x/3))",
        lambda p: 2 * p("a") / 3 * (1 - tanh(2 * x / 3) ** 2),
        LECUN,
    ),
    Case("binary_step", "0", lambda p: sp.S.Zero, CALCULUS),
    Case(
        "e_swish",
        "βσ(x)(1 + x(1 − σ(x)))",
        lambda p: p("beta") * S(x) * (1 + x * (1 - S(x))),
        "Alcaide, E-swish: Adjusting Activations to Different Network Depths (2018)",
    ),
    Case(
        "squareplus",
        "(1 + x/√(x² + b))/2",
        lambda p: (1 + x / sqrt(x**2 + p("b"))) / 2,
        "Barron, Squareplus: A Softplus-Like Algebraic Rectifier (2021), eq. 3",
    ),
    Case(
        "sparse_plus",
        "0 if x ≤ −1; (x + 1)/2 if x < 1; 1 otherwise",
        lambda p: pw((0, x <= -1), ((x + 1) / 2, x < 1), (1, True)),
        "Martins, Astudillo, From Softmax to Sparsemax (ICML 2016); JAX sparse_plus",
    ),
)


@dataclass(frozen=True)
class Result:
    case: Case
    textbook: int
    printed: int
    form: str

    @property
    def ratio(self) -> float:
        return (self.printed + 1) / (self.textbook + 1)

    @property
    def passed(self) -> bool:
        return self.printed <= self.textbook + 1


def _formula(catalog: Any, name: str) -> Formula:
    return formula_of(catalog.require(name), CatalogResolver(catalog))


def textbook_agrees(case: Case, formula: Formula) -> bool:
    """Whether the textbook form is the entry's derivative at 9 points away from kinks."""
    symbols = formula.symbols
    form = expand_named(case.build(lambda n: symbols[n]))
    g = formula.at_defaults(differentiate(formula.expr))
    f = formula.at_defaults(formula.expr)
    h = formula.at_defaults(form)
    gf, ff, hf = compile_mp(g), compile_mp(f), compile_mp(h)
    checked = 0
    with mpmath.workdps(30):
        for xv in (-4.3, -2.6, -1.7, -0.7, -0.3, 0.4, 1.3, 2.2, 5.1):
            env: dict[Any, Any] = {x: mpmath.mpf(xv)}
            yv = real_value(ff, env)
            if yv is None:
                continue
            env[y] = yv
            want, got = real_value(gf, env), real_value(hf, env)
            if want is None:
                continue
            if got is None or abs(got - want) > 1e-12 * max(1, abs(want)):
                return False
            checked += 1
    return checked > 0


def run(*, fresh: bool = False, jobs: int | None = None) -> list[Result]:
    """Every case measured; raises ValueError for a textbook form that is not the derivative.

    The measures come from the records (the shipped or cached ones: instant once built); with
    ``fresh``, from derivations made now (no verification or properties: quicker when the
    records are not built)."""
    catalog = pipelines.load_catalog()
    if fresh:
        measures = [_fresh_measure(catalog, c.name) for c in CASES]
    else:
        specs = [catalog.require(c.name) for c in CASES]
        recs = pipelines.records(catalog, specs, jobs=jobs)
        measures = [(dict(r.get("readability") or {}), dict(r["display"])) for r in recs]
    out = []
    for case, (measure, display) in zip(CASES, measures, strict=True):
        formula = _formula(catalog, case.name)
        if not textbook_agrees(case, formula):
            raise ValueError(f"{case.name}: the textbook form {case.shown} is not f'")
        a, b = measure.get("derivative"), measure.get("self_referential")
        best, which = (
            (b, "self_referential")
            if b is not None and a is not None and b < a
            else (a if a is not None else 10**6, "derivative")
        )
        textbook = ops(case.build(formula.symbols.__getitem__))
        out.append(Result(case, textbook, best, str(display.get(which))))
    return out


def _fresh_measure(catalog: Any, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from actderiv.records import display_text, printed_forms, readability

    shown = printed_forms(pipelines.derive(catalog, name))
    display = {"derivative": display_text(shown[1]), "self_referential": display_text(shown[2])}
    return dict(readability(shown[1], shown[2])), display


def summary(results: list[Result]) -> tuple[float, float]:
    """The median and worst ratio of printed to textbook measure."""
    ratios = [r.ratio for r in results]
    return statistics.median(ratios), max(ratios)


def main() -> int:
    results = run(fresh="--fresh" in sys.argv)
    width = max(len(r.case.name) for r in results)
    for r in results:
        mark = "ok " if r.passed else "LONG"
        print(
            f"{mark} {r.case.name:<{width}}  textbook {r.textbook:>2}  printed {r.printed:>2}  "
            f"ratio {r.ratio:4.2f}  {r.form}   [{r.case.shown}; {r.case.source}]"
        )
    median, worst = summary(results)
    failed = sum(not r.passed for r in results)
    print(
        f"{len(results)} cases: median ratio {median:.2f}, worst {worst:.2f}; {failed} longer "
        "than the textbook's plus one"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
