"""verify computes only what it reports: no self-referential search, no properties.

A record made for verification is cached apart from a whole one; a whole record already cached
answers verify at once; both kinds give verify the same result.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from actderiv import api, pipelines
from actderiv.catalog.model import SEARCH_CHECKS, Catalog
from actderiv.engine import proofs
from actderiv.engine.budget import EngineOptions
from actderiv.engine.derive import derive
from actderiv.engine.forms import differentiate
from actderiv.engine.formula import formula_from_text
from actderiv.engine.proofs import Proof, proves_zero
from actderiv.lang.parse import X

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tiny() -> Catalog:
    return api.load_catalogs([DATA / "tiny.toml"])


def _cached_files() -> list[Path]:
    return sorted(Path(os.environ["ACTDERIV_CACHE_DIR"]).joinpath("records").rglob("*.json"))


def test_a_record_for_verify_has_no_search_and_no_properties(tiny: Catalog) -> None:
    (for_verify,) = api.records(tiny, [tiny.require("sigmoid")], for_verify=True, jobs=1)
    (whole,) = api.records(tiny, [tiny.require("sigmoid")], jobs=1)

    assert for_verify["self_referential"] is None
    assert for_verify["properties"] is None
    names = [c["name"] for c in for_verify["verification"]["checks"]]
    assert not set(SEARCH_CHECKS) & set(names)
    # The catalog's own claim of a self-referential form is still checked, and proved.
    assert ("claimed self-referential form", "proved") in [
        (c["name"], c["status"]) for c in for_verify["verification"]["checks"]
    ]
    assert whole["self_referential"] == "y*(1 - y)"
    assert whole["properties"] is not None
    # sigmoid's printed self-referential form is the one found, so it has no check of its own
    assert set(SEARCH_CHECKS[:2]) <= {c["name"] for c in whole["verification"]["checks"]}
    assert len(_cached_files()) == 2  # cached apart: neither overwrote the other


def test_verify_gives_the_same_result_from_whole_records_and_its_own(tiny: Catalog) -> None:
    specs = list(tiny)
    from_own = api.verification_summary(api.records(tiny, specs, for_verify=True, jobs=1))
    from_whole = api.verification_summary(api.records(tiny, specs, jobs=1))

    assert from_own == from_whole
    assert from_own["summary"]["failed"] == from_own["summary"]["undecided"] == 0
    assert all(r["verified"] for r in from_own["results"])


def test_verify_takes_a_whole_record_from_the_cache_without_deriving(
    tiny: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.records(tiny, [tiny.require("relu")], jobs=1)  # as show would

    def no_derivation(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError("derived although a whole record was cached")

    monkeypatch.setattr(pipelines, "_fresh_record", no_derivation)
    (found,) = api.records(tiny, [tiny.require("relu")], for_verify=True)

    assert found["properties"] is not None  # the whole record, as it was cached


def test_verification_summary_leaves_out_the_search_checks_and_counts_again() -> None:
    def check(name: str, status: str) -> dict[str, Any]:
        return {"name": name, "status": status, "detail": "", "counterexample": None}

    record = {
        "name": "demo",
        "verified": False,
        "verification": {
            "summary": {"proved": 1, "confirmed": 1, "failed": 1, "undecided": 0},
            "checks": [
                check("derivative", "confirmed"),
                check(SEARCH_CHECKS[0], "failed"),
                check(SEARCH_CHECKS[1], "proved"),
            ],
        },
    }
    unverified = {"name": "none", "verified": False, "verification": None}

    summary = api.verification_summary([record, unverified])

    assert summary["summary"] == {"proved": 0, "confirmed": 1, "failed": 0, "undecided": 0}
    assert [r["verified"] for r in summary["results"]] == [True, False]
    assert summary["results"][0]["checks"] == [check("derivative", "confirmed")]


def test_the_engine_can_leave_out_the_search() -> None:
    formula = formula_from_text("tanh(x)", {}, None)
    options = EngineOptions(search_self_referential=False)

    without = derive(formula, options=options)
    with_search = derive(formula)

    assert without.self_referential is None
    assert "no self-referential form found" not in without.notes
    assert "no self-referential form searched for (a derivation for verify)" in without.notes
    assert with_search.self_referential is not None
    assert str(with_search.self_referential.expr) == "1 - y**2"
    assert without.derivative == with_search.derivative


def test_the_cli_verify_leaves_out_the_search(tiny_catalog_path: Path) -> None:
    from click.testing import CliRunner

    from actderiv.cli import cli

    result = CliRunner().invoke(
        cli, ["--catalog", str(tiny_catalog_path), "verify", "sigmoid", "--json"]
    )

    assert result.exit_code == 0, result.output
    cached = [p.read_text() for p in _cached_files()]
    assert len(cached) == 1
    assert '"properties": null' in cached[0]
    assert '"self_referential": null' in cached[0]


@pytest.mark.parametrize(
    ("text", "proved"),
    [
        ("(x**2 - 1)/(x - 1) - (x + 1)", "in general"),  # cancel
        ("tanh(x)**2 + 1/cosh(x)**2 - 1", "in general"),  # simplify
        # exponential rewrite: soft clipping's claim against its derivative (simplify gives up)
        (
            "sinh(a/2)/(2*cosh(a*x/2)*cosh(a*(x - 1)/2))"
            " - (1 - exp(-a))*exp(a*x)/((1 + exp(-a)*exp(a*x))*(exp(a*x) + 1))",
            "in general",
        ),
        # sign(x) as x/|x|, and the value at 0 apart
        ("abs(x)*sign(x)*exp(x) - x*exp(x)", "in general"),
        ("abs(x)*sign(x) + sign(x)**2 - x - 1", None),  # 0 everywhere but at 0
        # piece by piece: hard sigmoid's claim against its derivative, other conditions
        ("(1/6 if x > -3 and x < 3 else 0) - (0 if x >= 3 or x <= -3 else 1/6)", "in general"),
        ("(1 if x > 0 else 0) - (0 if x <= 0 else 1)", "in general"),
        ("(1 if x >= 0 else 0) - (0 if x <= 0 else 1)", None),  # differ at 0
        ("(x if x == 1 else 0) - (2 if x == 1 else 0)", None),  # differ at 1
        # piece by piece with signs: SQ-RBF's claim against its derivative
        (
            "(-x if abs(x) <= 1 else (x - 2*sign(x) if abs(x) < 2 else 0))"
            " - (-x if abs(x) <= 1 else (-(2 - abs(x))*sign(x) if abs(x) < 2 else 0))",
            "in general",
        ),
        ("exp(x) - x", None),
    ],
)
def test_proves_zero(text: str, proved: Proof | None) -> None:
    assert proves_zero(_expr(text), EngineOptions()) == proved


def _expr(text: str) -> Any:
    params = {"a": 50.0} if "sinh(a" in text else {}
    return formula_from_text(text, params, None).expr


#: Differences that simplify proves 0 too, or not at all: the cheap rungs must prove them alone.
_CHEAP_PROOFS = [
    "sinh(a/2)/(2*cosh(a*x/2)*cosh(a*(x - 1)/2))"
    " - (1 - exp(-a))*exp(a*x)/((1 + exp(-a)*exp(a*x))*(exp(a*x) + 1))",
    "abs(x)*sign(x)*exp(x) - x*exp(x)",
    "(1/6 if x > -3 and x < 3 else 0) - (0 if x >= 3 or x <= -3 else 1/6)",
    "(1 if x > 0 else 0) - (0 if x <= 0 else 1)",
    "(1 if x != 0 else 0) - (0 if x == 0 else 1)",
    "(1 if not (x > 0 and x < 1) else 0) - (0 if x > 0 and x < 1 else 1)",
    "(x if x == 1 else 0) - (1 if x == 1 else 0)",  # a piece for one point: its value there
    "(-x if abs(x) <= 1 else (x - 2*sign(x) if abs(x) < 2 else 0))"
    " - (-x if abs(x) <= 1 else (-(2 - abs(x))*sign(x) if abs(x) < 2 else 0))",
]


@pytest.mark.parametrize("text", _CHEAP_PROOFS)
def test_the_cheap_rungs_prove_without_simplify(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_simplify(*args: object, **kwargs: object) -> None:
        raise NotImplementedError("simplify is not to be used here")

    monkeypatch.setattr(proofs.sp, "simplify", no_simplify)

    assert proves_zero(_expr(text), EngineOptions()) == "in general"


def test_the_first_true_condition_wins_piece_by_piece() -> None:
    """Pieces are read in order: the second piece applies only where the first does not."""
    same = _expr("(1 if x > 0 else (2 if x > -1 else 3))") - _expr(
        "(1 if x > 0 else (2 if x > -1 and x <= 0 else 3))"
    )
    other = _expr("(1 if x > 0 else (2 if x > -1 else 3))") - _expr(
        "(1 if x > 0 else (2 if x > -2 else 3))"
    )

    assert proofs._zero_on_every_piece(same)
    assert not proofs._zero_on_every_piece(other)


@pytest.mark.parametrize(
    ("text", "inside", "outside"),
    [
        ("x > 0 and x < 1", [0.5], [0, 1, -1]),
        ("x <= -1 or x >= 1", [-1, 1, 3], [0, 0.5]),
        ("not (x > 0 and x < 1)", [0, 1, -1], [0.5]),
        ("x == 2", [2], [0, 3]),
        ("x != 2", [0, 3], [2]),
    ],
)
def test_the_set_where_a_condition_holds(
    text: str, inside: list[float], outside: list[float]
) -> None:
    (_, cond), _ = _expr(f"1 if {text} else 0").args
    where = proofs._as_set(cond)

    assert all(where.contains(value) for value in inside)
    assert not any(where.contains(value) for value in outside)


def test_a_condition_of_another_kind_has_no_set() -> None:
    import sympy as sp

    with pytest.raises(NotImplementedError):
        proofs._as_set(sp.Xor(X > 0, X < 1))


def test_proves_zero_at_the_parameter_values() -> None:
    """PLU's claim holds for alpha < 1 only (for alpha > 1 the slopes swap): SymPy proves it at
    the catalog's values, and says so, but not in general."""
    formula = formula_from_text(
        "max(min(x, alpha*(x - c) + c), alpha*(x + c) - c)", {"alpha": 0.1, "c": 1.0}, None
    )
    claim = formula_from_text("alpha if abs(x) > c else 1", {"alpha": 0.1, "c": 1.0}, None)
    diff = differentiate(formula.expr, 1, X) - claim.expr
    wrong = formula_from_text("alpha if abs(x) > c else 0", {"alpha": 0.1, "c": 1.0}, None)
    opts = EngineOptions()

    assert proves_zero(diff, opts) is None
    assert proves_zero(diff, opts, formula.defaults) == "at the parameter values"
    assert proves_zero(diff + claim.expr - wrong.expr, opts, formula.defaults) is None


