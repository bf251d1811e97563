"""The teachers' guide: sessions of a course, read from a YAML file, checked, rendered.

``book/appendices/teaching-plan.yml`` maps the chapters onto the sessions of a course.
Each session lists its chapters and a timed plan of six blocks (warm-up and skill
check, a demo run together, explanation, guided practice, an independent challenge,
wrap-up and homework), the exercises each block uses and what to check that students
understood. :func:`problems` compares the plan with the book (``_toc.yml`` and the
exercises the chapters define); :func:`render` writes the guide's Markdown, which the
``{teaching-plan}`` directive of the book's Sphinx extension inserts in the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "book" / "appendices" / "teaching-plan.yml"

# The six blocks of a session, in order, with the name the guide prints.
BLOCKS = {
    "warm-up": "Warm-up and skill check",
    "demo": "Run it together",
    "explain": "Explanation",
    "practice": "Guided practice",
    "challenge": "Independent challenge",
    "wrap-up": "Wrap-up and homework",
}
EXERCISE = re.compile(r"^:::\{exercise\}.*?\n:label:\s*(?P<label>\S+)", re.MULTILINE | re.DOTALL)
LABEL = re.compile(r"^\((?P<label>[\w-]+)\)=\s*$", re.MULTILINE)


@dataclass
class Chapter:
    """A chapter of the book as the guide needs it."""

    doc: str  # e.g. "book/getting-started/first-model"
    label: str  # its (label)= target
    exercises: list[str]


def book_chapters(root: Path = ROOT) -> dict[str, Chapter]:
    """The numbered chapters of ``_toc.yml`` (appendices excluded), in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    chapters: dict[str, Chapter] = {}
    for part in toc.get("parts", []):
        if not part.get("numbered"):
            continue
        for entry in part.get("chapters", []):
            doc = entry["file"]
            text = (root / f"{doc}.md").read_text()
            label = LABEL.search(text)
            chapters[doc] = Chapter(
                doc=doc,
                label=label["label"] if label else "",
                exercises=[m["label"] for m in EXERCISE.finditer(text)],
            )
    return chapters


def load(path: Path = PLAN) -> dict:
    """The plan as read from YAML."""
    return yaml.safe_load(path.read_text())


def problems(plan: dict, chapters: dict[str, Chapter]) -> list[str]:
    """Everything in ``plan`` that disagrees with the book; empty when it is sound."""
    found: list[str] = []
    minutes = plan.get("session_minutes")
    sessions = plan.get("sessions") or []
    if not isinstance(minutes, int) or minutes <= 0:
        found.append("session_minutes must be a positive whole number")
    if not sessions:
        found.append("the plan has no sessions")
    mapped: list[str] = []
    for number, session in enumerate(sessions, 1):
        name = f"session {number} ({session.get('title', 'untitled')})"
        docs = session.get("chapters") or []
        if not docs:
            found.append(f"{name} has no chapters")
        for doc in docs:
            if doc not in chapters:
                found.append(f"{name} lists {doc!r}, which is not a chapter of _toc.yml")
            mapped.append(doc)
        own = {label for doc in docs if doc in chapters for label in chapters[doc].exercises}
        blocks = session.get("plan") or []
        names = [block.get("block") for block in blocks]
        if names != list(BLOCKS):
            found.append(f"{name}: blocks must be {list(BLOCKS)} in that order, not {names}")
        total = sum(int(block.get("minutes", 0)) for block in blocks)
        if isinstance(minutes, int) and total != minutes:
            found.append(f"{name}: blocks take {total} min, not the {minutes} min of a session")
        for block in blocks:
            if not str(block.get("do", "")).strip():
                found.append(f"{name}: block {block.get('block')!r} says nothing to do")
            for label in block.get("exercises") or []:
                if label not in own:
                    found.append(
                        f"{name}: exercise {label!r} is not an exercise of its chapters {docs}"
                    )
        if not session.get("check"):
            found.append(f"{name} lists nothing to check that students understood")
    order = [doc for doc in chapters if doc in mapped]
    if mapped != order:
        found.append("sessions must take the chapters in reading order")
    for doc in chapters:
        count = mapped.count(doc)
        if count != 1:
            found.append(f"chapter {doc!r} is in {count} sessions, not exactly one")
    return found


def _clock(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


def render(plan: dict, chapters: dict[str, Chapter]) -> str:
    """The guide's body as MyST Markdown: an overview table, then one section a session."""
    lines = [
        "| session | chapters | exercises used |",
        "|---|---|---|",
    ]
    for number, session in enumerate(plan["sessions"], 1):
        refs = ", ".join(f"{{ref}}`{chapters[doc].label}`" for doc in session["chapters"])
        used = sum(len(block.get("exercises") or []) for block in session["plan"])
        lines.append(f"| [{number}. {session['title']}](#session-{number}) | {refs} | {used} |")
    for number, session in enumerate(plan["sessions"], 1):
        lines += ["", f"(session-{number})=", f"### Session {number}: {session['title']}", ""]
        refs = ", ".join(f"{{ref}}`{chapters[doc].label}`" for doc in session["chapters"])
        lines += [f"**Chapters:** {refs}. {session.get('goal', '')}".rstrip(), ""]
        lines += ["| time | block | what to do | exercises |", "|---|---|---|---|"]
        start = 0
        for block in session["plan"]:
            end = start + int(block["minutes"])
            exercises = ", ".join(f"{{ref}}`{label}`" for label in block.get("exercises") or [])
            do = " ".join(str(block["do"]).split())
            lines.append(
                f"| {_clock(start)}–{_clock(end)} | {BLOCKS[block['block']]} | {do} "
                f"| {exercises or '–'} |"
            )
            start = end
        lines += ["", "**Check that students can:**", ""]
        lines += [f"- {' '.join(str(item).split())}" for item in session["check"]]
    return "\n".join(lines) + "\n"
