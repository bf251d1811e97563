"""Pictures of tensors: a matrix as a grid of numbered squares, images as small multiples.

``plot_matrix`` was introduced in the chapter "Two-dimensional tensors" (the digit
drawn pixel by pixel, the indexing and matrix-multiplication figures);
``plot_image_grid`` in the chapter "Image datasets" (rows of samples before and after
transforms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Colormap, ListedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ._validate import _describe, as_array, as_float, as_int, as_kws
from .style import PALETTE, styled

__all__ = ["plot_image_grid", "plot_matrix"]

#: Fill and outline of highlighted cells: sky blue, half transparent, with a blue edge.
_HIGHLIGHT_FILL = PALETTE[5]
_HIGHLIGHT_ALPHA = 0.5
_HIGHLIGHT_EDGE = PALETTE[0]
#: Largest number of rows or columns that gets one tick per index.
_MAX_TICKS = 16


def _luminance(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance (WCAG) of sRGB colours with channels in the last axis."""
    rgb = np.asarray(rgb, dtype=float)[..., :3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _text_colours(background: np.ndarray) -> np.ndarray:
    """``"black"`` or ``"white"`` per cell, whichever contrasts more with its background."""
    lum = _luminance(background)
    on_white = 1.05 / (lum + 0.05)  # contrast ratio of white text
    on_black = (lum + 0.05) / 0.05  # contrast ratio of black text
    return np.where(on_white > on_black, "white", "black")


def _integer_valued(values: np.ndarray) -> bool:
    return bool(np.all(values == np.round(values)))


def _as_mask(name: str, value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``value`` as a boolean array of ``shape``, or raise naming ``name``."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a boolean mask, got {_describe(value)}")
    mask = np.asarray(value)
    if mask.dtype != np.bool_:
        raise TypeError(
            f"{name} must be a boolean mask (True where a cell is highlighted), "
            f"got dtype {mask.dtype}"
        )
    if mask.shape != shape:
        raise ValueError(f"{name} must have the shape of matrix {shape}, got {mask.shape}")
    return mask


def _set_index_ticks(ax: Axes, rows: int, cols: int) -> None:
    for axis, n in ((ax.xaxis, cols), (ax.yaxis, rows)):
        if n <= _MAX_TICKS:
            axis.set_ticks(range(n))
        else:
            axis.set_major_locator(MaxNLocator(nbins=8, integer=True))


@styled
def plot_matrix(
    matrix: Any,
    *,
    ax: Axes | None = None,
    highlight: Any = None,
    annotate: bool = True,
    fmt: str | None = None,
    cmap: str | Colormap | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    text_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw a 2-D tensor as a grid of squares, each showing its value.

    Row 0 is at the top and column 0 on the left, as when the tensor is printed; the
    ticks number the rows (dimension 0) and columns (dimension 1). Each value is
    written in its square, in black or white, whichever contrasts more with the
    square's colour. Highlighted cells are shaded, outlined and their numbers set in
    bold, so the highlight does not rest on colour alone.

    Introduced in the chapter "Two-dimensional tensors".

    Parameters
    ----------
    matrix
        The values: a 2-D tensor, NumPy array or nested list of numbers.
    ax
        Axes to draw on. A new figure, sized to the matrix, is created when ``None``.
    highlight
        Optional boolean mask with the shape of ``matrix``; ``True`` cells are shaded
        and outlined, and their numbers are bold. Handy to show what an indexing
        expression selects: ``mask = torch.zeros(A.shape, dtype=torch.bool)``,
        ``mask[0, :2] = True``.
    annotate
        Write each value in its square.
    fmt
        Format specification for the written values, as in ``format(value, fmt)``,
        for example ``".2f"``. Default: whole numbers without decimals when every
        value is a whole number, otherwise ``".3g"``.
    cmap
        Colour map that shades each square by its value (for example ``"gray"`` to
        see a grayscale image). ``None`` (the default) leaves every square white and
        draws the cell borders: a plain table of numbers.
    vmin, vmax
        Values mapped to the ends of ``cmap``; default: the smallest and largest
        value of ``matrix``. Ignored when ``cmap`` is ``None``.
    title, xlabel, ylabel
        Optional title and axis labels.
    text_kws
        Extra keyword arguments for the written values, for example
        ``{"fontsize": 7}``.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. ``ax.images[0]`` holds the matrix, ``ax.texts`` the written
        values in row-major order, and ``ax.patches`` one rectangle per highlighted
        cell.

    Raises
    ------
    TypeError
        If ``matrix`` does not hold numbers, ``highlight`` is not boolean, or
        ``fmt``, ``vmin``, ``vmax`` or ``text_kws`` has the wrong type.
    ValueError
        If ``matrix`` is not 2-D or holds NaN/inf, ``highlight`` has another shape,
        ``fmt`` is not a valid format for numbers, or ``vmin >= vmax``.

    Examples
    --------
    >>> ax = plot_matrix([[1, 2], [3, 4]], highlight=[[False, True], [False, False]])
    >>> [t.get_text() for t in ax.texts]
    ['1', '2', '3', '4']
    >>> [t.get_fontweight() for t in ax.texts]
    ['normal', 'bold', 'normal', 'normal']
    >>> ax = plot_matrix([[0.3, 1.0]], fmt=".1f", cmap="gray")
    >>> [t.get_text() for t in ax.texts], [t.get_color() for t in ax.texts]
    (['0.3', '1.0'], ['white', 'black'])
    """
    values = as_array("matrix", matrix, ndim=2)
    rows, cols = values.shape
    if cols == 0:
        raise ValueError(f"matrix must have at least 1 column, got shape {values.shape}")
    mask = np.zeros(values.shape, dtype=bool)
    if highlight is not None:
        mask = _as_mask("highlight", highlight, values.shape)
    if fmt is None:
        fmt = ".0f" if _integer_valued(values) else ".3g"
    elif not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format specification such as '.2f', got {_describe(fmt)}")
    try:
        format(1.5, fmt)
    except ValueError:
        raise ValueError(f"fmt must be a format specification for numbers, got {fmt!r}") from None
    low = None if vmin is None else as_float("vmin", vmin)
    high = None if vmax is None else as_float("vmax", vmax)
    if low is not None and high is not None and not low < high:
        raise ValueError(f"vmin must be smaller than vmax, got vmin={low} and vmax={high}")
    kws = {"ha": "center", "va": "center"}
    kws.update(as_kws("text_kws", text_kws))

    if ax is None:
        width = min(max(2.0, 0.5 * cols + 0.9), 9.0)
        height = min(max(1.6, 0.5 * rows + 0.7), 9.0)
        _, ax = plt.subplots(figsize=(width, height))
    plain = cmap is None
    if plain:
        image = ax.imshow(values, cmap=ListedColormap(["white"]))
    else:
        image = ax.imshow(values, cmap=cmap, vmin=low, vmax=high)
    ax.set_aspect("equal")
    ax.grid(False)
    _set_index_ticks(ax, rows, cols)
    for spine in ax.spines.values():
        spine.set_visible(True)
    if plain:
        ax.set_xticks(np.arange(-0.5, cols), minor=True)
        ax.set_yticks(np.arange(-0.5, rows), minor=True)
        ax.tick_params(which="minor", length=0)
        ax.grid(which="minor", color="#b0b0b0", linewidth=0.8, alpha=1.0)

    background = np.asarray(image.to_rgba(values))[..., :3]
    fill = np.array(to_rgb(_HIGHLIGHT_FILL))
    for r, c in zip(*np.nonzero(mask), strict=True):
        ax.add_patch(
            Rectangle(
                (c - 0.5, r - 0.5),
                1.0,
                1.0,
                facecolor=_HIGHLIGHT_FILL,
                alpha=_HIGHLIGHT_ALPHA,
                edgecolor=_HIGHLIGHT_EDGE,
                linewidth=2.0,
                zorder=2,  # above the cell borders, below the numbers
            )
        )
        background[r, c] = _HIGHLIGHT_ALPHA * fill + (1 - _HIGHLIGHT_ALPHA) * background[r, c]
    if annotate:
        colours = _text_colours(background)
        for r in range(rows):
            for c in range(cols):
                style = {
                    "color": str(colours[r, c]),
                    "fontweight": "bold" if mask[r, c] else "normal",
                }
                style.update(kws)
                ax.text(c, r, format(values[r, c], fmt), **style)
    if title is not None:
        ax.set_title(title)
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    return ax


def _as_image(name: str, value: Any) -> np.ndarray:
    """Return one image as a 2-D float array, or raise naming ``name``."""
    if hasattr(value, "getbands"):  # a Pillow image, without importing Pillow here
        bands = value.getbands()
        if len(bands) != 1:
            raise ValueError(
                f"{name} must be a one-channel (grayscale) image, got a Pillow image of mode "
                f"{value.mode!r}; convert it with .convert('L')"
            )
        value = np.asarray(value)
    arr = as_array(name, value)
    if arr.ndim == 3 and 1 in (arr.shape[0], arr.shape[-1]):
        arr = arr.squeeze(0) if arr.shape[0] == 1 else arr.squeeze(-1)
    if arr.ndim != 2 or 0 in arr.shape:
        raise ValueError(
            f"{name} must be 2-D (height, width), or 3-D with one channel first "
            f"(1, height, width) or last (height, width, 1), got shape {arr.shape}"
        )
    return arr


def _as_labels(name: str, value: Any, count: int, what: str) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of strings, got {_describe(value)}")
    if len(value) != count:
        raise ValueError(f"{name} must have one entry per {what} ({count}), got {len(value)}")
    return [str(v) for v in value]


@styled
def plot_image_grid(
    images: Any,
    *,
    titles: Sequence[str] | None = None,
    row_labels: Sequence[str] | None = None,
    ncols: int | None = None,
    cmap: str | Colormap = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    size: float = 1.2,
) -> Figure:
    """Draw images side by side as small multiples, without ticks.

    All images share one colour scale, so equal values look equal in every panel.
    Images fill the grid row by row; panels left over in the last row are hidden.
    Each panel gets a thin grey frame, so bright pixels at an image's edge stay
    visible against the white page.

    Introduced in the chapter "Image datasets".

    Parameters
    ----------
    images
        The images: a list of 2-D tensors or arrays (height, width), of one-channel
        tensors shaped ``(1, height, width)`` or ``(height, width, 1)`` (the channel
        dimension is dropped), or of grayscale Pillow images. A batch tensor of shape
        ``(n, height, width)`` or ``(n, 1, height, width)`` also works.
    titles
        Optional title for each image, one per image (``""`` for none).
    row_labels
        Optional label for each row of the grid, written to its left.
    ncols
        Number of images per row; default: all of them, up to 8.
    cmap
        Colour map of the images.
    vmin, vmax
        Values drawn as the ends of ``cmap`` (black and white with ``"gray"``), for
        example ``vmin=0, vmax=255`` for 8-bit images. Default: the smallest and
        largest value over all the images.
    size
        Side of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; ``fig.axes[i]`` shows image ``i`` (in ``images[0]``), and panels
        after the last image are invisible.

    Raises
    ------
    TypeError
        If ``images`` is not a list or batch of images, or an argument has the wrong
        type.
    ValueError
        If there is no image, an image is not 2-D after dropping a channel of size
        one, ``titles`` or ``row_labels`` has the wrong length, or ``vmin >= vmax``.

    Examples
    --------
    >>> import torch
    >>> batch = torch.rand(5, 1, 4, 4, generator=torch.Generator().manual_seed(0))
    >>> fig = plot_image_grid(batch, titles=list("abcde"), ncols=3, vmin=0, vmax=1)
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['a', 'b', 'c', 'd', 'e']
    >>> fig.axes[0].images[0].get_array().shape
    (4, 4)
    """
    if hasattr(images, "getbands"):
        raise TypeError("images must be a list of images; wrap a single image as [image]")
    if hasattr(images, "shape") and hasattr(images, "__getitem__"):
        if len(images.shape) < 3:
            raise ValueError(
                f"images as one tensor or array must be a batch (n, height, width) or "
                f"(n, 1, height, width), got shape {tuple(images.shape)}; "
                "wrap a single image as [image]"
            )
        images = [images[i] for i in range(images.shape[0])]
    if isinstance(images, (str, bytes)) or not isinstance(images, Sequence):
        what = _describe(images)
        raise TypeError(f"images must be a list of images or a batch tensor, got {what}")
    if len(images) == 0:
        raise ValueError("images must hold at least one image, got none")
    pictures = [_as_image(f"images[{i}]", img) for i, img in enumerate(images)]
    n = len(pictures)
    ncols = min(n, 8) if ncols is None else as_int("ncols", ncols, minimum=1)
    nrows = math.ceil(n / ncols)
    names = None if titles is None else _as_labels("titles", titles, n, "image")
    rows = None if row_labels is None else _as_labels("row_labels", row_labels, nrows, "row")
    low = min(p.min() for p in pictures) if vmin is None else as_float("vmin", vmin)
    high = max(p.max() for p in pictures) if vmax is None else as_float("vmax", vmax)
    if vmin is not None and vmax is not None and not low < high:
        raise ValueError(f"vmin must be smaller than vmax, got vmin={low} and vmax={high}")
    size = as_float("size", size, positive=True)

    title_room = 0.25 if names is not None and any(names) else 0.0
    label_room = 0.3 if rows is not None else 0.0
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(size * ncols + label_room, (size + title_room) * nrows),
        squeeze=False,
    )
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.set_visible(False)
            continue
        ax.imshow(pictures[i], cmap=cmap, vmin=low, vmax=high)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():  # a thin frame, so white edges stay visible
            spine.set_visible(True)
            spine.set_color("#808080")
            spine.set_linewidth(0.8)
        if names is not None and names[i]:
            ax.set_title(names[i], fontsize="small")
    if rows is not None:
        for r, label in enumerate(rows):
            axes[r, 0].set_ylabel(label, fontsize="small")
    return fig
