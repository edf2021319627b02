"""``actderiv site``: the website of a catalog, built once per module (tiny and hostile catalogs;
the shipped catalog in a slow test) and opened in headless Chromium through Playwright.

The browser is Debian's chromium (``/usr/bin/chromium``, installed by .ci/run with apt-get), never
one that Playwright downloads. Every request that is not a file:// URL is refused and fails the
test, as does any console error. Without Chromium or Playwright the browser tests skip, unless
``ACTDERIV_REQUIRE_BROWSER=1`` (CI) makes them fail. Screenshots go to ``$ACTDERIV_SCREENSHOTS``
when set, else to a temporary folder.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from actderiv import schema
from actderiv.cli import cli

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.toml"
HOSTILE = DATA / "hostile.toml"
CHROMIUM = os.environ.get("ACTDERIV_CHROMIUM", "/usr/bin/chromium")


def _site(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    built: dict[str, Any] = json.loads(result.stdout)
    return built


def _build(
    factory: pytest.TempPathFactory, catalog: Path | None, name: str
) -> Iterator[tuple[Path, dict[str, Any], Path]]:
    """Build a site into a fresh folder with a cache folder of its own (kept for the module)."""
    cache = factory.mktemp(f"{name}-cache")
    out = factory.mktemp(name) / "site"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACTDERIV_CACHE_DIR", str(cache))
        mp.delenv("ACTDERIV_CATALOG", raising=False)
        head = ("--catalog", str(catalog)) if catalog else ()
        built = _site(*head, "site", str(out))
        yield out, built, cache


@pytest.fixture(scope="module")
def tiny_built(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Path, dict[str, Any], Path]]:
    """The tiny catalog's site, its ``--json`` object and its cache folder."""
    yield from _build(tmp_path_factory, TINY, "tiny")


@pytest.fixture
def tiny_site(tiny_built: tuple[Path, dict[str, Any], Path]) -> tuple[Path, dict[str, Any]]:
    return tiny_built[0], tiny_built[1]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    for out, _, _ in _build(tmp_path_factory, HOSTILE, "hostile"):
        yield out


# --------------------------------------------------------------------------------------------
# The files


def test_site_json_validates_and_counts_the_files(tiny_site: tuple[Path, dict[str, Any]]) -> None:
    out, built = tiny_site

    schema.check(built, "site")
    import jsonschema

    jsonschema.validate(built, schema.json_schema("site"))
    assert (built["entries"], built["files"], built["written"]) == (4, 5, 5)
    assert sorted(p.name for p in out.glob("*.html")) == [
        "elu.html",
        "index.html",
        "relu.html",
        "sigmoid.html",
        "swish.html",
    ]


