"""Seeded data makers. Same seed, same data, on every machine.

Each maker draws from its own :class:`torch.Generator`, never from the global
random state, so calling one does not disturb a chapter's other random numbers.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from ._validate import _describe, as_array, as_float, as_int

__all__ = [
    "N_DIGITS",
    "make_blobs",
    "make_line",
    "make_line_with_outliers",
    "make_linear",
    "write_digit_images",
]

#: Number of images in scikit-learn's bundled digits data set.
N_DIGITS = 1797


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(as_int("seed", seed, minimum=0))


def make_line(
    n: int = 100,
    *,
    slope: float = 2.0,
    intercept: float = 10.0,
    noise: float = 2.0,
    low: float = 0.0,
    high: float = 10.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Noisy points around the line ``y = slope * x + intercept``.

    ``x`` is uniform on ``[low, high)``; the noise is Gaussian with standard
    deviation ``noise``. Introduced in "A first model in five minutes".

    Parameters
    ----------
    n
        Number of points (>= 1).
    slope, intercept
        The true line.
    noise
        Standard deviation of the noise added to ``y`` (>= 0).
    low, high
        Range of ``x``; ``low < high``.
    seed
        Seed of the generator (>= 0).

    Returns
    -------
    x, y : torch.Tensor
        Two float32 tensors of shape ``(n,)``.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or an impossible value.

    Examples
    --------
    >>> x, y = make_line(5, seed=1)
    >>> x.shape, y.dtype
    (torch.Size([5]), torch.float32)
    """
    n = as_int("n", n, minimum=1)
    slope = as_float("slope", slope)
    intercept = as_float("intercept", intercept)
    noise = as_float("noise", noise, nonnegative=True)
    low = as_float("low", low)
    high = as_float("high", high)
    if not low < high:
        raise ValueError(f"low must be less than high, got low={low}, high={high}")
    gen = _generator(seed)
    x = low + (high - low) * torch.rand(n, generator=gen)
    y = slope * x + intercept + noise * torch.randn(n, generator=gen)
    return x, y


