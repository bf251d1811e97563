"""Pictures of classifiers: where a model on two inputs says which class.

A classifier on two inputs splits the plane into regions, one per predicted class.
These helpers evaluate a model (any callable, usually a trained ``nn.Module``) on a
fine grid of points and draw what it decides there, with the data on top:

- :func:`decision_grid` evaluates the model on a grid and returns plain arrays;
- :func:`plot_decision_boundary` draws a two-class model: the probability of class 1
  as shading and the boundary where it equals a threshold;
- :func:`plot_decision_regions` draws a model with one output per class: the region
  each class wins (the argmax of the outputs) and the boundaries between them.

The helpers only evaluate the model; training it stays in the chapter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from torch import nn

from ._validate import _describe, as_array, as_callable, as_float, as_int, as_kws, as_range
from .style import PALETTE, styled

__all__ = [
    "MARKERS",
    "DecisionGrid",
    "decision_grid",
    "plot_decision_boundary",
    "plot_decision_regions",
]

#: Marker shapes cycled per class, so a class is told apart by shape as well as colour.
MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X")

_OUTPUTS = ("logits", "probabilities")


class DecisionGrid(NamedTuple):
    """What :func:`decision_grid` returns: a grid and the model's decision on it.

    ``xx`` and ``yy`` have shape ``(resolution, resolution)`` (as from
    :func:`numpy.meshgrid`): point ``(i, j)`` of the grid is ``(xx[i, j], yy[i, j])``.
    ``values[i, j]`` is the probability of class 1 there (a model with one output)
    or the index of the predicted class (a model with several outputs).
    """

    xx: np.ndarray
    yy: np.ndarray
    values: np.ndarray


# ---------------------------------------------------------------------------
# checks and evaluation
# ---------------------------------------------------------------------------


_as_range = as_range


def _as_points(X: Any) -> np.ndarray:
    """Check that ``X`` holds ``n`` points in the plane, shape ``(n, 2)``."""
    points = as_array("X", X, ndim=2)
    if points.shape[1] != 2:
        raise ValueError(
            f"X must have shape (n, 2): one row per point, one column per input; got {points.shape}"
        )
    return points


def _as_labels(y: Any, n: int) -> np.ndarray:
    """Check that ``y`` holds ``n`` non-negative integer labels; return them as ints."""
    labels = as_array("y", y)
    if labels.ndim == 2 and labels.shape[1] == 1:  # (n, 1), as BCE targets are shaped
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"y must be 1-D (or (n, 1)), one label per point; got shape {labels.shape}"
        )
    if labels.shape[0] != n:
        raise ValueError(f"y must have one label per row of X ({n}), got {labels.shape[0]}")
    if not np.all(labels == np.round(labels)) or np.any(labels < 0):
        raise ValueError("y must hold class labels 0, 1, 2, ... (non-negative whole numbers)")
    return labels.astype(int)


def _data_range(values: np.ndarray, margin: float) -> tuple[float, float]:
    """The span of ``values`` widened by ``margin`` times its length on each side."""
    low, high = float(values.min()), float(values.max())
    pad = margin * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _evaluate(model: Callable[..., Any], points: np.ndarray) -> np.ndarray:
    """Run ``model`` on ``points`` (m, 2) without gradients; return a 2-D float array.

    An ``nn.Module`` is switched to evaluation mode for the call; every submodule's
    own mode is restored afterwards, even if the call fails.
    """
    inputs = torch.as_tensor(points, dtype=torch.float32)
    modes: list[tuple[nn.Module, bool]] = []
    if isinstance(model, nn.Module):
        first = next(model.parameters(), None)
        if first is not None:
            dtype = first.dtype if first.is_floating_point() else torch.float32
            inputs = inputs.to(device=first.device, dtype=dtype)
        modes = [(module, module.training) for module in model.modules()]
        model.eval()
    try:
        with torch.inference_mode():
            out = model(inputs)
    finally:
        for module, mode in modes:
            module.training = mode
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu().numpy()
    try:
        values = np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"model must return a tensor or array of numbers, got {_describe(out)}"
        ) from None
    m = points.shape[0]
    if values.ndim == 1 and values.shape[0] == m:
        values = values[:, None]
    if values.ndim != 2 or values.shape[0] != m:
        raise ValueError(
            f"model must return one row per input point, shape ({m},) or ({m}, k); "
            f"for an input of shape ({m}, 2) it returned shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ValueError("model returned NaN or inf on the grid")
    return values


def _grid(x_range: tuple[float, float], y_range: tuple[float, float], resolution: int):
    xs = np.linspace(*x_range, resolution)
    ys = np.linspace(*y_range, resolution)
    xx, yy = np.meshgrid(xs, ys)
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def _probability(values: np.ndarray, output: str) -> np.ndarray:
    """Probability of class 1 from one output column (logits go through the sigmoid)."""
    if output == "logits":
        return 1.0 / (1.0 + np.exp(-np.clip(values, -60.0, 60.0)))
    if np.any(values < 0) or np.any(values > 1):
        raise ValueError(
            "with output='probabilities' the model must return numbers in [0, 1], got values "
            f"from {values.min():.3g} to {values.max():.3g}; "
            "use output='logits' if it returns logits"
        )
    return values


def _check_output(output: str) -> str:
    if output not in _OUTPUTS:
        raise ValueError(f"output must be 'logits' or 'probabilities', got {output!r}")
    return output


def decision_grid(
    model: Callable[..., Any],
    *,
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    resolution: int = 200,
    output: Literal["logits", "probabilities"] = "logits",
) -> DecisionGrid:
    """Evaluate a classifier on a regular grid of points in the plane.

    The grid points are passed to ``model`` in one batch, as a ``float32`` tensor of
    shape ``(resolution**2, 2)``, under :func:`torch.inference_mode`. An ``nn.Module``
    is put in evaluation mode for the call (dropout off, batch norm using its running
    statistics) and left in the mode it was in; its inputs are moved to the device
    and floating dtype of its parameters.

    Parameters
    ----------
    model
        An ``nn.Module`` or any function that maps an ``(m, 2)`` float tensor to one
        row per point: shape ``(m,)`` or ``(m, 1)`` for a two-class model (class 1
        against class 0), ``(m, k)`` for ``k >= 2`` classes. It may return a tensor
        or a NumPy array.
    x_range, y_range
        ``(low, high)`` of the first and second input covered by the grid.
    resolution
        Number of grid points along each axis (at least 2).
    output
        What a one-output model returns: ``"logits"`` (the default, as for a model
        trained with ``nn.BCEWithLogitsLoss``; the sigmoid is applied here) or
        ``"probabilities"`` (numbers in [0, 1]). With several outputs only their
        order matters, so logits and probabilities give the same classes.

    Returns
    -------
    DecisionGrid
        A named tuple ``(xx, yy, values)`` of arrays of shape
        ``(resolution, resolution)``. For a one-output model ``values`` holds the
        probability of class 1; for several outputs it holds the predicted class
        (the index of the largest output) as integers.

    Raises
    ------
    TypeError
        If ``model`` is not callable or a range is not a pair of numbers.
    ValueError
        If a range is empty, ``resolution < 2``, ``output`` is unknown, or the
        model returns the wrong number of rows, NaN, or (with
        ``output="probabilities"``) numbers outside [0, 1].

    Examples
    --------
    >>> import torch
    >>> grid = decision_grid(lambda x: torch.sigmoid(x[:, 0] - x[:, 1]),
    ...                      x_range=(-1, 1), y_range=(-1, 1), resolution=3,
    ...                      output="probabilities")
    >>> grid.values.round(2)
    array([[0.5 , 0.73, 0.88],
           [0.27, 0.5 , 0.73],
           [0.12, 0.27, 0.5 ]])
    """
    model = as_callable("model", model)
    xr = _as_range("x_range", x_range)
    yr = _as_range("y_range", y_range)
    resolution = as_int("resolution", resolution, minimum=2)
    output = _check_output(output)
    xx, yy, points = _grid(xr, yr, resolution)
    values = _evaluate(model, points)
    if values.shape[1] == 1:
        result = _probability(values[:, 0], output)
    else:
        result = values.argmax(axis=1)
    return DecisionGrid(xx, yy, result.reshape(xx.shape))


# ---------------------------------------------------------------------------
# drawing
# ---------------------------------------------------------------------------


def _ranges(points, x_range, y_range, margin):
    margin = as_float("margin", margin, nonnegative=True)
    xr = _data_range(points[:, 0], margin) if x_range is None else _as_range("x_range", x_range)
    yr = _data_range(points[:, 1], margin) if y_range is None else _as_range("y_range", y_range)
    return xr, yr


def _class_names(class_names: Sequence[str] | None, k: int) -> list[str]:
    if class_names is None:
        return [f"class {i}" for i in range(k)]
    if isinstance(class_names, str) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names must be a sequence of strings, got {_describe(class_names)}")
    if len(class_names) != k:
        raise ValueError(f"class_names must name all {k} classes, got {len(class_names)} names")
    return [str(name) for name in class_names]


def _light(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white: ``amount`` 0 is white, 1 the colour itself."""
    rgb = np.array(mcolors.to_rgb(color))
    return tuple(1 - amount * (1 - rgb))


