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

#: The number of entries once the survey block's second pass was added (139 before the survey
#: block, 190 after its first pass). Raise it when adding.
MIN_ENTRIES = 306


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
    # Second pass. Sign (survey 3.1): -1, 0, 1.
    ("sign_af", -0.3, -1.0),
    ("sign_af", 0.0, 0.0),
    ("sign_af", 2.0, 1.0),
    # APTx (Kumar 2022), alpha = 1, beta = 1, gamma = 1/2: (alpha + tanh(beta*x))*gamma*x,
    # which at these defaults is x*sigmoid(2x).
    ("aptx", 1.0, (1 + math.tanh(1.0)) * 0.5),
    ("aptx", -2.0, -2.0 / (1 + math.exp(4.0))),
    # LipSwish (Chen et al. 2019): x*sigmoid(x)/1.1.
    ("lipswish", 2.0, 2.0 / (1 + math.exp(-2.0)) / 1.1),
    # Mega's Laplace: normal CDF at (x - mu)/sigma, mu = 0.707107, sigma = 0.282095.
    ("laplace_attention", 0.707107, 0.5),
    ("laplace_attention", 1.0, 0.5 * (1 + math.erf((1.0 - 0.707107) / (0.282095 * math.sqrt(2))))),
    # SIREN (Sitzmann et al. 2020), w0 = 30: sin(30x).
    ("siren", math.pi / 60, 1.0),
    ("siren", 0.01, math.sin(0.3)),
    # SmeLU (Shamir et al.), beta = 1: 0; (x + 1)^2/4 on [-1, 1]; x.
    ("smelu", -2.0, 0.0),
    ("smelu", 0.0, 0.25),
    ("smelu", 0.5, 0.5625),
    ("smelu", 3.0, 3.0),
    # TeLU (Fernandez and Mali) is TanhExp: x*tanh(e^x); GoLU (Das et al.) is ExpExpish.
    ("tanh_exp", 0.5, 0.5 * math.tanh(math.exp(0.5))),
    ("expexpish", -1.0, -math.exp(-math.e)),
    # Minsin (survey): sin(x) for x >= 0, x below.
    ("minsin", 2.0, math.sin(2.0)),
    ("minsin", -2.0, -2.0),
    # LogSQNL (survey): (SQNL + 1)/2, continuous at 2.
    ("logsqnl", 2.0, 1.0),
    ("logsqnl", 1.0, 0.5 + 0.5 - 0.125),
    ("logsqnl", -1.0, 0.5 - 0.5 + 0.125),
    ("logsqnl", -3.0, 0.0),
    # SC-mish (survey), a = 1: max(0, x)*tanh(ln(1 + e^(a*x))).
    ("sc_mish", 1.0, math.tanh(math.log1p(math.e))),
    ("sc_mish", -1.0, 0.0),
    # Swim (survey), a = 0.5: x*(1 + a*x/sqrt(1 + x^2))/2.
    ("swim", 1.0, (1 + 0.5 / math.sqrt(2.0)) / 2),
    # MSRF functions (Pan et al., via the survey), eps = 4*ln(2)^2: |z|_eps = sqrt(z^2 + eps).
    ("vrelu_plus", 0.0, 2 * math.log(2)),
    ("step_plus", 0.0, 0.5),
    ("bipolar_plus", 1.0, 1.0 / math.sqrt(1.0 + 4 * math.log(2) ** 2)),
    ("brelu_plus", 0.5, 0.5),
    ("hardtanh_plus", 0.0, 0.0),
    ("hardtanh_plus", 1.0, (math.sqrt(4.0 + 4 * math.log(2) ** 2) - 2 * math.log(2)) / 2),
    ("swish_plus", 2.0, 2.0 * (1 + 2.0 / math.sqrt(4.0 + 4 * math.log(2) ** 2)) / 2),
    ("logish_plus", 0.0, 0.0),
    # ACON-B (Ma et al.; survey's initial values a = 1, b = 0.25): (1 - b)x*sigmoid(a(1 - b)x) + bx.
    ("acon_b", 2.0, 1.5 / (1 + math.exp(-1.5)) + 0.5),
    # TBSReLUl (survey), a = 0.5: x*tanh(a*(1 - e^-x)/(1 + e^-x)).
    ("tbsrelul", 1.0, math.tanh(0.5 * (1 - math.exp(-1.0)) / (1 + math.exp(-1.0)))),
    # Dual Line (survey's initial values a = 1, b = 0.01, m = -0.22).
    ("dual_line", 2.0, 1.78),
    ("dual_line", -2.0, -0.24),
    # Tent (survey), a = 1: max(0, a - |x|); hat (survey), a = 2: x, then a - x, on [0, a].
    ("tent", -0.25, 0.75),
    ("hat", 0.5, 0.5),
    ("hat", 1.5, 0.5),
    ("hat", -1.0, 0.0),
    ("hat", 3.0, 0.0),
    # ReLTanh (survey's initial values a = -1.5, b = 0): tangent line of tanh below a, x above 0.
    ("reltanh", -0.5, math.tanh(-0.5)),
    ("reltanh", -2.5, (1 - math.tanh(-1.5) ** 2) * (-1.0) + math.tanh(-1.5)),
    ("reltanh", 2.0, 2.0),
    # AReLU (survey's initial values a = 0.9, b = 2): slopes 0.9 and 1 + sigmoid(2).
    ("arelu", -1.0, -0.9),
    ("arelu", 1.0, 1 + 1 / (1 + math.exp(-2.0))),
    # P-E2-ReLU (survey's initial values a = 0.4, b = 0.3): a*ReLU + b*ELU + (1 - a - b)*(-ELU(-x)).
    ("p_e2_relu", 1.0, 0.4 + 0.3 + 0.3 * (1 - math.exp(-1.0))),
    ("p_e2_relu", -1.0, 0.3 * (math.exp(-1.0) - 1) - 0.3),
    # ReLU-Swish / SC-swish (survey): max(0, x)*sigmoid(x).
    ("relu_swish", 2.0, 2.0 / (1 + math.exp(-2.0))),
    ("relu_swish", -2.0, 0.0),
    # SlReLU (survey), a = 10: a*max(0, x).
    ("sl_relu", 0.25, 2.5),
    ("sl_relu", -1.0, 0.0),
    ("logish_plus", 1.0, math.log(1 + (1 + 1 / math.sqrt(1 + 4 * math.log(2) ** 2)) / 2)),
]


def test_second_pass_aliases_name_the_same_functions() -> None:
    # TeLU = x*tanh(e^x) is TanhExp and GoLU = x*exp(-exp(-x)) is ExpExpish: aliases, not entries.
    catalog = load_catalog()
    assert catalog.require("TeLU").name == "tanh_exp"
    assert catalog.require("GoLU").name == "expexpish"


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
