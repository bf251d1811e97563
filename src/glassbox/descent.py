"""Pictures of gradient descent: cost curves, cost surfaces, contours and trajectories.

For the straight line ``y_hat = w * x + b`` fitted with the mean squared error, the
cost of every pair ``(w, b)`` is a number, so the cost can be drawn against one
parameter (a curve), against both (a surface, or its contour map seen from above), or
along slices of the surface. Gradient descent then becomes a path across these
pictures. The numbers behind every picture come from :func:`mse_cost` and
:func:`mse_gradient`, which a chapter (or a test) can call directly.

Introduced for the chapters on loss, cost and gradient descent (Part 2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ._validate import as_array, as_float, as_int, as_kws, as_range
from .style import LINESTYLES, PALETTE, styled

__all__ = [
    "cost_grid",
    "mse_cost",
    "mse_gradient",
    "plot_cost_contour",
    "plot_cost_curve",
    "plot_cost_slices",
    "plot_cost_surface",
    "plot_fit_and_cost",
    "plot_gradient_arrows",
]

Range = tuple[float, float]


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _data(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    xs = as_array("x", x, ndim=1)
    ys = as_array("y", y, ndim=1)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same length, got {xs.shape[0]} and {ys.shape[0]}")
    return xs, ys


_range = as_range


def _path(name: str, value: Any) -> np.ndarray:
    arr = as_array(name, value, ndim=2)
    if arr.shape[1] != 2:
        raise ValueError(f"{name} must have shape (k, 2), one (w, b) row per step, got {arr.shape}")
    return arr


def _params(w: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """``w`` and ``b`` as float arrays broadcast to one shape."""
    ws = np.asarray(w.detach().cpu() if hasattr(w, "detach") else w, dtype=float)
    bs = np.asarray(b.detach().cpu() if hasattr(b, "detach") else b, dtype=float)
    try:
        ws, bs = np.broadcast_arrays(ws, bs)
    except ValueError:
        raise ValueError(
            f"w and b must broadcast together, got shapes {ws.shape} and {bs.shape}"
        ) from None
    return ws, bs


def _rows(name: str, value: Any, n_rows: int) -> list[int]:
    """A non-empty sequence of row indices of ``history``, each in ``0..n_rows - 1``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of ints, got {type(value).__name__}")
    rows = [as_int(f"{name}[i]", int(k) if isinstance(k, np.integer) else k) for k in value]
    if not rows:
        raise ValueError(f"{name} must name at least one row of history")
    bad = [k for k in rows if not 0 <= k < n_rows]
    if bad:
        raise ValueError(f"{name} must lie in 0..{n_rows - 1} (rows of history), got {bad}")
    return rows


def _levels(value: Any) -> int | np.ndarray:
    if isinstance(value, bool):
        raise TypeError("levels must be an int or an increasing sequence of costs, got bool")
    if isinstance(value, (int, np.integer)):
        return as_int("levels", value, minimum=1)
    arr = as_array("levels", value, ndim=1)
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"levels must be strictly increasing, got {arr.tolist()}")
    return arr


def _auto_levels(cost: np.ndarray, count: int) -> np.ndarray:
    """Round, evenly spaced levels strictly inside the range of ``cost``.

    Even spacing keeps the book's reading of a contour map true: contours crowd
    where the surface is steep and spread out where it is flat.
    """
    lo, hi = float(cost.min()), float(cost.max())
    ticks = MaxNLocator(nbins=count + 1).tick_values(lo, hi)
    inside = ticks[(ticks > lo) & (ticks < hi)]
    if inside.size == 0:  # a flat surface: one level through the middle
        inside = np.array([(lo + hi) / 2])
    return inside


def _mark_minimum(ax: Axes, best: Sequence[float], *, markersize: float, **kws: Any) -> None:
    """Mark the least-squares ``(w, b)`` on a parameter-space Axes with a white star."""
    ax.plot(
        [best[0]],
        [best[1]],
        linestyle="none",
        marker="*",
        markersize=markersize,
        color="white",
        markeredgecolor="black",
        **{"label": "minimum", **kws},
    )


def _least_squares(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float] | None:
    """The (w, b) of minimum cost, or None when all x are equal (no unique minimum)."""
    var = float(np.var(xs))
    if var == 0:
        return None
    w = float(np.mean((xs - xs.mean()) * (ys - ys.mean())) / var)
    return w, float(ys.mean() - w * xs.mean())


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------


