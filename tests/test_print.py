"""The print editions: the PDF (LaTeX, XeLaTeX) and the EPUB (epubcheck).

``make pdf`` and ``make epub`` (scripts/build_print.py) leave them in ``_build/print``;
``make test`` builds both first. Without TeX or epubcheck they are skipped, and so are
these tests, except where ``GLASSBOX_REQUIRE_PRINT=1`` (CI): there a missing edition is
a failure. The PDF is read with poppler's ``pdftotext`` and ``pdftohtml`` (its outline).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from functools import cache
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from PIL import Image

sys.path.insert(0, str(ROOT / "scripts"))
import build_print
import glassbox_print

PRINT = ROOT / "_build" / "print"
PDF = PRINT / "glass-box.pdf"
EPUB = PRINT / "glass-box.epub"
TEX_LOG = ROOT / "_build" / "latex" / "glass-box.log"
HTML = ROOT / "_build" / "html"
REQUIRED = os.environ.get("GLASSBOX_REQUIRE_PRINT") == "1"

# Lines LaTeX could not fit, e.g. a code line wider than the page that did not wrap.
# Code and outputs wrap at the margin (scripts/glassbox_print.py), so none should be
# wider than this; a few points' excess is invisible in print.
OVERFULL_MARGIN_PT = 3.0
MAX_OVERFULL = 5  # all overfull lines, however small


def _need(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"no {path.relative_to(ROOT)}: run `make {what}` first"
    if REQUIRED:
        pytest.fail(message + " (GLASSBOX_REQUIRE_PRINT=1)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def pdf_text() -> list[str]:
    """The PDF's text, one string per page."""
    _need(PDF, "pdf")
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(PDF), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout.split("\f")


@pytest.fixture(scope="module")
def outline() -> list[tuple[str, list[str]]]:
    """The PDF's bookmarks: each part's title with its chapters' titles."""
    _need(PDF, "pdf")
    done = subprocess.run(
        ["pdftohtml", "-xml", "-i", "-q", "-stdout", "-f", "1", "-l", "1", str(PDF)],
        capture_output=True,
        text=True,
        check=True,
    )
    root = ET.fromstring(done.stdout)
    top = root.find("outline")
    assert top is not None, "the PDF has no outline (bookmarks)"
    parts, children = [], list(top)
    for i, element in enumerate(children):
        if element.tag != "item":
            continue
        nested = children[i + 1] if i + 1 < len(children) else None
        chapters = [c.text or "" for c in nested if c.tag == "item"] if nested is not None else []
        if nested is None or nested.tag != "outline":
            chapters = []
        parts.append(((element.text or "").strip(), [c.strip() for c in chapters]))
    return parts


@cache
def toc_parts() -> list[tuple[str, list[str]]]:
    """``_toc.yml``'s parts: caption, and the title (first heading) of each chapter."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = []
    for part in toc["parts"]:
        titles = []
        for entry in part["chapters"]:
            text = (ROOT / (entry["file"] + ".md")).read_text(encoding="utf-8")
            heading = re.search(r"^# (.+)$", text, re.MULTILINE)
            titles.append(re.sub(r"[`*]", "", heading[1]).strip())
        parts.append((part["caption"], titles))
    return parts


def test_pdf_has_every_part_and_chapter_of_the_toc_in_its_outline(outline):
    parts = [(title, chapters) for title, chapters in outline if title != "Glass Box"]
    # The outline's part titles carry LaTeX's part number ("I Part 0: ...").
    found = [(re.sub(r"^[IVXL]+\s+", "", title), chapters) for title, chapters in parts]
    assert found == toc_parts()


@pytest.fixture(scope="module")
def contents() -> list[tuple[str, str]]:
    """The PDF's table of contents: (number or letter, title) of each chapter."""
    _need(PDF, "pdf")
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-f", "1", "-l", "15", str(PDF), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = re.compile(r"^(\d+|[A-Z])\s+(.+?)(?:\s*\.)+\s+\d+$", re.MULTILINE)
    text = done.stdout.replace("\f", "\n")  # a page break starts the next line
    return [(m[1], m[2].strip()) for m in line.finditer(text)]


def test_pdf_numbers_chapters_and_letters_appendices(contents):
    parts = toc_parts()
    numbered = [
        t for caption, titles in parts if caption != glassbox_print.APPENDICES for t in titles
    ]
    appendices = dict(parts)[glassbox_print.APPENDICES]
    expected = [(str(i), t) for i, t in enumerate(numbered, 1)]
    expected += [(chr(ord("A") + i), t) for i, t in enumerate(appendices)]
    assert contents == expected


def test_pdf_has_title_page_and_contents(pdf_text):
    assert "Glass Box" in pdf_text[0]
    assert any("CONTENTS" in page.upper() for page in pdf_text[1:4])


def test_pdf_prose_number_is_the_glued_output():
    """The gradient-descent chapter glues w after 40 steps into its prose: the PDF's
    sentence carries the value its printed output shows, rounded as the text asks."""
    _need(PDF, "pdf")
    done = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(PDF), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    text = " ".join(done.stdout.split())
    printed = re.search(r"lr 0\.01: after 40 steps w = (-?\d+\.\d+)", text)
    prose = re.search(r"the weight has crawled to (-?\d+\.\d+) after 40 steps", text)
    assert printed and prose, "the glued sentence or the code output is missing"
    assert prose[1] == f"{float(printed[1]):.2f}"


