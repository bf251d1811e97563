"""The built book in a real browser: Debian's Chromium driven by playwright.

The book in ``_build/html`` is served on localhost for the whole module. Tests skip,
with the reason, only when Chromium is not installed (``make test`` installs it when
run as root, as CI does).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlparse

import bookexec
import pytest
from conftest import ROOT

HTML = ROOT / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SHOTS = ROOT / "_build" / "screenshots"
PAGES = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in bookexec.toc_documents()]
CHAPTERS = [p.relative_to(ROOT).with_suffix(".html").as_posix() for p in bookexec.toc_chapters()]

NO_BROWSER = (
    "Chromium is not installed at /usr/bin/chromium "
    "(make test installs it when run as root: apt-get install chromium)"
)
# CI sets GLASSBOX_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
REQUIRED = os.environ.get("GLASSBOX_REQUIRE_BROWSER") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not REQUIRED, reason=NO_BROWSER),
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` (make test does it first)")
    handler = functools.partial(_Quiet, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(NO_BROWSER)

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    yield pg
    context.close()


def visit(page, url):
    """Load ``url``; return console errors, failed requests and every requested URL."""
    errors, failed, requested = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("request", lambda r: requested.append(r.url))
    page.on(
        "response",
        lambda r: failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
    )
    page.goto(url, wait_until="networkidle")
    return errors, failed, requested


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_asks_only_localhost(page, server, path):
    errors, failed, requested = visit(page, f"{server}/{path}")
    assert not errors, f"{path}: console errors: {errors}"
    assert not failed, f"{path}: failed requests: {failed}"
    foreign = [
        u
        for u in requested
        if urlparse(u).hostname not in {"127.0.0.1", None} and not u.startswith("data:")
    ]
    assert not foreign, f"{path}: requests to other hosts: {foreign}"
    images = page.eval_on_selector_all(
        "img",
        "els => els.map(e => ({src: e.currentSrc || e.src, w: e.naturalWidth,"
        " alt: e.getAttribute('alt')}))",
    )
    for img in images:
        assert img["w"] > 0, f"{path}: image did not load: {img['src']}"
        assert img["alt"] and img["alt"].strip(), f"{path}: image without alt text: {img['src']}"
        assert not img["alt"].startswith("_build") and ".png" not in img["alt"], (
            f"{path}: alt text is a file name"
        )


def test_math_is_typeset(page, server):
    visit(page, f"{server}/book/getting-started/first-model.html")
    page.wait_for_selector("mjx-container", timeout=15000)
    assert page.locator("mjx-container").count() >= 2
    text = page.inner_text("article")
    assert "$$" not in text and "\\frac" not in text


def test_search_finds_a_chapter_term(page, server):
    visit(page, f"{server}/search.html?q=zero_grad")
    page.wait_for_selector("ul.search li", timeout=15000)
    results = page.inner_text("ul.search")
    assert "first model" in results.lower(), results


def test_download_ipynb_gives_an_executed_notebook(page, server, tmp_path):
    import nbformat

    visit(page, f"{server}/book/getting-started/first-model.html")
    page.click("button[aria-label='Download this page']")
    with page.expect_download() as info:
        page.click("a.btn-download-notebook-button")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.suffix == ".ipynb"
    nb = nbformat.read(target, as_version=4)
    nbformat.validate(nb)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code")


def test_solutions_are_hidden_until_clicked(page, server):
    visit(page, f"{server}/book/getting-started/first-model.html")
    solution = page.locator("div.solution.dropdown").first
    body = solution.locator(".solution-content, section").first
    assert not body.is_visible()
    solution.locator("button.toggle-button").first.click()
    body.wait_for(state="visible", timeout=5000)
    assert body.is_visible()


@pytest.mark.parametrize("path", PAGES)
def test_no_serious_accessibility_violations(page, server, path):
    from axe_playwright_python.sync_playwright import Axe

    visit(page, f"{server}/{path}")
    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s), "
        f"e.g. {v['nodes'][0]['html'][:120]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not violations, f"{path}:\n" + "\n".join(violations)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_screenshots_light_and_dark(page, server, mode):
    visit(page, f"{server}/book/getting-started/first-model.html")
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
    page.locator("figure").first.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"first-model-{mode}.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (mode == "light"), background
    # Figures keep their own opaque background, so they read on both.
    assert page.evaluate("document.querySelector('figure img').naturalWidth") > 0


# --- explorable figures (glassbox.explore) -------------------------------------------

EXPLORABLE = "book/linear-regression/gradient-descent.html"
STATE = """() => {
  const root = document.querySelector('.gbx-explore');
  const q = (s) => root.querySelector(s);
  const point = q('.gbx-point');
  return {
    spec: JSON.parse(q('script.gbx-data').textContent),
    readout: q('.gbx-readout').textContent,
    run: Number(root.getAttribute('data-gbx-run')),
    iteration: Number(root.getAttribute('data-gbx-iteration')),
    frame: Number(q('.gbx-slider').value),
    max: Number(q('.gbx-slider').max),
    point: [Number(point.getAttribute('cx')), Number(point.getAttribute('cy'))],
    path: q('.gbx-path').getAttribute('points').trim().split(/\\s+/).length,
    line: ['x1', 'y1', 'x2', 'y2'].map((a) => q('.gbx-line').getAttribute(a)),
    pressed: [...root.querySelectorAll('.gbx-run')].map((b) => b.getAttribute('aria-pressed')),
    shown: [...root.querySelectorAll('.gbx-panel-cost .gbx-bg')].map((i) => !i.hidden),
  };
}"""


def explorable_state(page):
    return page.evaluate(STATE)


def open_explorable(page, server):
    errors, failed, requested = visit(page, f"{server}/{EXPLORABLE}")
    page.wait_for_selector(".gbx-explore[data-gbx-ready]", timeout=5000)
    assert not errors and not failed, (errors, failed)
    return requested


def assert_shows_frame(state, run, frame):
    """The drawn point, path and readout are those of ``frame`` of ``run`` in the JSON."""
    spec_run = state["spec"]["runs"][run]
    assert state["run"] == run and state["frame"] == frame
    assert state["iteration"] == spec_run["it"][frame]
    assert state["point"] == spec_run["pt"][frame]
    assert state["path"] == frame + 1
    assert f"iteration {spec_run['it'][frame]} of {spec_run['it'][-1]}" in state["readout"]
    assert state["readout"].startswith(spec_run["label"])


def test_explorable_slider_moves_the_frame(page, server):
    open_explorable(page, server)
    before = explorable_state(page)
    assert_shows_frame(before, 0, 0)
    assert page.locator(".gbx-fallback").first.is_hidden()  # scripts run: live figure
    page.evaluate(
        """() => { const s = document.querySelector('.gbx-explore .gbx-slider');
                   s.value = '5'; s.dispatchEvent(new Event('input', {bubbles: true})); }"""
    )
    after = explorable_state(page)
    assert_shows_frame(after, 0, 5)
    assert after["readout"] != before["readout"] and after["line"] != before["line"]


def test_explorable_arrow_keys_step_through_iterations(page, server):
    open_explorable(page, server)
    slider = page.locator(".gbx-explore .gbx-slider").first
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert_shows_frame(explorable_state(page), 0, 3)
    page.keyboard.press("ArrowLeft")
    assert_shows_frame(explorable_state(page), 0, 2)
    page.keyboard.press("End")
    state = explorable_state(page)
    assert_shows_frame(state, 0, state["max"])
    # From a run button too: the arrow keys scrub wherever the focus is in the figure.
    page.locator(".gbx-explore .gbx-run").first.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert_shows_frame(explorable_state(page), 0, 1)


def test_explorable_buttons_switch_the_trajectory(page, server):
    open_explorable(page, server)
    page.locator(".gbx-explore .gbx-slider").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    first = explorable_state(page)
    last = len(first["spec"]["runs"]) - 1
    assert last >= 1
    page.locator(".gbx-explore .gbx-run").nth(last).click()
    state = explorable_state(page)
    assert_shows_frame(state, last, 3)
    assert state["point"] != first["point"] and state["readout"] != first["readout"]
    assert state["pressed"] == ["false"] * last + ["true"]
    assert state["max"] == len(state["spec"]["runs"][last]["it"]) - 1
    view = state["spec"]["runs"][last]["view"]
    assert state["shown"] == [i == view for i in range(len(state["shown"]))]


def test_explorable_loads_one_shared_script_and_no_fallback(page, server):
    requested = open_explorable(page, server)
    html = (HTML / EXPLORABLE).read_text(encoding="utf-8")
    assert html.count("glassbox-explore.js") == 1 and html.count("glassbox-explore.css") == 1
    assert "data-glassbox-runtime" not in html and 'src="data:image' not in html
    assert html.count('<noscript><div class="gbx-fallback">') == html.count('class="gbx-explore"')
    fallback = page.evaluate(
        "() => [...document.querySelectorAll('.gbx-explore noscript')]"
        ".map(n => n.textContent.match(/_images\\/[0-9a-f]+\\.png/)[0])"
    )
    assert fallback and not any(name in url for name in fallback for url in requested)
    # The page weight of one explorable figure: its HTML and the pictures it loads.
    fragment = page.evaluate("document.querySelector('.gbx-explore').outerHTML")
    pictures = page.evaluate(
        "() => [...document.querySelector('.gbx-explore').querySelectorAll('img')]"
        ".map(i => i.getAttribute('src'))"
    )
    base = (HTML / EXPLORABLE).parent
    weight = len(fragment.encode()) + sum((base / src).stat().st_size for src in pictures)
    assert weight < 150_000, f"{weight} bytes"


def test_explorable_without_scripts_shows_the_static_figure(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server}/{EXPLORABLE}", wait_until="networkidle")
        image = page.locator(".gbx-explore .gbx-fallback img").first
        assert image.is_visible()
        assert (
            page.evaluate("document.querySelector('.gbx-explore .gbx-fallback img').naturalWidth")
            > 0
        )
        assert page.locator(".gbx-explore .gbx-live").first.is_hidden()
    finally:
        context.close()


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_explorable_screenshots_light_and_dark(page, server, mode):
    open_explorable(page, server)
    page.evaluate(f"document.documentElement.dataset.theme = '{mode}'")
    root = page.locator(".gbx-explore").first
    root.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"explorable-{mode}.png"
    root.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    # Each SVG layer covers its picture exactly (no padding from the theme in either mode).
    boxes = page.evaluate(
        "() => [...document.querySelectorAll('.gbx-explore .gbx-panel')].map(p => {"
        " const img = [...p.querySelectorAll('img')].find(i => !i.hidden);"
        " const r = (e) => { const b = e.getBoundingClientRect();"
        " return [b.x, b.y, b.width, b.height].map(v => Math.round(v * 10) / 10); };"
        " return [r(img), r(p.querySelector('svg')), getComputedStyle(img).padding]; })"
    )
    assert boxes and all(img == svg and pad == "0px" for img, svg, pad in boxes), boxes
    # The readout and the unpressed buttons keep enough contrast with what is behind
    # them (the theme gives HTML outputs their own background in dark mode).
    for selector in (".gbx-readout", ".gbx-title", ".gbx-run[aria-pressed=false]"):
        fg, bg = page.evaluate(COLOURS, f".gbx-explore {selector}")
        assert contrast(fg, bg) >= 4.5, (mode, selector, fg, bg)


COLOURS = """(selector) => {
  let el = document.querySelector(selector);
  const fg = getComputedStyle(el).color;
  while (el) {
    const bg = getComputedStyle(el).backgroundColor;
    if (bg && !bg.startsWith('rgba(0, 0, 0, 0)') && bg !== 'transparent') return [fg, bg];
    el = el.parentElement;
  }
  return [fg, getComputedStyle(document.body).backgroundColor];
}"""


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(...)`` colours."""

    def luminance(colour: str) -> float:
        channels = [int(v) / 255 for v in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_downloaded_notebook_shows_the_static_fallback(page, server, tmp_path):
    import nbformat

    open_explorable(page, server)
    page.click("button[aria-label='Download this page']")
    with page.expect_download() as info:
        page.click("a.btn-download-notebook-button")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    nb = nbformat.read(target, as_version=4)
    outputs = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("metadata", {}).get("glassbox", {}).get("explorable")
    ]
    assert outputs, "no explorable figure in the downloaded notebook"
    for out in outputs:
        assert set(out["data"]) == {"image/png", "text/plain"}