def mse_cost(x: Any, y: Any, w: Any, b: Any = 0.0) -> np.ndarray:
    """Mean squared error of the line ``w * x + b`` on the data, for many ``(w, b)`` at once.

    The cost is ``mean((w * x_i + b - y_i) ** 2)`` over the data points. ``w`` and
    ``b`` may be numbers or arrays of any shapes that broadcast together: a 1-D
    grid of ``w`` with a fixed ``b`` gives a curve, two 2-D meshgrids give a
    surface. The result has the broadcast shape of ``w`` and ``b``.

    The residuals are computed in chunks of data points, so that a fine grid over
    many points does not need one huge array.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences (lists, arrays or tensors) of equal length.
    w, b
        Slope(s) and intercept(s): numbers or array-likes that broadcast.

    Returns
    -------
    numpy.ndarray
        The cost for every ``(w, b)``, of the broadcast shape (0-D for two numbers).

    Raises
    ------
    TypeError, ValueError
        If the data are not 1-D of equal length, or ``w`` and ``b`` do not broadcast.

    Examples
    --------
    >>> float(mse_cost([0, 1, 2], [1, 3, 5], w=2.0, b=1.0))   # the exact line
    0.0
    >>> mse_cost([0, 1, 2], [1, 3, 5], w=[1.0, 2.0, 3.0], b=1.0)
    array([1.66666667, 0.        , 1.66666667])
    """
    xs, ys = _data(x, y)
    ws, bs = _params(w, b)
    total = np.zeros(ws.shape)
    chunk = max(1, 2**22 // max(ws.size, 1))  # at most ~4 million residuals in memory at once
    for start in range(0, xs.size, chunk):
        xc, yc = xs[start : start + chunk], ys[start : start + chunk]
        residuals = ws[..., None] * xc + bs[..., None] - yc
        total += np.sum(residuals**2, axis=-1)
    return total / xs.size


def mse_gradient(x: Any, y: Any, w: Any, b: Any = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The partial derivatives of :func:`mse_cost` with respect to ``w`` and ``b``.

    ``dC/dw = 2 * mean((w * x_i + b - y_i) * x_i)`` and
    ``dC/db = 2 * mean(w * x_i + b - y_i)``; ``w`` and ``b`` broadcast as in
    :func:`mse_cost`.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    w, b
        Slope(s) and intercept(s): numbers or array-likes that broadcast.

    Returns
    -------
    dw, db : numpy.ndarray
        The two partial derivatives, each of the broadcast shape.

    Raises
    ------
    TypeError, ValueError
        As :func:`mse_cost`.

    Examples
    --------
    >>> dw, db = mse_gradient([0, 1, 2], [1, 3, 5], w=3.0, b=1.0)
    >>> round(float(dw), 4), round(float(db), 4)
    (3.3333, 2.0)
    """
    xs, ys = _data(x, y)
    ws, bs = _params(w, b)
    mx, my = xs.mean(), ys.mean()
    mxx, mxy = np.mean(xs * xs), np.mean(xs * ys)
    dw = 2 * (ws * mxx + bs * mx - mxy)
    db = 2 * (ws * mx + bs - my)
    return dw, db


def cost_grid(
    x: Any, y: Any, *, w_range: Range, b_range: Range, num: int = 100
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cost on a regular ``num`` by ``num`` grid of ``(w, b)`` values.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    w_range, b_range
        ``(lo, hi)`` of the slope and the intercept, ``lo < hi``.
    num
        Grid points along each axis (>= 2).

    Returns
    -------
    W, B, C : numpy.ndarray
        Three ``(num, num)`` arrays as from :func:`numpy.meshgrid`: ``W[i, j]`` and
        ``B[i, j]`` are a slope and an intercept, ``C[i, j]`` their cost. ``w``
        varies along the columns, ``b`` along the rows.

    Raises
    ------
    TypeError, ValueError
        If the data, a range or ``num`` is invalid.

    Examples
    --------
    >>> W, B, C = cost_grid([0, 1, 2], [1, 3, 5], w_range=(0, 4), b_range=(-1, 3), num=5)
    >>> C.shape, float(C[2, 2])    # the middle of the grid is (w, b) = (2, 1): cost 0
    ((5, 5), 0.0)
    """
    xs, ys = _data(x, y)
    w_lo, w_hi = _range("w_range", w_range)
    b_lo, b_hi = _range("b_range", b_range)
    num = as_int("num", num, minimum=2)
    W, B = np.meshgrid(np.linspace(w_lo, w_hi, num), np.linspace(b_lo, b_hi, num))
    return W, B, mse_cost(xs, ys, W, B)


# ---------------------------------------------------------------------------
# Drawing helpers
# ---------------------------------------------------------------------------


def _draw_path(ax: Axes, path: np.ndarray, kws: dict[str, Any], *, ends: bool = True) -> None:
    """Draw a (k, 2) path as a line with markers, its start and its end marked."""
    style = {
        "color": PALETTE[1],
        "marker": "o",
        "markersize": 3.5,
        "linewidth": 1.6,
        "label": "gradient descent",
    }
    style.update(kws)
    ax.plot(path[:, 0], path[:, 1], **style)
    if ends:
        ax.plot(
            path[:1, 0],
            path[:1, 1],
            linestyle="none",
            marker="s",
            markersize=7,
            color="black",
            markerfacecolor="white",
            label="start",
        )
        ax.plot(
            path[-1:, 0],
            path[-1:, 1],
            linestyle="none",
            marker="X",
            markersize=9,
            color=PALETTE[1],
            markeredgecolor="black",
            markeredgewidth=0.6,
            label="end",
        )


def _check_3d(ax: Axes | None) -> None:
    if ax is not None and getattr(ax, "name", None) != "3d":
        raise TypeError(
            "ax must be a 3-D Axes (created with projection='3d'), "
            f"got a {getattr(ax, 'name', type(ax).__name__)!r} Axes"
        )


# ---------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------


@styled
def plot_cost_curve(
    x: Any,
    y: Any,
    *,
    w_range: Range,
    b: float = 0.0,
    point: float | None = None,
    tangent: bool = True,
    trajectory: Any = None,
    step_numbers: bool = True,
    num: int = 200,
    ax: Axes | None = None,
    line_kws: dict[str, Any] | None = None,
    point_kws: dict[str, Any] | None = None,
    tangent_kws: dict[str, Any] | None = None,
    trajectory_kws: dict[str, Any] | None = None,
) -> Axes:
    """The cost as a function of the slope ``w``, the intercept held at ``b``.

    Optionally marks one slope with the tangent to the curve there (its slope is
    the derivative ``dC/dw``, printed beside it), and the slopes visited by
    gradient descent, joined by arrows and numbered 0, 1, 2, ...

    Parameters
    ----------
    x, y
        The data: two 1-D sequences (lists, arrays or tensors) of equal length.
    w_range
        ``(lo, hi)`` of the slopes on the horizontal axis, ``lo < hi``.
    b
        The fixed intercept (0 for a line through the origin).
    point
        A slope to mark on the curve, or ``None``.
    tangent
        Draw the tangent line at ``point`` (ignored without a point).
    trajectory
        Slopes visited by gradient descent, a 1-D sequence ``(w_0, w_1, ...)``,
        or ``None``. Each is drawn on the curve at its cost.
    step_numbers
        Write the step number next to each point of the trajectory.
    num
        Number of slopes at which the curve is evaluated.
    ax
        Axes to draw on; a new figure is created when ``None``.
    line_kws, point_kws, tangent_kws, trajectory_kws
        Extra keyword arguments for the curve, the marked point, the tangent
        and the trajectory's markers.

    Returns
    -------
    matplotlib.axes.Axes
        The axes. Lines carry labels: ``"cost"`` (the curve), ``"point"``,
        ``"tangent"`` and ``"steps"``; the trajectory's arrows are annotations.

    Raises
    ------
    TypeError, ValueError
        If the data, ``w_range``, ``point``, ``trajectory`` or a ``*_kws`` is invalid.

    Examples
    --------
    >>> ax = plot_cost_curve([1, 2, 3], [2, 4, 6], w_range=(-1, 5), point=0.0)
    >>> [line.get_label() for line in ax.lines]
    ['cost', 'point', 'tangent']
    """
    xs, ys = _data(x, y)
    lo, hi = _range("w_range", w_range)
    b = as_float("b", b)
    num = as_int("num", num, minimum=2)
    l_kws = as_kws("line_kws", line_kws)
    p_kws = as_kws("point_kws", point_kws)
    t_kws = as_kws("tangent_kws", tangent_kws)
    s_kws = as_kws("trajectory_kws", trajectory_kws)
    if point is not None:
        point = as_float("point", point)
    steps = None if trajectory is None else as_array("trajectory", trajectory, ndim=1)

    if ax is None:
        _, ax = plt.subplots()
    ws = np.linspace(lo, hi, num)
    cost = mse_cost(xs, ys, ws, b)
    style = {"color": PALETTE[0], "label": "cost"}
    style.update(l_kws)
    ax.plot(ws, cost, **style)
    top = float(cost.max())
    span = top - float(cost.min()) or 1.0

    if point is not None:
        c0 = float(mse_cost(xs, ys, point, b))
        style = {
            "linestyle": "none",
            "marker": "o",
            "markersize": 8,
            "color": PALETTE[1],
            "markeredgecolor": "black",
            "label": "point",
            "zorder": 4,
        }
        style.update(p_kws)
        ax.plot([point], [c0], **style)
        if tangent:
            slope = float(mse_gradient(xs, ys, point, b)[0])
            half = 0.18 * (hi - lo)
            tw = np.array([point - half, point + half])
            style = {"color": PALETTE[1], "linestyle": "--", "linewidth": 1.6, "label": "tangent"}
            style.update(t_kws)
            ax.plot(tw, c0 + slope * (tw - point), **style)
            ax.annotate(
                f"slope {slope:.3g}",
                (point, c0),
                xytext=(8, 10),
                textcoords="offset points",
                fontsize=9,
                color="black",
            )
    if steps is not None:
        sc = mse_cost(xs, ys, steps, b)
        top = max(top, float(sc.max()))
        style = {
            "linestyle": "none",
            "marker": "o",
            "markersize": 5,
            "color": PALETTE[2],
            "markeredgecolor": "black",
            "label": "steps",
            "zorder": 5,
        }
        style.update(s_kws)
        ax.plot(steps, sc, **style)
        for i in range(len(steps) - 1):
            ax.annotate(
                "",
                xy=(steps[i + 1], sc[i + 1]),
                xytext=(steps[i], sc[i]),
                arrowprops={
                    "arrowstyle": "->",
                    "color": PALETTE[2],
                    "lw": 1.2,
                    "shrinkA": 3,
                    "shrinkB": 3,
                },
            )
        if step_numbers:
            for i, (wk, ck) in enumerate(zip(steps, sc, strict=True)):
                ax.annotate(str(i), (wk, ck), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.set_ylim(float(cost.min()) - 0.05 * span, top + 0.08 * span)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("slope $w$")
    ax.set_ylabel(f"cost (b = {b:g})" if b != 0 else "cost")
    return ax


@styled
def plot_cost_surface(
    x: Any,
    y: Any,
    *,
    w_range: Range,
    b_range: Range,
    trajectory: Any = None,
    num: int = 60,
    levels: int | Sequence[float] = 8,
    view: tuple[float, float] = (30.0, -60.0),
    ax: Axes | None = None,
    surface_kws: dict[str, Any] | None = None,
    trajectory_kws: dict[str, Any] | None = None,
) -> Axes:
    """The cost surface over ``(w, b)`` in 3-D, with its contour map on the floor.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    w_range, b_range
        ``(lo, hi)`` of the slope and the intercept, ``lo < hi``.
    trajectory
        Optional ``(k, 2)`` array of ``(w, b)`` rows visited by gradient descent,
        drawn on the surface at their cost.
    num
        Grid points along each parameter axis.
    levels
        Number of contour levels on the floor (round, evenly spaced costs), or
        the levels themselves.
    view
        ``(elevation, azimuth)`` of the camera in degrees.
    ax
        A 3-D Axes (``projection="3d"``) to draw on; a new figure when ``None``.
    surface_kws, trajectory_kws
        Extra keyword arguments for :meth:`~mpl_toolkits.mplot3d.axes3d.Axes3D.plot_surface`
        and for the trajectory line.

    Returns
    -------
    mpl_toolkits.mplot3d.axes3d.Axes3D
        The axes: ``collections[0]`` is the surface, ``collections[1]`` the floor
        contours; the trajectory is ``lines[0]`` (``get_data_3d()`` gives w, b, cost).

    Raises
    ------
    TypeError
        If ``ax`` is not a 3-D Axes, or an argument has the wrong type.
    ValueError
        If the data, a range, ``trajectory`` or ``levels`` is invalid.

    Examples
    --------
    >>> ax = plot_cost_surface([0, 1, 2], [1, 3, 5], w_range=(0, 4), b_range=(-1, 3))
    >>> ax.name
    '3d'
    """
    _check_3d(ax)
    xs, ys = _data(x, y)
    W, B, C = cost_grid(xs, ys, w_range=w_range, b_range=b_range, num=num)
    path = None if trajectory is None else _path("trajectory", trajectory)
    lev = _levels(levels)
    elev, azim = (as_float("view[0]", view[0]), as_float("view[1]", view[1]))
    s_kws = {
        "cmap": "viridis",
        "alpha": 0.85,
        "linewidth": 0,
        "antialiased": True,
        "rstride": 1,
        "cstride": 1,
    }
    s_kws.update(as_kws("surface_kws", surface_kws))
    t_kws = as_kws("trajectory_kws", trajectory_kws)

    if ax is None:
        fig = plt.figure(figsize=(5.6, 4.2))
        ax = fig.add_subplot(projection="3d")
    ax.plot_surface(W, B, C, **s_kws)
    low, high = float(C.min()), float(C.max())
    floor = low - 0.35 * (high - low)  # the contour map sits below the surface
    lev_values = _auto_levels(C, lev) if isinstance(lev, int) else lev
    ax.contour(W, B, C, levels=lev_values, zdir="z", offset=floor, cmap="viridis", linewidths=1.0)
    if path is not None:
        pc = mse_cost(xs, ys, path[:, 0], path[:, 1])
        style = {
            "color": PALETTE[1],
            "marker": "o",
            "markersize": 3.5,
            "linewidth": 1.8,
            "label": "gradient descent",
            "zorder": 10,
        }
        style.update(t_kws)
        ax.plot(path[:, 0], path[:, 1], pc, **style)
    ticks = MaxNLocator(nbins=4).tick_values(low, high)
    ax.set_zticks(ticks[(ticks >= low) & (ticks <= high)])  # no negative costs below the map
    ax.set_zlim(floor, high)
    ax.view_init(elev=elev, azim=azim)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5))
    ax.set_xlabel("slope $w$")
    ax.set_ylabel("intercept $b$")
    ax.set_zlabel("cost")
    return ax


@styled
def plot_cost_contour(
    x: Any,
    y: Any,
    *,
    w_range: Range,
    b_range: Range,
    trajectory: Any = None,
    levels: int | Sequence[float] = 10,
    num: int = 120,
    filled: bool = False,
    label_levels: bool = True,
    minimum: bool = True,
    gradient_at: Any = None,
    ax: Axes | None = None,
    contour_kws: dict[str, Any] | None = None,
    trajectory_kws: dict[str, Any] | None = None,
    gradient_kws: dict[str, Any] | None = None,
) -> Axes:
    """The contour map of the cost over ``(w, b)``, optionally with a descent path.

    Each contour joins the ``(w, b)`` pairs of equal cost. By default the levels are
    round, evenly spaced costs, so the contours crowd where the surface is steep
    and spread out where it is flat.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    w_range, b_range
        ``(lo, hi)`` of the slope (horizontal axis) and intercept (vertical axis).
    trajectory
        Optional ``(k, 2)`` array of ``(w, b)`` rows visited by gradient descent,
        drawn as a line with markers; its start (square) and end (cross) are marked.
    levels
        Number of levels (about; rounded to nice numbers) or an increasing
        sequence of costs.
    num
        Grid points along each parameter axis.
    filled
        Shade the regions between contours as well.
    label_levels
        Write the cost on the contours.
    minimum
        Mark the least-squares ``(w, b)``, the bottom of the surface, with a star.
    gradient_at
        Optional ``(k, 2)`` array of ``(w, b)`` points at which to draw the gradient
        vector as an arrow, with the contour through each point: drawn by
        :func:`plot_gradient_arrows`, which also makes the axes' aspect equal.
    ax
        Axes to draw on; a new figure is created when ``None``.
    contour_kws, trajectory_kws
        Extra keyword arguments for :meth:`~matplotlib.axes.Axes.contour` and for
        the trajectory line.
    gradient_kws
        Keyword arguments for :func:`plot_gradient_arrows` (``scale``,
        ``negative``, ``contours``, ``arrow_kws``, ...), used with ``gradient_at``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes: ``collections[0]`` is the contour set (``.levels``); lines are
        labelled ``"minimum"``, ``"gradient descent"``, ``"start"``, ``"end"``.

    Raises
    ------
    TypeError, ValueError
        If the data, a range, ``trajectory``, ``levels`` or a ``*_kws`` is invalid.

    Examples
    --------
    >>> ax = plot_cost_contour([0, 1, 2], [1, 3, 5], w_range=(0, 4), b_range=(-1, 3),
    ...                        levels=[1, 2, 4], trajectory=[[0, 0], [1, 0.5], [2, 1]])
    >>> ax.collections[0].levels.tolist()
    [1.0, 2.0, 4.0]
    """
    xs, ys = _data(x, y)
    W, B, C = cost_grid(xs, ys, w_range=w_range, b_range=b_range, num=num)
    path = None if trajectory is None else _path("trajectory", trajectory)
    lev = _levels(levels)
    c_kws = as_kws("contour_kws", contour_kws)
    t_kws = as_kws("trajectory_kws", trajectory_kws)
    g_kws = as_kws("gradient_kws", gradient_kws)
    grad_points = None if gradient_at is None else _path("gradient_at", gradient_at)
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.8))
    _contour(ax, W, B, C, lev, c_kws, filled=filled, label_levels=label_levels)
    if minimum:
        best = _least_squares(xs, ys)
        if best is not None and W.min() <= best[0] <= W.max() and B.min() <= best[1] <= B.max():
            _mark_minimum(ax, best, markersize=12, zorder=4)
    if path is not None:
        _draw_path(ax, path, t_kws)
        ax.legend(loc="upper right", fontsize=8, frameon=True, framealpha=0.85)
    ax.set_xlim(W.min(), W.max())
    ax.set_ylim(B.min(), B.max())
    if grad_points is not None:
        plot_gradient_arrows(
            xs,
            ys,
            grad_points,
            **{"w_range": w_range, "b_range": b_range, "ax": ax, **g_kws},
        )
    ax.set_xlabel("slope $w$")
    ax.set_ylabel("intercept $b$")
    ax.grid(False)
    return ax


