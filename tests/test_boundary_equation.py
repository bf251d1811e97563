"""The boundary of two-input logistic regression is the line x2 = -(w1 x1 + b) / w2.

The chapter "Cross-entropy" derives this line from a model's weights and draws it over
the contour that ``plot_decision_boundary`` finds. Here nothing is trained: for a few
fixed weights and biases, the probability that ``decision_grid`` computes must cross
0.5 on the derived line, and the contour that ``plot_decision_boundary`` draws must lie
on it.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib.contour import ContourSet
from torch import nn

from glassbox import decision_grid, plot_decision_boundary

#: (w1, w2, b): falling and rising lines, a steep one, one through the origin, and
#: negative w2, for which class 1 lies below the line instead of above it.
CASES = [(1.0, 2.0, -1.0), (2.0, -1.0, 0.5), (-3.0, 0.5, 2.0), (0.2, 1.5, 0.0), (1.5, -2.5, -1.0)]

X_RANGE = (-2.0, 2.0)


def linear_model(w1: float, w2: float, b: float) -> nn.Linear:
    """``nn.Linear(2, 1)`` with its weights set by hand: it returns the logit."""
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[w1, w2]]))
        model.bias.fill_(b)
    return model


def derived_x2(x1, w1: float, w2: float, b: float):
    """The chapter's equation of the boundary."""
    return -(w1 * x1 + b) / w2


def y_range_around_line(w1: float, w2: float, b: float) -> tuple[float, float]:
    """A span of x2 that contains the line for every x1 in X_RANGE, with room to spare."""
    ends = derived_x2(np.array(X_RANGE), w1, w2, b)
    return float(ends.min()) - 1.0, float(ends.max()) + 1.0


def crossings(grid) -> np.ndarray:
    """For each column of the grid (one x1), the x2 where the probability crosses 0.5."""
    x2 = grid.yy[:, 0]
    result = []
    for j in range(grid.xx.shape[1]):
        p = grid.values[:, j]
        order = np.argsort(p)  # the probability is monotonic along x2: sort it for interp
        result.append(np.interp(0.5, p[order], x2[order]))
    return np.array(result)


@pytest.mark.parametrize(("w1", "w2", "b"), CASES)
def test_decision_grid_is_one_half_on_the_derived_line(w1, w2, b):
    grid = decision_grid(
        linear_model(w1, w2, b),
        x_range=X_RANGE,
        y_range=y_range_around_line(w1, w2, b),
        resolution=201,
    )
    x1 = grid.xx[0]
    found = crossings(grid)
    np.testing.assert_allclose(found, derived_x2(x1, w1, w2, b), atol=1e-3)
    # The test can fail: another line, one grid step higher, is rejected.
    step = grid.yy[1, 0] - grid.yy[0, 0]
    assert not np.allclose(found, derived_x2(x1, w1, w2, b) + step, atol=1e-3)


@pytest.mark.parametrize(("w1", "w2", "b"), CASES)
def test_class_one_lies_on_the_side_the_weights_point_to(w1, w2, b):
    grid = decision_grid(
        linear_model(w1, w2, b),
        x_range=X_RANGE,
        y_range=y_range_around_line(w1, w2, b),
        resolution=41,
    )
    above = grid.yy > derived_x2(grid.xx, w1, w2, b) + 0.05
    below = grid.yy < derived_x2(grid.xx, w1, w2, b) - 0.05
    # Above the line the logit has the sign of w2, so p > 0.5 exactly when w2 > 0.
    assert np.all((grid.values[above] > 0.5) == (w2 > 0))
    assert np.all((grid.values[below] < 0.5) == (w2 > 0))


@pytest.mark.parametrize(("w1", "w2", "b"), CASES)
def test_drawn_boundary_lies_on_the_derived_line(w1, w2, b):
    y_range = y_range_around_line(w1, w2, b)
    # Two points on either side of the line, labelled by the side they are on.
    x1 = torch.tensor([-1.0, -1.0, 1.0, 1.0])
    x2 = torch.tensor(derived_x2(x1.numpy(), w1, w2, b), dtype=torch.float32)
    X = torch.stack([x1, x2 + torch.tensor([0.5, -0.5, 0.5, -0.5])], dim=1)
    labels = torch.tensor([1, 0, 1, 0]) if w2 > 0 else torch.tensor([0, 1, 0, 1])
    ax = plot_decision_boundary(
        linear_model(w1, w2, b), X, labels, x_range=X_RANGE, y_range=y_range, resolution=300
    )
    (contour,) = [c for c in ax.collections if isinstance(c, ContourSet)]
    np.testing.assert_allclose(contour.levels, [0.5])
    vertices = np.concatenate([p.vertices for p in contour.get_paths() if len(p.vertices)])
    assert len(vertices) > 10
    # The contour spans the plot from side to side (or top to bottom for steep lines).
    spread = np.ptp(vertices, axis=0)
    assert spread[0] > 0.9 * (X_RANGE[1] - X_RANGE[0]) or spread[1] > 0.9 * (
        y_range[1] - y_range[0]
    )
    np.testing.assert_allclose(
        vertices[:, 1], derived_x2(vertices[:, 0], w1, w2, b), atol=2e-3 * abs(w1 / w2) + 1e-3
    )


def test_a_wrong_formula_is_caught():
    """Dividing by w1 instead of w2 gives another line, which the check rejects."""
    w1, w2, b = 2.0, -1.0, 0.5
    grid = decision_grid(
        linear_model(w1, w2, b),
        x_range=X_RANGE,
        y_range=y_range_around_line(w1, w2, b),
        resolution=201,
    )
    wrong = -(w1 * grid.xx[0] + b) / w1
    assert not np.allclose(crossings(grid), wrong, atol=1e-3)
