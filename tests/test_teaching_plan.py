"""The teachers' guide's plan agrees with the book, and renders what it says."""

from __future__ import annotations

import copy

import pytest
import teaching_plan as tp

PLAN = tp.load()
CHAPTERS = tp.book_chapters()


def test_the_plan_agrees_with_the_table_of_contents():
    assert tp.problems(PLAN, CHAPTERS) == []


def test_every_chapter_of_the_toc_is_in_exactly_one_session():
    mapped = [doc for session in PLAN["sessions"] for doc in session["chapters"]]
    assert sorted(mapped) == sorted(CHAPTERS)
    assert len(mapped) == len(set(mapped))


def test_a_chapter_missing_from_the_plan_is_found():
    plan = copy.deepcopy(PLAN)
    dropped = plan["sessions"][0]["chapters"].pop()
    assert any(dropped in p and "0 sessions" in p for p in tp.problems(plan, CHAPTERS))


def test_a_chapter_that_does_not_exist_is_found():
    plan = copy.deepcopy(PLAN)
    plan["sessions"][-1]["chapters"].append("book/nowhere/ghost")
    assert any("ghost" in p and "not a chapter" in p for p in tp.problems(plan, CHAPTERS))


def test_an_unknown_exercise_and_a_wrong_timing_are_found():
    plan = copy.deepcopy(PLAN)
    plan["sessions"][0]["plan"][3]["exercises"] = ["no-such-exercise"]
    plan["sessions"][0]["plan"][0]["minutes"] += 5
    found = "\n".join(tp.problems(plan, CHAPTERS))
    assert "no-such-exercise" in found
    assert f"not the {PLAN['session_minutes']} min" in found


def test_sessions_out_of_reading_order_are_found():
    plan = copy.deepcopy(PLAN)
    plan["sessions"][0], plan["sessions"][1] = plan["sessions"][1], plan["sessions"][0]
    assert "sessions must take the chapters in reading order" in tp.problems(plan, CHAPTERS)


@pytest.mark.parametrize("number", range(1, len(PLAN["sessions"]) + 1))
def test_rendered_session_has_six_timed_blocks_ending_on_time(number):
    text = tp.render(PLAN, CHAPTERS)
    section = text.split(f"(session-{number})=")[1].split("(session-")[0]
    rows = [
        line for line in section.splitlines() if line.startswith("| 0:") or line.startswith("| 1:")
    ]
    assert [row.split(" | ")[1] for row in rows] == list(tp.BLOCKS.values())
    assert rows[0].startswith("| 0:00–")
    assert rows[-1].split(" | ")[0].endswith(tp._clock(PLAN["session_minutes"]))
    for doc in PLAN["sessions"][number - 1]["chapters"]:
        assert f"{{ref}}`{CHAPTERS[doc].label}`" in section