def test_a_warm_rebuild_derives_and_writes_nothing(
    tmp_path: Path,
    tiny_built: tuple[Path, dict[str, Any], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built, first, cache = tiny_built
    monkeypatch.setenv("ACTDERIV_CACHE_DIR", str(cache))
    out = tmp_path / "site"
    shutil.copytree(built, out)
    before = {p.name: p.read_bytes() for p in out.glob("*.html")}
    again = _site("--catalog", str(TINY), "site", str(out))
    assert first["derived"] == 4
    assert (again["derived"], again["written"], again["unchanged"]) == (0, 0, 5)
    assert before == {p.name: p.read_bytes() for p in out.glob("*.html")}
    # the pages of entries no longer in the catalog are removed, nothing else
    (out / "mine.txt").write_text("kept", encoding="utf-8")
    smaller = tmp_path / "smaller.toml"
    smaller.write_text(TINY.read_text(encoding="utf-8").split("[activations.swish]")[0])
    fewer = _site("--catalog", str(smaller), "site", str(out))
    assert (fewer["entries"], fewer["removed"]) == (2, 2)
    assert sorted(p.name for p in out.glob("*.html")) == [
        "index.html",
        "relu.html",
        "sigmoid.html",
    ]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "kept"


def test_pages_need_nothing_from_another_host(tiny_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = tiny_site
    for path in out.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path.name
        assert "@import" not in text
        assert "url(" not in text
        assert "default-src &#x27;none&#x27;" in text  # the policy refuses every request


def test_an_entry_page_has_its_sections(tiny_site: tuple[Path, dict[str, Any]]) -> None:
    out, _ = tiny_site
    page = (out / "relu.html").read_text(encoding="utf-8")

    for heading in (
        "Definition and derivatives",
        "Plots",
        "Breakpoints",
        "Properties",
        "Signal propagation",
        "Verification",
        "LaTeX",
        "PyTorch code",
    ):
        assert f">{heading}</h2>" in page
    assert page.count("<svg ") == 2
    assert page.count('<line class="kink"') == 2
    assert "<mtable>" in page  # the piecewise definition as cases
    assert "class ReluFunction(torch.autograd.Function)" in html.unescape(page)
    assert r"f(x) &amp;= \begin{cases}" in page  # the LaTeX to copy


def test_catalog_text_that_holds_html_is_escaped(hostile_site: Path) -> None:
    for path in hostile_site.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert text.count("<script") == 1, path.name  # the page's own script only
        for bad in ("<img", "<b>", "<i>", "<svg onload", "<style>body", 'href="javascript'):
            assert bad not in text, (path.name, bad)
        tags, attributes = _markup(text)
        assert {"img", "b", "i", "style"} & tags == {"style"}  # the page's own stylesheet
        assert not [a for a in attributes if a.startswith("on")], path.name
    relu = (hostile_site / "relu.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#x27;notes&#x27;)&lt;/script&gt;" in relu
    assert 'href="https://example.org/a?b=1&amp;c=2"' in relu


def _markup(text: str) -> tuple[set[str], set[str]]:
    """The tags and attribute names of an HTML document, as a browser's tokenizer finds them."""
    from html.parser import HTMLParser

    tags: set[str] = set()
    attributes: set[str] = set()

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            tags.add(tag)
            attributes.update(name for name, _ in attrs)

    Collect().feed(text)
    return tags, attributes


def test_mathml_outside_the_allow_list_shows_the_latex_source() -> None:
    from actderiv.render.site.mathml import mathml

    shown = mathml(r"x + \text{<script>alert(1)</script>}")
    assert shown == ('<code class="tex">x + \\text{&lt;script&gt;alert(1)&lt;/script&gt;}</code>')
    assert mathml(r"\frac{1}{2}").startswith('<math display="inline"><mrow><mfrac>')


def test_site_without_latex2mathml_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "latex2mathml" else real(name, *a),
    )
    result = CliRunner().invoke(cli, ["--catalog", str(TINY), "site", str(tmp_path / "out")])

    assert result.exit_code == 1
    assert result.stderr == (
        "Error: the website needs latex2mathml: pip install 'actderiv[site]'\n"
    )


# --------------------------------------------------------------------------------------------
# In the browser


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, or a skip (a failure with
    ACTDERIV_REQUIRE_BROWSER=1)."""
    required = os.environ.get("ACTDERIV_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("playwright is not installed, and ACTDERIV_REQUIRE_BROWSER=1 requires it")
        pytest.skip("playwright is not installed (pip install playwright)")
    if shutil.which(CHROMIUM) is None:
        if required:
            pytest.fail(f"{CHROMIUM} is missing, and ACTDERIV_REQUIRE_BROWSER=1 requires it")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


class Visit:
    """A page in a fresh context that refuses and records every request that is not file://,
    and records every console error and uncaught exception."""

    def __init__(self, browser: Any, scheme: str = "light", width: int = 1280) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.errors.append(f"dialog {d.message}"), d.dismiss()))
        self.page.on("request", self._request)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _request(self, request: Any) -> None:
        if not request.url.startswith(("file://", "data:")):
            self.outside.append(request.url)

    def open(self, path: Path) -> Any:
        self.page.goto(path.as_uri())
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], f"requests to other hosts: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def visit(chromium: Any) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def make(scheme: str = "light", width: int = 1280) -> Visit:
        opened.append(Visit(chromium, scheme, width))
        return opened[-1]

    yield make
    for v in opened:
        v.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("ACTDERIV_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_site_in_browser(out: Path, visit: Callable[..., Visit], shots: Path, entry: str) -> None:
    """What is checked of any built site: a page per entry linked from the index and opening
    without error, rendered MathML and SVG plots with paths, the search box narrowing the list."""
    v = visit()
    index = v.open(out / "index.html")
    links = index.eval_on_selector_all("#catalog tbody a", "els => els.map(e => e.href)")
    names = sorted(p.stem for p in out.glob("*.html") if p.stem != "index")
    assert sorted(Path(link.removeprefix("file://")).stem for link in links) == names
    rows = index.locator("#catalog tbody tr")
    total = rows.count()
    assert total == len(names)
    index.fill("#search", entry[:4])
    visible = index.locator("#catalog tbody tr:not([hidden])")
    assert 0 < visible.count() < total
    assert entry in visible.all_inner_texts()[0] or any(
        entry in t for t in visible.all_inner_texts()
    )
    assert index.locator("#count").inner_text() == f"{visible.count()} of {total} activations"
    index.fill("#search", "no activation has this name")
    assert visible.count() == 0
    index.fill("#search", "")
    assert visible.count() == total
    index.screenshot(path=str(shots / "index.png"), full_page=True)
    for link in links:  # every page opens without an error or an outside request
        v.page.goto(link)
        assert v.page.locator("h1").count() == 1
    page = v.open(out / f"{entry}.html")
    sizes = page.eval_on_selector_all(
        "math",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })",
    )
    assert len(sizes) >= 3
    assert all(w > 0 and h > 0 for w, h in sizes)
    assert page.locator("math mtable").count() >= 1 or page.locator("math mfrac").count() >= 1
    plots = page.locator("svg.plot")
    assert plots.count() == 2
    for i in range(2):
        svg = plots.nth(i)
        assert svg.locator("title").count() >= 1
        assert svg.locator("path.curve").count() >= 1
        box = svg.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 50
    page.screenshot(path=str(shots / f"{entry}.png"), full_page=True)


def test_the_tiny_site_in_chromium(
    tiny_site: tuple[Path, dict[str, Any]], visit: Callable[..., Visit], shots: Path
) -> None:
    out, _ = tiny_site
    check_site_in_browser(out, visit, shots, "relu")


def test_filters_and_sorting_in_chromium(
    tiny_site: tuple[Path, dict[str, Any]], visit: Callable[..., Visit]
) -> None:
    out, _ = tiny_site
    page = visit().open(out / "index.html")

    def shown() -> list[str]:
        return page.eval_on_selector_all(
            "#catalog tbody tr:not([hidden]) th a", "els => els.map(e => e.textContent)"
        )

    assert shown() == ["sigmoid", "relu", "swish", "elu"]  # catalog order
    page.fill("#search", "logistic")  # an alias
    assert shown() == ["sigmoid"]
    page.fill("#search", "")
    page.select_option("#tag", "piecewise")
    assert shown() == ["relu", "elu"]
    page.select_option("#tag", "")
    page.select_option("#framework", "pytorch")
    assert shown() == ["sigmoid", "relu", "elu"]
    page.select_option("#framework", "")
    name = page.locator("#catalog thead th").first
    name.locator("button").click()
    assert shown() == ["elu", "relu", "sigmoid", "swish"]
    assert name.get_attribute("aria-sort") == "ascending"
    name.locator("button").click()
    assert shown() == ["swish", "sigmoid", "relu", "elu"]


def test_dark_scheme_phone_width_and_copy_button(
    tiny_site: tuple[Path, dict[str, Any]], visit: Callable[..., Visit], shots: Path
) -> None:
    out, _ = tiny_site
    v = visit(scheme="dark", width=390)
    page = v.open(out / "elu.html")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than a phone's screen: wide formulas scroll inside
    page.screenshot(path=str(shots / "elu-dark-phone.png"), full_page=True)
    button = page.locator("#copy-latex")
    assert button.is_visible()
    button.click()
    # the clipboard answers asynchronously: wait for the status line the answer writes
    page.wait_for_function("document.getElementById('copy-status').textContent !== ''")
    status = page.locator("#copy-status").inner_text()
    assert status == "Copied." or status.startswith("Selected: press Ctrl+C")
    page.emulate_media(media="print")  # printed: black on white, no controls
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert button.is_hidden()
    page.emulate_media(media="screen")
    index = v.open(out / "index.html")
    index.screenshot(path=str(shots / "index-dark-phone.png"), full_page=True)
    assert index.locator("#catalog thead th.wide").first.is_hidden()


def test_hostile_text_shows_as_text_in_chromium(
    hostile_site: Path, visit: Callable[..., Visit], shots: Path
) -> None:
    v = visit()
    page = v.open(hostile_site / "relu.html")
    assert "<script>alert('title')</script>" in page.locator("h1").inner_text()
    assert "</td><script>alert('notes')</script>" in page.locator("#notes + p").inner_text()
    references = page.locator("section[aria-labelledby=references] li")
    assert "javascript:alert(4)" in references.first.inner_text()
    assert references.first.locator("a").count() == 0
    assert page.locator("img, b, i").count() == 0
    page.screenshot(path=str(shots / "hostile.png"), full_page=True)
    index = v.open(hostile_site / "index.html")
    index.fill("#search", "onerror")  # an alias that holds HTML is searched as text
    assert index.locator("#catalog tbody tr:not([hidden])").count() == 1
    assert index.evaluate("document.querySelectorAll('script').length") == 1
    # (v.close() at teardown fails the test on any dialog, console error or outside request)


@pytest.mark.slow
def test_the_shipped_catalog_in_chromium(
    tmp_path_factory: pytest.TempPathFactory, visit: Callable[..., Visit], shots: Path
) -> None:
    for out, built, _ in _build(tmp_path_factory, None, "shipped"):
        assert built["entries"] >= 100
        check_site_in_browser(out, visit, shots, "gelu")
        # plu's definition is over 1,000 px wide: it scrolls in its cell instead of widening
        # the column of every row and pushing the other columns off the screen
        index = visit(width=1280).open(out / "index.html")
        widths = index.eval_on_selector_all(
            "#catalog thead th", "els => els.map(e => e.getBoundingClientRect().width)"
        )
        assert max(widths[1:4]) <= 16 * 16 + 2 * 8 + 1  # 16rem and the cell's padding
        plu = index.locator("#catalog tbody tr", has=index.locator("a[href='plu.html']"))
        box = plu.locator("div.formula").first
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
