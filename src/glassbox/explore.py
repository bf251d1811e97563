"""Explorable figures: scrub through gradient descent in a static page.

:func:`explore_descent` turns the trajectories of a few gradient-descent runs (one
per learning rate, say) into a small interactive figure: the data with the current
line on the left, the cost with the current point on the right, a slider (and the
arrow keys) to move through the iterations, and one button per run. It needs no
kernel and no network, so it works in the built book as in a notebook.

How it stays light and reproducible:

- each panel's *background* (the data points, the cost curve or its contour map,
  axes and labels) is drawn once with matplotlib in the book's style, as a PNG;
- the parts that move (the line, the point, its tangent, the path so far) are drawn
  by a small script as an SVG layer over the picture, from numbers computed here:
  every position is mapped from data coordinates to the picture's pixels with the
  matplotlib transform of the axes it belongs to, and embedded as JSON;
- element ids come from a hash of the content: the same input gives the same
  bytes, and two different figures on one page never share an id;
- the static small-multiples figure (:meth:`Explorable.static`) is the fallback:
  shown where scripts do not run, and the only picture kept in the reader's
  notebooks (its outputs carry ``{"glassbox": {"explorable": id}}`` metadata).

In a notebook the figure's HTML carries its script and style inline. The book's
Sphinx extension (``scripts/glassbox_sphinx.py``) removes those inline copies and
loads the shared files ``glassbox-explore.js`` and ``glassbox-explore.css`` once per
page instead (see :func:`runtime_assets`).

The helper only draws: the loops that produce the trajectories are written out in
the chapters. Introduced for the chapter "Gradient descent" (Part 2).
"""

from __future__ import annotations

import hashlib
import html
import io
import json
from base64 import b64encode
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._validate import as_array, as_float, as_int
from .descent import (
    _contour,
    _data,
    _draw_path,
    _least_squares,
    _mark_minimum,
    _pick,
    cost_grid,
    mse_cost,
    mse_gradient,
)
from .style import PALETTE, book_style

__all__ = ["Explorable", "explore_descent", "runtime_assets"]

#: Attribute that marks the root element of an explorable figure in a page.
MARKER = "data-glassbox-explore"
#: Attribute of the inline ``<script>`` and ``<style>`` a notebook needs and a book
#: page replaces with the shared files of :func:`runtime_assets`.
RUNTIME_ATTR = "data-glassbox-runtime"
#: Most runs (buttons) one figure offers.
MAX_RUNS = 8
#: Most frames per run when ``iterations`` is not given.
DEFAULT_FRAMES = 121
COST_VIEWS = ("auto", "shared", "per-run")

_PANEL_SIZE = (3.4, 2.8)  # inches, each panel
_DPI = 150  # crisp on high-density screens, still light
_SIG = 7  # significant digits of the embedded values
_PX = 1  # decimals of the embedded pixel positions
_FAR = 1e5  # pixel positions are clamped to +-_FAR (far outside any panel)


