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
import shutil
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


LOAD_LAZY_IMAGES = """async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(images.map((img) => img.complete ? null :
    new Promise((done) => { img.onload = img.onerror = done; })));
}"""


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_asks_only_localhost(page, server, path):
    errors, failed, requested = visit(page, f"{server}/{path}")
    # Figures load lazily (the page shell): ask for every one now, then check them all.
    page.evaluate(LOAD_LAZY_IMAGES)
    page.wait_for_load_state("networkidle")
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
    assert html.count("glassbox-explore.js") == 1
    # Its style sheet is part of the page's one style sheet (the page shell's bundle).
    assert "glassbox-explore.css" not in html
    assert ".gbx-explore" in (HTML / "_static" / "glassbox.css").read_text(encoding="utf-8")
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


# --- the page shell at desktop and phone widths, light and dark (issue 21) -----------

SHELL_PAGES = [
    "book/getting-started/first-model.html",
    "book/tensors/differentiation.html",
    EXPLORABLE,
]
VIEWS = [(1280, "light"), (1280, "dark"), (390, "light"), (390, "dark")]
ICONS = """() => [...document.querySelectorAll('[class*="fa-"]')]
  .filter((e) => e.checkVisibility() && !e.closest('dialog:not([open])'))
  .map((e) => { const s = getComputedStyle(e, '::before'); const r = e.getBoundingClientRect();
    return {cls: e.className, w: parseFloat(s.width), h: parseFloat(s.height),
            mask: s.maskImage || s.webkitMaskImage, x: r.x, y: r.y}; })"""


SETTLED_BOX = """async (e) => {
  e.scrollIntoView({block: 'center'});
  for (let i = 0; i < 3; i++) await new Promise((done) => requestAnimationFrame(done));
  const r = e.getBoundingClientRect();
  if (r.right <= 0 || r.bottom <= 0 || r.x >= innerWidth || r.y >= innerHeight) return null;
  return {x: r.x, y: r.y, width: r.width, height: r.height};
}"""


