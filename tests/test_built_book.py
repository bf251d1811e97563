"""Checks of the HTML book that `make book` wrote (``make test`` builds it first)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import bookexec
import pytest
from conftest import ROOT

HTML = ROOT / "_build" / "html"
CHAPTERS = bookexec.toc_chapters()


@pytest.fixture(scope="module", autouse=True)
def _built():
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` (make test does it first)")


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def page_of(path):
    return HTML / path.relative_to(ROOT).with_suffix(".html")


def images_in(path):
    parser = _Images()
    parser.feed(page_of(path).read_text(encoding="utf-8"))
    return parser.images


def test_every_toc_document_has_a_page():
    missing = [str(p) for p in bookexec.toc_documents() if not page_of(p).exists()]
    assert not missing


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_shows_every_figure_its_notebook_made(chapter):
    cache = bookexec.open_cache()
    assert bookexec.is_cached(cache, chapter), "the page was not built from the current code"
    _, nb = cache.merge_match_into_notebook(bookexec.read_chapter(chapter))
    made = sum(
        1
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if any(k.startswith("image/") for k in out.get("data", {}))
    )
    shown = [img for img in images_in(chapter) if "_images/" in (img.get("src") or "")]
    assert len(shown) >= made


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_figures_have_meaningful_alt_text(chapter):
    for img in images_in(chapter):
        alt = (img.get("alt") or "").strip()
        assert alt, f"an image on {chapter.name} has no alt text: {img.get('src')}"
        assert not re.fullmatch(r"[\w/.-]*[0-9a-f]{32,}\.\w+", alt), (
            f"alt text is a file name: {alt}"
        )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_execution_failure_is_published(chapter):
    text = page_of(chapter).read_text(encoding="utf-8")
    assert "Executing notebook failed" not in text
    assert not (HTML / "reports").exists()


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_figure_has_a_caption_and_alt_text(chapter):
    cache = bookexec.open_cache()
    _, nb = cache.merge_match_into_notebook(bookexec.read_chapter(chapter))
    for number, cell in enumerate((c for c in nb.cells if c.cell_type == "code"), start=1):
        if not any(
            k.startswith("image/") for out in cell.get("outputs", []) for k in out.get("data", {})
        ):
            continue
        options = cell.metadata.get("mystnb", {})
        caption = (options.get("figure") or {}).get("caption", "").strip()
        alt = (options.get("image") or {}).get("alt", "").strip()
        assert caption, f"{chapter.name}, code cell {number}: a figure without a caption"
        assert len(alt) > 20, f"{chapter.name}, code cell {number}: a figure without alt text"


@pytest.mark.parametrize("page", sorted(HTML.rglob("*.html")), ids=lambda p: p.name)
def test_no_duplicate_ids(page):
    ids = re.findall(r'\sid="([^"]+)"', page.read_text(encoding="utf-8"))
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"{page.relative_to(HTML)} repeats ids: {repeated}"


def test_no_page_shows_a_path_of_the_build_machine():
    import build_book

    assert build_book.find_path_leaks(HTML) == []


def test_the_path_check_finds_a_leak(tmp_path):
    import build_book

    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "a.html").write_text("File /srv/project/.venv/lib/x.py:3, in f")
    (tmp_path / "b.ipynb").write_text('{"text": "nothing to see"}')
    (tmp_path / "c.png").write_bytes(b"/srv/project")  # not text: not searched
    assert build_book.find_path_leaks(tmp_path, ["/srv/project"]) == ["book/a.html: /srv/project"]
    assert build_book.find_path_leaks(tmp_path, ["/elsewhere"]) == []
    assert str(ROOT) in build_book.machine_paths()


DOCUMENTS = [p.relative_to(ROOT).with_suffix(".html") for p in bookexec.toc_documents()]


@pytest.mark.parametrize("page", DOCUMENTS, ids=lambda p: p.stem)
def test_every_page_has_one_short_meta_description(page):
    text = (HTML / page).read_text(encoding="utf-8")
    found = re.findall(r'<meta name="description" content="([^"]*)"', text)
    assert len(found) == 1, f"{page}: {len(found)} meta descriptions"
    assert 30 <= len(found[0]) <= 160, f"{page}: description {found[0]!r}"


@pytest.mark.parametrize("page", DOCUMENTS, ids=lambda p: p.stem)
def test_page_shell_has_no_second_search_field_and_valid_summaries(page):
    text = (HTML / page).read_text(encoding="utf-8")
    # pydata-sphinx-theme's full-width header (a second search field) stays off:
    # _config.yml sets html_theme_options.navbar_persistent to [].
    assert "navbar-persistent" not in text
    summaries = re.findall(r"<summary\b[^>]*>.*?</summary>", text, re.DOTALL)
    assert not [s for s in summaries if "<p" in s], f"{page}: a <p> inside <summary>"


def test_site_publishes_no_theme_templates_and_a_valid_root_page():
    assert not list((HTML / "_static").glob("*.html"))
    root = (HTML / "index.html").read_text(encoding="utf-8")
    assert root.startswith("<!DOCTYPE html>")
    assert re.search(r"<title>\S.*</title>", root)
    assert 'url=book/index.html"' in root
