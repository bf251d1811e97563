"""The book's figure style: one look for every figure, applied without global state.

Colours are the Okabe–Ito palette, which stays distinguishable for readers with the
common forms of colour-vision deficiency. Figures get an opaque white background so
they read the same on the theme's light and dark pages.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import matplotlib as mpl
from cycler import cycler

__all__ = ["LINESTYLES", "PALETTE", "book_style", "styled"]

#: Okabe–Ito colours, in the order the book cycles through them.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
)

#: Line styles cycled alongside the colours, so colour is never the only cue.
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":")

_RC = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "figure.figsize": (6.0, 3.6),
    "figure.constrained_layout.use": True,
    "font.size": 10,
    "axes.titlesize": 10.5,
    "axes.labelsize": 10,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#b0b0b0",
    "grid.alpha": 0.35,
    "legend.frameon": False,
    "lines.linewidth": 2.0,
    "image.cmap": "viridis",
    # Stable SVG output: no random ids, no date.
    "svg.hashsalt": "glassbox",
}


@contextmanager
def book_style() -> Iterator[None]:
    """Apply the book's matplotlib settings inside a ``with`` block only.

    Returns
    -------
    contextlib.AbstractContextManager
        A context manager; matplotlib's settings are restored when it exits.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> with book_style():
    ...     fig, ax = plt.subplots()
    >>> plt.close(fig)
    """
    with mpl.rc_context(_RC):
        try:
            yield
        finally:
            interactive = mpl.is_interactive()
    # The first figure of a session loads the plotting backend, and an interactive
    # one (Jupyter's inline backend) switches interactive mode on. rc_context would
    # undo that on exit and later figures would never be shown, so keep it.
    mpl.interactive(interactive)


P = ParamSpec("P")
R = TypeVar("R")


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate a plotting function so that it draws in :func:`book_style`.

    Parameters
    ----------
    func
        The plotting function.

    Returns
    -------
    Callable
        The same function, drawing inside the book's style.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> @styled
    ... def blank():
    ...     return plt.rcParams["figure.facecolor"]
    >>> blank()
    'white'
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with book_style():
            return func(*args, **kwargs)

    return wrapper
