"""Pictures of training: loss curves and a line fitting itself to data.

Introduced in the chapter "A first model in five minutes".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._validate import as_array, as_int, as_kws
from .style import LINESTYLES, PALETTE, styled

__all__ = ["plot_fit_history", "plot_loss_curves"]


@styled
def plot_loss_curves(
    curves: Sequence[float] | Mapping[str, Sequence[float]] | Any,
    *,
    validation: Sequence[float] | Mapping[str, Sequence[float]] | Any | None = None,
    ax: Axes | None = None,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    logy: bool = False,
    title: str | None = None,
    line_kws: dict[str, Any] | None = None,
) -> Axes:
    """Plot one loss curve, or several labelled ones on the same axes.

    Parameters
    ----------
    curves
        Either one sequence of loss values (a list, array or 1-D tensor; entry ``i``
        is the loss after ``i`` epochs), or a mapping from a label (``"train"``,
        ``"validation"``, ``"lr = 0.1"``) to such a sequence. Several curves get a
        legend and differ in line style as well as colour.
    ax
        Axes to draw on. A new figure is created when ``None``.
    xlabel, ylabel, title
        Axis labels and an optional title.
    logy
        Use a logarithmic loss axis (useful when the loss falls by orders of
        magnitude). All values must then be positive.
    validation
        Validation losses to pair with ``curves``: one sequence when ``curves`` is
        one, or a mapping with the same labels. Each run's validation curve is drawn
        dashed in its training curve's colour, labelled ``"<run> (validation)"``.
    line_kws
        Extra keyword arguments for every :meth:`~matplotlib.axes.Axes.plot` call.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on; ``ax.lines[i]`` holds curve ``i``.

    Raises
    ------
    TypeError
        If ``curves`` is not a sequence of numbers or a mapping of them.
    ValueError
        If a curve is empty, not 1-D, holds NaN/inf, or (with ``logy``) a value <= 0.

    Examples
    --------
    >>> ax = plot_loss_curves({"train": [4.0, 2.0, 1.0], "validation": [4.5, 2.6, 1.9]})
    >>> [line.get_label() for line in ax.lines]
    ['train', 'validation']
    >>> ax = plot_loss_curves({"lr 0.1": [3, 1], "lr 0.01": [3, 2.5]},
    ...                       validation={"lr 0.1": [3.2, 1.4], "lr 0.01": [3.1, 2.7]})
    >>> [line.get_label() for line in ax.lines]
    ['lr 0.1 (train)', 'lr 0.1 (validation)', 'lr 0.01 (train)', 'lr 0.01 (validation)']
    """
    kws = as_kws("line_kws", line_kws)
    if isinstance(curves, Mapping):
        if not curves:
            raise ValueError("curves must hold at least one curve, got an empty mapping")
        named = {str(k): as_array(f"curves[{k!r}]", v, ndim=1) for k, v in curves.items()}
        show_legend = True
    else:
        named = {"loss": as_array("curves", curves, ndim=1)}
        show_legend = False
    paired: dict[str, np.ndarray] = {}
    if validation is not None:
        if isinstance(curves, Mapping) != isinstance(validation, Mapping):
            raise TypeError(
                "validation must have the same form as curves: a sequence for one "
                "curve, or a mapping with the same labels"
            )
        if isinstance(validation, Mapping):
            paired = {
                str(k): as_array(f"validation[{k!r}]", v, ndim=1) for k, v in validation.items()
            }
            if set(paired) != set(named):
                raise ValueError(
                    f"validation must have the labels of curves {sorted(named)}, "
                    f"got {sorted(paired)}"
                )
        else:
            named = {"train": named["loss"]}
            paired = {"train": as_array("validation", validation, ndim=1)}
            show_legend = True
    if logy:
        for label, values in [*named.items(), *paired.items()]:
            if np.any(values <= 0):
                raise ValueError(
                    f"logy=True needs positive losses; curve {label!r} has a value <= 0"
                )
    if ax is None:
        _, ax = plt.subplots()
    for i, (label, values) in enumerate(named.items()):
        color = PALETTE[i % len(PALETTE)]
        if paired:
            single = isinstance(validation, Mapping) is False
            runs = [
                ("train" if single else f"{label} (train)", values, "-"),
                ("validation" if single else f"{label} (validation)", paired[label], "--"),
            ]
        else:
            runs = [(label, values, LINESTYLES[i % len(LINESTYLES)])]
        for run_label, run_values, linestyle in runs:
            style = {"color": color, "linestyle": linestyle, "label": run_label}
            style.update(kws)
            ax.plot(np.arange(len(run_values)), run_values, **style)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if show_legend:
        ax.legend()
    return ax


def _default_epochs(n_steps: int, count: int) -> list[int]:
    """Pick ``count`` roughly geometrically spaced indices from 0 to n_steps - 1."""
    if n_steps <= count:
        return list(range(n_steps))
    picks = np.unique(np.round(np.geomspace(1, n_steps, count)).astype(int) - 1)
    picks = sorted({0, *picks.tolist(), n_steps - 1})
    return picks


@styled
def plot_fit_history(
    x: Any,
    y: Any,
    history: Any,
    *,
    epochs: Sequence[int] | None = None,
    ncols: int = 3,
    true_line: tuple[float, float] | None = None,
    losses: Any = None,
    panel_size: tuple[float, float] = (2.6, 2.1),
    scatter_kws: dict[str, Any] | None = None,
    line_kws: dict[str, Any] | None = None,
) -> Figure:
    """Small multiples of a straight line fitting itself to data as training goes.

    One panel per chosen epoch, each showing the data and the line
    ``y = slope * x + intercept`` that the model held at that epoch. All panels
    share their axes, so the panels can be compared at a glance.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences (lists, arrays or tensors) of equal length.
    history
        The parameters over training, shape ``(n_steps, 2)``: row ``e`` holds
        ``(slope, intercept)`` after ``e`` epochs (row 0: before training).
    epochs
        Which rows to draw, one panel each. Default: about six epochs spread
        geometrically from the first to the last, so early change is visible.
    ncols
        Number of panels per row.
    true_line
        Optional ``(slope, intercept)`` of the line that generated the data, drawn
        dashed in every panel.
    losses
        Optional 1-D sequence of the loss at each row of ``history``; when given,
        each panel's title shows it.
    panel_size
        Width and height of one panel in inches.
    scatter_kws, line_kws
        Extra keyword arguments for the data points and the fitted line.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.axes[i]`` is panel ``i``, whose ``lines[0]`` is the
        fitted line and ``collections[0]`` the data.

    Raises
    ------
    TypeError, ValueError
        If ``x`` and ``y`` differ in length, ``history`` is not ``(n, 2)``, an
        epoch is out of range, or ``losses`` does not match ``history``.

    Examples
    --------
    >>> history = [(0.0, 0.0), (1.0, 0.5), (2.0, 1.0)]
    >>> fig = plot_fit_history([0, 1, 2], [1, 3, 5], history, epochs=[0, 2])
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['epoch 0', 'epoch 2']
    """
    xs = as_array("x", x, ndim=1)
    ys = as_array("y", y, ndim=1)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same length, got {xs.shape[0]} and {ys.shape[0]}")
    params = as_array("history", history, ndim=2)
    if params.shape[1] != 2:
        raise ValueError(
            f"history must have shape (n_steps, 2) of (slope, intercept), got {params.shape}"
        )
    ncols = as_int("ncols", ncols, minimum=1)
    n_steps = params.shape[0]
    if epochs is None:
        chosen = _default_epochs(n_steps, 6)
    else:
        chosen = [as_int("epochs[i]", e) for e in epochs]
        if not chosen:
            raise ValueError("epochs must name at least one epoch")
        bad = [e for e in chosen if not 0 <= e < n_steps]
        if bad:
            raise ValueError(f"epochs must lie in 0..{n_steps - 1} (rows of history), got {bad}")
    loss_values = None
    if losses is not None:
        loss_values = as_array("losses", losses, ndim=1)
        if loss_values.shape[0] != n_steps:
            raise ValueError(
                f"losses must have one value per row of history ({n_steps}), "
                f"got {loss_values.shape[0]}"
            )
    s_kws = {"s": 10, "color": PALETTE[0], "alpha": 0.55, "label": "data", "linewidths": 0}
    s_kws.update(as_kws("scatter_kws", scatter_kws))
    l_kws = {"color": PALETTE[1], "label": "model"}
    l_kws.update(as_kws("line_kws", line_kws))

    nrows = math.ceil(len(chosen) / ncols)
    width, height = panel_size
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width * ncols, height * nrows),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    grid = np.linspace(xs.min(), xs.max(), 2)
    for i, ax in enumerate(axes.flat):
        if i >= len(chosen):
            ax.set_visible(False)
            continue
        epoch = chosen[i]
        slope, intercept = params[epoch]
        ax.scatter(xs, ys, **s_kws)
        ax.plot(grid, slope * grid + intercept, **l_kws)
        if true_line is not None:
            ax.plot(
                grid,
                true_line[0] * grid + true_line[1],
                color="black",
                linestyle="--",
                linewidth=1.2,
                label="true line",
            )
        title = f"epoch {epoch}"
        if loss_values is not None:
            title += f"  (loss {loss_values[epoch]:.3g})"
        ax.set_title(title)
        if i % ncols == 0:
            ax.set_ylabel("y")
        if i // ncols == nrows - 1 or i + ncols >= len(chosen):
            ax.set_xlabel("x")
    axes.flat[0].legend(loc="upper left", fontsize=8)
    return fig