def runtime_assets() -> dict[str, str]:
    """The script and the style sheet every explorable figure uses, by file name.

    The book's Sphinx extension writes them to ``_static/`` and loads them once on
    each page that holds an explorable figure.

    Returns
    -------
    dict
        ``{"glassbox-explore.js": <JavaScript>, "glassbox-explore.css": <CSS>}``.

    Examples
    --------
    >>> sorted(runtime_assets())
    ['glassbox-explore.css', 'glassbox-explore.js']
    """
    folder = resources.files("glassbox") / "_static"
    return {
        "glassbox-explore.js": (folder / "explore.js").read_text(encoding="utf-8"),
        "glassbox-explore.css": (folder / "explore.css").read_text(encoding="utf-8"),
    }


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def _text(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string or None, got {type(value).__name__}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty")
    return " ".join(value.split())


def _runs(runs: Any) -> tuple[list[str], list[np.ndarray], int]:
    """Labels, trajectories as float arrays, and the number of parameters (1 or 2)."""
    if not isinstance(runs, Mapping):
        raise TypeError(
            "runs must be a dict {label: trajectory}, e.g. {'lr 0.1': slopes}, "
            f"got {type(runs).__name__}"
        )
    if not runs:
        raise ValueError("runs must hold at least one run, got an empty dict")
    if len(runs) > MAX_RUNS:
        raise ValueError(f"runs must hold at most {MAX_RUNS} runs (a button each), got {len(runs)}")
    labels, arrays, kinds = [], [], set()
    for label, value in runs.items():
        if not isinstance(label, str):
            raise TypeError(f"runs labels must be strings, got {type(label).__name__}: {label!r}")
        if not label.strip():
            raise ValueError("runs labels must not be empty")
        name = f"runs[{label!r}]"
        arr = as_array(name, value)
        if arr.ndim == 1:
            kinds.add(1)
        elif arr.ndim == 2 and arr.shape[1] == 2:
            kinds.add(2)
        else:
            raise ValueError(
                f"{name} must have shape (T,) of slopes or (T, 2) of (w, b) pairs, "
                f"got shape {arr.shape}"
            )
        labels.append(" ".join(label.split()))
        arrays.append(arr)
    if len(kinds) > 1:
        raise ValueError(
            "runs must be all slopes, shape (T,), or all (w, b) pairs, shape (T, 2); got both"
        )
    if len(set(labels)) < len(labels):
        raise ValueError(f"runs labels must differ, got {labels}")
    return labels, arrays, kinds.pop()


def _frames(iterations: Any, lengths: list[int]) -> list[list[int]]:
    """For each run, the iterations (rows of its trajectory) offered on the slider."""
    if iterations is None:
        count = DEFAULT_FRAMES
    elif isinstance(iterations, bool):
        raise TypeError("iterations must be None, an int or a sequence of ints, got bool")
    elif isinstance(iterations, (int, np.integer)):
        count = as_int("iterations", int(iterations), minimum=2)
    else:
        if isinstance(iterations, (str, bytes)) or not isinstance(
            iterations, (Sequence, np.ndarray)
        ):
            raise TypeError(
                "iterations must be None, an int or a sequence of ints, "
                f"got {type(iterations).__name__}"
            )
        wanted = sorted(
            {
                as_int("iterations[i]", int(k) if isinstance(k, np.integer) else k, minimum=0)
                for k in iterations
            }
        )
        if not wanted:
            raise ValueError("iterations must name at least one iteration")
        picked = [[k for k in wanted if k < n] for n in lengths]
        if not any(picked):
            raise ValueError(
                f"iterations must include rows of the runs (the longest has {max(lengths)}), "
                f"got {wanted}"
            )
        return [rows or [0] for rows in picked]
    out = []
    for n in lengths:
        if n <= count:
            out.append(list(range(n)))
        else:
            out.append(sorted(set(np.round(np.linspace(0, n - 1, count)).astype(int).tolist())))
    return out


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def _sig(values: Any) -> list[float]:
    return [float(f"{v:.{_SIG}g}") for v in np.asarray(values, dtype=float).ravel()]


def _px(values: Any) -> list[float]:
    arr = np.clip(np.asarray(values, dtype=float), -_FAR, _FAR)
    return [round(float(v), _PX) + 0.0 for v in arr.ravel()]


def _clip_segment(p: np.ndarray, q: np.ndarray, box: tuple[float, float, float, float]):
    """The part of segment ``p``-``q`` inside ``box`` = (x0, y0, x1, y1), or None.

    Liang–Barsky clipping: the moving line of a diverging run can reach pixel
    positions in the billions; the page only needs the part that is visible.
    """
    x0, y0, x1, y1 = box
    d = q - p
    t0, t1 = 0.0, 1.0
    for denom, num in (
        (-d[0], p[0] - x0),
        (d[0], x1 - p[0]),
        (-d[1], p[1] - y0),
        (d[1], y1 - p[1]),
    ):
        if denom == 0:
            if num < 0:
                return None
            continue
        t = num / denom
        if denom < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return np.concatenate([p + t0 * d, p + t1 * d])


class _Panel:
    """One rendered background: its PNG, the Axes drawn on it, and pixel geometry."""

    def __init__(self, fig: Figure, ax: Axes, png: bytes, alt: str) -> None:
        self.fig, self.ax, self.png, self.alt = fig, ax, png, alt
        self.width, self.height = (int(v) for v in fig.canvas.get_width_height())
        bbox = ax.get_window_extent()
        # Pixel rectangle of the plotting area, top-left origin (as in SVG).
        self.box = (
            float(bbox.x0),
            float(self.height - bbox.y1),
            float(bbox.x1),
            float(self.height - bbox.y0),
        )

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """Data coordinates (n, 2) to picture pixels, top-left origin."""
        with np.errstate(over="ignore", invalid="ignore"):
            disp = self.ax.transData.transform(np.asarray(points, dtype=float).reshape(-1, 2))
        disp[:, 1] = self.height - disp[:, 1]
        return disp

    def clip(self) -> list[float]:
        x0, y0, x1, y1 = self.box
        return _px([x0, y0, x1 - x0, y1 - y0])


def _render(draw: Callable[[Axes], None], alt: str) -> _Panel:
    with book_style():
        fig = Figure(figsize=_PANEL_SIZE, dpi=_DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        draw(ax)
        fig.canvas.draw()  # the layout is computed here ...
        fig.set_layout_engine("none")  # ... and kept, so the transforms stay valid
        png = _png(fig)
    return _Panel(fig, ax, png, alt)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None})
    return buffer.getvalue()


