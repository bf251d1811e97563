"""The glossary and the chapters' links to it.

Sphinx (``-n -W``) already fails the build when a ``{term}`` names no entry; these
tests add what Sphinx does not check: every entry is linked from some chapter, a
chapter links a term once (where it first uses it), and every entry points back to
the section that teaches it.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "book" / "appendices" / "glossary.md"
TERM_ROLE = re.compile(r"\{term\}`(?P<content>[^`]+)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)


def glossary_entries(text: str) -> dict[str, str]:
    """``{term: definition}`` from the ``{glossary}`` block of a MyST page."""
    block = re.search(r"```\{glossary\}\n(?P<body>.*?)\n```", text, re.DOTALL)
    if block is None:
        raise ValueError("no {glossary} block found")
    entries: dict[str, list[str]] = {}
    current = None
    for line in block["body"].splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line[0].isspace():
            if current is None:
                raise ValueError(f"definition before any term: {line!r}")
            entries[current].append(line.strip())
        else:
            current = line.strip()
            if current in entries:
                raise ValueError(f"term {current!r} is defined twice")
            entries[current] = []
    return {term: " ".join(lines) for term, lines in entries.items()}


def term_links(text: str) -> list[str]:
    """The glossary terms a page links, lower case, in order (one per link)."""
    targets = []
    for match in TERM_ROLE.finditer(text):
        content = match["content"]
        explicit = EXPLICIT.match(content)
        targets.append((explicit["target"] if explicit else content).strip().lower())
    return targets


def chapters() -> list[Path]:
    return sorted(p for p in (ROOT / "book").rglob("*.md") if p != GLOSSARY)


ENTRIES = glossary_entries(GLOSSARY.read_text())
LINKS = {path: term_links(path.read_text()) for path in chapters()}


def test_parser_reads_terms_and_definitions():
    text = "```{glossary}\n:sorted:\n\nalpha\n  First line,\n  second.\n\nbeta\n  B.\n```\n"
    assert glossary_entries(text) == {"alpha": "First line, second.", "beta": "B."}
    assert term_links("a {term}`alpha`, {term}`Betas <beta>`") == ["alpha", "beta"]
    with pytest.raises(ValueError, match="twice"):
        glossary_entries("```{glossary}\nalpha\n  A.\nalpha\n  B.\n```\n")


def test_glossary_has_entries_with_definitions():
    assert len(ENTRIES) >= 40
    for term, definition in ENTRIES.items():
        assert len(definition.split()) >= 8, f"{term!r} has too short a definition"


def test_every_entry_links_to_the_section_that_teaches_it():
    for term, definition in ENTRIES.items():
        assert re.search(r"\]\(\.\./[\w/-]+\.md(#[\w-]+)?\)|\{ref\}`", definition), (
            f"glossary entry {term!r} links to no chapter section"
        )


def test_every_term_a_chapter_links_is_in_the_glossary():
    known = {term.lower() for term in ENTRIES}
    for path, links in LINKS.items():
        unknown = sorted(set(links) - known)
        assert not unknown, f"{path.relative_to(ROOT)} links terms with no entry: {unknown}"


def test_every_entry_is_linked_from_some_chapter():
    linked = {term for links in LINKS.values() for term in links}
    orphans = sorted(term for term in ENTRIES if term.lower() not in linked)
    assert not orphans, f"glossary entries no chapter links with {{term}}: {orphans}"


def test_a_chapter_links_each_term_once():
    for path, links in LINKS.items():
        repeated = sorted(term for term, n in Counter(links).items() if n > 1)
        assert not repeated, (
            f"{path.relative_to(ROOT)} links these terms more than once "
            f"(link only the first use): {repeated}"
        )


def test_every_chapter_links_some_term():
    for path, links in LINKS.items():
        if "appendices" in path.parts or path.name == "index.md":
            continue
        assert links, f"{path.relative_to(ROOT)} links no glossary term"
