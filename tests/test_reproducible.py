"""Two clean builds give the same book: pages, images, notebooks and the archive.

Only what must vary is set aside: each chapter's execution footer (when it ran and
for how long), the execution-report page (run times) and Sphinx's search index.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import bench

FOOTER = re.compile(r'<p class="glassbox-exec-footer">.*?</p>', re.DOTALL)
VARYING = {"searchindex.js", "execution-report.html", ".buildinfo"}


def clean_build(where: Path) -> Path:
    project = bench.copy_project(where)
    proc = subprocess.run(
        [sys.executable, "scripts/build_book.py", "--jobs", "2"],
        cwd=project,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return project / "_build" / "html"


def comparable(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".html":
        data = FOOTER.sub("", data.decode("utf-8")).encode("utf-8")
    return data


def published_files(html: Path) -> dict[str, Path]:
    return {
        p.relative_to(html).as_posix(): p
        for p in html.rglob("*")
        if p.is_file() and p.name not in VARYING and "_static" not in p.relative_to(html).parts
    }


@pytest.mark.slow
def test_two_clean_builds_are_identical(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = published_files(clean_build(tmp_path / "a"))
    second = published_files(clean_build(tmp_path / "b"))
    assert sorted(first) == sorted(second), "the two builds wrote different sets of files"
    kinds = {Path(name).suffix for name in first}
    assert {".html", ".png", ".ipynb", ".zip"} <= kinds, kinds
    differ = [name for name in sorted(first) if comparable(first[name]) != comparable(second[name])]
    assert not differ, f"files that differ between two clean builds: {differ}"


def test_the_footer_pattern_matches_what_the_build_writes():
    page = ROOT / "_build" / "html" / "book" / "getting-started" / "first-model.html"
    if not page.exists():
        pytest.fail("no built book in _build/html: run `make book` (make test does it first)")
    text = page.read_text(encoding="utf-8")
    assert len(FOOTER.findall(text)) == 1
    assert "Executed on" not in FOOTER.sub("", text)
