"""Every chapter in _toc.yml executes top to bottom: one test per chapter.

Each runs in a fresh kernel, in an empty temporary folder, with network access
blocked, exactly as the build runs it.
"""

from __future__ import annotations

import bookexec
import pytest
from conftest import ROOT

CHAPTERS = bookexec.toc_chapters()
TIMEOUT = int(bookexec.book_config().get("execute", {}).get("timeout", 60))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[str(p.relative_to(ROOT)) for p in CHAPTERS])
def test_chapter_executes(chapter):
    result = bookexec.execute_chapter(chapter, timeout=TIMEOUT)
    assert result.ok, result.error
    code = [c for c in result.notebook.cells if c.cell_type == "code"]
    assert code, "the chapter has no code cells"
    not_run = [i for i, c in enumerate(code, 1) if c.get("execution_count") is None]
    assert not not_run, f"code cells that did not run: {not_run}"