# ---------------------------------------------------------------------------
# The figure object
# ---------------------------------------------------------------------------


class Explorable:
    """An explorable gradient-descent figure; create one with :func:`explore_descent`.

    In a notebook or a book page it shows as the interactive figure (HTML with an
    SVG layer and a small script); :meth:`static` gives the small-multiples
    figure that stands in for it where scripts do not run.

    Attributes
    ----------
    id : str
        The id of the figure's root element, ``"gbx-"`` and 12 hex digits of a hash
        of its content.
    spec : dict
        Everything the page's script draws from, as embedded in the page (JSON):
        ``"mode"`` (``"curve"`` or ``"contour"``), ``"runs"`` (one dict per run:
        ``"label"``, ``"view"``, ``"it"`` the iterations offered, ``"w"``, ``"b"``,
        ``"cost"`` at those iterations, ``"grad"`` dC/dw in curve mode, and the
        pixel positions ``"line"``, ``"pt"`` and, in curve mode, ``"tan"``),
        ``"data"`` and ``"views"`` (the plotting rectangle ``"clip"`` of each
        background, in pixels) and ``"size"``.
    title, alt : str
        The figure's heading and its text alternative.
    """

    def __init__(
        self,
        *,
        spec: dict[str, Any],
        data_panel: _Panel,
        cost_panels: list[_Panel],
        draw_static: Callable[[Figure], None],
        title: str,
        alt: str,
    ) -> None:
        self.spec = spec
        self.title = title
        self.alt = alt
        self._data_panel = data_panel
        self._cost_panels = cost_panels
        self._draw_static = draw_static
        digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode())
        for panel in (data_panel, *cost_panels):
            digest.update(panel.png)
        digest.update(title.encode())
        digest.update(alt.encode())
        self.id = "gbx-" + digest.hexdigest()[:12]

    # --- what tests and chapters can inspect ---------------------------------------

    @property
    def axes(self) -> dict[str, Any]:
        """The Axes the backgrounds were drawn on: ``{"data": Axes, "cost": [Axes, ...]}``.

        Their ``transData`` maps data coordinates to the pixels of the pictures
        (bottom-left origin); the embedded positions use a top-left origin.
        """
        return {"data": self._data_panel.ax, "cost": [p.ax for p in self._cost_panels]}

    @property
    def images(self) -> dict[str, Any]:
        """The PNG bytes of the backgrounds: ``{"data": bytes, "cost": [bytes, ...]}``."""
        return {"data": self._data_panel.png, "cost": [p.png for p in self._cost_panels]}

    def static(self) -> Figure:
        """The static small-multiples figure: one column per run, data above cost.

        Returns
        -------
        matplotlib.figure.Figure
            A new figure (made with pyplot, so a notebook shows it); column ``j``
            holds run ``j``: ``fig.axes[j]`` the data with lines at a few
            iterations, ``fig.axes[n_runs + j]`` the cost with the whole path.
        """
        with book_style():
            fig = plt.figure(figsize=self._static_size())
            self._draw_static(fig)
        return fig

    def _static_size(self) -> tuple[float, float]:
        n = len(self.spec["runs"])
        return (min(2.6 * n, 8.4) if n > 1 else 3.6, 4.9)

    @cached_property
    def static_png(self) -> bytes:
        """The static figure as PNG bytes (the fallback picture)."""
        with book_style():
            fig = Figure(figsize=self._static_size(), dpi=100)
            FigureCanvasAgg(fig)
            self._draw_static(fig)
            return _png(fig)

    # --- HTML ----------------------------------------------------------------------

    def to_html(self, *, runtime: bool = True) -> str:
        """The figure as one HTML fragment, pictures included as ``data:`` URIs.

        Parameters
        ----------
        runtime
            Include the script and style sheet inline, so the fragment works on
            its own (a notebook). A page that loads :func:`runtime_assets` once can
            leave them out.

        Returns
        -------
        str
            The HTML.
        """
        return _html(self, runtime=runtime)

    @property
    def nbytes(self) -> int:
        """Size in bytes of the figure's HTML without the inline script and style."""
        return len(self.to_html(runtime=False).encode())

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        data = {
            "text/html": self.to_html(),
            "image/png": b64encode(self.static_png).decode("ascii"),
            "text/plain": repr(self),
        }
        # The metadata marks the output, so that the reader's notebooks keep the PNG only.
        return data, {"glassbox": {"explorable": self.id}}

    def __repr__(self) -> str:
        runs = ", ".join(r["label"] for r in self.spec["runs"])
        return f"<Explorable {self.id}: {self.title} ({runs}). {self.alt}>"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _img(png: bytes, alt: str, width: int, height: int, extra: str = "") -> str:
    src = "data:image/png;base64," + b64encode(png).decode("ascii")
    return f'<img src="{src}" alt="{_e(alt)}" width="{width}" height="{height}"{extra}>'