@styled
def plot_gradient_arrows(
    x: Any,
    y: Any,
    points: Any,
    *,
    scale: float | None = None,
    negative: bool = False,
    contours: bool = True,
    w_range: Range | None = None,
    b_range: Range | None = None,
    num: int = 200,
    equal_aspect: bool = True,
    ax: Axes | None = None,
    arrow_kws: dict[str, Any] | None = None,
    contour_kws: dict[str, Any] | None = None,
) -> Axes:
    """The gradient of the cost drawn as arrows at chosen ``(w, b)`` points.

    At each point the arrow has the direction of the gradient
    ``(dC/dw, dC/db)`` from :func:`mse_gradient`: the direction in which the cost
    rises fastest. Optionally the contour of the cost through each point is drawn
    too, so that the picture shows the gradient standing perpendicular to it.
    Draw on top of :func:`plot_cost_contour` (pass its ``ax``, or use its
    ``gradient_at`` argument) or on an empty Axes.

    Right angles only look right when one unit of ``w`` and one unit of ``b`` have
    the same length on screen, so by default the Axes get an equal aspect ratio.

    Introduced in the chapter "Slope and bias".

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    points
        Shape ``(k, 2)``: one ``(w, b)`` row per arrow.
    scale
        ``None`` (default): every arrow has the same length, 12 % of the shorter
        side of the plotted region, and shows the direction only. A positive
        number: each arrow is the gradient times ``scale`` in data units, so with
        ``negative=True`` and the learning rate as ``scale`` it is exactly one step
        of gradient descent.
    negative
        Draw the negative gradient, the direction gradient descent steps in.
    contours
        Draw the contour of the cost through each point (dashed).
    w_range, b_range
        ``(lo, hi)`` of the region in which the contours are computed. Default:
        the Axes' limits if ``ax`` already holds a plot, else a region around the
        points and the minimum.
    num
        Grid points along each parameter axis for the contours.
    equal_aspect
        Give the Axes an equal aspect ratio, so that perpendicular looks perpendicular.
    ax
        Axes to draw on; a new figure is created when ``None``.
    arrow_kws, contour_kws
        Extra keyword arguments for :meth:`~matplotlib.axes.Axes.quiver` and for the
        contours through the points.

    Returns
    -------
    matplotlib.axes.Axes
        The axes. The arrows are the :class:`~matplotlib.quiver.Quiver` labelled
        ``"gradient"`` (or ``"negative gradient"``) in ``ax.collections``: its
        ``X, Y`` are the points and its ``U, V`` the arrows in data units. The
        contours through the points are the last contour set added before it, with
        ``levels`` the sorted costs at the points. The points are ``ax.lines``
        labelled ``"points"``.

    Raises
    ------
    TypeError, ValueError
        If the data, ``points``, ``scale``, a range, ``num`` or a ``*_kws`` is invalid.

    Examples
    --------
    >>> ax = plot_gradient_arrows([0, 1, 2], [1, 3, 5], [[0.0, 0.0], [3.0, 2.0]],
    ...                           scale=0.1)
    >>> arrows = ax.collections[-1]
    >>> arrows.get_label()
    'gradient'
    >>> [round(float(u), 4) for u in arrows.U], [round(float(v), 4) for v in arrows.V]
    ([-0.8667, 0.5333], [-0.6, 0.4])
    """
    xs, ys = _data(x, y)
    pts = _path("points", points)
    if scale is not None:
        scale = as_float("scale", scale, positive=True)
    num = as_int("num", num, minimum=2)
    a_kws = as_kws("arrow_kws", arrow_kws)
    k_kws = as_kws("contour_kws", contour_kws)
    wr = None if w_range is None else _range("w_range", w_range)
    br = None if b_range is None else _range("b_range", b_range)

    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 3.8))
    if wr is None or br is None:
        if ax.has_data():
            auto_w, auto_b = ax.get_xlim(), ax.get_ylim()
        else:
            auto_w, auto_b = _auto_ranges(xs, ys, pts)
        wr = auto_w if wr is None else wr
        br = auto_b if br is None else br

    dw, db = mse_gradient(xs, ys, pts[:, 0], pts[:, 1])
    vectors = np.stack([dw, db], axis=1)
    if negative:
        vectors = -vectors
    if scale is None:
        length = 0.12 * min(wr[1] - wr[0], br[1] - br[0])
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        # A gradient this small is rounding error at the minimum: no direction to draw.
        tiny = 1e-9 * (1 + np.mean(np.abs(ys))) * (1 + np.mean(np.abs(xs)))
        vectors = np.divide(vectors * length, norms, out=np.zeros_like(vectors), where=norms > tiny)
    else:
        vectors = vectors * scale

    if contours:
        W, B = np.meshgrid(np.linspace(*wr, num), np.linspace(*br, num))
        C = mse_cost(xs, ys, W, B)
        levels = np.unique(mse_cost(xs, ys, pts[:, 0], pts[:, 1]))
        style = {"colors": "0.3", "linestyles": "--", "linewidths": 1.0}
        style.update(k_kws)
        ax.contour(W, B, C, levels=levels, **style)
    ax.plot(
        pts[:, 0],
        pts[:, 1],
        linestyle="none",
        marker="o",
        markersize=5,
        color="black",
        label="points",
        zorder=5,
    )
    style = {
        "angles": "xy",
        "scale_units": "xy",
        "scale": 1,
        "color": PALETTE[1] if negative else PALETTE[3],
        "width": 0.007,
        "label": "negative gradient" if negative else "gradient",
        "zorder": 6,
    }
    style.update(a_kws)
    ax.quiver(pts[:, 0], pts[:, 1], vectors[:, 0], vectors[:, 1], **style)
    ax.set_xlim(wr)
    ax.set_ylim(br)
    if equal_aspect:
        ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("slope $w$")
    ax.set_ylabel("intercept $b$")
    return ax


