"""Self-checking exercises: ``check("exercise-label", answer)`` says whether it is right.

The expected answers live in the package's answer key (``glassbox/_answers/*.json``),
encoded so that neither a chapter nor a downloaded notebook shows them in readable
form. Feedback says *what* is wrong (a shape, a dtype, how far off a number is) without
giving the answer away.

When the environment variable ``GLASSBOX_STRICT_CHECKS`` is ``1`` (the book's build
sets it), a rejected answer raises :class:`AssertionError`, so a reference solution
that the checker rejects fails the build.

Authors add an answer with the command line (the key stays sorted)::

    python -m glassbox.checks add tensors-1d tensors-1d-mean value 2.5 --wrong 2.4 --rtol 1e-3

``EXPECTED`` and each ``--wrong`` are Python literals (numbers, strings, nested lists,
tuples). ``--wrong`` examples are answers the checker must reject; the test suite
checks that it does.
"""

from __future__ import annotations

import argparse
import ast
import base64
import json
import math
import os
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["CheckResult", "check", "evaluate"]

KINDS = ("value", "tensor", "shape", "at_least", "choice")
_KEY_DIR = Path(__file__).with_name("_answers")
_CLOSE = 0.10  # "close" means within 10 %


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer: ``correct`` and a message for the reader."""

    exercise: str
    correct: bool
    message: str

    def __str__(self) -> str:
        verdict = "✔ correct" if self.correct else "✘ not yet"
        return f"{self.exercise}: {verdict}" + (f": {self.message}" if self.message else "")


def _encode(spec: dict[str, Any]) -> str:
    raw = json.dumps(spec, sort_keys=True, separators=(",", ":")).encode()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _decode(blob: str) -> dict[str, Any]:
    return json.loads(zlib.decompress(base64.b64decode(blob)))


@cache
def _answer_key() -> dict[str, dict[str, Any]]:
    key: dict[str, dict[str, Any]] = {}
    for path in sorted(_KEY_DIR.glob("*.json")):
        for exercise, blob in json.loads(path.read_text(encoding="utf-8")).items():
            if exercise in key:
                raise RuntimeError(
                    f"exercise {exercise!r} appears twice in the answer key ({path.name})"
                )
            key[exercise] = _decode(blob)
    return key


def exercises() -> list[str]:
    """Return the labels of every exercise the checker knows, sorted."""
    return sorted(_answer_key())


def wrong_examples(exercise: str) -> list[Any]:
    """Return the answers the key says must be rejected (for the test suite)."""
    return list(_spec(exercise).get("wrong", []))


def _spec(exercise: str) -> dict[str, Any]:
    if not isinstance(exercise, str):
        raise TypeError(
            f"exercise must be the exercise's label as a str, got {type(exercise).__name__}"
        )
    key = _answer_key()
    if exercise not in key:
        known = ", ".join(sorted(key)) or "none"
        raise ValueError(
            f"exercise {exercise!r} is not in the answer key; known exercises: {known}"
        )
    return key[exercise]


def _to_array(answer: Any) -> tuple[np.ndarray | None, str | None]:
    """Return ``answer`` as an array and its dtype name, or (None, None) if it is not numeric."""
    if hasattr(answer, "detach"):  # torch.Tensor
        dtype = str(answer.dtype).removeprefix("torch.")
        return answer.detach().cpu().numpy(), dtype
    if isinstance(answer, (str, bytes)) or answer is None:
        return None, None
    try:
        arr = np.asarray(answer)
    except (TypeError, ValueError):
        return None, None
    if arr.dtype.kind not in "biuf":
        return None, None
    return arr, None


def _relative_error(got: float, expected: float) -> float:
    if expected == 0:
        return abs(got)
    return abs(got - expected) / abs(expected)


def _judge_value(spec: dict[str, Any], answer: Any) -> tuple[bool, str]:
    arr, _ = _to_array(answer)
    if arr is None or arr.size != 1:
        what = "nothing" if answer is None else type(answer).__name__
        shape = "" if arr is None else f" of shape {tuple(arr.shape)}"
        return False, f"expected a single number, got {what}{shape}"
    got = float(arr.reshape(()))
    if not math.isfinite(got):
        return False, f"got {got}: the computation blew up somewhere"
    expected = float(spec["expected"])
    if math.isclose(got, expected, rel_tol=spec.get("rtol", 1e-4), abs_tol=spec.get("atol", 1e-8)):
        return True, ""
    if _relative_error(got, expected) <= _CLOSE:
        return False, "close (within 10 %), but not there yet"
    return False, "off by more than 10 %"


def _judge_shape(spec: dict[str, Any], answer: Any) -> tuple[bool, str]:
    expected = tuple(spec["expected"])
    if hasattr(answer, "shape") and not isinstance(answer, tuple):
        answer = answer.shape
    try:
        got = tuple(int(n) for n in answer)
    except (TypeError, ValueError):
        return False, f"expected a shape (a tuple of sizes), got {type(answer).__name__}"
    if got == expected:
        return True, ""
    if len(got) != len(expected):
        return False, f"shape {got} has {len(got)} dimension(s), expected {len(expected)}"
    if sorted(got) == sorted(expected):
        return False, f"shape {got} has the right sizes in the wrong order"
    return False, f"shape {got} is not the expected shape"


def _judge_tensor(spec: dict[str, Any], answer: Any) -> tuple[bool, str]:
    arr, dtype = _to_array(answer)
    if arr is None:
        return False, f"expected numbers (a tensor, array or list), got {type(answer).__name__}"
    expected = np.asarray(spec["expected"], dtype=float)
    if arr.shape != expected.shape:
        hint = ""
        if arr.size == expected.size:
            hint = " (same number of entries: a reshape away)"
        return False, f"shape {tuple(arr.shape)}, expected shape {tuple(expected.shape)}{hint}"
    want_dtype = spec.get("dtype")
    if want_dtype is not None and dtype is not None and dtype != want_dtype:
        return False, f"dtype {dtype}, expected {want_dtype}"
    got = arr.astype(float)
    if not np.all(np.isfinite(got)):
        return False, "some entries are NaN or infinite"
    ok = np.isclose(got, expected, rtol=spec.get("rtol", 1e-4), atol=spec.get("atol", 1e-6))
    if ok.all():
        return True, ""
    return (
        False,
        f"right shape; {int((~ok).sum())} of {ok.size} entries differ from the expected values",
    )


def _judge_at_least(spec: dict[str, Any], answer: Any) -> tuple[bool, str]:
    arr, _ = _to_array(answer)
    if arr is None or arr.size != 1:
        return False, f"expected a single number, got {type(answer).__name__}"
    got = float(arr.reshape(()))
    target = float(spec["expected"])
    if got >= target:
        return True, f"{got:.4g} reaches the target of {target:.4g}"
    return False, f"{got:.4g} is below the target of {target:.4g}: keep going"


def _judge_choice(spec: dict[str, Any], answer: Any) -> tuple[bool, str]:
    if isinstance(answer, str):
        answer = answer.strip().lower()
    expected = spec["expected"]
    if isinstance(expected, str):
        expected = expected.strip().lower()
    if answer == expected:
        return True, ""
    return False, "that is not the right choice"


_JUDGES = {
    "value": _judge_value,
    "tensor": _judge_tensor,
    "shape": _judge_shape,
    "at_least": _judge_at_least,
    "choice": _judge_choice,
}


def evaluate(exercise: str, answer: Any) -> CheckResult:
    """Judge ``answer`` to ``exercise`` and return the verdict without printing.

    Parameters
    ----------
    exercise : str
        The exercise's label, as shown in its title (for example ``"tensors-1d-mean"``).
    answer : Any
        A number, tensor, array, list, shape or string, depending on the exercise.

    Returns
    -------
    CheckResult
        ``correct`` and a message.

    Raises
    ------
    TypeError
        If ``exercise`` is not a string.
    ValueError
        If ``exercise`` is not in the answer key.

    Examples
    --------
    >>> result = evaluate("how-to-use-check", 5000)
    >>> result.correct, result.message
    (False, 'close (within 10 %), but not there yet')
    """
    spec = _spec(exercise)
    correct, message = _JUDGES[spec["kind"]](spec, answer)
    return CheckResult(exercise, correct, message)


def check(exercise: str, answer: Any) -> None:
    """Print whether ``answer`` to ``exercise`` is right, and what is wrong if it is not.

    Parameters
    ----------
    exercise : str
        The exercise's label.
    answer : Any
        Your answer: a number, tensor, array, list, shape or string.

    Returns
    -------
    None
        The verdict is printed; use :func:`evaluate` to get it as a value.

    Raises
    ------
    AssertionError
        Only when ``GLASSBOX_STRICT_CHECKS=1`` (as in the book's build) and the answer
        is rejected.

    Examples
    --------
    >>> check("how-to-use-check", 5050)
    how-to-use-check: ✔ correct
    """
    result = evaluate(exercise, answer)
    if not result.correct and os.environ.get("GLASSBOX_STRICT_CHECKS") == "1":
        raise AssertionError(f"the checker rejected this answer to {exercise!r}: {result.message}")
    print(result)


def _add(args: argparse.Namespace) -> None:
    path = _KEY_DIR / f"{args.file}.json"
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    spec: dict[str, Any] = {"kind": args.kind, "expected": ast.literal_eval(args.expected)}
    spec["wrong"] = [ast.literal_eval(w) for w in args.wrong]
    for name in ("rtol", "atol"):
        if getattr(args, name) is not None:
            spec[name] = getattr(args, name)
    if args.dtype:
        spec["dtype"] = args.dtype
    entries[args.exercise] = _encode(spec)
    _KEY_DIR.mkdir(exist_ok=True)
    path.write_text(json.dumps(dict(sorted(entries.items())), indent=1) + "\n", encoding="utf-8")
    print(f"{args.exercise}: stored in {path}")


def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m glassbox.checks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add or replace an exercise's answer")
    add.add_argument("file", help="answer-key file, without .json (use the chapter's file name)")
    add.add_argument("exercise", help="the exercise label")
    add.add_argument("kind", choices=KINDS)
    add.add_argument("expected", help="a Python literal")
    add.add_argument("--wrong", action="append", default=[], help="an answer that must be rejected")
    add.add_argument("--rtol", type=float)
    add.add_argument("--atol", type=float)
    add.add_argument("--dtype", help="for kind tensor: required dtype, e.g. float32")
    show = sub.add_parser("show", help="print one exercise's decoded entry")
    show.add_argument("exercise")
    args = parser.parse_args(argv)
    if args.command == "add":
        _add(args)
    else:
        print(json.dumps(_spec(args.exercise), indent=1))


if __name__ == "__main__":
    _main()
