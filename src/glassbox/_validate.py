"""Argument checks shared by the helper package.

Every public helper validates its input early and raises an error that names the
argument, says what was expected and what came instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return f"{type(value).__name__} of shape {tuple(shape)}"
    return type(value).__name__


def as_array(name: str, value: Any, *, ndim: int | None = None, min_len: int = 1) -> np.ndarray:
    """Return ``value`` as a float NumPy array, or raise naming ``name``.

    Accepts lists, tuples, NumPy arrays and PyTorch tensors (detached and moved to
    the CPU). With ``ndim``, the array must have exactly that many dimensions; it
    must hold at least ``min_len`` entries along its first axis and only finite
    numbers.
    """
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(
            f"{name} must be array-like (list, NumPy array or tensor), got {_describe(value)}"
        )
    if hasattr(value, "detach"):  # a torch.Tensor, without importing torch here
        value = value.detach().cpu().numpy()
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must hold numbers, got {_describe(value)}") from None
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.ndim == 0:
        raise ValueError(f"{name} must be an array, got the scalar {arr.item()!r}")
    if arr.shape[0] < min_len:
        raise ValueError(f"{name} must have at least {min_len} entries, got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold only finite numbers (no NaN or inf)")
    return arr


def as_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def as_float(name: str, value: Any, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a float, or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def as_callable(name: str, value: Any) -> Callable[..., Any]:
    """Return ``value`` if it is callable, or raise naming ``name``."""
    if not callable(value):
        raise TypeError(f"{name} must be callable (a function or a model), got {_describe(value)}")
    return value


def as_kws(name: str, value: Any) -> dict[str, Any]:
    """Copy a ``*_kws`` mapping (``None`` gives an empty dict)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(
            f"{name} must be a dict of keyword arguments or None, got {_describe(value)}"
        )
    return dict(value)


def as_range(name: str, value: Any) -> tuple[float, float]:
    """Return ``value`` as a pair ``(low, high)`` with ``low < high``, or raise naming ``name``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {_describe(value)}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (low, high), got {len(value)} values")
    low = as_float(f"{name}[0]", value[0])
    high = as_float(f"{name}[1]", value[1])
    if not low < high:
        raise ValueError(f"{name} must be a pair (low, high) with low < high, got ({low}, {high})")
    return low, high
