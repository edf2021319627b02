"""The catalog's breadth (issue 22, the survey part; docs/survey.md): every entry cites a source
with a link, the count does not shrink, and survey entries evaluate to values computed by hand
from the original papers' formulas, independently of the catalog's formula strings.
"""

from __future__ import annotations

import math

import mpmath
import pytest

from actderiv.catalog.load import load_catalog
from actderiv.engine.formula import CatalogResolver
from actderiv.lang.parse import X
from actderiv.numerics import compile_mp, real_value

#: The number of entries once the survey block was added (139 before it). Raise it when adding.
MIN_ENTRIES = 190


def test_every_catalog_entry_cites_a_reference_with_a_link() -> None:
    catalog = load_catalog()
    missing = [
        spec.name
        for spec in (catalog.require(key) for key in catalog.keys)
        if not any(ref.link for ref in spec.references)
    ]
    assert missing == []


def test_catalog_keeps_at_least_the_entries_it_reached() -> None:
    assert len(load_catalog()) >= MIN_ENTRIES


def test_survey_entries_are_tagged_survey_and_cite_the_survey_or_their_paper() -> None:
    catalog = load_catalog()
    for key in ("gish", "squ", "ncu", "ssu", "dsu", "aranda_ordaz", "sqlu", "spocu"):
        spec = catalog.require(key)
        assert "survey" in spec.tags, key
        assert any(ref.link for ref in spec.references), key


def _sinc(z: float) -> float:
    return 1.0 if z == 0 else math.sin(z) / z


def _spocu_r(u: float) -> float:
    return u**3 * (u**5 - 2 * u**4 + 2)


