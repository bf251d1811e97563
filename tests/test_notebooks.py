"""The reader's notebooks: converted from MyST, valid, complete, and runnable anywhere."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import bookexec
import nbformat
import pytest
import reader_notebooks as rn
from conftest import ROOT

HTML = ROOT / "_build" / "html"
ARCHIVE = HTML / "glassbox-notebooks.zip"
CHAPTERS = bookexec.toc_chapters()
MEMORY_ADDRESS = re.compile(r" at 0x[0-9a-f]{6,}>")
REPO_PATH = re.compile(
    r"(?<![\w/.-])(book|src|scripts|tests|_build)/|\.\./|/work/|glassbox/_answers"
)


def notebook_path(chapter: Path) -> Path:
    return HTML / "_sources" / chapter.relative_to(ROOT).with_suffix(".ipynb")


# --- the conversion, without Sphinx -----------------------------------------------


@pytest.fixture
def index():
    idx = rn.BookIndex(base_url="https://book.example/", repository="https://github.com/o/r")
    idx.labels["first-model"] = rn.Target(
        "https://book.example/book/a.html#first-model", "A first model"
    )
    idx.labels["fig-x"] = rn.Target("https://book.example/book/a.html#fig-x", "caption")
    idx.numbers["fig-x"] = "Figure 2.1"
    idx.docs["book/tensors/tensors-1d"] = rn.Target(
        "https://book.example/book/tensors/tensors-1d.html", "Tensors"
    )
    idx.chapter_numbers["book/getting-started/x"] = "3"
    return idx


def convert(index, text, glue=None):
    return rn.Converter(index, "book/getting-started/x", glue or {}).convert(text)


def test_roles_become_links_and_values(index):
    glue = {"v": {"text/plain": "1.23456"}}
    text = (
        "See {ref}`first-model`, {ref}`that <first-model>`, {numref}`fig-x` and "
        "{doc}`../tensors/tensors-1d`; the value is {glue:text}`v:.2f`."
    )
    out = convert(index, text, glue)
    assert out == (
        "See [A first model](https://book.example/book/a.html#first-model), "
        "[that](https://book.example/book/a.html#first-model), "
        "[Figure 2.1](https://book.example/book/a.html#fig-x) and "
        "[Tensors](https://book.example/book/tensors/tensors-1d.html); the value is 1.23."
    )


def test_directives_become_markdown(index):
    text = """(x)=
# Title

:::{note}
Careful with {ref}`first-model`.
:::

:::{exercise}
:label: x-one

Do it.
:::

:::{solution-start} x-one
:class: dropdown
:::

Because.

:::{solution-end}
:::

```{math}
a = b
```

