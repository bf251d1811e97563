"""The table of contents and the chapter files agree."""

from __future__ import annotations

import bookexec
from conftest import ROOT


def test_every_toc_entry_exists():
    missing = [str(p.relative_to(ROOT)) for p in bookexec.toc_documents() if not p.exists()]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_chapter_file_is_in_the_toc():
    listed = {p.resolve() for p in bookexec.toc_documents()}
    on_disk = {p.resolve() for p in (ROOT / "book").rglob("*") if p.suffix in {".md", ".ipynb"}}
    orphans = sorted(str(p.relative_to(ROOT)) for p in on_disk - listed)
    assert not orphans, f"files under book/ missing from _toc.yml: {orphans}"


def test_the_book_has_chapters():
    chapters = bookexec.toc_chapters()
    assert len(chapters) >= 2
    assert all(bookexec.is_notebook(p) for p in chapters)
