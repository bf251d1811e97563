"""The built book in a real browser: Debian's Chromium driven by playwright.

The book in ``_build/html`` is served on localhost for the whole module. Tests skip,
with the reason, only when Chromium is not installed (``make test`` installs it when
run as root, as CI does).
"""

from __future__ import annotations

import functools
import http.server
import os
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