def make_line_with_outliers(
    n: int = 100,
    *,
    slope: float = 2.0,
    intercept: float = 10.0,
    noise: float = 2.0,
    n_outliers: int = 5,
    outlier_shift: float = 30.0,
    low: float = 0.0,
    high: float = 10.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Noisy points around a line, a few of them pushed far off it.

    The points are exactly those of :func:`make_line` with the same arguments and
    seed; then ``n_outliers`` of them, chosen at random without repetition, get
    ``outlier_shift`` added to their ``y``. Used to show how outliers pull a
    squared-error fit and why validation data matters.

    Parameters
    ----------
    n
        Number of points (>= 1).
    slope, intercept
        The true line.
    noise
        Standard deviation of the Gaussian noise added to ``y`` (>= 0).
    n_outliers
        How many points become outliers (0 <= n_outliers <= n).
    outlier_shift
        Added to ``y`` of every outlier; negative values push them below the line.
    low, high
        Range of ``x``; ``low < high``.
    seed
        Seed of the generator (>= 0).

    Returns
    -------
    x, y : torch.Tensor
        Two float32 tensors of shape ``(n,)``.
    outliers : torch.Tensor
        The indices of the outliers, int64, shape ``(n_outliers,)``, sorted.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type or an impossible value.

    Examples
    --------
    >>> x, y, outliers = make_line_with_outliers(20, n_outliers=2, seed=3)
    >>> x.shape, y.dtype, outliers.shape, outliers.dtype
    (torch.Size([20]), torch.float32, torch.Size([2]), torch.int64)
    >>> x0, y0 = make_line(20, seed=3)
    >>> inliers = torch.ones(20, dtype=torch.bool)
    >>> inliers[outliers] = False
    >>> torch.equal(y[inliers], y0[inliers])
    True
    """
    n = as_int("n", n, minimum=1)
    n_outliers = as_int("n_outliers", n_outliers, minimum=0)
    if n_outliers > n:
        raise ValueError(f"n_outliers must be <= n (={n}), got {n_outliers}")
    outlier_shift = as_float("outlier_shift", outlier_shift)
    x, y = make_line(
        n, slope=slope, intercept=intercept, noise=noise, low=low, high=high, seed=seed
    )
    # A second generator, offset from the first, picks the outliers; the clean points
    # therefore stay identical to make_line's.
    gen = _generator(seed + 1_000_003)
    outliers = torch.randperm(n, generator=gen)[:n_outliers].sort().values
    y = y.clone()
    y[outliers] += outlier_shift
    return x, y, outliers


def make_linear(
    n: int = 100,
    *,
    weights: Sequence[float] | Sequence[Sequence[float]] | torch.Tensor = (2.0, -3.0),
    bias: float | Sequence[float] | torch.Tensor = 1.0,
    noise: float = 0.1,
    low: float = -1.0,
    high: float = 1.0,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Data from a linear map with several inputs and outputs: ``Y = X W + b + noise``.

    Every entry of ``X`` is uniform on ``[low, high)``; the noise is Gaussian with
    standard deviation ``noise``, drawn independently for every entry of ``Y``.

    Parameters
    ----------
    n
        Number of samples (>= 1).
    weights
        The true weights ``W``: a 2-D array of shape ``(in_features, out_features)``,
        or a 1-D array of length ``in_features`` for a single output.
    bias
        The true bias: a number (the same for every output) or a 1-D array of length
        ``out_features``.
    noise
        Standard deviation of the noise (>= 0).
    low, high
        Range of the inputs; ``low < high``.
    seed
        Seed of the generator (>= 0).

    Returns
    -------
    X : torch.Tensor
        Inputs, float32, shape ``(n, in_features)``.
    Y : torch.Tensor
        Targets, float32, shape ``(n, out_features)`` (``out_features`` is 1 when
        ``weights`` is 1-D).

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type, shape or value.

    Examples
    --------
    >>> X, Y = make_linear(50, weights=[[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], bias=[0.5, -1.0])
    >>> X.shape, Y.shape, Y.dtype
    (torch.Size([50, 3]), torch.Size([50, 2]), torch.float32)
    >>> make_linear(10)[1].shape
    torch.Size([10, 1])
    """
    n = as_int("n", n, minimum=1)
    w = as_array("weights", weights)
    if w.ndim == 1:
        w = w[:, None]
    if w.ndim != 2 or w.shape[1] < 1:
        raise ValueError(
            f"weights must be 1-D (in_features,) or 2-D (in_features, out_features), "
            f"got shape {w.shape}"
        )
    out_features = w.shape[1]
    if isinstance(bias, (int, float)) and not isinstance(bias, bool):
        b = np.full(out_features, as_float("bias", bias))
    else:
        b = as_array("bias", bias, ndim=1)
        if b.shape[0] != out_features:
            raise ValueError(
                f"bias must have one entry per output ({out_features}), got {b.shape[0]}"
            )
    noise = as_float("noise", noise, nonnegative=True)
    low = as_float("low", low)
    high = as_float("high", high)
    if not low < high:
        raise ValueError(f"low must be less than high, got low={low}, high={high}")
    gen = _generator(seed)
    W = torch.as_tensor(w, dtype=torch.float32)
    B = torch.as_tensor(b, dtype=torch.float32)
    X = low + (high - low) * torch.rand(n, W.shape[0], generator=gen)
    Y = X @ W + B + noise * torch.randn(n, out_features, generator=gen)
    return X, Y


def _default_centers(n_classes: int) -> torch.Tensor:
    angles = math.pi / 4 + 2 * math.pi * torch.arange(n_classes, dtype=torch.float64) / n_classes
    return (2.0 * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)).float()


