"""plot: numeric sampling of f and f', golden text and pgfplots output, images, pdflatex."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from actderiv import api
from actderiv.render import plot

GOLDEN = Path(__file__).parent / "golden" / "plot"
Golden = Callable[[Path, str], None]


@pytest.fixture(scope="module")
def curves() -> list[plot.Curve]:
    catalog = api.load_catalog(Path(__file__).parent / "data" / "tiny.toml")
    return [plot.sample(api.derive(catalog, n), -4, 4, 41) for n in ("sigmoid", "relu")]


def test_sample_evaluates_f_and_its_derivative(curves: list[plot.Curve]) -> None:
    sigmoid, relu = curves
    assert sigmoid.xs[0] == -4
    assert sigmoid.xs[20] == 0
    assert sigmoid.xs[-1] == 4
    assert sigmoid.f[20] == pytest.approx(0.5)
    assert sigmoid.df[20] == pytest.approx(0.25)
    assert relu.f[:3] == (0.0, 0.0, 0.0)
    assert relu.f[-1] == pytest.approx(4.0)
    assert relu.df[20] == 0.0  # the formula as written gives 0 at the kink
    assert relu.df[-1] == 1.0


def test_sample_uses_parameter_defaults(tiny_catalog_path: Path) -> None:
    catalog = api.load_catalog(tiny_catalog_path)
    elu = plot.sample(api.derive(catalog, "elu"), -1, 1, 3)
    assert elu.f[0] == pytest.approx(-0.6321205588)  # alpha = 1: e^-1 - 1
    assert elu.df == (pytest.approx(0.3678794412), 1.0, 1.0)


@pytest.mark.parametrize(
    ("lo", "hi", "points", "message"),
    [
        (1.0, 1.0, 11, "the range must be two finite numbers A < B, not 1 1"),
        (0.0, float("inf"), 11, "the range must be two finite numbers A < B, not 0 inf"),
        (0.0, 1.0, 1, "a plot needs at least two points"),
    ],
)
def test_sample_refuses_bad_ranges(
    tiny_catalog_path: Path, lo: float, hi: float, points: int, message: str
) -> None:
    d = api.derive(api.load_catalog(tiny_catalog_path), "relu")
    with pytest.raises(ValueError, match=r"^(the range|a plot)") as info:
        plot.sample(d, lo, hi, points)
    assert str(info.value) == message


def test_terminal_plot_golden(tiny: Callable[..., Result], assert_golden: Golden) -> None:
    result = tiny("plot", "sigmoid", "relu", "--range", "-4", "4")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert_golden(GOLDEN / "sigmoid_relu.txt", result.stdout)


def test_pgfplots_golden(tiny: Callable[..., Result], assert_golden: Golden) -> None:
    result = tiny(
        "plot",
        "relu",
        "elu",
        "--format",
        "pgfplots",
        "--points",
        "11",
        "--range",
        "-2",
        "2",
    )
    assert result.exit_code == 0
    assert_golden(GOLDEN / "relu_elu.tex", result.stdout)


def test_pgfplots_standalone_wraps_the_figure(curves: list[plot.Curve]) -> None:
    figure = plot.pgfplots(curves)
    whole = plot.pgfplots(curves, standalone=True)
    assert whole.startswith("\\documentclass{article}\n\\usepackage{amsmath,pgfplots}\n")
    assert "\\begin{document}\n\\noindent\n" + figure + "\\end{document}\n" in whole


@pytest.mark.parametrize(
    ("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")]
)
def test_images_are_deterministic(curves: list[plot.Curve], fmt: str, magic: bytes) -> None:
    pytest.importorskip("matplotlib")
    first = plot.image(curves, fmt)
    assert first.startswith(magic)
    assert plot.image(curves, fmt) == first


def test_plot_writes_an_image_by_suffix(
    run: Callable[..., Result], tiny_catalog_path: Path, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    out = tmp_path / "relu.svg"
    result = run("--catalog", str(tiny_catalog_path), "plot", "relu", "-o", str(out))
    assert result.exit_code == 0
    assert result.stderr == f"wrote {out}\n"
    assert out.read_bytes().startswith(b"<?xml")


def test_images_without_matplotlib_say_what_to_install(
    run: Callable[..., Result],
    tiny_catalog_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = run("--catalog", str(tiny_catalog_path), "plot", "relu", "-o", str(tmp_path / "a.png"))
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: PNG, SVG and PDF plots need matplotlib: pip install 'actderiv[plot]'\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "png"), "images go to a file: give -o FILE"),
        (("--format", "png", "-o", "a.pdf"), "--format png writes .png files, not 'a.pdf'"),
        (("--standalone",), "--standalone is for pgfplots"),
    ],
)
def test_plot_usage_errors(
    run: Callable[..., Result], tiny_catalog_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = run("--catalog", str(tiny_catalog_path), "plot", "relu", *args)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: {message}\n")


def test_bad_range_is_an_error(run: Callable[..., Result], tiny_catalog_path: Path) -> None:
    result = run("--catalog", str(tiny_catalog_path), "plot", "relu", "--range", "3", "-3")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--range': 3 -3 is not two finite numbers A < B\n"
    )


def test_pgfplots_figure_compiles(
    compile_latex: Callable[..., str], tiny: Callable[..., Result], tmp_path: Path
) -> None:
    result = tiny("plot", "sigmoid", "relu", "elu", "--format", "pgfplots", "--standalone")
    assert result.exit_code == 0
    log = compile_latex(result.stdout, tmp_path)
    assert "Overfull \\hbox" not in log


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ("-1e308", "1e308", "the range -1e+308 1e+308 is too wide to plot"),
        ("1", "1.0000000000000002", "the range 1.0 1.0000000000000002 is too narrow to plot"),
    ],
)
def test_a_range_no_float_grid_can_span_is_refused_clearly(
    run: Callable[..., Result], low: str, high: str, message: str
) -> None:
    result = run("plot", "sigmoid", "--range", low, high)  # was: ValueError from NaN

    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {message}: B − A must be a finite number")


def test_a_huge_but_finite_range_plots(run: Callable[..., Result]) -> None:
    result = run("plot", "relu", "sigmoid", "--range", "-1e300", "1e300")

    assert result.exit_code == 0, result.stderr
    assert "-1e+300" in result.stdout
    assert "1e+300" in result.stdout