# (entry, x, value): each value is computed here from the paper's formula as written in the
# paper (or, where marked, the survey), not from the catalog's formula text.
HAND_VALUES: list[tuple[str, float, float]] = [
    # Gish (Kaytan et al. 2023): x*ln(2 - e^(-e^x)).
    ("gish", 1.0, 1.0 * math.log(2 - math.exp(-math.e))),
    ("gish", -2.0, -2.0 * math.log(2 - math.exp(-math.exp(-2.0)))),
    # Noel et al. 2021: SQU = x^2 + x, NCU = x - x^3, SSU = pi*sinc(x - pi),
    # DSU = pi/2*(sinc(x - pi) - sinc(x + pi)), sinc(z) = sin(z)/z.
    ("squ", -0.5, -0.25),
    ("ncu", 0.5, 0.375),
    ("ssu", math.pi / 2, 2.0),
    ("ssu", math.pi, math.pi),
    ("ssu", 1.0, math.pi * _sinc(1.0 - math.pi)),
    ("dsu", math.pi / 2, 4.0 / 3.0),
    ("dsu", 0.7, math.pi / 2 * (_sinc(0.7 - math.pi) - _sinc(0.7 + math.pi))),
    # Aranda-Ordaz: 1 - (1 + lam*e^x)^(-1/lam), lam = 2.
    ("aranda_ordaz", 0.0, 1 - 3**-0.5),
    ("aranda_ordaz", 1.5, 1 - (1 + 2 * math.exp(1.5)) ** -0.5),
    # BinaryConnect's hard sigmoid: clip((x + 1)/2, 0, 1).
    ("hard_sigmoid_binaryconnect", 0.5, 0.75),
    ("hard_sigmoid_binaryconnect", -3.0, 0.0),
    ("hard_sigmoid_binaryconnect", 3.0, 1.0),
    # SQLU (Wuraola et al. 2021): x; x + x^2/4 on [-2, 0]; -1.
    ("sqlu", -1.0, -0.75),
    ("sqlu", -3.0, -1.0),
    ("sqlu", 2.0, 2.0),
    # BLReLU (Liew et al., recalled), a = 0.1, b = 1: a*x; x; a*x + (1 - a)*b.
    ("bounded_leaky_relu", 2.0, 1.1),
    ("bounded_leaky_relu", -1.0, -0.1),
    # Sinc-sigmoid (survey): unnormalised sinc of the logistic sigmoid.
    ("sinc_sigmoid", 0.0, math.sin(0.5) / 0.5),
    ("sinc_sigmoid", -2.0, _sinc(1 / (1 + math.exp(2.0)))),
    # Derivative of the logistic sigmoid: s*(1 - s).
    ("dsigmoid", 0.0, 0.25),
    ("dsigmoid", 1.3, (1 / (1 + math.exp(-1.3))) * (1 - 1 / (1 + math.exp(-1.3)))),
    # SoftModulusT (survey), a = 0.01: x*tanh(x/a).
    ("soft_modulus_t", 0.005, 0.005 * math.tanh(0.5)),
    ("soft_modulus_t", -2.0, 2.0 * math.tanh(200.0)),
    # SoftModulusQ (survey): x^2*(2 - |x|) on [-1, 1], |x| outside.
    ("soft_modulus_q", 0.5, 0.375),
    ("soft_modulus_q", -3.0, 3.0),
    # mReLU (survey): min(ReLU(1 - x), ReLU(1 + x)).
    ("mrelu", -0.25, 0.75),
    ("mrelu", 2.0, 0.0),
    # PUAF (survey's swish-like setting a = 1, b = 5, c = 10).
    ("puaf", 3.0, 3.0 * 13.0**5 / (13.0**5 + 7.0**5)),
    ("puaf", 12.0, 12.0),
    ("puaf", -11.0, 0.0),
    # maxtanh (survey): max(x, tanh(x)).
    ("maxtanh", -1.0, math.tanh(-1.0)),
    ("maxtanh", 0.5, 0.5),
    # Triple (survey), a = 1: a*x^3.
    ("triple", -1.5, -3.375),
    # ReSP (survey), a = 1.7: a*x + ln 2 for x >= 0, ln(1 + e^x) below.
    ("resp", 0.0, math.log(2)),
    ("resp", -1.0, math.log1p(math.exp(-1.0))),
    ("resp", 1.0, 1.7 + math.log(2)),
    # squish (survey): x + x^2/32 above 0, x + x^2/2 on [-2, 0], 0 below.
    ("squish", -1.0, -0.5),
    ("squish", 4.0, 4.5),
    ("squish", -3.0, 0.0),
    # PRBF (survey), a = 3, b = 1: Gaussian bumps centred at -2a, 0, 2a.
    ("prbf", 3.5, math.exp(-((3.5 - 6.0) ** 2))),
    ("prbf", -1.0, math.exp(-1.0)),
    # EPLAF (survey), d = 2: |x|^d/d on [-1, 1], |x| - (1 - 1/d) outside.
    ("eplaf", 0.5, 0.125),
    ("eplaf", -3.0, 2.5),
    # Pan function (survey), a = 1: max(|x| - a, 0).
    ("pan_function", -2.5, 1.5),
    ("pan_function", 0.4, 0.0),
    # Generalized swish (survey): x*sigmoid(exp(-x)).
    ("gswish", 1.0, 1.0 / (1 + math.exp(-math.exp(-1.0)))),
    # bbfire (survey), a = 1, b = 3: bfire capped at b.
    ("bbfire", 0.5, 0.125),
    ("bbfire", -2.0, 1.5),
    ("bbfire", 10.0, 3.0),
    # SQRT (survey): sign(x)*sqrt(|x|).
    ("sqrt_af", -4.0, -2.0),
    # SPOCU (Kiselak et al., as their correction states it), alpha = 1, beta = 0.5, gamma = 1,
    # c = 1: alpha*h(x/gamma + beta) - alpha*h(beta), h = 0 below 0, r on [0, c), r(c) above.
    ("spocu", 0.0, 0.0),
    ("spocu", 0.3, _spocu_r(0.8) - _spocu_r(0.5)),
    ("spocu", 2.0, 1.0 - 0.23828125),
    ("spocu", -1.0, -0.23828125),
]


@pytest.mark.parametrize(("name", "x", "want"), HAND_VALUES)
def test_survey_entry_matches_a_value_computed_from_the_paper(
    name: str, x: float, want: float
) -> None:
    catalog = load_catalog()
    f = compile_mp(CatalogResolver(catalog).expression(name))
    with mpmath.workdps(30):
        got = real_value(f, {X: mpmath.mpf(x)})
    assert got is not None
    assert float(got) == pytest.approx(want, rel=1e-12, abs=1e-12)