def _html(fig: Explorable, *, runtime: bool) -> str:
    spec, fid = fig.spec, fig.id
    data_panel, cost_panels = fig._data_panel, fig._cost_panels
    first = spec["runs"][0]
    n_frames = len(first["it"])
    buttons = "".join(
        f'<button type="button" class="gbx-run" data-run="{i}" '
        f'aria-pressed="{"true" if i == 0 else "false"}">{_e(run["label"])}</button>'
        for i, run in enumerate(spec["runs"])
    )
    cost_imgs = "".join(
        _img(
            p.png,
            p.alt,
            p.width,
            p.height,
            f' class="gbx-bg" data-view="{v}"' + ("" if v == first["view"] else " hidden"),
        )
        for v, p in enumerate(cost_panels)
    )
    w_cost, h_cost = cost_panels[0].width, cost_panels[0].height
    dot = 2.2 * _DPI / 100
    tangent = '<line class="gbx-tangent"></line>' if spec["mode"] == "curve" else ""
    sw, sh = (round(v * 100) for v in fig._static_size())
    parts = [
        f'<div class="gbx-explore" id="{fid}" {MARKER}="1" role="group" '
        f'aria-labelledby="{fid}-title">',
        f'<p class="gbx-title" id="{fid}-title">{_e(fig.title)}</p>',
        f'<div class="gbx-fallback">{_img(fig.static_png, fig.alt, sw, sh)}</div>',
        '<div class="gbx-live" hidden>',
        f'<p class="gbx-desc" id="{fid}-desc">{_e(fig.alt)}</p>',
        f'<div class="gbx-runs" role="group" aria-label="Choose the run">{buttons}</div>',
        '<div class="gbx-panels">',
        '<div class="gbx-panel gbx-panel-data">',
        _img(
            data_panel.png, data_panel.alt, data_panel.width, data_panel.height, ' class="gbx-bg"'
        ),
        f'<svg class="gbx-overlay" viewBox="0 0 {data_panel.width} {data_panel.height}" '
        'aria-hidden="true" focusable="false">',
        f'<defs><clipPath id="{fid}-clip-data"><rect class="gbx-cliprect"></rect>'
        "</clipPath></defs>",
        f'<g clip-path="url(#{fid}-clip-data)"><line class="gbx-line"></line></g></svg>',
        "</div>",
        '<div class="gbx-panel gbx-panel-cost">',
        cost_imgs,
        f'<svg class="gbx-overlay" viewBox="0 0 {w_cost} {h_cost}" aria-hidden="true" '
        'focusable="false">',
        f'<defs><clipPath id="{fid}-clip-cost"><rect class="gbx-cliprect"></rect></clipPath>',
        f'<marker id="{fid}-dot" markerUnits="userSpaceOnUse" markerWidth="{4 * dot:g}" '
        f'markerHeight="{4 * dot:g}" refX="{2 * dot:g}" refY="{2 * dot:g}">'
        f'<circle cx="{2 * dot:g}" cy="{2 * dot:g}" r="{dot:g}"></circle></marker></defs>',
        f'<g clip-path="url(#{fid}-clip-cost)">',
        f'<polyline class="gbx-path" marker-start="url(#{fid}-dot)" marker-mid="url(#{fid}-dot)">'
        "</polyline>",
        tangent,
        f'<circle class="gbx-point" r="{2.6 * dot:g}"></circle></g></svg>',
        "</div>",
        "</div>",
        '<div class="gbx-controls">',
        '<button type="button" class="gbx-play">Play</button>',
        f'<label for="{fid}-slider">Iteration</label>',
        f'<input type="range" id="{fid}-slider" class="gbx-slider" min="0" '
        f'max="{n_frames - 1}" step="1" value="0" aria-describedby="{fid}-desc">',
        "</div>",
        f'<p class="gbx-readout" id="{fid}-readout" aria-live="polite"></p>',
        "</div>",
        f'<script type="application/json" class="gbx-data">{_json(spec)}</script>',
    ]
    if runtime:
        assets = runtime_assets()
        parts.append(f"<style {RUNTIME_ATTR}>{assets['glassbox-explore.css']}</style>")
        parts.append(f"<script {RUNTIME_ATTR}>{assets['glassbox-explore.js']}</script>")
    parts.append("</div>")
    return "\n".join(parts)