def test_claim_proved_at_the_parameter_values_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")  # proved now, not read from a shipped record
    catalog = api.load_catalog()
    record = api.records(catalog, [catalog.require("plu")], for_verify=True)[0]
    claim = next(c for c in record["verification"]["checks"] if c["name"] == "claimed derivative")

    assert claim["status"] == "proved"
    assert "at the parameter values (alpha = 0.1, c = 1.0)" in claim["detail"]


@pytest.mark.parametrize("name", ["hardtanh", "softshrink"])
def test_claim_proved_at_the_parameter_values_and_for_all_says_so(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Their conditions involve parameters, and the claims hold for every value: so it says."""
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")
    catalog = api.load_catalog()
    record = api.records(catalog, [catalog.require(name)], for_verify=True)[0]
    claim = next(c for c in record["verification"]["checks"] if c["name"] == "claimed derivative")

    assert claim["status"] == "proved"
    assert claim["detail"].startswith("SymPy proves the claim equal to the derivative")
    assert "parameter values" not in claim["detail"]


def test_readable_form_proof_names_the_sympy_identity() -> None:
    catalog = api.load_catalog()
    record = api.records(catalog, [catalog.require("bipolar_sigmoid")], for_verify=True)[0]
    readable = next(c for c in record["verification"]["checks"] if c["name"] == "readable form")

    assert readable["status"] == "proved"
    assert readable["detail"].startswith("SymPy's ")
    assert readable["detail"].endswith(" of its diff")


def test_worker_processes_give_the_records_one_process_gives(
    tiny: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTDERIV_NO_CACHE", "1")
    specs = list(tiny)
    done: list[str] = []

    serial = api.records(tiny, specs, for_verify=True, jobs=1)
    parallel = api.records(
        tiny, specs, for_verify=True, jobs=2, progress=lambda spec: done.append(spec.name)
    )

    assert parallel == serial  # in catalog order, whatever order the workers finished in
    assert sorted(done) == sorted(s.name for s in specs)
