"""The chapter runner fails loudly, and names the chapter and the cell."""

from __future__ import annotations

import shutil
import textwrap

import bookexec
import pytest
from conftest import ROOT

HEADER = textwrap.dedent(
    """\
    ---
    jupytext:
      text_representation:
        extension: .md
        format_name: myst
    kernelspec:
      display_name: Python 3
      language: python
      name: python3
    ---

    # A tiny chapter
    """
)


def chapter(tmp_path, *cells: str, name: str = "tiny.md"):
    """Write a MyST notebook with the given code cells; return its path."""
    body = "".join(f"\nSome prose.\n\n```{{code-cell}} ipython3\n{c}\n```\n" for c in cells)
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def code_outputs(nb, number: int = 1):
    """Outputs of code cell ``number`` (1-based) of an executed notebook."""
    return [c for c in nb.cells if c.cell_type == "code"][number - 1].outputs


def test_a_real_chapter_with_a_broken_cell_fails_naming_file_line_and_cell(tmp_path):
    source = ROOT / "book" / "getting-started" / "first-model.md"
    copy = tmp_path / "first-model.md"
    shutil.copy(source, copy)
    text = copy.read_text(encoding="utf-8")
    marker = "model = Line()\n"
    assert marker in text
    copy.write_text(text.replace(marker, marker + "1 / 0\n", 1), encoding="utf-8")
    line = copy.read_text(encoding="utf-8").splitlines().index("model = Line()") + 1

    result = bookexec.execute_chapter(copy, timeout=60)

    assert not result.ok
    assert "first-model.md" in result.error
    assert "ZeroDivisionError: division by zero" in result.error
    assert "\x1b[" not in result.error  # no terminal colour codes
    assert "code cell 4" in result.error
    assert f"first-model.md:{line}: code cell 4" in result.error  # first line of the cell
    assert "1 / 0" in result.error  # the failing cell's source is shown


def test_cli_exits_1_and_prints_the_failure(tmp_path, capsys):
    path = chapter(tmp_path, "x = 1", "raise RuntimeError('boom')")
    assert bookexec.main([str(path), "--no-cache", "--jobs", "1"]) == 1
    out = capsys.readouterr().out
    assert "tiny.md" in out and "code cell 2" in out and "RuntimeError: boom" in out


def test_a_passing_chapter_succeeds_and_keeps_its_outputs(tmp_path):
    result = bookexec.execute_chapter(chapter(tmp_path, "print(6 * 7)"), timeout=30)
    assert result.ok, result.error
    assert code_outputs(result.notebook)[0]["text"] == "42\n"


def test_network_access_is_blocked(tmp_path):
    code = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)"
    result = bookexec.execute_chapter(chapter(tmp_path, code), timeout=30)
    assert not result.ok
    assert "network access is blocked" in result.error


def test_name_lookups_are_blocked(tmp_path):
    code = "import urllib.request\nurllib.request.urlopen('https://example.org')"
    result = bookexec.execute_chapter(chapter(tmp_path, code), timeout=30)
    assert not result.ok
    assert "network access is blocked" in result.error


def test_a_hung_cell_fails_on_the_timeout(tmp_path):
    path = chapter(tmp_path, "import time\ntime.sleep(30)")
    result = bookexec.execute_chapter(path, timeout=2)
    assert not result.ok
    assert "code cell 1" in result.error and "timeout" in result.error


def test_raises_exception_tag_without_an_exception_fails(tmp_path):
    path = chapter(tmp_path, ":tags: [raises-exception]\nx = 1")
    result = bookexec.execute_chapter(path, timeout=30)
    assert not result.ok
    assert "raised nothing" in result.error


def test_raises_exception_tag_allows_the_error(tmp_path):
    path = chapter(tmp_path, ":tags: [raises-exception]\n1 / 0", "print('after')")
    result = bookexec.execute_chapter(path, timeout=30)
    assert result.ok, result.error