def _json(spec: dict[str, Any]) -> str:
    text = json.dumps(spec, separators=(",", ":"), allow_nan=False)
    # Safe inside <script>: no "</" can close the element early.
    return text.replace("</", "<\\/")


# ---------------------------------------------------------------------------
# The public function
# ---------------------------------------------------------------------------


def explore_descent(
    x: Any,
    y: Any,
    runs: Mapping[str, Any],
    *,
    bias: float | None = None,
    cost_view: str = "auto",
    iterations: int | Sequence[int] | None = None,
    title: str | None = None,
    alt: str | None = None,
) -> Explorable:
    """An explorable figure of gradient descent: scrub the iterations, pick the run.

    Left, the data and the line of the current iteration; right, the cost: the
    cost curve with the current point and its tangent for runs on the slope alone,
    or the contour map with the path so far and the current point for runs on
    slope and intercept. A slider (and the arrow keys) moves through the
    iterations, one button per run switches trajectories, and a readout gives the
    iteration, ``w``, ``b`` and the cost. The figure works in a static page: no
    kernel, no network.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences (lists, arrays or tensors) of equal length.
    runs
        ``{label: trajectory}``, at most 8 runs, one button each, e.g.
        ``{"lr 0.01": ..., "lr 0.1": ...}``. A trajectory holds the parameters
        before the first step (row 0) and after each step: shape ``(T,)`` of
        slopes ``w`` (the model ``w * x + bias``), or shape ``(T, 2)`` of
        ``(w, b)`` pairs. All runs have the same kind; their lengths may differ.
    bias
        The fixed intercept of slope-only runs (default 0). Runs of ``(w, b)``
        pairs carry their own intercept and take no ``bias``.
    cost_view
        How the cost panel's axes are scaled: ``"shared"``, one range for all
        runs, so they compare directly; ``"per-run"``, each run its own range,
        holding its whole path (a diverging run stays visible, honestly scaled;
        runs that reach equally far share one picture);
        ``"auto"`` (default), shared unless one run reaches more than three times
        as far as another along a parameter, then per run.
    iterations
        The iterations offered on the slider: ``None`` for all of them (at most
        121 per run, spread evenly, always the first and the last), an int for at
        most that many (>= 2), or a sequence of iteration numbers.
    title
        A heading for the figure (default: "Gradient descent, iteration by
        iteration").
    alt
        A text alternative: what the figure shows. It labels the figure for
        screen readers and is the alt text of the static fallback picture.
        Default: a description made from the runs.

    Returns
    -------
    Explorable
        The figure: displayed by Jupyter and by the book as the explorable
        figure (with a PNG of :meth:`Explorable.static` in the same output);
        ``.spec`` holds the embedded numbers.

    Raises
    ------
    TypeError, ValueError
        If the data, ``runs``, ``bias``, ``cost_view``, ``iterations``, ``title``
        or ``alt`` is invalid (the message names the argument), or a run's cost
        overflows (stop that run earlier).

    Examples
    --------
    Three steps of gradient descent on the slope of ``y = 2x``, learning rate 0.05:

    >>> x, y = [1.0, 2.0, 3.0], [2.0, 4.0, 6.0]
    >>> w, slopes = 0.0, [0.0]
    >>> for step in range(3):
    ...     w -= 0.05 * 2 * sum((w * xi - yi) * xi for xi, yi in zip(x, y)) / 3
    ...     slopes.append(w)
    >>> fig = explore_descent(x, y, {"lr 0.05": slopes})
    >>> run = fig.spec["runs"][0]
    >>> fig.spec["mode"], run["it"], run["w"]
    ('curve', [0, 1, 2, 3], [0.0, 0.9333333, 1.431111, 1.696593])
    >>> run["cost"]    # mean((w x - y) ** 2) at each slope
    [18.66667, 5.30963, 1.510295, 0.4295949]
    >>> fig.id == explore_descent(x, y, {"lr 0.05": slopes}).id    # from the content
    True
    """
    xs, ys = _data(x, y)
    labels, arrays, n_params = _runs(runs)
    if n_params == 2 and bias is not None:
        raise ValueError(
            "bias fixes the intercept of slope-only runs; runs of (w, b) pairs carry their "
            "own intercept, so leave bias out"
        )
    b_fixed = 0.0 if bias is None else as_float("bias", bias)
    if not isinstance(cost_view, str):
        raise TypeError(f"cost_view must be one of {COST_VIEWS}, got {type(cost_view).__name__}")
    if cost_view not in COST_VIEWS:
        raise ValueError(f"cost_view must be one of {COST_VIEWS}, got {cost_view!r}")
    frames = _frames(iterations, [len(a) for a in arrays])
    title = _text("title", title) or "Gradient descent, iteration by iteration"
    alt_given = _text("alt", alt)

    params = [
        np.column_stack([a, np.full(len(a), b_fixed)]) if n_params == 1 else a for a in arrays
    ]
    costs = []
    for label, p in zip(labels, params, strict=True):
        with np.errstate(over="ignore", invalid="ignore"):
            c = mse_cost(xs, ys, p[:, 0], p[:, 1])
        if not np.all(np.isfinite(c)):
            raise ValueError(
                f"runs[{label!r}]: the cost overflows (a diverging run); stop it earlier"
            )
        costs.append(c)

    mode = "curve" if n_params == 1 else "contour"
    if mode == "curve":
        best = _best_slope(xs, ys, b_fixed)
        views, view_of = _views(
            [a[:, None] for a in arrays], None if best is None else [best], cost_view
        )
        ranges: list[Any] = [v[0] for v in views]
    else:
        ranges, view_of = _views(params, _least_squares(xs, ys), cost_view)

    data_panel = _render(lambda ax: _draw_data(ax, xs, ys), _data_alt(xs))
    cost_panels = []
    for r in ranges:
        if mode == "curve":
            panel = _render(
                lambda ax, r=r: _draw_curve(ax, xs, ys, b_fixed, r), _curve_alt(r, b_fixed)
            )
        else:
            panel = _render(lambda ax, r=r: _draw_contour(ax, xs, ys, r), _contour_alt(xs, ys, r))
        cost_panels.append(panel)

    spec_runs = []
    for i, label in enumerate(labels):
        rows = frames[i]
        p, c = params[i][rows], costs[i][rows]
        panel = cost_panels[view_of[i]]
        run: dict[str, Any] = {
            "label": label,
            "view": view_of[i],
            "it": rows,
            "w": _sig(p[:, 0]),
            "b": _sig(p[:, 1]),
            "cost": _sig(c),
        }
        if mode == "curve":
            grad = mse_gradient(xs, ys, p[:, 0], b_fixed)[0]
            run["grad"] = _sig(grad)
            run["pt"] = [_px(q) for q in panel.to_pixels(np.column_stack([p[:, 0], c]))]
            half = 0.12 * float(np.subtract(*panel.ax.get_xlim()[::-1]))
            run["tan"] = [
                _segment(panel, (w - half, ck - g * half), (w + half, ck + g * half))
                for w, ck, g in zip(p[:, 0], c, grad, strict=True)
            ]
        else:
            run["pt"] = [_px(q) for q in panel.to_pixels(p)]
        xlo, xhi = data_panel.ax.get_xlim()
        run["line"] = [_segment(data_panel, (xlo, w * xlo + b), (xhi, w * xhi + b)) for w, b in p]
        spec_runs.append(run)

    spec = {
        "mode": mode,
        "runs": spec_runs,
        "data": {"clip": data_panel.clip()},
        "views": [{"clip": panel.clip()} for panel in cost_panels],
        "size": {
            "data": [data_panel.width, data_panel.height],
            "cost": [cost_panels[0].width, cost_panels[0].height],
        },
    }
    alt_text = alt_given or _default_alt(mode, labels, spec_runs, b_fixed)

    def draw_static(fig: Figure) -> None:
        _draw_static(fig, xs, ys, mode, b_fixed, labels, params, costs, ranges, view_of)

    return Explorable(
        spec=spec,
        data_panel=data_panel,
        cost_panels=cost_panels,
        draw_static=draw_static,
        title=title,
        alt=alt_text,
    )


