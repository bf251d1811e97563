"""Stand-ins for the book's build tools, for chapters run as downloaded notebooks.

The book's pages quote computed numbers with MyST-NB's ``glue``. A downloaded
notebook has no page to quote into, so its cells call this ``glue`` instead: it
shows the value, unless ``display=False``, and remembers it in :data:`GLUED`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["GLUED", "glue"]

#: Every value glued in this session, by name.
GLUED: dict[str, Any] = {}


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Record ``variable`` under ``name``, and show it unless ``display`` is False.

    Examples
    --------
    >>> glue("answer", 42, display=False)
    >>> GLUED["answer"]
    42
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    GLUED[name] = variable
    if display:
        from IPython.display import display as show

        show(variable)