def make_blobs(
    n_per_class: int = 50,
    *,
    centers: Sequence[Sequence[float]] | torch.Tensor | None = None,
    n_classes: int = 2,
    spread: float = 0.7,
    seed: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Round clouds of 2-D points, one per class, for classification.

    Class ``k``'s points are Gaussian around ``centers[k]`` with standard deviation
    ``spread`` in each direction. The samples come ordered by class: the first
    ``n_per_class`` rows are class 0, and so on.

    Parameters
    ----------
    n_per_class
        Points per class (>= 1).
    centers
        The class centres, shape ``(k, 2)`` with ``k >= 2``. If ``None``, ``n_classes``
        centres are spaced evenly on a circle of radius 2, the first at 45 degrees
        (two classes: ``(1.41, 1.41)`` and ``(-1.41, -1.41)``).
    n_classes
        Number of classes when ``centers`` is ``None`` (>= 2); if ``centers`` is given
        it must agree with it or be left at its default.
    spread
        Standard deviation of each cloud (> 0).
    seed
        Seed of the generator (>= 0).

    Returns
    -------
    X : torch.Tensor
        Points, float32, shape ``(k * n_per_class, 2)``.
    labels : torch.Tensor
        Class of each point, int64, shape ``(k * n_per_class,)``.

    Raises
    ------
    TypeError, ValueError
        If an argument has the wrong type, shape or value.

    Examples
    --------
    >>> X, labels = make_blobs(10, n_classes=3, seed=1)
    >>> X.shape, X.dtype, labels.dtype
    (torch.Size([30, 2]), torch.float32, torch.int64)
    >>> labels.bincount().tolist()
    [10, 10, 10]
    """
    n_per_class = as_int("n_per_class", n_per_class, minimum=1)
    n_classes = as_int("n_classes", n_classes, minimum=2)
    if centers is None:
        c = _default_centers(n_classes)
    else:
        arr = as_array("centers", centers, ndim=2)
        if arr.shape[1] != 2 or arr.shape[0] < 2:
            raise ValueError(f"centers must have shape (k, 2) with k >= 2, got shape {arr.shape}")
        if n_classes not in (2, arr.shape[0]):
            raise ValueError(
                f"n_classes ({n_classes}) disagrees with the {arr.shape[0]} rows of centers"
            )
        c = torch.as_tensor(arr, dtype=torch.float32)
    spread = as_float("spread", spread, positive=True)
    gen = _generator(seed)
    k = c.shape[0]
    labels = torch.arange(k).repeat_interleave(n_per_class)
    X = c[labels] + spread * torch.randn(k * n_per_class, 2, generator=gen)
    return X, labels


def write_digit_images(
    folder: str | os.PathLike[str],
    *,
    n: int = 100,
    seed: int = 0,
    size: int = 28,
) -> Path:
    """Write real PNG images of handwritten digits and a CSV index into ``folder``.

    The pictures come from scikit-learn's bundled digits data set (1797 images of
    8x8 pixels, values 0 to 16, no download). ``n`` of them, chosen at random with
    ``seed``, are scaled to 0-255, enlarged to ``size`` x ``size`` pixels with
    bilinear interpolation and saved as 8-bit grey-scale PNG files (white ink on
    black, like MNIST) in ``folder/img/``. File ``img/digit_0123.png`` is image 123
    of :func:`sklearn.datasets.load_digits`. The index ``folder/index.csv`` has the
    header ``file,label`` and one row per image, with the file path relative to
    ``folder``. Introduced in "Image datasets".

    Parameters
    ----------
    folder
        Where to write; created (with its parents) if it does not exist.
    n
        Number of images, from 1 to 1797.
    seed
        Seed of the generator that picks the images (>= 0).
    size
        Side of the square output images in pixels (>= 8).

    Returns
    -------
    pathlib.Path
        The path of the CSV index.

    Raises
    ------
    ImportError
        If scikit-learn or Pillow is missing (``pip install "glassbox[digits]"``).
    TypeError, ValueError
        If an argument has the wrong type or an impossible value, or ``folder`` is an
        existing file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv_path = write_digit_images(tmp, n=3, seed=0)
    ...     print(csv_path.name, len(csv_path.read_text().splitlines()))
    index.csv 4
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"folder must be a str or path, got {_describe(folder)}")
    n = as_int("n", n, minimum=1)
    if n > N_DIGITS:
        raise ValueError(f"n must be <= {N_DIGITS} (the number of digit images), got {n}")
    size = as_int("size", size, minimum=8)
    gen = _generator(seed)
    try:
        from PIL import Image
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(
            "write_digit_images needs scikit-learn and Pillow; install them with "
            "pip install 'glassbox[digits]'"
        ) from err
    root = Path(folder)
    if root.exists() and not root.is_dir():
        raise ValueError(f"folder must be a directory, but {str(root)!r} is a file")
    img_dir = root / "img"
    img_dir.mkdir(parents=True, exist_ok=True)
    digits = load_digits()
    chosen = torch.randperm(N_DIGITS, generator=gen)[:n].tolist()
    rows = []
    for index in chosen:
        pixels = np.rint(digits.images[index] * (255.0 / 16.0)).astype(np.uint8)
        image = Image.fromarray(pixels).resize((size, size), resample=Image.Resampling.BILINEAR)
        name = f"img/digit_{index:04d}.png"
        image.save(root / name, format="PNG")
        rows.append((name, int(digits.target[index])))
    csv_path = root / "index.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("file", "label"))
        writer.writerows(rows)
    return csv_path