def _segment(panel: _Panel, p: tuple[float, float], q: tuple[float, float]) -> list[float] | None:
    """A data-space segment in pixels, clipped to the panel's plotting area (or None)."""
    pix = panel.to_pixels(np.array([p, q], dtype=float))
    if not np.all(np.isfinite(pix)):
        return None
    x0, y0, x1, y1 = panel.box
    pad = 4.0  # a little beyond the frame, so the clip path makes the clean edge
    clipped = _clip_segment(pix[0], pix[1], (x0 - pad, y0 - pad, x1 + pad, y1 + pad))
    return None if clipped is None else _px(clipped)


# ---------------------------------------------------------------------------
# Axis ranges: one view per distinct range
# ---------------------------------------------------------------------------


def _pad(lo: float, hi: float, frac: float = 0.1, least: float = 0.5) -> tuple[float, float]:
    span = hi - lo
    margin = max(frac * span, least if span == 0 else 0.0)
    return lo - margin, hi + margin


def _around(centre: np.ndarray, reach: np.ndarray) -> list[tuple[float, float]]:
    """Ranges centred on ``centre`` (the minimum) reaching ``reach`` with a margin."""
    reach = np.where(reach > 0, reach * 1.15, 1.0)
    return [(float(c - r), float(c + r)) for c, r in zip(centre, reach, strict=True)]


