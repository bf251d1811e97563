"""The build script empties the execution cache when the environment changes."""

from __future__ import annotations

import shutil

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
