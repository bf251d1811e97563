"""Animations that play in a static web page: small, deterministic GIFs.

Matplotlib's ``FuncAnimation.to_jshtml()`` embeds every frame as a PNG, fetches an icon
font from another host and writes a random element id, so the page grows large, is not
self-contained and changes on every build. Here frames are drawn with matplotlib,
quantised to one shared palette without dithering and written as a GIF with Pillow,
entirely in memory. The notebook output is the GIF itself (``image/gif``): Jupyter shows
it, and the book's build saves it beside the page like any other figure, with the
caption and alt text of the cell's figure options. The same input gives the same bytes
on every run, the page needs no script, and nothing is requested from another host.

Introduced for the chapters on gradient descent (Part 2); any chapter can animate its
own figure with :func:`animate`.
"""

from __future__ import annotations

import html
import io
from base64 import b64encode
from collections.abc import Callable, Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._validate import as_array, as_callable, as_float, as_int
from .descent import (
    _auto_levels,
    _auto_ranges,
    _data,
    _least_squares,
    _levels,
    _mark_minimum,
    _pick,
    _range,
    _rows,
    cost_grid,
    mse_cost,
)
from .style import PALETTE, book_style

__all__ = ["Animation", "animate", "animate_fit"]


class Animation:
    """An animated GIF held in memory, shown in a notebook or page as an ``<img>``.

    Create one with :func:`animate` or :func:`animate_fit`.

    Parameters
    ----------
    data
        The bytes of a GIF file.
    alt
        Alternative text describing what the animation shows, for readers who
        cannot play it. It appears in the plain-text form of the object and as the
        ``alt`` of :meth:`to_html`. (In a book chapter, the alt text of the page's
        image comes from the cell's ``image: alt`` option, as for every figure.)
    width, height
        Size of the frames in pixels.

    Attributes
    ----------
    data : bytes
        The GIF file.
    alt : str
        The alternative text.
    nbytes : int
        Size of the GIF in bytes.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1))
    >>> anim = animate(fig, lambda k: ax.set_title(str(k)), 3, alt="A title counting to 2.")
    >>> anim.data[:6], anim.nbytes > 0
    (b'GIF89a', True)
    """

    def __init__(self, data: bytes, *, alt: str, width: int, height: int) -> None:
        if not isinstance(data, bytes) or not data.startswith((b"GIF87a", b"GIF89a")):
            raise ValueError("data must be the bytes of a GIF file")
        self.data = data
        self.alt = _alt(alt)
        self.width = as_int("width", width, minimum=1)
        self.height = as_int("height", height, minimum=1)

    @property
    def nbytes(self) -> int:
        """Size of the GIF in bytes."""
        return len(self.data)

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the GIF to ``path`` and return the path."""
        target = Path(path)
        target.write_bytes(self.data)
        return target

    def to_html(self) -> str:
        """An ``<img>`` tag holding the GIF itself (a ``data:`` URI) and the alt text.

        For pages that need the animation inline, with nothing to fetch.
        """
        src = "data:image/gif;base64," + b64encode(self.data).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return (
            f'<img src="{src}" alt="{alt}" width="{self.width}" height="{self.height}" '
            'style="max-width: 100%; height: auto;">'
        )

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        # One image representation: Jupyter shows the GIF, and the book's build writes
        # it next to the page, with the caption and alt text of the cell's figure options.
        return {"image/gif": b64encode(self.data).decode("ascii"), "text/plain": repr(self)}

    def __repr__(self) -> str:
        return (
            f"<Animation: {self.width}x{self.height} GIF, {self.nbytes / 1024:.0f} KiB. {self.alt}>"
        )


def _alt(alt: Any) -> str:
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a string describing the animation, got {type(alt).__name__}")
    if not alt.strip():
        raise ValueError("alt must describe what the animation shows, got an empty string")
    return alt.strip()


def _render(fig: Figure) -> np.ndarray:
    """Draw ``fig`` and return its pixels as an RGB array."""
    fig.canvas.draw()
    return np.ascontiguousarray(np.asarray(fig.canvas.buffer_rgba())[..., :3])


def _to_gif(pixels: list[np.ndarray], durations: list[int], colors: int) -> bytes:
    """Encode RGB frames as one GIF with a palette shared by all frames.

    The palette is computed once from all frames together (median cut, no
    dithering), so unchanged pixels keep their index from frame to frame and
    Pillow stores only the rectangle that changed: small files, identical bytes
    for identical frames.
    """
    from PIL import Image

    sample = np.concatenate([p[::2, ::2] for p in pixels], axis=0)
    palette = Image.fromarray(sample, mode="RGB").quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    # Median cut averages white with the anti-aliased pixels next to it; snap the
    # entries nearest to white and black back, so backgrounds stay pure white.
    entries = np.array(palette.getpalette()[: 3 * colors], dtype=int).reshape(-1, 3)
    for target in (255, 0):
        distance = np.abs(entries - target).sum(axis=1)
        if distance.min() <= 24:
            entries[distance.argmin()] = target
    flat_palette = entries.astype(np.uint8).ravel().tolist()
    images = []
    for p in pixels:
        # Exact nearest palette entry for every distinct colour (Pillow's own lookup
        # rounds colours first and can send pure white to an off-white entry).
        packed = (p[..., 0].astype(np.int32) << 16) | (p[..., 1].astype(np.int32) << 8) | p[..., 2]
        unique, inverse = np.unique(packed.ravel(), return_inverse=True)
        rgb = np.stack([unique >> 16, (unique >> 8) & 255, unique & 255], axis=1)
        nearest = ((rgb[:, None, :] - entries[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        image = Image.fromarray(nearest[inverse].reshape(p.shape[:2]).astype(np.uint8), mode="P")
        image.putpalette(flat_palette)
        images.append(image)
    buffer = io.BytesIO()
    images[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buffer.getvalue()


def animate(
    fig: Figure,
    update: Callable[[Any], Any],
    frames: int | Iterable[Any],
    *,
    alt: str,
    fps: float = 5.0,
    hold_last: float = 1.5,
    dpi: float | None = None,
    colors: int = 64,
    close: bool = True,
) -> Animation:
    """Turn a matplotlib figure into an animated GIF that plays in a static page.

    For each frame, ``update(frame)`` changes the figure's artists (set new data
    on a line, a new title, ...), then the figure is drawn and captured. Draw
    everything that does not change *before* calling ``animate``, and only change
    artists in ``update``: that keeps the frames consistent and fast to render.

    Parameters
    ----------
    fig
        The figure to animate.
    update
        Called as ``update(frame)`` before each frame is captured; its return
        value is ignored.
    frames
        Number of frames (``update`` gets 0, 1, ...), or the frame values themselves.
    alt
        Alternative text: what the animation shows, from first frame to last.
    fps
        Frames per second.
    hold_last
        Seconds the last frame stays on screen before the animation loops.
    dpi
        Resolution of the frames; default the figure's own.
    colors
        Colours per frame (2 to 256); fewer colours give a smaller file.
    close
        Close ``fig`` afterwards, so that a notebook does not also show it as a
        still picture.

    Returns
    -------
    Animation
        The GIF, shown by Jupyter and by the built book as an ``<img>``.

    Raises
    ------
    TypeError, ValueError
        If ``fig`` is not a Figure, ``update`` is not callable, ``frames`` is
        empty, ``alt`` is missing or empty, or a number is out of range.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(figsize=(2, 1.5))
    >>> (dot,) = ax.plot([0], [0], "o")
    >>> _ = ax.set(xlim=(0, 4), ylim=(0, 16))
    >>> anim = animate(fig, lambda k: dot.set_data([k], [k * k]), 5,
    ...                alt="A dot climbing the parabola y = x squared.")
    >>> anim.width, anim.height
    (200, 150)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    update = as_callable("update", update)
    alt = _alt(alt)
    fps = as_float("fps", fps, positive=True)
    hold_last = as_float("hold_last", hold_last, nonnegative=True)
    colors = as_int("colors", colors, minimum=2)
    if colors > 256:
        raise ValueError(f"colors must be <= 256 (a GIF palette), got {colors}")
    if isinstance(frames, bool):
        raise TypeError("frames must be an int or an iterable of frame values, got bool")
    if isinstance(frames, (int, np.integer)):
        values: list[Any] = list(range(as_int("frames", int(frames), minimum=1)))
    elif isinstance(frames, Iterable) and not isinstance(frames, (str, bytes)):
        values = list(frames)
        if not values:
            raise ValueError("frames must hold at least one frame, got an empty iterable")
    else:
        raise TypeError(
            f"frames must be an int or an iterable of frame values, got {type(frames).__name__}"
        )
    if dpi is not None:
        fig.set_dpi(as_float("dpi", dpi, positive=True))

    pixels = []
    try:
        for i, value in enumerate(values):
            update(value)
            pixels.append(_render(fig))
            if i == 0 and fig.get_layout_engine() is not None:
                # Keep the layout of the first frame: no jitter, and much faster frames.
                fig.set_layout_engine("none")
    finally:
        if close:
            plt.close(fig)
    step = max(20, round(1000 / fps))  # browsers treat shorter GIF delays as 100 ms
    durations = [step] * len(pixels)
    durations[-1] = step + round(1000 * hold_last)
    height, width = pixels[0].shape[:2]
    data = _to_gif(pixels, durations, colors)
    return Animation(data, alt=alt, width=width, height=height)