def _views(
    points: list[np.ndarray], best: np.ndarray | None, cost_view: str
) -> tuple[list[list[tuple[float, float]]], list[int]]:
    """Parameter ranges of the cost panels, and which one each run uses.

    ``points[i]`` holds run i's parameters, one row per iteration (one column per
    parameter). Each range is centred on the minimum ``best`` (the middle of the
    runs without one) and holds every row. Runs share one range unless
    ``cost_view`` says otherwise ("auto": shared unless one run reaches more than
    three times as far from the minimum as another, along some parameter).
    """
    every = np.vstack(points)
    centre = every.mean(axis=0) if best is None else np.asarray(best, dtype=float)
    reaches = [np.abs(p - centre).max(axis=0) for p in points]
    if cost_view == "auto":
        arr = np.maximum(np.array(reaches), 1e-9 * (1 + np.abs(centre)))
        shared = bool(np.all(arr.max(axis=0) <= 3.0 * arr.min(axis=0)))
    else:
        shared = cost_view == "shared"
    if shared:
        return [_around(centre, np.max(reaches, axis=0))], [0] * len(points)
    ranges: list[list[tuple[float, float]]] = []
    view_of = []
    for reach in reaches:  # runs that reach equally far share a picture
        r = _around(centre, reach)
        if r not in ranges:
            ranges.append(r)
        view_of.append(ranges.index(r))
    return ranges, view_of


def _best_slope(xs: np.ndarray, ys: np.ndarray, b: float) -> float | None:
    """The slope of least cost with the intercept held at ``b`` (None if all x are 0)."""
    sxx = float(np.sum(xs * xs))
    return None if sxx == 0 else float(np.sum(xs * (ys - b)) / sxx)


# ---------------------------------------------------------------------------
# Drawing the backgrounds and the static figure
# ---------------------------------------------------------------------------