def test_tracebacks_are_short_and_name_no_file(tmp_path):
    body = "import json\ndef parse(text):\n    return json.loads(text)\nparse('{oops')"
    path = chapter(tmp_path, ":tags: [raises-exception]\n" + body)
    result = bookexec.execute_chapter(path, timeout=30)
    assert result.ok, result.error
    (error,) = [o for o in code_outputs(result.notebook) if o.output_type == "error"]
    text = bookexec.ANSI.sub("", "\n".join(error.traceback))
    assert error.ename == "JSONDecodeError"
    assert text.strip().startswith("JSONDecodeError: Expecting property name")
    assert len(text.strip().splitlines()) <= 2, text
    assert "File " not in text and "/json/" not in text


def test_a_figure_cell_without_an_image_fails(tmp_path):
    cell = "---\nmystnb:\n  image:\n    alt: a picture that never comes\n---\nx = 1"
    result = bookexec.execute_chapter(chapter(tmp_path, cell), timeout=30)
    assert not result.ok
    assert "produced no image" in result.error


def test_a_chapter_without_code_fails(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text(HEADER + "\nOnly prose.\n", encoding="utf-8")
    result = bookexec.execute_chapter(path)
    assert not result.ok
    assert "no code cells" in result.error


def test_chapters_run_in_an_empty_folder_outside_the_repository(tmp_path):
    path = chapter(tmp_path, "import os\nprint(os.getcwd())\nprint(os.listdir('.'))")
    result = bookexec.execute_chapter(path, timeout=30)
    assert result.ok, result.error
    cwd, listing = code_outputs(result.notebook)[0]["text"].splitlines()
    assert listing == "[]"
    assert not cwd.startswith(str(ROOT))


@pytest.mark.parametrize("chapter_path", bookexec.toc_chapters()[:1])
def test_stored_chapters_match_the_cache_key_mystnb_uses(tmp_path, chapter_path):
    """What the runner stores is found again when MyST-NB reads the chapter."""
    copy = tmp_path / chapter_path.name
    shutil.copy(chapter_path, copy)
    result = bookexec.execute_chapter(copy, timeout=60)
    assert result.ok, result.error
    cache = bookexec.open_cache(tmp_path / "cache")
    assert not bookexec.is_cached(cache, copy)
    bookexec.store(cache, result)
    assert bookexec.is_cached(cache, copy)
    # A prose edit keeps the key; a code edit changes it.
    copy.write_text(copy.read_text(encoding="utf-8").replace("\n\n", "\n\nMore prose.\n\n", 1))
    assert bookexec.is_cached(cache, copy)
    copy.write_text(
        copy.read_text(encoding="utf-8").replace("import torch", "import torch  # edited", 1)
    )
    assert not bookexec.is_cached(cache, copy)


def test_kernels_get_a_clean_environment(tmp_path, monkeypatch):
    """The caller's MPLBACKEND (pytest sets Agg) must not stop inline figures."""
    monkeypatch.setenv("MPLBACKEND", "Agg")
    code = "import os, matplotlib\nprint(matplotlib.get_backend(), os.environ['OMP_NUM_THREADS'])"
    result = bookexec.execute_chapter(chapter(tmp_path, code), timeout=30)
    assert result.ok, result.error
    assert (
        code_outputs(result.notebook)[0]["text"] == "module://matplotlib_inline.backend_inline 1\n"
    )


def test_consecutive_stream_chunks_are_merged():
    import nbformat

    out = nbformat.v4.new_output
    outputs = [
        out("stream", name="stdout", text="a\n"),
        out("stream", name="stdout", text="b\n"),
        out("stream", name="stderr", text="warn\n"),
        out("display_data", data={"text/plain": "x"}),
        out("stream", name="stdout", text="c\n"),
    ]
    merged = bookexec.merge_streams(outputs)
    assert [o.get("text") for o in merged] == ["a\nb\n", "warn\n", None, "c\n"]