def animate_fit(
    x: Any,
    y: Any,
    history: Any,
    *,
    alt: str,
    frames: int | Sequence[int] = 30,
    fps: float = 5.0,
    w_range: tuple[float, float] | None = None,
    b_range: tuple[float, float] | None = None,
    levels: int | Sequence[float] = 8,
    figsize: tuple[float, float] = (6.0, 2.6),
    dpi: float = 80,
) -> Animation:
    """Animate gradient descent fitting a line: data space beside parameter space.

    Left: the data and the line ``w * x + b`` of the current iteration. Right: the
    contour map of the cost with the path of ``(w, b)`` so far and the current
    point. The title gives the iteration and its cost. The animated counterpart of
    :func:`glassbox.plot_fit_and_cost`.

    Parameters
    ----------
    x, y
        The data: two 1-D sequences of equal length.
    history
        Shape ``(steps + 1, 2)``: row ``k`` holds ``(w, b)`` after ``k`` steps.
    alt
        Alternative text: what the animation shows.
    frames
        Number of frames (at most 30 keeps the page light), spread over the
        iterations more densely at the start, where the parameters move most; or
        the rows of ``history`` to show, in order.
    fps
        Frames per second.
    w_range, b_range
        ``(lo, hi)`` of the contour map; default: centred on the minimum, holding
        the whole path.
    levels
        Contour levels, as in :func:`glassbox.plot_cost_contour`.
    figsize, dpi
        Size of the frames in inches and their resolution; the defaults give
        480 by 208 pixels.

    Returns
    -------
    Animation
        The GIF, shown in the page as an ``<img>``; ``.save(path)`` writes it.

    Raises
    ------
    TypeError, ValueError
        If the data, ``history``, ``frames``, ``alt`` or a range is invalid.

    Examples
    --------
    >>> history = [(0.0, 0.0), (1.5, 0.5), (1.9, 0.9), (2.0, 1.0)]
    >>> anim = animate_fit([0, 1, 2], [1, 3, 5], history, alt="A line rising to fit three points.")
    >>> anim.data[:6]
    b'GIF89a'
    """
    xs, ys = _data(x, y)
    params = as_array("history", history, ndim=2)
    if params.shape[1] != 2:
        raise ValueError(f"history must have shape (steps + 1, 2) of (w, b), got {params.shape}")
    n_rows = params.shape[0]
    if isinstance(frames, bool):
        raise TypeError("frames must be an int or a sequence of rows of history, got bool")
    if isinstance(frames, (int, np.integer)):
        count = as_int("frames", int(frames), minimum=1)
        rows = _pick(n_rows, count) if n_rows > count else list(range(n_rows))
    else:
        rows = _rows("frames", frames, n_rows)
    alt = _alt(alt)
    auto_w, auto_b = _auto_ranges(xs, ys, params)
    wr = auto_w if w_range is None else _range("w_range", w_range)
    br = auto_b if b_range is None else _range("b_range", b_range)
    lev = _levels(levels)
    W, B, C = cost_grid(xs, ys, w_range=wr, b_range=br, num=80)
    costs = mse_cost(xs, ys, params[:, 0], params[:, 1])

    with book_style():
        fig, (data_ax, cost_ax) = plt.subplots(1, 2, figsize=figsize, dpi=dpi)
        data_ax.scatter(xs, ys, s=8, color=PALETTE[0], alpha=0.6, linewidths=0)
        grid = np.linspace(xs.min(), xs.max(), 2)
        (line,) = data_ax.plot(grid, grid * 0, color=PALETTE[1], linewidth=2)
        pad = 0.1 * (ys.max() - ys.min() or 1.0)
        data_ax.set(ylim=(ys.min() - pad, ys.max() + pad), xlabel="x", ylabel="y")
        values = _auto_levels(C, lev) if isinstance(lev, int) else lev
        cost_ax.contour(W, B, C, levels=values, cmap="viridis", linewidths=0.9)
        best = _least_squares(xs, ys)
        if best is not None:
            _mark_minimum(cost_ax, best, markersize=11, label=None)
        (path,) = cost_ax.plot([], [], color=PALETTE[1], marker="o", markersize=2.5, linewidth=1.2)
        (here,) = cost_ax.plot(
            [],
            [],
            linestyle="none",
            marker="X",
            markersize=8,
            color=PALETTE[1],
            markeredgecolor="black",
            markeredgewidth=0.6,
        )
        cost_ax.set(xlim=wr, ylim=br, xlabel="slope $w$", ylabel="intercept $b$")
        cost_ax.grid(False)
        title = fig.suptitle("", fontsize=10)

        def update(k: int) -> None:
            w, b = params[k]
            line.set_ydata(w * grid + b)
            path.set_data(params[: k + 1, 0], params[: k + 1, 1])
            here.set_data([w], [b])
            title.set_text(f"iteration {k}:  w = {w:.2f},  b = {b:.2f},  cost {costs[k]:.3g}")

        return animate(fig, update, rows, alt=alt, fps=fps)