def _data_limits(xs: np.ndarray, ys: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    return _pad(float(xs.min()), float(xs.max()), 0.06), _pad(float(ys.min()), float(ys.max()), 0.1)


def _draw_data(ax: Axes, xs: np.ndarray, ys: np.ndarray, *, small: bool = False) -> None:
    ax.scatter(xs, ys, s=10 if small else 14, color=PALETTE[0], alpha=0.7, linewidths=0)
    xlim, ylim = _data_limits(xs, ys)
    ax.set(xlim=xlim, ylim=ylim, xlabel="$x$", ylabel="$y$")
    if not small:
        ax.set_title("data and the current line", fontsize=9.5)


def _curve_top(xs, ys, b, w_range) -> tuple[np.ndarray, np.ndarray, float]:
    ws = np.linspace(*w_range, 200)
    cost = mse_cost(xs, ys, ws, b)
    return ws, cost, float(cost.max())


def _draw_curve(ax: Axes, xs, ys, b: float, w_range, *, small: bool = False) -> None:
    ws, cost, top = _curve_top(xs, ys, b, w_range)
    ax.plot(ws, cost, color=PALETTE[0], linewidth=1.8)
    best = _best_slope(xs, ys, b)
    if best is not None and w_range[0] <= best <= w_range[1]:
        ax.plot(
            [best],
            [float(mse_cost(xs, ys, best, b))],
            linestyle="none",
            marker="*",
            markersize=11,
            color="white",
            markeredgecolor="black",
        )
    ax.set(xlim=w_range, ylim=(-0.04 * top, 1.06 * top), xlabel="slope $w$")
    ax.set_ylabel("cost" if b == 0 else f"cost ($b$ = {b:g})")
    if not small:
        ax.set_title("cost against the slope", fontsize=9.5)


def _draw_contour(ax: Axes, xs, ys, ranges, *, small: bool = False) -> None:
    w_range, b_range = ranges
    W, B, C = cost_grid(xs, ys, w_range=w_range, b_range=b_range, num=90)
    _contour(ax, W, B, C, 8, {"linewidths": 0.9}, filled=False, label_levels=not small)
    best = _least_squares(xs, ys)
    if (
        best is not None
        and w_range[0] <= best[0] <= w_range[1]
        and b_range[0] <= best[1] <= b_range[1]
    ):
        _mark_minimum(ax, best, markersize=11, label=None)
    ax.set(xlim=w_range, ylim=b_range, xlabel="slope $w$", ylabel="intercept $b$")
    ax.grid(False)
    if not small:
        ax.set_title("cost over slope and intercept", fontsize=9.5)


def _draw_static(fig, xs, ys, mode, b, labels, params, costs, ranges, view_of) -> None:
    n = len(labels)
    axes = fig.subplots(2, n, squeeze=False)
    grid = np.array(_data_limits(xs, ys)[0])
    for j, label in enumerate(labels):
        top, bottom = axes[0, j], axes[1, j]
        p, c = params[j], costs[j]
        _draw_data(top, xs, ys, small=True)
        shown = _pick(len(p), 4)
        for k, row in enumerate(shown):
            w, bb = p[row]
            top.plot(
                grid,
                w * grid + bb,
                color=PALETTE[1],
                linewidth=1.0 + 0.5 * k,
                alpha=0.35 + 0.65 * (k + 1) / len(shown),
                label=f"it. {row}",
            )
        top.legend(fontsize=6.5, loc="best", handlelength=1.2)
        top.set_title(label, fontsize=9.5)
        view = ranges[view_of[j]]
        if mode == "curve":
            _draw_curve(bottom, xs, ys, b, view, small=True)
            bottom.plot(p[:, 0], c, color=PALETTE[1], marker="o", markersize=3, linewidth=0.9)
            bottom.plot(
                p[-1:, 0],
                c[-1:],
                linestyle="none",
                marker="X",
                markersize=8,
                color=PALETTE[1],
                markeredgecolor="black",
                markeredgewidth=0.6,
            )
        else:
            _draw_contour(bottom, xs, ys, view, small=True)
            _draw_path(bottom, p, {"markersize": 2.5, "linewidth": 1.1})
        bottom.set_title(f"{len(p) - 1} steps, cost {c[-1]:.3g}", fontsize=8.5)
        if j:
            top.set_ylabel("")
            bottom.set_ylabel("")


# ---------------------------------------------------------------------------
# Words: text alternatives
# ---------------------------------------------------------------------------


def _data_alt(xs: np.ndarray) -> str:
    return (
        f"Scatter plot of the {xs.size} data points, x from {xs.min():.3g} to {xs.max():.3g}; "
        "the line of the current iteration is drawn over it."
    )


def _curve_alt(w_range, b: float) -> str:
    return (
        f"The cost against the slope w from {w_range[0]:.3g} to {w_range[1]:.3g} "
        f"(intercept fixed at {b:g}), a parabola with a star at its lowest point; the "
        "current slope is marked on it with its tangent and the steps taken so far."
    )


def _contour_alt(xs, ys, ranges) -> str:
    best = _least_squares(xs, ys)
    where = ""
    if best is not None:
        where = f", a star at the minimum near w = {best[0]:.3g}, b = {best[1]:.3g}"
    return (
        f"Contour map of the cost over slope w from {ranges[0][0]:.3g} to {ranges[0][1]:.3g} "
        f"and intercept b from {ranges[1][0]:.3g} to {ranges[1][1]:.3g}{where}; the path of "
        "gradient descent so far and the current point are drawn over it."
    )


def _default_alt(mode: str, labels, runs, b: float) -> str:
    what = (
        f"gradient descent on the slope w (intercept fixed at {b:g})"
        if mode == "curve"
        else "gradient descent on the slope w and the intercept b"
    )
    ends = "; ".join(
        f"{label}: after {run['it'][-1]} steps w = {run['w'][-1]:.3g}"
        + (f", b = {run['b'][-1]:.3g}" if mode == "contour" else "")
        + f", cost {run['cost'][-1]:.3g}"
        for label, run in zip(labels, runs, strict=True)
    )
    return f"Explorable figure of {what}, {len(labels)} run(s). {ends}."
