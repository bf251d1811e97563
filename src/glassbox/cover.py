"""The book's cover card: the picture a link to the book shows when it is shared.

Social sites and chat apps show a preview image for a shared link (the Open Graph
``og:image``); they expect a landscape picture of about 1200 × 630 pixels. The book's
is drawn here, from the same network diagram the chapters draw, so that it follows the
book's style and is rebuilt, byte for byte the same, on every build.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from .diagrams import draw_network, network_graph
from .style import PALETTE, book_style

__all__ = ["COVER_SIZE", "cover_png", "plot_cover"]

#: The size of the cover card in pixels (width, height): Open Graph's usual 1.91 : 1.
COVER_SIZE: tuple[int, int] = (1200, 630)
_DPI = 100


def _text(name: str, value: Any, *, limit: int) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    value = " ".join(value.split())
    if not value:
        raise ValueError(f"{name} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{name} must be at most {limit} characters, got {len(value)}")
    return value


def plot_cover(title: str, subtitle: str, *, layer_sizes: tuple[int, ...] = (3, 4, 4, 2)) -> Figure:
    """Draw the cover card: the title and subtitle beside a small network diagram.

    Parameters
    ----------
    title
        The book's title, at most 40 characters.
    subtitle
        A line under it, at most 90 characters (wrapped at 30 characters a line).
    layer_sizes
        The layers of the network drawn on the right, as in
        :func:`~glassbox.network_graph`.

    Returns
    -------
    Figure
        A figure of :data:`COVER_SIZE` pixels at 100 dpi.

    Examples
    --------
    >>> fig = plot_cover("Glass Box", "Neural networks with PyTorch, from first principles")
    >>> [round(v * 100) for v in fig.get_size_inches()]
    [1200, 630]
    """
    title = _text("title", title, limit=40)
    subtitle = _text("subtitle", subtitle, limit=90)
    G = network_graph(list(layer_sizes))
    width, height = COVER_SIZE
    with book_style():
        fig = plt.figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, layout="none")
        fig.patch.set_facecolor("white")
        band = fig.add_axes((0, 0, 1, 0.035))
        band.set_axis_off()
        band.axhspan(0, 1, color=PALETTE[0])
        fig.text(0.06, 0.62, title, fontsize=64, fontweight="bold", color="#1a1a1a")
        lines = textwrap.wrap(subtitle, width=30)  # at most 90 characters: 3 lines or 4
        fig.text(
            0.06, 0.50, "\n".join(lines), fontsize=24, color="#333333", va="top", linespacing=1.35
        )
        ax = fig.add_axes((0.60, 0.10, 0.37, 0.82))
        draw_network(G, ax=ax, node_size=900)
        ax.set_axis_off()
    return fig


def cover_png(title: str, subtitle: str, **kwargs: Any) -> bytes:
    """The cover card of :func:`plot_cover` as PNG bytes, the same on every call.

    The PNG carries no date or software metadata, so two builds write identical files.

    Parameters
    ----------
    title, subtitle
        As in :func:`plot_cover`.
    **kwargs
        Passed on to :func:`plot_cover` (``layer_sizes``).

    Returns
    -------
    bytes
        The PNG file's contents, :data:`COVER_SIZE` pixels.

    Examples
    --------
    >>> cover_png("Glass Box", "Neural networks")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    fig = plot_cover(title, subtitle, **kwargs)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    finally:
        plt.close(fig)
    return buffer.getvalue()