def _scatter_classes(ax, points, labels, names, scatter_kws) -> list[Any]:
    handles = []
    for k, name in enumerate(names):
        mask = labels == k
        if not mask.any():
            continue
        style = {
            "color": PALETTE[k % len(PALETTE)],
            "marker": MARKERS[k % len(MARKERS)],
            "s": 28,
            "edgecolors": "black",
            "linewidths": 0.6,
            "label": name,
            "zorder": 3,
        }
        style.update(scatter_kws)
        handles.append(ax.scatter(points[mask, 0], points[mask, 1], **style))
    return handles


def _finish(ax, xr, yr, xlabel, ylabel, title, handles):
    ax.set_xlim(*xr)
    ax.set_ylim(*yr)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(False)
    if title is not None:
        ax.set_title(title)
    # Inside the axes, on a white box, where it covers the fewest points.
    ax.legend(
        handles=handles, loc="best", frameon=True, framealpha=0.9, edgecolor="0.7", fontsize=9
    )


@styled
def plot_decision_boundary(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    *,
    threshold: float = 0.5,
    output: Literal["logits", "probabilities"] = "logits",
    ax: Axes | None = None,
    shading: Literal["probability", "regions", "none"] = "probability",
    colorbar: bool = True,
    class_names: Sequence[str] | None = None,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    margin: float = 0.1,
    resolution: int = 200,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    title: str | None = None,
    scatter_kws: dict[str, Any] | None = None,
    contour_kws: dict[str, Any] | None = None,
    mesh_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw a two-class model's decision boundary over its data.

    The model's probability of class 1 is evaluated on a grid (see
    :func:`decision_grid`) and drawn as shading, blue towards class 0 and
    vermillion towards class 1, white where it equals ``threshold``. The boundary,
    where the probability equals ``threshold``, is drawn as a dashed black contour,
    and the data points on top with a colour *and* a marker per class.

    Parameters
    ----------
    model
        A model with one output per point (shape ``(m,)`` or ``(m, 1)``): an
        ``nn.Module`` or any function of an ``(m, 2)`` float tensor.
    X
        The points, shape ``(n, 2)`` (tensor, array or nested list).
    y
        Their labels, 0 or 1, shape ``(n,)`` or ``(n, 1)``; floats such as 0.0 and
        1.0 (the targets of ``nn.BCEWithLogitsLoss``) are accepted.
    threshold
        Probability at which the boundary is drawn, strictly between 0 and 1.
    output
        ``"logits"`` (default) or ``"probabilities"``: what the model returns.
    ax
        Axes to draw on. A new figure is created when ``None``.
    shading
        ``"probability"`` (default) shades by probability, ``"regions"`` paints
        the two sides of the boundary in two flat colours, ``"none"`` leaves the
        background white.
    colorbar
        With ``shading="probability"``, add a colour bar for the probability.
    class_names
        Names of class 0 and class 1 for the legend (default ``"class 0"``, ...).
    x_range, y_range
        Span of the grid; by default the data's span widened by ``margin`` of
        its length on each side.
    margin
        Fraction of the data's span added on each side when a range is inferred.
    resolution
        Grid points along each axis.
    xlabel, ylabel, title
        Axis labels and an optional title.
    scatter_kws, contour_kws, mesh_kws
        Extra keyword arguments for the data points
        (:meth:`~matplotlib.axes.Axes.scatter`), the boundary
        (:meth:`~matplotlib.axes.Axes.contour`) and the shading
        (:meth:`~matplotlib.axes.Axes.pcolormesh`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. The shading is the :class:`~matplotlib.collections.QuadMesh`
        labelled ``"probability"`` (or ``"regions"``), the boundary the contour set
        labelled ``"boundary"`` (its ``levels`` are ``[threshold]``), and each
        class's points a scatter collection labelled with the class name.

    Raises
    ------
    TypeError
        If ``model`` is not callable, or an argument has the wrong type.
    ValueError
        If ``X`` is not ``(n, 2)``, ``y`` does not give one label 0 or 1 per point,
        ``threshold`` is not in (0, 1), or the model does not return one output per
        point (a model with several outputs belongs in
        :func:`plot_decision_regions`).

    Examples
    --------
    >>> import torch
    >>> X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [0.2, 0.9], [0.8, 0.1]])
    >>> y = torch.tensor([0, 1, 0, 1])
    >>> ax = plot_decision_boundary(lambda x: 4 * (x[:, 0] - x[:, 1]), X, y)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['class 0', 'class 1', 'boundary (p = 0.5)']
    """
    model = as_callable("model", model)
    points = _as_points(X)
    labels = _as_labels(y, points.shape[0])
    if labels.max() > 1:
        raise ValueError(
            f"y must hold labels 0 and 1 for a two-class boundary, got label {labels.max()}; "
            "use plot_decision_regions for more classes"
        )
    threshold = as_float("threshold", threshold)
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must lie strictly between 0 and 1, got {threshold}")
    output = _check_output(output)
    if shading not in ("probability", "regions", "none"):
        raise ValueError(f"shading must be 'probability', 'regions' or 'none', got {shading!r}")
    names = _class_names(class_names, 2)
    s_kws = as_kws("scatter_kws", scatter_kws)
    c_kws = {"colors": "black", "linestyles": "--", "linewidths": 1.8}
    c_kws.update(as_kws("contour_kws", contour_kws))
    m_kws = as_kws("mesh_kws", mesh_kws)
    xr, yr = _ranges(points, x_range, y_range, margin)
    resolution = as_int("resolution", resolution, minimum=2)

    xx, yy, grid_points = _grid(xr, yr, resolution)
    values = _evaluate(model, grid_points)
    if values.shape[1] != 1:
        raise ValueError(
            "plot_decision_boundary needs a model with one output per point (the logit or "
            f"probability of class 1), but it returned shape {values.shape}; "
            "for one output per class use plot_decision_regions"
        )
    prob = _probability(values[:, 0], output).reshape(xx.shape)

    if ax is None:
        _, ax = plt.subplots()
    low, high = _light(PALETTE[0], 0.6), _light(PALETTE[1], 0.6)
    if shading == "probability":
        cmap = mcolors.LinearSegmentedColormap.from_list("glassbox_binary", [low, "white", high])
        style = {
            "cmap": cmap,
            "norm": mcolors.TwoSlopeNorm(threshold, vmin=0.0, vmax=1.0),
            "shading": "nearest",
            "rasterized": True,
            "label": "probability",
        }
        style.update(m_kws)
        mesh = ax.pcolormesh(xx, yy, prob, **style)
        if colorbar:
            bar = ax.figure.colorbar(mesh, ax=ax, pad=0.02, fraction=0.05)
            bar.set_label(f"P({names[1]})")
            ticks = [0.0, 0.25, 0.5, 0.75, 1.0] if threshold == 0.5 else [0.0, threshold, 1.0]
            bar.set_ticks(ticks)
    elif shading == "regions":
        side = (prob >= threshold).astype(int)
        style = {
            "cmap": mcolors.ListedColormap([_light(PALETTE[0], 0.3), _light(PALETTE[1], 0.3)]),
            "vmin": 0,
            "vmax": 1,
            "shading": "nearest",
            "rasterized": True,
            "label": "regions",
        }
        style.update(m_kws)
        ax.pcolormesh(xx, yy, side, **style)
    contour = ax.contour(xx, yy, prob, levels=[threshold], **c_kws)
    contour.set_label("boundary")
    handles = _scatter_classes(ax, points, labels, names, s_kws)
    proxy = Line2D(
        [],
        [],
        color=c_kws["colors"] if isinstance(c_kws["colors"], str) else "black",
        linestyle="--",
        label=f"boundary (p = {threshold:g})",
    )
    _finish(ax, xr, yr, xlabel, ylabel, title, [*handles, proxy])
    return ax


@styled
def plot_decision_regions(
    model: Callable[..., Any],
    X: Any,
    y: Any,
    *,
    ax: Axes | None = None,
    class_names: Sequence[str] | None = None,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    margin: float = 0.1,
    resolution: int = 200,
    boundaries: bool = True,
    xlabel: str = "$x_1$",
    ylabel: str = "$x_2$",
    title: str | None = None,
    scatter_kws: dict[str, Any] | None = None,
    region_kws: dict[str, Any] | None = None,
    boundary_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw the region each class wins for a model with one output per class.

    The model is evaluated on a grid (see :func:`decision_grid`); every grid point
    is painted in a light version of its predicted class's colour (the index of the
    largest output, which is the same for logits and softmax probabilities). The
    boundaries, where the two largest outputs tie, are drawn as thin black lines,
    and the data points on top with a colour and a marker per class.

    Parameters
    ----------
    model
        A model returning ``k >= 2`` numbers per point, shape ``(m, k)``: an
        ``nn.Module`` or any function of an ``(m, 2)`` float tensor.
    X
        The points, shape ``(n, 2)``.
    y
        Their labels ``0 .. k-1``, shape ``(n,)``.
    ax
        Axes to draw on. A new figure is created when ``None``.
    class_names
        One name per class (``k`` of them) for the legend; default ``"class 0"``, ...
    x_range, y_range
        Span of the grid; by default the data's span widened by ``margin`` of its
        length on each side.
    margin
        Fraction of the data's span added on each side when a range is inferred.
    resolution
        Grid points along each axis.
    boundaries
        Draw the boundaries between regions.
    xlabel, ylabel, title
        Axis labels and an optional title.
    scatter_kws, region_kws, boundary_kws
        Extra keyword arguments for the data points, the regions
        (:meth:`~matplotlib.axes.Axes.pcolormesh`) and the boundaries
        (:meth:`~matplotlib.axes.Axes.contour`).

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. The regions are the :class:`~matplotlib.collections.QuadMesh`
        labelled ``"regions"``, whose array holds the predicted class at each grid
        point; boundaries are contour sets labelled ``"boundary"``; each class's
        points are a scatter collection labelled with the class name.

    Raises
    ------
    TypeError
        If ``model`` is not callable, or an argument has the wrong type.
    ValueError
        If ``X`` is not ``(n, 2)``, ``y`` does not give one label per point, a label
        is ``>= k``, ``class_names`` does not have ``k`` names, or the model does not
        return ``k >= 2`` outputs per point.

    Examples
    --------
    >>> import torch
    >>> centres = torch.tensor([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    >>> model = lambda x: -torch.cdist(x, centres)  # nearest centre wins
    >>> ax = plot_decision_regions(model, centres, [0, 1, 2], class_names=["a", "b", "c"])
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['a', 'b', 'c', 'boundary']
    """
    model = as_callable("model", model)
    points = _as_points(X)
    labels = _as_labels(y, points.shape[0])
    s_kws = as_kws("scatter_kws", scatter_kws)
    r_kws = as_kws("region_kws", region_kws)
    b_kws = {"colors": "black", "linewidths": 1.0}
    b_kws.update(as_kws("boundary_kws", boundary_kws))
    xr, yr = _ranges(points, x_range, y_range, margin)
    resolution = as_int("resolution", resolution, minimum=2)

    xx, yy, grid_points = _grid(xr, yr, resolution)
    scores = _evaluate(model, grid_points)
    k = scores.shape[1]
    if k < 2:
        raise ValueError(
            "plot_decision_regions needs one output per class (at least 2 columns), but the "
            f"model returned shape {scores.shape}; for a one-output model use "
            "plot_decision_boundary"
        )
    if labels.max() >= k:
        raise ValueError(
            f"y holds label {labels.max()}, but the model has only {k} outputs (classes 0..{k - 1})"
        )
    names = _class_names(class_names, k)
    predicted = scores.argmax(axis=1).reshape(xx.shape)

    if ax is None:
        _, ax = plt.subplots()
    colours = [_light(PALETTE[i % len(PALETTE)], 0.35) for i in range(k)]
    style = {
        "cmap": mcolors.ListedColormap(colours),
        "norm": mcolors.BoundaryNorm(np.arange(k + 1) - 0.5, k),
        "shading": "nearest",
        "rasterized": True,
        "label": "regions",
    }
    style.update(r_kws)
    ax.pcolormesh(xx, yy, predicted, **style)
    if boundaries:
        # Class c's region ends where its output stops being the largest: where
        # s_c - max_{j != c} s_j crosses 0. Every boundary touches a class < k - 1.
        for c in range(k - 1):
            others = np.delete(scores, c, axis=1).max(axis=1)
            lead = (scores[:, c] - others).reshape(xx.shape)
            if lead.min() < 0 < lead.max():
                contour = ax.contour(xx, yy, lead, levels=[0.0], **b_kws)
                contour.set_label("boundary")
    handles = _scatter_classes(ax, points, labels, names, s_kws)
    colour = b_kws["colors"] if isinstance(b_kws["colors"], str) else "black"
    proxy = Line2D([], [], color=colour, linewidth=1.0, label="boundary")
    _finish(ax, xr, yr, xlabel, ylabel, title, [*handles, proxy])
    return ax