def test_pdf_has_exercises_with_solutions(pdf_text):
    text = " ".join(" ".join(pdf_text).split())
    exercises = set(re.findall(r"Exercise (\d+\.\d+\.\d+)", text))
    solutions = set(re.findall(r"Solution to Exercise (\d+\.\d+\.\d+)", text))
    assert len(solutions) > 100
    assert solutions <= exercises
    # An unresolved LaTeX reference prints as "??"
    assert not re.search(r"(Exercise|Fig\.|Table|Chapter|Section|Appendix|Equation) \?\?", text)


def test_latex_log_has_no_error_unresolved_reference_or_wide_line():
    _need(TEX_LOG, "pdf")
    errors, unresolved, overfull = build_print.log_report(TEX_LOG.read_text(errors="replace"))
    assert errors == []
    assert unresolved == []
    assert [w for w in overfull if w > OVERFULL_MARGIN_PT] == []
    assert len(overfull) <= MAX_OVERFULL


def test_log_report_reads_errors_references_and_overfull_lines():
    log = (
        "Overfull \\hbox (12.5pt too wide) in paragraph at lines 3--4\n"
        "LaTeX Warning: Hyper reference `book/a:b' on page 2 undefined on input line 9.\n"
        "! Undefined control sequence.\nl.12 \\foo\n\nafter\n"
    )
    errors, unresolved, overfull = build_print.log_report(log)
    assert errors == ["! Undefined control sequence.\nl.12 \\foo"]
    assert unresolved == ["book/a:b"]
    assert overfull == [12.5]


def test_animation_still_is_four_frames_in_a_grid(tmp_path):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0), (0, 0, 0)]
    frames = [Image.new("RGB", (20, 10), c) for c in colours]
    gif = tmp_path / "anim.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100)
    still = tmp_path / "still.png"
    converter = glassbox_print.GifStill.__new__(glassbox_print.GifStill)
    assert converter.convert(str(gif), str(still))
    with Image.open(still) as image:
        gap = 12
        assert image.size == (2 * 20 + gap, 2 * 10 + gap)
        # first, one third, two thirds and last of five frames: 0, 1, 3, 4
        corners = [(0, 0), (20 + gap, 0), (0, 10 + gap), (20 + gap, 10 + gap)]
        picked = [image.convert("RGB").getpixel((x + 5, y + 5)) for x, y in corners]
    assert picked == [colours[0], colours[1], colours[3], colours[4]]


def test_missing_tex_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(build_print.shutil, "which", lambda tool: None)
    missing = build_print.missing_tex()
    assert "xelatex (texlive-xetex)" in missing and "latexmk (latexmk)" in missing


def test_pdf_and_epub_skip_or_fail_with_a_reason(monkeypatch, capsys):
    monkeypatch.delenv("GLASSBOX_REQUIRE_PRINT", raising=False)
    assert build_print.skip("pdf", ["xelatex (texlive-xetex)"], ("texlive-xetex",)) == 0
    out = capsys.readouterr().out
    assert "apt-get install texlive-xetex" in out and "skipped" in out
    monkeypatch.setenv("GLASSBOX_REQUIRE_PRINT", "1")
    assert build_print.skip("pdf", ["xelatex (texlive-xetex)"], ("texlive-xetex",)) == 1


# --- the EPUB -----------------------------------------------------------------------


def test_epubcheck_finds_no_error():
    _need(EPUB, "epub")
    if not shutil.which("epubcheck"):
        if REQUIRED:
            pytest.fail("no epubcheck (Debian package epubcheck); GLASSBOX_REQUIRE_PRINT=1")
        pytest.skip("no epubcheck (Debian package epubcheck)")
    done = subprocess.run(
        [*build_print.epubcheck_command(), str(EPUB)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "0 fatals / 0 errors" in done.stdout


def test_epub_holds_every_chapter_without_scripts():
    _need(EPUB, "epub")
    with zipfile.ZipFile(EPUB) as book:
        names = set(book.namelist())
        assert book.namelist()[0] == "mimetype"
        toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
        files = [e["file"] for p in toc["parts"] for e in p["chapters"]]
        missing = [f for f in files if f"{f}.xhtml" not in names]
        assert missing == []
        page = book.read("book/linear-regression/gradient-descent.xhtml").decode()
        package = book.read("content.opf").decode()
        style = book.read("_static/glassbox-epub.css").decode()
    assert "<script" not in page
    # MathJax's rules hide the MathML beside each formula's SVG (for screen readers)
    assert 'href="../../_static/glassbox-epub.css"' in page
    assert "mjx-assistive-mml" in style and "mjx-assistive-mml" in page
    assert "<svg" in page  # the formulas, drawn at build time
    assert re.search(
        r'href="book/linear-regression/gradient-descent.xhtml"[^>]*properties="svg', package
    )
    assert "search.xhtml" not in names and "404.xhtml" not in names


# --- offered on the site --------------------------------------------------------------


def test_landing_page_and_archive_offer_the_editions():
    _need(HTML / "index.html", "book")
    built = [p for p in (PDF, EPUB) if p.exists()]
    if not built:
        pytest.skip("no print edition built")
    page = (HTML / "book" / "index.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(HTML / "glassbox-notebooks.zip") as archive:
        names = archive.namelist()
    for edition in built:
        assert f'href="../{edition.name}"' in page  # the landing page is book/index.html
        assert (HTML / edition.name).read_bytes() == edition.read_bytes()
        assert f"glassbox-notebooks/{edition.name}" in names