$$ y = 2x $$ (eq-y)
"""
    out = convert(index, text)
    assert "(x)=" not in out and "# Title" in out
    assert "> **Note**" in out and "> Careful with [A first model]" in out
    assert "### Exercise 3.1" in out and '<a id="x-one"></a>' in out
    assert "#### Solution to Exercise 3.1" in out and "Because." in out
    assert "$$\na = b\n$$" in out and "(eq-y)" not in out
    assert not rn.MYST_LEFTOVER.search(out)


def test_relative_links_become_absolute(index):
    out = convert(index, 'Get <a href="../../all.zip">it</a> or [this](../other.html#a).')
    assert 'href="https://book.example/all.zip"' in out
    assert "[this](https://book.example/book/other.html#a)" in out


def test_plain_code_fences_are_left_alone(index):
    text = "```python\nx = {'a': 1}\n```\n"
    assert convert(index, text) == text.strip()


def test_glossary_terms_become_links_to_their_entry(index):
    index.terms["leaf tensor"] = rn.Target(
        "https://book.example/book/appendices/glossary.html#term-leaf-tensor", "leaf tensor"
    )
    out = convert(index, "A {term}`leaf tensor`, two {term}`leaf tensors <Leaf Tensor>`.")
    url = "https://book.example/book/appendices/glossary.html#term-leaf-tensor"
    assert out == f"A [leaf tensor]({url}), two [leaf tensors]({url})."
    with pytest.raises(rn.ConversionError, match="not in the glossary"):
        convert(index, "{term}`no such term`")


def test_unknown_syntax_is_an_error_not_silence(index):
    with pytest.raises(rn.ConversionError, match="unknown"):
        convert(index, "{ref}`no-such-label`")
    with pytest.raises(rn.ConversionError, match="never glued"):
        convert(index, "{glue:text}`missing`")
    with pytest.raises(rn.ConversionError, match="directive"):
        convert(index, ":::{mystery}\nx\n:::")


def test_leftover_detector_sees_myst():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("A {ref}`x` here")])
    assert rn.myst_leftovers(nb)
    with pytest.raises(rn.ConversionError):
        rn.validate(nb)


# --- the notebooks the build wrote ------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _built():
    if not (HTML / "index.html").exists():
        pytest.fail("no built book in _build/html: run `make book` (make test does it first)")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_reader_notebook_is_valid_plain_and_self_contained(chapter):
    path = notebook_path(chapter)
    assert path.exists(), f"no reader's notebook for {chapter.name} at {path.relative_to(ROOT)}"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert not rn.myst_leftovers(nb), rn.myst_leftovers(nb)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert "import glassbox" in first_code.source and "pip" in first_code.source
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not REPO_PATH.search(cell.source), (
                f"{chapter.name}: a cell refers to the repository:\n{cell.source}"
            )
            assert "myst_nb" not in cell.source
    source_code = sum(1 for c in bookexec.read_chapter(chapter).cells if c.cell_type == "code")
    executed = [c for c in nb.cells[2:] if c.cell_type == "code"]
    assert len(executed) == source_code
    assert any(c.outputs for c in executed), f"{chapter.name}: the notebook has no outputs"
    for cell in executed:
        for output in cell.outputs:
            text = output.get("text", "") + output.get("data", {}).get("text/plain", "")
            address = MEMORY_ADDRESS.search(text)
            assert not address, (
                f"{chapter.name}: an output shows a memory address, which changes on every "
                f"run (end the line with ';' or print something stable):\n{cell.source}"
            )


def test_chapter_pages_offer_the_notebook_and_launch_it():
    for chapter in CHAPTERS:
        html = (HTML / chapter.relative_to(ROOT).with_suffix(".html")).read_text(encoding="utf-8")
        rel = chapter.relative_to(ROOT).with_suffix(".ipynb").as_posix()
        assert re.search(rf'href="[./]*_sources/{re.escape(rel)}"', html), (
            f"{chapter.name}: no .ipynb download"
        )
        # The launch buttons: Colab and Binder addresses that open a repository's file
        # (a page may also link Colab's home page in its prose).
        launch = r'href="(https://(?:colab\.research\.google\.com/github|mybinder\.org/v2)/[^"]+)"'
        links = re.findall(launch, html)
        assert len(links) >= 2, f"{chapter.name}: no Colab and Binder launch buttons"
        for link in links:
            assert link.endswith(f"_sources/{rel}"), (
                f"{chapter.name}: launch link {link} is not the notebook"
            )
        assert "colab.research.google.com" in html


def test_archive_holds_notebooks_wheel_requirements_readme():
    with zipfile.ZipFile(ARCHIVE) as archive:
        names = archive.namelist()
        readme = archive.read("glassbox-notebooks/README.md").decode()
    assert "glassbox-notebooks/requirements.txt" in names
    assert any(n.endswith(".whl") for n in names)
    notebooks = [n for n in names if n.endswith(".ipynb")]
    assert len(notebooks) == len(CHAPTERS)
    for name in notebooks:
        assert name.removeprefix("glassbox-notebooks/") in readme


def test_first_chapter_links_the_archive():
    html = (HTML / "book/getting-started/how-to-use.html").read_text(encoding="utf-8")
    assert "glassbox-notebooks.zip" in html


@pytest.fixture(scope="session")
def wheel_site(tmp_path_factory):
    """The helper package installed from the archive's wheel, outside the repository."""
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(ARCHIVE) as archive:
        wheel = next(n for n in archive.namelist() if n.endswith(".whl"))
        target = site / Path(wheel).name
        target.write_bytes(archive.read(wheel))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(site / "lib"),
            str(target),
        ],
        check=True,
    )
    return site / "lib"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_reader_notebook_runs_top_to_bottom_outside_the_repo(
    chapter, wheel_site, tmp_path, monkeypatch
):
    nb = nbformat.read(notebook_path(chapter), as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    nb.cells.append(nbformat.v4.new_code_cell("import glassbox; print(glassbox.__file__)"))
    copy = tmp_path / "nb" / notebook_path(chapter).name
    copy.parent.mkdir()
    nbformat.write(nb, copy)
    workdir = tmp_path / "work"
    workdir.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(wheel_site))
    result = bookexec.execute_chapter(copy, timeout=120, cwd=workdir)
    assert result.ok, result.error
    where = result.notebook.cells[-1].outputs[0]["text"]
    assert where.startswith(str(wheel_site)), f"glassbox came from {where}, not from the wheel"
    left = sorted(p.name for p in workdir.iterdir())
    assert not left, f"{chapter.name} left files in its working folder: {left}"