def _contour(
    ax: Axes,
    W: np.ndarray,
    B: np.ndarray,
    C: np.ndarray,
    lev: int | np.ndarray,
    c_kws: dict[str, Any],
    *,
    filled: bool,
    label_levels: bool,
) -> None:
    values = _auto_levels(C, lev) if isinstance(lev, int) else lev
    style = {"cmap": "viridis", "linewidths": 1.1}
    style.update(c_kws)
    cs = ax.contour(W, B, C, levels=values, **style)
    if filled:
        ax.contourf(W, B, C, levels=[C.min(), *values, C.max()], cmap="viridis", alpha=0.25)
    if label_levels:
        ax.clabel(cs, fontsize=7.5, fmt="%g", inline=True)


@styled
def plot_cost_slices(
    x: Any,
    y: Any,
    *,
    b_values: Sequence[float] | None = None,
    w_values: Sequence[float] | None = None,
    w_range: Range | None = None,
    b_range: Range | None = None,
    num: int = 200,
    ax: Axes | None = None,
    line_kws: dict[str, Any] | None = None,
) -> Axes:
    """Slices of the cost surface: the cost along one parameter, the other held fixed.

    Give exactly one of ``b_values`` (each slice is the cost against ``w`` at that
    fixed intercept; needs ``w_range``) or ``w_values`` (cost against ``b`` at that
    fixed slope; needs ``b_range``). Every slice is a parabola; comparing their
    curvature shows which parameter the cost is more sensitive to.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    b_values, w_values
        The fixed values, one slice each. Exactly one of the two.
    w_range, b_range
        ``(lo, hi)`` of the parameter that varies along the slices.
    num
        Points per slice.
    ax
        Axes to draw on; a new figure is created when ``None``.
    line_kws
        Extra keyword arguments for every slice.

    Returns
    -------
    matplotlib.axes.Axes
        The axes; ``lines[i]`` is slice ``i``, labelled ``"b = ..."`` or ``"w = ..."``.
        Slices differ in line style as well as colour.

    Raises
    ------
    TypeError, ValueError
        If both or neither of ``b_values`` and ``w_values`` are given, the range
        of the varying parameter is missing or invalid, or the data are invalid.

    Examples
    --------
    >>> ax = plot_cost_slices([0, 1, 2], [1, 3, 5], b_values=[0, 1], w_range=(0, 4))
    >>> [line.get_label() for line in ax.lines]
    ['b = 0', 'b = 1']
    """
    xs, ys = _data(x, y)
    if (b_values is None) == (w_values is None):
        raise TypeError("give exactly one of b_values (slices at fixed b) or w_values (fixed w)")
    num = as_int("num", num, minimum=2)
    kws = as_kws("line_kws", line_kws)
    if b_values is not None:
        fixed = as_array("b_values", b_values, ndim=1)
        if w_range is None:
            raise TypeError("b_values needs w_range, the (lo, hi) of the slope")
        lo, hi = _range("w_range", w_range)
        fixed_name, var_label = "b", "slope $w$"
    else:
        fixed = as_array("w_values", w_values, ndim=1)
        if b_range is None:
            raise TypeError("w_values needs b_range, the (lo, hi) of the intercept")
        lo, hi = _range("b_range", b_range)
        fixed_name, var_label = "w", "intercept $b$"
    if ax is None:
        _, ax = plt.subplots()
    grid = np.linspace(lo, hi, num)
    for i, value in enumerate(fixed):
        cost = mse_cost(xs, ys, grid, value) if fixed_name == "b" else mse_cost(xs, ys, value, grid)
        style = {
            "color": PALETTE[i % len(PALETTE)],
            "linestyle": LINESTYLES[i % len(LINESTYLES)],
            "label": f"{fixed_name} = {value:g}",
        }
        style.update(kws)
        ax.plot(grid, cost, **style)
    ax.set_xlim(lo, hi)
    ax.set_xlabel(var_label)
    ax.set_ylabel("cost")
    ax.legend(title=f"fixed {fixed_name}", fontsize=8, title_fontsize=8)
    return ax


