"""Every exercise has a worked solution that the build executes."""

from __future__ import annotations

import re

import bookexec
import pytest

EXERCISE = re.compile(r"^:::+\{exercise\}.*?\n:label:\s*(\S+)", re.MULTILINE)
SOLUTION = re.compile(
    r"^:::+\{solution-start\}\s+(\S+)\s*\n(.*?)^:::+\{solution-end\}", re.MULTILINE | re.DOTALL
)


def parse(text: str) -> tuple[list[str], dict[str, str]]:
    """Return a chapter's exercise labels and its solutions' bodies by label."""
    return EXERCISE.findall(text), {label: body for label, body in SOLUTION.findall(text)}


CHAPTERS = [p for p in bookexec.toc_chapters() if "appendices" not in p.parts]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_an_executed_solution(chapter):
    exercises, solutions = parse(chapter.read_text(encoding="utf-8"))
    count = len(exercises)
    assert 3 <= count <= 10, f"{chapter.name}: {count} exercises, expected 3 to 10"
    missing = [e for e in exercises if e not in solutions]
    assert not missing, f"{chapter.name}: exercises without a solution: {missing}"
    orphans = [s for s in solutions if s not in exercises]
    assert not orphans, f"{chapter.name}: solutions for no exercise: {orphans}"
    no_code = [label for label, body in solutions.items() if "{code-cell}" not in body]
    assert not no_code, f"{chapter.name}: solutions without an executed code cell: {no_code}"
    for label, body in solutions.items():
        assert body.lstrip().startswith(":class: dropdown"), f"{label}: solution not collapsed"


def test_the_parser_sees_a_missing_solution():
    text = (
        ":::{exercise}\n:label: a\n\nDo it.\n:::\n\n"
        ":::{exercise}\n:label: b\n\nAnd this.\n:::\n\n"
        ":::{solution-start} a\n:class: dropdown\n:::\n\n```{code-cell} ipython3\n1\n```\n\n"
        ":::{solution-end}\n:::\n"
    )
    exercises, solutions = parse(text)
    assert exercises == ["a", "b"]
    assert list(solutions) == ["a"]