@pytest.fixture(params=VIEWS, ids=[f"{w}px-{mode}" for w, mode in VIEWS])
def view(request, browser):
    width, mode = request.param
    context = browser.new_context(
        viewport={"width": width, "height": 844 if width < 500 else 900},
        color_scheme=mode,
        accept_downloads=True,
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    page.glassbox_view = request.param
    yield page
    context.close()


def open_clean(page, url):
    errors, failed, requested = visit(page, url)
    assert not errors, f"console errors: {errors}"
    assert not failed, f"failed requests: {failed}"
    return requested


def ink(png: bytes) -> float:
    """The share of pixels of a screenshot that differ from its most common colour."""
    import io

    import matplotlib.image as mpimg
    import numpy as np

    pixels = mpimg.imread(io.BytesIO(png), format="png")[..., :3].reshape(-1, 3)
    colours, counts = np.unique((pixels * 255).round().astype(int), axis=0, return_counts=True)
    background = colours[counts.argmax()]
    return float((np.abs(pixels * 255 - background).sum(axis=1) > 60).mean())


def assert_icons_drawn(page, where):
    icons = page.evaluate(ICONS)
    assert icons, f"{where}: no visible icon"
    for icon in icons:
        assert icon["w"] > 4 and icon["h"] > 4, f"{where}: icon without size: {icon}"
        assert icon["mask"].startswith('url("data:image/svg+xml'), f"{where}: no shape: {icon}"
    for element in page.locator('[class*="fa-"]').all():
        if element.is_visible() and element.bounding_box()["width"] > 4:
            # Scroll, let the page settle, then measure where the icon is on screen
            # (sticky headers and sidebars move relative to the document).
            box = element.evaluate(SETTLED_BOX)
            if box is None:  # off-canvas (the closed sidebar of a phone)
                continue
            shot = page.screenshot(clip=box, animations="disabled")
            assert ink(shot) > 0.05, f"{where}: icon drawn blank: {element.get_attribute('class')}"


@pytest.mark.parametrize("path", SHELL_PAGES)
def test_shell_icons_are_drawn_and_pages_look_right(view, server, path):
    width, mode = view.glassbox_view
    requested = open_clean(view, f"{server}/{path}")
    assert not [u for u in requested if "fontawesome" in u or "searchindex" in u]
    if shutil.which("node"):  # math drawn at build time: no MathJax in the browser
        assert not [u for u in requested if "/mathjax/" in u], "MathJax loaded"
    background = view.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (mode == "light"), background
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"shell-{Path(path).stem}-{width}-{mode}.png"
    view.screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    assert_icons_drawn(view, f"{path} at {width}px {mode}")


def test_one_visible_search_field_at_desktop_width(page, server):
    open_clean(page, f"{server}/book/getting-started/first-model.html")
    fields = page.evaluate(
        "() => [...document.querySelectorAll('.search-button-field, form.bd-search')]"
        ".filter((e) => e.checkVisibility() && !e.closest('dialog')).length"
    )
    assert fields == 1


def test_shell_colour_mode_toggle(view, server):
    open_clean(view, f"{server}/book/getting-started/first-model.html")
    before = view.evaluate("document.documentElement.dataset.theme")
    button = view.locator("button.theme-switch-button").first
    for _ in range(3):  # the switch cycles auto, light, dark
        button.click()
        if view.evaluate("document.documentElement.dataset.theme") != before:
            break
    after = view.evaluate("document.documentElement.dataset.theme")
    assert {before, after} == {"light", "dark"}
    background = view.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(255, 255, 255)") == (after == "light"), background
    assert_icons_drawn(view, f"after switching to {after}")


# Records every change of <html data-theme>, from the first script of the page on.
THEME_CHANGES = """
window.__themeChanges = [];
new MutationObserver((records) => {
  for (const r of records) {
    if (r.target === document.documentElement) {
      window.__themeChanges.push([r.oldValue, r.target.dataset.theme, !!document.body]);
    }
  }
}).observe(document, {subtree: true, attributeFilter: ["data-theme"], attributeOldValue: true});
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_first_visit_colour_mode_is_settled_before_the_first_paint(browser, server, scheme):
    """A first visit in "auto" mode: the scripts in the <head> pick the system's scheme,
    and the theme's page script, run after loading, sets the same value (no restyle)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    try:
        pg = context.new_page()
        pg.add_init_script(THEME_CHANGES)
        open_clean(pg, f"{server}/book/tensors/differentiation.html")
        pg.wait_for_function("localStorage.getItem('theme') !== null")  # the theme's run
        changes = pg.evaluate("window.__themeChanges")  # [old, new, body parsed yet?]
        in_head = [(old, new) for old, new, body in changes if not body]
        in_page = [(old, new) for old, new, body in changes if body]
        assert in_head and in_head[-1][1] == scheme, changes
        assert in_page and all(old == new == scheme for old, new in in_page), changes
        assert pg.evaluate("localStorage.getItem('theme')") == scheme
    finally:
        context.close()


def search_dialog_finds(page, server, open_dialog):
    open_clean(page, f"{server}/book/getting-started/first-model.html")
    open_dialog(page)
    dialog = page.locator("#pst-search-dialog")
    dialog.wait_for(state="visible", timeout=5000)
    field = dialog.locator("input[name=q]")
    assert field.is_visible()
    field.fill("zero_grad")
    with page.expect_navigation():
        field.press("Enter")
    assert urlparse(page.url).path.endswith("/search.html") and "q=zero_grad" in page.url
    page.wait_for_selector("ul.search li", timeout=15000)
    assert "first model" in page.inner_text("ul.search").lower()


SEARCH_ICON_CLEAR = """(form) => {
  const icon = form.querySelector('.fa-magnifying-glass').getBoundingClientRect();
  const input = form.querySelector('input');
  const box = input.getBoundingClientRect();
  const text = box.left + parseFloat(getComputedStyle(input).paddingLeft);
  return {icon: [icon.left, icon.right], text, ok: icon.width > 4 && icon.right <= text};
}"""


@pytest.mark.parametrize("path", ["book/tensors/differentiation.html", "search.html?q=loss"])
def test_shell_search_icon_does_not_cover_the_text(view, server, path):
    open_clean(view, f"{server}/{path}")
    if path.startswith("search"):
        form = view.locator("form.bd-search").locator("visible=true").first
    else:
        view.keyboard.press("Control+k")
        form = view.locator("#pst-search-dialog form.bd-search")
        form.wait_for(state="visible", timeout=5000)
    found = form.evaluate(SEARCH_ICON_CLEAR)
    assert found["ok"], f"the magnifier covers the search field's text: {found}"


def test_shell_search_dialog_from_the_keyboard(view, server):
    search_dialog_finds(view, server, lambda page: page.keyboard.press("Control+k"))


def test_shell_search_dialog_from_the_search_button(view, server):
    def click(page):
        button = page.locator(".search-button__button, .search-button-field").locator(
            "visible=true"
        )
        button.first.click()

    search_dialog_finds(view, server, click)


def test_shell_copy_button_copies_the_code(view, server):
    open_clean(view, f"{server}/book/getting-started/first-model.html")
    cell = view.locator("div.cell_input div.highlight").first
    cell.scroll_into_view_if_needed()
    cell.hover()
    button = cell.locator("button.copybtn")
    button.click()
    copied = view.evaluate("navigator.clipboard.readText()")
    code = cell.locator("pre").inner_text()
    assert copied.strip() and copied.strip() == code.strip()


def test_shell_download_and_launch_buttons(view, server, tmp_path):
    width, mode = view.glassbox_view
    open_clean(view, f"{server}/book/getting-started/first-model.html")
    view.click("button[aria-label='Download this page']")
    item = view.locator("a.btn-download-notebook-button")
    item.wait_for(state="visible")
    assert_icons_drawn(view, f"download menu at {width}px {mode}")
    with view.expect_download() as info:
        item.click()
    assert info.value.suggested_filename == "first-model.ipynb"
    view.keyboard.press("Escape")
    view.click("button[aria-label='Run this chapter as a notebook']")
    colab = view.locator("a.btn-launch-colab")
    colab.wait_for(state="visible")
    binder = view.locator("a.btn-launch-binder")
    assert binder.is_visible()
    assert colab.get_attribute("href").startswith("https://colab.research.google.com/github/")
    assert colab.get_attribute("href").endswith("/_sources/book/getting-started/first-model.ipynb")
    assert binder.get_attribute("href").startswith("https://mybinder.org/v2/gh/")
    logos = view.eval_on_selector_all(
        ".dropdown-launch-buttons img", "els => els.map(e => e.naturalWidth)"
    )
    assert logos and all(w > 0 for w in logos)


def test_shell_exercise_solution_opens(view, server):
    open_clean(view, f"{server}/book/getting-started/first-model.html")
    solution = view.locator("div.solution.dropdown").first
    body = solution.locator(".solution-content, section").first
    assert not body.is_visible()
    solution.locator("button.toggle-button").first.click()
    body.wait_for(state="visible", timeout=5000)


# The bundle leaves out the rules that match nothing on the site; the page must look the
# same with the whole bundle (_build/glassbox-full.css) in its place.
STYLE_PROPERTIES = (
    "display visibility position top left z-index float width height max-width margin-top "
    "margin-right margin-bottom margin-left padding-top padding-right padding-bottom "
    "padding-left border-top-width border-top-style border-top-color border-left-width "
    "border-left-color border-bottom-width border-radius color background-color "
    "background-image font-family font-size font-weight font-style line-height text-align "
    "text-decoration-line white-space overflow-x overflow-y opacity transform box-shadow "
    "content mask-image flex-direction justify-content align-items gap list-style-type "
    "cursor fill stroke vertical-align filter"
).split()
COMPUTED = """(props) => [...document.querySelectorAll('body *')].flatMap((e) =>
  [null, '::before', '::after'].map((pseudo) => { const s = getComputedStyle(e, pseudo);
    return e.tagName + '.' + (e.getAttribute('class') || '') + (pseudo || '') + ' ' +
      props.map((p) => p + ':' + s.getPropertyValue(p)).join(';'); }))"""
STILL = "*, *::before, *::after { transition: none !important; animation: none !important; }"


def computed_styles(page, url, full_bundle=None):
    if full_bundle is not None:
        page.route(
            "**/_static/glassbox.css*",
            lambda route: route.fulfill(body=full_bundle, content_type="text/css"),
        )
    open_clean(page, url)
    page.add_style_tag(content=STILL)
    states = [page.evaluate(COMPUTED, STYLE_PROPERTIES)]
    if not url.endswith("search.html"):  # the search page has no search dialog
        page.keyboard.press("Control+k")
        page.locator("#pst-search-dialog").wait_for(state="visible")
        states.append(page.evaluate(COMPUTED, STYLE_PROPERTIES))
    return states


@pytest.mark.parametrize("path", [SHELL_PAGES[0], "search.html"])
@pytest.mark.parametrize("size", [(1280, "light"), (390, "dark")], ids=["wide-light", "phone-dark"])
def test_pruned_style_sheet_styles_pages_like_the_whole_one(browser, server, path, size):
    full = ROOT / "_build" / "glassbox-full.css"
    assert full.exists(), "the build keeps the whole bundle in _build/glassbox-full.css"
    width, mode = size
    results = []
    for bundle in (None, full.read_text(encoding="utf-8")):
        context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=mode)
        try:
            results.append(computed_styles(context.new_page(), f"{server}/{path}", bundle))
        finally:
            context.close()
    for pruned, whole in zip(*results, strict=True):
        assert len(pruned) == len(whole)
        differ = [(a, b) for a, b in zip(pruned, whole, strict=True) if a != b]
        assert not differ, f"{len(differ)} elements styled differently, e.g. {differ[0]}"