def _auto_ranges(xs: np.ndarray, ys: np.ndarray, params: np.ndarray) -> tuple[Range, Range]:
    """Ranges centred on the minimum that hold every row of ``params``, with a margin."""
    best = _least_squares(xs, ys)
    if best is None:
        centre = params.mean(axis=0)
    else:
        centre = np.asarray(best)
    reach = np.abs(params - centre).max(axis=0) * 1.15
    reach = np.where(reach > 0, reach, 1.0)
    return (
        (float(centre[0] - reach[0]), float(centre[0] + reach[0])),
        (float(centre[1] - reach[1]), float(centre[1] + reach[1])),
    )


def _pick(n_rows: int, count: int) -> list[int]:
    """About ``count`` row indices, denser at the start, always the first and last."""
    if n_rows <= count:
        return list(range(n_rows))
    picks = np.unique(np.round(np.geomspace(1, n_rows, count)).astype(int) - 1)
    return sorted({0, *picks.tolist(), n_rows - 1})


@styled
def plot_fit_and_cost(
    x: Any,
    y: Any,
    history: Any,
    *,
    iterations: Sequence[int] | None = None,
    w_range: Range | None = None,
    b_range: Range | None = None,
    levels: int | Sequence[float] = 8,
    pairs_per_row: int = 2,
    panel_size: tuple[float, float] = (2.3, 2.0),
    scatter_kws: dict[str, Any] | None = None,
    line_kws: dict[str, Any] | None = None,
) -> Figure:
    """Data space beside parameter space, at chosen iterations of gradient descent.

    For each chosen iteration, a pair of panels: on the left the data with the
    line ``w * x + b`` held at that iteration; on the right the contour map of
    the cost with the path of ``(w, b)`` so far and the current point.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    history
        Shape ``(steps + 1, 2)``: row ``k`` holds ``(w, b)`` after ``k`` steps
        (row 0 is the start), as recorded by the chapter's training loop.
    iterations
        Rows of ``history`` to show, one pair of panels each. Default: about four,
        denser at the start where the parameters move most.
    w_range, b_range
        ``(lo, hi)`` of the contour maps. Default: the path and the minimum, with
        a margin.
    levels
        Contour levels, as in :func:`plot_cost_contour`.
    pairs_per_row
        Pairs of panels per row of the figure.
    panel_size
        Width and height of one panel in inches.
    scatter_kws, line_kws
        Extra keyword arguments for the data points and the fitted line.

    Returns
    -------
    matplotlib.figure.Figure
        The figure. Pair ``i`` is ``fig.axes[2 * i]`` (data: ``collections[0]`` the
        points, ``lines[0]`` the line) and ``fig.axes[2 * i + 1]`` (contour:
        ``lines`` labelled ``"minimum"``, ``"path"`` and ``"current"``).

    Raises
    ------
    TypeError, ValueError
        If the data, ``history``, an iteration, a range or ``pairs_per_row`` is invalid.

    Examples
    --------
    >>> history = [(0.0, 0.0), (1.5, 0.5), (1.9, 0.9), (2.0, 1.0)]
    >>> fig = plot_fit_and_cost([0, 1, 2], [1, 3, 5], history, iterations=[0, 3])
    >>> len(fig.axes)
    4
    """
    xs, ys = _data(x, y)
    params = as_array("history", history, ndim=2)
    if params.shape[1] != 2:
        raise ValueError(f"history must have shape (steps + 1, 2) of (w, b), got {params.shape}")
    n_rows = params.shape[0]
    if iterations is None:
        chosen = _pick(n_rows, 4)
    else:
        chosen = _rows("iterations", iterations, n_rows)
    auto_w, auto_b = _auto_ranges(xs, ys, params)
    wr = auto_w if w_range is None else _range("w_range", w_range)
    br = auto_b if b_range is None else _range("b_range", b_range)
    lev = _levels(levels)
    pairs = as_int("pairs_per_row", pairs_per_row, minimum=1)
    s_kws = {"s": 9, "color": PALETTE[0], "alpha": 0.6, "linewidths": 0, "label": "data"}
    s_kws.update(as_kws("scatter_kws", scatter_kws))
    l_kws = {"color": PALETTE[1], "label": "line"}
    l_kws.update(as_kws("line_kws", line_kws))

    W, B, C = cost_grid(xs, ys, w_range=wr, b_range=br, num=80)
    best = _least_squares(xs, ys)
    pairs = min(pairs, len(chosen))
    nrows = math.ceil(len(chosen) / pairs)
    width, height = panel_size
    fig, axes = plt.subplots(
        nrows, 2 * pairs, figsize=(width * 2 * pairs, height * nrows), squeeze=False
    )
    grid = np.linspace(xs.min(), xs.max(), 2)
    pad = 0.1 * (ys.max() - ys.min() or 1.0)
    ylim = (ys.min() - pad, ys.max() + pad)
    for i in range(nrows * pairs):
        data_ax, cost_ax = axes[i // pairs, 2 * (i % pairs)], axes[i // pairs, 2 * (i % pairs) + 1]
        if i >= len(chosen):
            data_ax.set_visible(False)
            cost_ax.set_visible(False)
            continue
        k = chosen[i]
        w, b = params[k]
        data_ax.scatter(xs, ys, **s_kws)
        data_ax.plot(grid, w * grid + b, **l_kws)
        data_ax.set_ylim(ylim)
        data_ax.set_title(f"iteration {k}", fontsize=9.5)
        data_ax.set_xlabel("x")
        data_ax.set_ylabel("y")
        _contour(cost_ax, W, B, C, lev, {"linewidths": 0.9}, filled=False, label_levels=False)
        if best is not None:
            _mark_minimum(cost_ax, best, markersize=10)
        cost_ax.plot(
            params[: k + 1, 0],
            params[: k + 1, 1],
            color=PALETTE[1],
            marker="o",
            markersize=2.5,
            linewidth=1.2,
            label="path",
        )
        cost_ax.plot(
            [w],
            [b],
            linestyle="none",
            marker="X",
            markersize=8,
            color=PALETTE[1],
            markeredgecolor="black",
            markeredgewidth=0.6,
            label="current",
        )
        cost_ax.set_xlim(wr)
        cost_ax.set_ylim(br)
        cost_ax.grid(False)
        cost = float(mse_cost(xs, ys, w, b))
        cost_ax.set_title(f"cost {cost:.3g}", fontsize=9.5)
        cost_ax.set_xlabel("$w$")
        cost_ax.set_ylabel("$b$")
    return fig
