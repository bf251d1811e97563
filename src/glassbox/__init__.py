"""Glass Box helpers: the figures and data behind the book's chapters.

The package draws and makes data; it never trains a model for you. Every training
loop in the book is written out in the chapter that teaches it.

Modules, one concern each:

- :mod:`glassbox.data`: seeded data makers;
- :mod:`glassbox.arrays`: tensors drawn as grids of numbers, images as small multiples;
- :mod:`glassbox.training`: loss curves and fitted-line histories;
- :mod:`glassbox.descent`: cost curves and surfaces, gradient-descent trajectories;
- :mod:`glassbox.decision`: decision boundaries and regions of classifiers;
- :mod:`glassbox.diagrams`: networks drawn as graphs (networkx);
- :mod:`glassbox.autograd_graph`: autograd's backward graph, walked and drawn;
- :mod:`glassbox.animation`: animations that play in a static page;
- :mod:`glassbox.explore`: explorable figures (a slider through gradient descent);
- :mod:`glassbox.style`: the book's figure style;
- :mod:`glassbox.cover`: the book's cover card (its link-preview image);
- :mod:`glassbox.checks`: self-checking exercises.

Everything public is importable from the top level: ``from glassbox import make_line``.
"""

from . import (
    animation,
    arrays,
    autograd_graph,
    checks,
    cover,
    data,
    decision,
    descent,
    diagrams,
    explore,
    style,
    training,
)
from .animation import *  # noqa: F403
from .arrays import *  # noqa: F403
from .autograd_graph import *  # noqa: F403
from .checks import *  # noqa: F403
from .cover import *  # noqa: F403
from .data import *  # noqa: F403
from .decision import *  # noqa: F403
from .descent import *  # noqa: F403
from .diagrams import *  # noqa: F403
from .explore import *  # noqa: F403
from .style import *  # noqa: F403
from .training import *  # noqa: F403

__all__ = [
    *animation.__all__,
    *arrays.__all__,
    *autograd_graph.__all__,
    *checks.__all__,
    *cover.__all__,
    *data.__all__,
    *decision.__all__,
    *descent.__all__,
    *diagrams.__all__,
    *explore.__all__,
    *style.__all__,
    *training.__all__,
]

__version__ = "0.1.0"
