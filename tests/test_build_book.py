"""The build script empties the execution cache when the environment changes."""

from __future__ import annotations

import shutil
from types import SimpleNamespace

import build_book
import pytest
from conftest import ROOT


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of what the environment hash reads, with its own cache folder."""
    shutil.copy(ROOT / "requirements.txt", tmp_path / "requirements.txt")
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    cache = tmp_path / "_build" / ".jupyter_cache"
    monkeypatch.setattr(build_book, "ROOT", tmp_path)
    monkeypatch.setattr(build_book, "CACHE", cache)
    monkeypatch.setattr(build_book, "STAMP", cache / "environment.sha256")
    return tmp_path


def fill_cache(project):
    build_book.check_cache_environment()
    (build_book.CACHE / "executed-chapter").write_text("outputs")


@pytest.mark.parametrize(
    "change",
    [
        lambda p: (p / "requirements.txt").write_text(
            (p / "requirements.txt").read_text().replace("torch==2.14.1", "torch==2.14.2")
        ),
        lambda p: (p / "src" / "glassbox" / "data.py").write_text(
            (p / "src" / "glassbox" / "data.py").read_text() + "\n# changed\n"
        ),
    ],
    ids=["pinned requirements", "helper package"],
)
def test_a_changed_environment_empties_the_cache(project, change, capsys):
    fill_cache(project)
    change(project)
    build_book.check_cache_environment()
    assert not (build_book.CACHE / "executed-chapter").exists()
    assert "emptying the execution cache" in capsys.readouterr().out


def test_an_unchanged_environment_keeps_the_cache(project):
    fill_cache(project)
    build_book.check_cache_environment()
    assert (build_book.CACHE / "executed-chapter").read_text() == "outputs"


def test_the_hash_covers_requirements_and_python(project):
    before = build_book.environment_hash()
    (project / "requirements.txt").write_text("torch==0\n")
    assert build_book.environment_hash() != before


# --- what a no-op rebuild skips --------------------------------------------------------


def test_outputs_are_kept_only_while_inputs_and_files_are_unchanged(tmp_path):
    import glassbox_sphinx as ext

    app = SimpleNamespace(outdir=str(tmp_path / "html"))
    out = tmp_path / "html" / "archive.zip"
    assert not ext.unchanged(app, "archive", "key-1", [out])  # never written
    out.parent.mkdir()
    out.write_text("v1")
    ext.stamp(app, "archive", "key-1")
    assert ext.unchanged(app, "archive", "key-1", [out])
    assert not ext.unchanged(app, "archive", "key-2", [out])  # an input changed
    assert not ext.unchanged(app, "archive", "key-1", [out])  # and its stamp went
    ext.stamp(app, "archive", "key-1")
    out.unlink()
    assert not ext.unchanged(app, "archive", "key-1", [out])  # a file went missing


def test_input_hash_delimits_its_parts():
    import glassbox_sphinx as ext

    assert ext.hash_of("ab", "c") != ext.hash_of("a", "bc")
    assert ext.hash_of("a", b"b") == ext.hash_of(b"a", "b")


def test_landing_page_is_read_again_only_when_what_it_shows_changed(monkeypatch):
    import glassbox_publish as pub

    states = iter([("commit-1", ()), ("commit-1", ()), ("commit-2", ()), ("commit-3", ())])
    monkeypatch.setattr(pub, "root_state", lambda app: next(states))
    app = SimpleNamespace(config=SimpleNamespace(root_doc="book/index"))
    env = SimpleNamespace(found_docs={"book/index", "book/part/chapter"})
    assert pub.reread_root_when_stale(app, env, set(), set(), set()) == ["book/index"]
    assert pub.reread_root_when_stale(app, env, set(), set(), set()) == []
    assert pub.reread_root_when_stale(app, env, set(), set(), set()) == ["book/index"]
    # already on Sphinx's list (its source changed): not named twice
    assert pub.reread_root_when_stale(app, env, set(), {"book/index"}, set()) == []
    assert env.glassbox_root_state == ("commit-3", ())


def test_numbered_references_unpickle_each_page_once(monkeypatch):
    """{numref}: Sphinx's own numbering, with one unpickled doctree per page per build."""
    import glassbox_sphinx as ext
    from docutils import nodes
    from docutils.utils import new_document
    from sphinx import addnodes
    from sphinx.environment import BuildEnvironment

    page = new_document("chapter")
    figure = nodes.figure(ids=["fig-cost"])
    figure += nodes.caption(text="The cost")
    page += figure
    page.ids["fig-cost"] = figure
    loaded = []

    def get_doctree(env, docname):
        loaded.append(docname)
        return page

    monkeypatch.setattr(BuildEnvironment, "get_doctree", get_doctree)
    domain = ext.NumrefDomain.__new__(ext.NumrefDomain)
    domain.data = {"labels": {"fig-cost": ("book/part/chapter", "fig-cost", "The cost")}}
    domain.enumerable_nodes = dict(ext.StandardDomain.enumerable_nodes)
    config = SimpleNamespace(numfig=True, numfig_format={"figure": "Fig. %s"})
    env = SimpleNamespace(
        config=config, toc_fignumbers={"book/part/chapter": {"figure": {"fig-cost": (12, 1)}}}
    )
    builder = SimpleNamespace(name="html", get_relative_uri=lambda a, b: b + ".html")
    for _ in range(3):
        ref = addnodes.pending_xref(refexplicit=False)
        found = domain._resolve_numref_xref(
            env, "book/other", builder, "numref", "fig-cost", ref, nodes.inline()
        )
        assert found.astext() == "Fig. 12.1"
        assert found["refuri"] == "book/part/chapter.html#fig-cost"
    assert loaded == ["book/part/chapter"]
    assert not hasattr(env, "get_doctree")  # the environment is left as it was
    ext.forget_numref_doctrees(None, SimpleNamespace(get_domain=lambda name: domain))
    domain._resolve_numref_xref(
        env, "book/other", builder, "numref", "fig-cost", ref, nodes.inline()
    )
    assert loaded == ["book/part/chapter"] * 2  # read again after the pages were read again


def test_landing_page_state_has_the_builder_and_the_editions(tmp_path):
    """HTML, LaTeX and EPUB share one environment; only the web site lists downloads."""
    import glassbox_publish as pub

    def app(builder: str):
        return SimpleNamespace(
            builder=SimpleNamespace(name=builder), confdir=str(ROOT), outdir=str(tmp_path / "html")
        )

    assert pub.root_state(app("html")) == pub.root_state(app("html"))
    assert pub.root_state(app("html")) != pub.root_state(app("epub"))
    before = pub.root_state(app("html"))
    (tmp_path / "print").mkdir()
    (tmp_path / "print" / "glass-box.pdf").write_bytes(b"%PDF")
    assert pub.root_state(app("html")) != before
