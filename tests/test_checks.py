"""The exercise checker: its verdicts, its answer key, and the chapters that use it."""

from __future__ import annotations

import re
from pathlib import Path

import bookexec
import numpy as np
import pytest
import torch

from glassbox import checks
from glassbox.checks import (
    _encode,
    _judge_at_least,
    _judge_choice,
    _judge_shape,
    _judge_tensor,
    _judge_value,
    evaluate,
)

CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([A-Za-z0-9_-]+)["']""")


def chapter_texts() -> dict[str, str]:
    """The code cells of every chapter (where reference solutions call the checker)."""
    return {
        str(p): "\n".join(c.source for c in bookexec.read_chapter(p).cells if c.cell_type == "code")
        for p in bookexec.toc_chapters()
    }


# --- the answer key against the chapters ------------------------------------------


def test_answer_key_is_not_readable_in_plain_text():
    for path in checks._KEY_DIR.glob("*.json"):
        text = path.read_text(encoding="utf-8")
        for exercise in checks.exercises():
            spec = checks._spec(exercise)
            if isinstance(spec["expected"], str) and len(spec["expected"]) > 2:
                assert spec["expected"] not in text


@pytest.mark.parametrize("exercise", checks.exercises())
def test_every_answer_has_wrong_examples_that_are_rejected(exercise):
    wrong = checks.wrong_examples(exercise)
    assert wrong, f"{exercise}: the answer key has no --wrong example to test the checker against"
    for answer in wrong:
        result = evaluate(exercise, answer)
        assert not result.correct, f"{exercise}: the checker accepted the wrong answer {answer!r}"


def test_every_checked_exercise_is_in_the_key_and_used():
    used: dict[str, list[str]] = {}
    for path, text in chapter_texts().items():
        for exercise in CHECK_CALL.findall(text):
            used.setdefault(exercise, []).append(path)
    known = set(checks.exercises())
    unknown = {e: p for e, p in used.items() if e not in known}
    assert not unknown, (
        f"chapters call check() for exercises missing from the answer key: {unknown}"
    )
    unused = sorted(known - set(used))
    assert not unused, f"answer-key entries that no chapter checks: {unused}"


def test_checked_exercises_exist_as_exercises():
    for path, text in chapter_texts().items():
        labels = set(re.findall(r":label:\s*(\S+)", Path(path).read_text(encoding="utf-8")))
        for exercise in CHECK_CALL.findall(text):
            if path.endswith("helpers.md"):
                continue
            assert exercise in labels, (
                f"{path}: check({exercise!r}) names no exercise of that chapter"
            )


# --- verdicts ---------------------------------------------------------------------


def test_value_verdicts():
    spec = {"expected": 2.5, "rtol": 1e-3}
    assert _judge_value(spec, 2.5001)[0]
    assert _judge_value(spec, torch.tensor(2.5))[0]
    assert _judge_value(spec, np.float32(2.5))[0]
    ok, message = _judge_value(spec, 2.6)
    assert not ok and "within 10 %" in message and "2.5" not in message
    ok, message = _judge_value(spec, 5.0)
    assert not ok and "more than 10 %" in message
    ok, message = _judge_value(spec, torch.ones(3))
    assert not ok and "single number" in message and "(3,)" in message
    assert not _judge_value(spec, float("nan"))[0]


def test_tensor_verdicts():
    spec = {"expected": [[1.0, 2.0, 3.0]], "dtype": "float32"}
    assert _judge_tensor(spec, torch.tensor([[1.0, 2.0, 3.0]]))[0]
    ok, message = _judge_tensor(spec, torch.tensor([[1.0], [2.0], [3.0]]))
    assert not ok and "shape (3, 1), expected shape (1, 3)" in message and "reshape" in message
    ok, message = _judge_tensor(spec, torch.tensor([[1, 2, 3]]))
    assert not ok and "dtype int64, expected float32" in message
    ok, message = _judge_tensor(spec, torch.tensor([[1.0, 2.0, 4.0]]))
    assert not ok and "1 of 3 entries" in message
    assert not _judge_tensor(spec, "abc")[0]


def test_shape_verdicts():
    spec = {"expected": [2, 3]}
    assert _judge_shape(spec, (2, 3))[0]
    assert _judge_shape(spec, torch.Size([2, 3]))[0]
    assert _judge_shape(spec, torch.zeros(2, 3))[0]
    ok, message = _judge_shape(spec, (3, 2))
    assert not ok and "wrong order" in message
    ok, message = _judge_shape(spec, (6,))
    assert not ok and "1 dimension(s), expected 2" in message
    assert not _judge_shape(spec, 5)[0]


def test_at_least_and_choice_verdicts():
    assert _judge_at_least({"expected": 0.9}, 0.93)[0]
    ok, message = _judge_at_least({"expected": 0.9}, 0.85)
    assert not ok and "below the target" in message
    assert _judge_choice({"expected": "b"}, " B ")[0]
    assert not _judge_choice({"expected": "b"}, "c")[0]
    assert _judge_choice({"expected": 3}, 3)[0]


def test_encoding_round_trips():
    spec = {"kind": "value", "expected": 1.5, "wrong": [2]}
    blob = _encode(spec)
    assert "1.5" not in blob
    assert checks._decode(blob) == spec


def test_check_prints_and_strict_mode_raises(monkeypatch, capsys):
    exercise = checks.exercises()[0]
    wrong = checks.wrong_examples(exercise)[0]
    monkeypatch.delenv("GLASSBOX_STRICT_CHECKS", raising=False)
    checks.check(exercise, wrong)
    assert "not yet" in capsys.readouterr().out
    monkeypatch.setenv("GLASSBOX_STRICT_CHECKS", "1")
    with pytest.raises(AssertionError, match="rejected"):
        checks.check(exercise, wrong)


def test_bad_exercise_names():
    with pytest.raises(ValueError, match="not in the answer key"):
        evaluate("no-such-exercise", 1)
    with pytest.raises(TypeError, match="exercise must be"):
        evaluate(5, 1)


def test_the_build_runs_checks_strictly():
    assert bookexec.kernel_env()["GLASSBOX_STRICT_CHECKS"] == "1"
