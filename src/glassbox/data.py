"""Seeded data makers. Same seed, same data, on every machine.

Each maker draws from its own :class:`torch.Generator`, never from the global
random state, so calling one does not disturb a chapter's other random numbers.
"""

from __future__ import annotations

import torch

from ._validate import as_float, as_int

__all__ = ["make_line"]


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
