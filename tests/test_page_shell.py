"""The page shell: one style sheet, icons as CSS, math drawn at build time, no
render-blocking script, working internal links (scripts/glassbox_sphinx.py and
scripts/templates/).

The first tests pin what the template overrides replace in the installed themes, so
that a theme upgrade which changes them fails here instead of silently undoing the
override. The others check the built book in ``_build/html`` (``make book``) and the
extension's helpers on small inputs.
"""

from __future__ import annotations

import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import bookexec
import glassbox_sphinx as shell
import pytest
import sphinx
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from glassbox_publish import site_prefix
from publish import settings

# The 404 page links from the site's root path (it is served for missing addresses in
# any folder); every other page links relatively.
SITE_PREFIX = site_prefix(settings()["html.baseurl"])

HTML = ROOT / "_build" / "html"
TEMPLATES = ROOT / "scripts" / "templates"
CHAPTERS = [p.relative_to(ROOT).with_suffix(".html") for p in bookexec.toc_chapters()]
DOCUMENTS = [p.relative_to(ROOT).with_suffix(".html") for p in bookexec.toc_documents()]


def theme_file(*parts: str) -> str:
    return shell._pydata_file("theme", "pydata_sphinx_theme", *parts).read_text(encoding="utf-8")


def built() -> Path:
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` (make test does it first)")
    return HTML


# --- the overrides against the installed themes ---------------------------------------


def macros(text: str) -> dict[str, str]:
    return dict(re.findall(r"macro (\w+)\(\)(.*?)endmacro", text, re.DOTALL))


def test_theme_asset_macros_are_the_ones_the_override_replaces():
    theme = macros(theme_file("static", "webpack-macros.html"))
    ours = macros((TEMPLATES / "static" / "webpack-macros.html").read_text(encoding="utf-8"))
    assert set(theme) == set(ours) == {"head_pre_assets", "head_js_preload", "body_post"}
    # head_pre_assets: only style sheets, every one of them in the bundle.
    assert "<script" not in theme["head_pre_assets"]
    sheets = re.findall(r"pathto\('([^']+)'", theme["head_pre_assets"])
    assert sheets and sheets == shell.theme_stylesheets()
    assert "_static/styles/pydata-sphinx-theme.css" in sheets
    # head_js_preload: fontawesome.js, and preloads of what body_post loads anyway.
    loads = re.findall(r"pathto\('([^']+)'", theme["head_js_preload"])
    assert loads[0] == "_static/scripts/fontawesome.js"
    later = re.findall(r"pathto\('([^']+)'", theme["body_post"])
    assert loads[1:] and set(loads[1:]) <= set(later)
    assert "theme.body_post()" in ours["body_post"]


def test_theme_extrahead_is_the_block_the_override_replaces():
    block = re.search(
        r"block extrahead %}(.*?){%- endblock extrahead", theme_file("layout.html"), re.S
    )
    ours = re.search(
        r"block extrahead %}(.*?){%- endblock extrahead",
        (TEMPLATES / "layout.html").read_text(encoding="utf-8"),
        re.S,
    )
    assert block and ours
    # What the override leaves out: a second viewport meta, and the search scripts.
    theme = re.sub(r"{#.*?#}", "", block[1], flags=re.S)
    dropped = re.search(r"\s*{% if pagename == 'search' %}.*?{% endif %}", theme, re.S)
    assert dropped and "searchindex.js" in dropped[0] and "searchtools.js" in dropped[0]
    theme = theme.replace(dropped[0], "")
    theme = re.sub(r'\s*<meta name="viewport"[^>]*>', "", theme)
    # What it adds: the colour mode's script (tested below), never in the EPUB.
    added = re.search(r'\s*{#-.*?-#}\s*{%- if builder != "epub" %}.*?{%- endif %}', ours[1], re.S)
    assert added and "<script>" in added[0]
    assert theme.split() == ours[1].replace(added[0], "").split()


def test_colour_mode_is_resolved_after_the_themes_head_script():
    """The override's script runs after the theme's and resolves "auto" as the theme does."""
    basic = Path(sphinx.__file__).parent / "themes" / "basic" / "layout.html"
    order = basic.read_text(encoding="utf-8")
    assert order.index("{%- block css %}") < order.index("{%- block extrahead %}")
    theme_css = re.search(r"block css %}(.*?){%- endblock css", theme_file("layout.html"), re.S)
    assert theme_css and 'dataset.theme = localStorage.getItem("theme")' in theme_css[1]
    # The theme's page script resolves "auto" with this media query, to "dark" or "light".
    script_js = shell._pydata_file(
        "theme", "pydata_sphinx_theme", "static", "scripts", "pydata-sphinx-theme.js"
    ).read_text(encoding="utf-8")
    assert re.search(
        r'(\w+)=window\.matchMedia\("\(prefers-color-scheme: dark\)"\);'
        r"function \w+\(\w+\)\{document\.documentElement\.dataset\.theme="
        r'\1\.matches\?"dark":"light"\}',
        script_js,
    )
    ours = (TEMPLATES / "layout.html").read_text(encoding="utf-8")
    script = re.search(r'{%- if builder != "epub" %}\s*<script>(.*?)</script>', ours, re.S)
    assert script and 'matchMedia("(prefers-color-scheme: dark)")' in script[1]
    assert 'dark ? "dark" : "light"' in script[1]


def test_every_theme_rule_for_icon_svgs_is_restated_for_the_css_icons():
    static = shell._pydata_file("theme", "pydata_sphinx_theme", "static")
    import sphinx_book_theme

    sheets = [
        static / "styles" / "pydata-sphinx-theme.css",
        Path(sphinx_book_theme.__file__).parent
        / "theme"
        / "sphinx_book_theme"
        / "static"
        / "styles"
        / "sphinx-book-theme.css",
    ]
    found = set()
    for sheet in sheets:
        css = shell.CSS_COMMENT.sub("", sheet.read_text(encoding="utf-8"))
        for prelude, _ in _rules(css):
            found |= {s for s in shell._split_selectors(prelude) if re.search(r"\bsvg\b", s)}
    known = set(shell.ICON_SVG_RULES) | shell.OTHER_SVG_SELECTORS
    assert found, "no svg selector found: the parser no longer reads the theme's CSS"
    assert found <= known, f"new theme rules for <svg>: {sorted(found - known)}"


def _rules(css: str):
    for prelude, block in shell.css_items(css):
        if block is None:
            continue
        if prelude.startswith(shell.CSS_GROUPS):
            yield from _rules(block)
        elif not prelude.startswith("@"):
            yield prelude, block


def test_fontawesome_script_still_holds_the_icons_the_theme_uses():
    script = (
        shell._pydata_file("theme", "pydata_sphinx_theme", "static", "scripts", "fontawesome.js")
    ).read_text(encoding="utf-8")
    icons = shell.fontawesome_icons(script)
    assert len({name for pack, name in icons if pack == "fas"}) > 1000
    assert {
        ("fas", "sun"),
        ("fas", "moon"),
        ("fas", "circle-half-stroke"),
        ("fab", "github"),
    } <= set(icons)
    width, height, path = icons[("fas", "bars")]
    assert (width, height) == (448, 512) and path.startswith("M")
    assert icons[("fas", "adjust")] == icons[("fas", "circle-half-stroke")]  # an alias


# --- the extension's helpers ------------------------------------------------------


def test_fontawesome_icons_reads_each_pack_and_alias():
    script = (
        'var p={sun:[512,512,[9728,"sunny"],"f185","M1 1z"],'
        '"file-pdf":[384,512,[],"f1c1","M2 2z"]};'
        'foo(function(){d("fas",p),d("fa-solid",p)});'
        'var p={"sun":[448,512,[],"f185","M3 3z"]};bar(function(){d("far",p)});'
    )
    icons = shell.fontawesome_icons(script)
    assert icons[("fas", "sun")] == icons[("fas", "sunny")] == (512, 512, "M1 1z")
    assert icons[("fas", "file-pdf")] == (384, 512, "M2 2z")
    assert icons[("far", "sun")] == (448, 512, "M3 3z")
    assert ("far", "file-pdf") not in icons


def test_used_icons_follows_the_pack_of_each_element():
    icons = {("fas", "sun"): (1, 1, ""), ("far", "sun"): (1, 1, ""), ("fab", "github"): (1, 1, "")}
    pages = [
        '<i class="fa-solid fa-sun fa-lg"></i><i class="far fa-sun"></i>',
        '<span class="fa-brands fa-github"></span><i class="fa-solid fa-nothing"></i>',
    ]
    assert shell.used_icons(pages, [], icons) == {("fas", "sun"), ("far", "sun"), ("fab", "github")}
    assert shell.used_icons([], ['e.classList="fa-solid fa-sun"'], icons) == {("fas", "sun")}
    assert shell.used_icons(['<i class="other"></i>'], [], icons) == set()


def test_icon_css_gives_each_icon_its_shape_and_width():
    css = shell.icon_css({("fas", "bars")}, {("fas", "bars"): (448, 512, "M0 96z")}, "notice")
    rule = re.search(r"\.fa-solid\.fa-bars\{([^}]*)\}", css)
    assert rule and "M0 96z" in rule[1] and "viewBox='0 0 448 512'" in rule[1]
    assert "--gb-icon-width:0.875em" in rule[1]
    assert ".fas.fa-bars" in css and ".far.fa-bars" not in css


def test_prune_css_drops_only_rules_that_cannot_match():
    css = (
        "/* a.css */\n.used{color:red}.unused{color:blue}"
        ".used,.unused .x{margin:0}#here>.used{a:b}#gone{a:b}"
        "@media (min-width:1px){.unused{c:d}.used:not(.unused){c:e}}"
        "@font-face{font-family:x}@keyframes k{0%{opacity:0}}"
        'html[data-x=".unused"] p{e:f}.used::before{content:"}.unused{"}'
    )
    pruned = shell.prune_css(css, {"used", "here"})
    assert ".unused{color:blue}" not in pruned and "#gone" not in pruned
    assert ".used{color:red}" in pruned and ".used{margin:0}" in pruned
    assert "#here>.used{a:b}" in pruned
    assert "@media (min-width:1px){.used:not(.unused){c:e}}" in pruned
    assert "@font-face{font-family:x}" in pruned and "@keyframes k{0%{opacity:0}}" in pruned
    assert 'html[data-x=".unused"] p{e:f}' in pruned
    assert '.used::before{content:"}.unused{"}' in pruned
    assert shell.prune_css(css, set()).count("{") < pruned.count("{")


def test_rebase_points_urls_from_the_bundle_at_the_same_files():
    css = 'a{b:url(../webfonts/x.woff2)}c{d:url("img.png")}e{f:url(data:image/png;base64,AA)}'
    rebased = shell._rebase(css, "_static/styles/theme.css", "_static")
    assert 'url("webfonts/x.woff2")' in rebased and 'url("styles/img.png")' in rebased
    assert "url(data:image/png;base64,AA)" in rebased


# --- the built book -----------------------------------------------------------------


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.in_head = True
        self.sheets: list[str] = []
        self.blocking: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.in_head = False
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            if attrs.get("media") in (None, "all", "screen"):
                self.sheets.append(attrs.get("href") or "")
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
            if self.in_head and "defer" not in attrs and "async" not in attrs:
                if attrs.get("type") != "module":
                    self.blocking.append(attrs["src"])


def head_of(page: Path) -> _Head:
    parser = _Head()
    parser.feed((built() / page).read_text(encoding="utf-8"))
    return parser


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_page_has_one_style_sheet_and_no_blocking_script(page):
    head = head_of(page)
    assert len(head.sheets) == 1 and "_static/glassbox.css?v=" in head.sheets[0], head.sheets
    assert not head.blocking, f"render-blocking scripts: {head.blocking}"
    loaded = " ".join(head.scripts)
    # Without Node.js at build time, MathJax runs in the browser (deferred, above).
    prerendered = shutil.which("node") is not None
    for name in ("fontawesome.js", "searchindex.js", "searchtools.js", "mathjax/"):
        if name != "mathjax/" or prerendered:
            assert name not in loaded, f"{page} loads {name}"


def test_the_search_page_loads_the_search_index():
    scripts = " ".join(head_of(Path("search.html")).scripts)
    assert "searchindex.js" in scripts and "searchtools.js" in scripts


def _icons_in(text: str) -> set[tuple[str, str]]:
    """(pack, name) of every Font Awesome icon element, parsed independently."""
    found = set()
    for attr in re.findall(r'class="([^"]*)"', text):
        classes = attr.split()
        pack = "far" if {"far", "fa-regular"} & set(classes) else "fas"
        pack = "fab" if {"fab", "fa-brands"} & set(classes) else pack
        if {"fa", "fas", "fa-solid", "far", "fa-regular", "fab", "fa-brands"} & set(classes):
            for cls in classes:
                if cls.startswith("fa-") and cls not in shell.FA_PACKS:
                    found.add((pack, cls[3:]))
    return found


def test_every_icon_of_every_page_has_a_css_rule():
    site = built()
    css = (site / "_static" / "glassbox.css").read_text(encoding="utf-8")
    drawn = set()
    for selectors in re.findall(r"([^{}]*)\{--gb-icon:url\(", css):
        for prefix, name in re.findall(r"\.([\w-]+)\.fa-([\w-]+)", selectors):
            drawn.add((shell.FA_PACKS[prefix], name))
    used = set()
    for page in site.rglob("*.html"):
        used |= _icons_in(page.read_text(encoding="utf-8"))
    sizes = {"lg", "xs", "sm", "xl", "fw", "2x"}
    missing = {(pack, name) for pack, name in used if name not in sizes} - drawn
    assert used and not missing, f"icons without a rule: {sorted(missing)}"
    # The switcher's three modes are all drawn, whichever the page shows first.
    assert {("fas", "sun"), ("fas", "moon"), ("fas", "circle-half-stroke")} <= drawn


def test_no_page_loads_fontawesome_or_its_web_font_whole():
    site = built()
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fontawesome.js" not in text, page
    css = (site / "_static" / "glassbox.css").read_text(encoding="utf-8")
    assert "fa-solid-900.woff2" not in css and "fontawesome" not in css.lower().split("icons:")[0]


def test_every_url_in_the_bundle_points_at_a_file():
    static = built() / "_static"
    css = (static / "glassbox.css").read_text(encoding="utf-8")
    urls = {next(g for g in m.groups() if g is not None) for m in shell.CSS_URL.finditer(css)}
    local = {u for u in urls if not re.match(r"^(?:[a-z]+:|#)", u)}
    assert local, "no local url() in the bundle: the check would prove nothing"
    missing = sorted(u for u in local if not (static / unquote(u.split("?")[0])).is_file())
    assert not missing, missing


@pytest.mark.parametrize("page", DOCUMENTS, ids=lambda p: p.stem)
def test_math_is_drawn_at_build_time_with_every_glyph_on_the_page(page):
    text = (built() / page).read_text(encoding="utf-8")
    if 'jax="CHTML"' in text or "mathjax/" in text:
        pytest.skip("math typeset in the browser (no Node.js at build time)")
    assert not re.search(r'class="math notranslate nohighlight">\s*\\[(\[]', text), "raw TeX"
    used = set(re.findall(r'xlink:href="#(MJX-[^"]+)"', text))
    defined = set(re.findall(r'\bid="(MJX-[^"]+)"', text))
    assert used <= defined, f"glyphs not on the page: {sorted(used - defined)[:5]}"
    if 'jax="SVG"' in text:
        assert text.count('class="glassbox-math-glyphs"') == 1
        assert "<mjx-assistive-mml" in text  # what screen readers read


# --- internal links ------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"link", "script", "img", "source"}:
            ref = attrs.get("href") if tag == "link" else attrs.get("src")
            if ref and (attrs.get("rel") or "") not in {"canonical"}:
                self.links.append(ref)


def test_every_internal_link_and_fragment_resolves():
    site = built()
    pages = {}
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page] = parser
    broken, checked = [], 0
    for page, parser in pages.items():
        for link in parser.links:
            url = urlparse(link)
            if url.scheme or url.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            path = unquote(url.path)
            if path.startswith("/"):  # only the 404 page: links from the site's root path
                if not path.startswith(SITE_PREFIX):
                    broken.append(f"{page.relative_to(site)}: {link} (outside {SITE_PREFIX})")
                    continue
                target = (site / path[len(SITE_PREFIX) :]).resolve()
            else:
                target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            checked += 1
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {link}")
            elif url.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else set()
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page.relative_to(site)}: {link} (no such #fragment)")
    assert checked > 1000
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(sorted(broken)[:30])


def test_code_tokens_left_plain_are_drawn_in_the_code_blocks_colour():
    from pygments.formatters.html import _get_ttype_class

    css = (built() / "_static" / "pygments.css").read_text(encoding="utf-8")
    for mode in ("light", "dark"):
        block = re.search(rf'html\[data-theme="{mode}"\] \.highlight \{{([^}}]*)\}}', css)
        base = re.search(r"(?<![-\w])color: (#\w+)", block[1])[1]
        for ttype in shell.PLAIN_TOKENS:
            cls = _get_ttype_class(ttype)
            selector = rf'html\[data-theme="{mode}"\] \.highlight \.{cls} '
            rule = re.search(selector + r"\{([^}]*)\}", css)
            assert rule is None or rule[1].strip() == f"color: {base}", (mode, cls, rule[1])


def test_code_cells_have_no_span_for_plain_tokens():
    text = (built() / "book" / "tensors" / "differentiation.html").read_text(encoding="utf-8")
    assert '<span class="kn">import</span>' in text  # still highlighted
    assert not re.search(r'<span class="(?:n|nn|nx|p|pm|w)">', text)
