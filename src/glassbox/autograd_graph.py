"""Autograd's backward graph as a ``networkx.DiGraph``, and its picture.

:func:`backward_graph` walks a tensor's ``grad_fn`` and the ``next_functions`` of every
backward function it reaches, and returns what it found as a plain
``networkx.DiGraph``: one node per backward function, one edge per link, numbered in a
fixed order and labelled by class name, so the same code gives the same graph on every
run (no memory addresses). :func:`draw_backward_graph` draws such a graph with the output
on the left and the leaves on the right.

Introduced in the chapter "Differentiation in PyTorch"
(``book/tensors/differentiation.md``), which walks ``next_functions`` by hand before
calling :func:`backward_graph`; reference page: `helpers-diagrams`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch
from matplotlib.textpath import TextPath

from ._validate import _describe, as_float, as_kws
from .style import PALETTE, styled

__all__ = ["backward_graph", "backward_graph_layout", "draw_backward_graph"]

#: The kinds of node in a backward graph.
_KINDS = ("function", "leaf")

# New figures are at most _MAX_WIDTH inches wide, with _GAP_PT points between two boxes
# for an arrow; to fit, the gap narrows to _MIN_GAP_PT and the labels shrink, to
# _MIN_FONT points at least.
_MAX_WIDTH = 7.5
_MIN_FONT = 8.0
_GAP_PT = 32.0
_MIN_GAP_PT = 20.0

# Light fills with black text (contrast above 12:1) and a darker outline; leaves are
# square boxes, backward functions rounded ones, so the kinds differ without colour.
_BOX = {
    "function": {"boxstyle": "round,pad=0.45", "facecolor": "#fbe1c4", "edgecolor": PALETTE[4]},
    "leaf": {"boxstyle": "square,pad=0.45", "facecolor": "#cfe8f7", "edgecolor": PALETTE[0]},
}


def _class_name(fn: Any) -> str:
    """``AddBackward0``, ``AccumulateGrad``, ...: the backward function's class name."""
    name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
    return str(name).rsplit("::", 1)[-1]


def _check_names(names: Any) -> list[tuple[str, Any]]:
    import torch

    if names is None:
        return []
    if not isinstance(names, Mapping):
        raise TypeError(
            f"names must be a dict mapping names to leaf tensors, such as {{'w': w}}, "
            f"got {_describe(names)}"
        )
    checked = []
    for name, tensor in names.items():
        if not isinstance(name, str):
            raise TypeError(f"names: every key must be a str, got {_describe(name)}")
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f"names[{name!r}] must be a torch.Tensor, got {_describe(tensor)}")
        if not (tensor.is_leaf and tensor.requires_grad):
            raise ValueError(
                f"names[{name!r}] must be a leaf tensor that requires gradients "
                f"(got is_leaf={tensor.is_leaf}, requires_grad={tensor.requires_grad}): "
                "only such tensors have a node of their own in the backward graph"
            )
        checked.append((name, tensor))
    return checked


def backward_graph(output: Any, names: Mapping[str, Any] | None = None) -> nx.DiGraph:
    """Walk the backward graph behind ``output`` into a ``networkx.DiGraph``.

    Starting at ``output.grad_fn``, the walk follows every backward function's
    ``next_functions`` (depth first, in the order of the operation's inputs) and skips
    the ``None`` entries of inputs that need no gradient. Each backward function met
    becomes one node, however many paths lead to it.

    Parameters
    ----------
    output
        A tensor computed from tensors that require gradients (it has a ``grad_fn``),
        typically a loss. The graph can be walked before or after ``backward()``.
    names
        Names for leaf tensors, as a dict such as ``{"w": w, "b": b}``. The node of
        each named leaf is labelled with its name; unnamed leaves are labelled
        ``AccumulateGrad``.

    Returns
    -------
    networkx.DiGraph
        Nodes are the ints ``0, 1, 2, ...`` in the order the walk first meets them
        (``0`` is ``output.grad_fn``). Node attributes:

        - ``name`` (str): the backward function's class name, such as
          ``"MulBackward0"``; a leaf's node is an ``"AccumulateGrad"``;
        - ``label`` (str): the text drawn on it: the leaf's name from ``names`` if it
          has one, else ``name``;
        - ``kind`` (str): ``"leaf"`` for ``AccumulateGrad`` nodes, else ``"function"``;
        - ``layer`` (int): the length of the longest path from the output, so an edge
          always goes from a lower layer to a higher one;
        - ``order`` (int): the node's row within its layer, 0 at the top, chosen to
          keep edges from crossing (each node is placed near the nodes pointing to it);
        - ``shape`` (tuple): for leaves only, the leaf tensor's shape.

        An edge ``u -> v`` means that ``v`` is in ``u``'s ``next_functions``; its
        attribute ``inputs`` (tuple of ints) lists the positions at which it appears
        there: ``(0, 1)`` for ``x * x``, whose two inputs are the same leaf. An edge
        that spans more than one layer also has ``via``: its row in each layer it
        passes, so that it can be drawn in a lane of its own. Graph attributes:
        ``output``, the name of node 0, and ``rows``, the number of rows of each
        layer (its nodes and the lanes of the edges passing it).

    Raises
    ------
    TypeError
        If ``output`` is not a tensor, or ``names`` is not a dict of str to tensors.
    ValueError
        If ``output`` has no ``grad_fn`` (a leaf, or a tensor computed without
        gradient tracking), or a tensor in ``names`` is not a leaf that requires
        gradients or does not appear in the graph.

    Examples
    --------
    >>> import torch
    >>> u = torch.tensor(1.0, requires_grad=True)
    >>> v = torch.tensor(2.0, requires_grad=True)
    >>> G = backward_graph(u * v + u**2, names={"u": u, "v": v})
    >>> [G.nodes[n]["label"] for n in G]
    ['AddBackward0', 'MulBackward0', 'u', 'v', 'PowBackward0']
    >>> sorted(G.edges)
    [(0, 1), (0, 4), (1, 2), (1, 3), (4, 2)]
    >>> G.nodes[2]["layer"], G.nodes[2]["kind"]
    (2, 'leaf')
    """
    import torch

    if not isinstance(output, torch.Tensor):
        raise TypeError(f"output must be a torch.Tensor, got {_describe(output)}")
    named = _check_names(names)
    root = output.grad_fn
    if root is None:
        if output.requires_grad:
            raise ValueError(
                "output is a leaf tensor: it was not computed from anything, so it has no "
                "grad_fn and no backward graph; pass a tensor computed from it"
            )
        raise ValueError(
            "output does not require gradients, so it has no backward graph: compute it "
            "from tensors created with requires_grad=True, outside torch.no_grad() and "
            "torch.inference_mode()"
        )

    # Depth-first walk, children in the order of next_functions; number on first visit.
    number: dict[Any, int] = {}
    functions: list[Any] = []
    stack = [root]
    while stack:
        fn = stack.pop()
        if fn in number:
            continue
        number[fn] = len(functions)
        functions.append(fn)
        stack.extend(reversed([child for child, _ in fn.next_functions if child is not None]))

    graph = nx.DiGraph(output=_class_name(root))
    leaves = [fn for fn in functions if isinstance(getattr(fn, "variable", None), torch.Tensor)]
    labels: dict[int, str] = {}
    missing = []
    for name, tensor in named:
        found = [number[fn] for fn in leaves if fn.variable is tensor]
        if found:
            labels[found[0]] = name
        else:
            missing.append(name)
    if missing:
        raise ValueError(
            f"names: {missing} are not leaves of the graph behind output (output was not "
            "computed from them, or only through .detach())"
        )
    for fn in functions:
        key = number[fn]
        name = _class_name(fn)
        variable = getattr(fn, "variable", None)
        attrs: dict[str, Any] = {
            "name": name,
            "label": labels.get(key, name),
            "kind": "leaf" if isinstance(variable, torch.Tensor) else "function",
        }
        if isinstance(variable, torch.Tensor):
            attrs["shape"] = tuple(variable.shape)
        graph.add_node(key, **attrs)
    for fn in functions:
        for position, (child, _) in enumerate(fn.next_functions):
            if child is None:
                continue
            u, v = number[fn], number[child]
            if graph.has_edge(u, v):
                graph.edges[u, v]["inputs"] += (position,)
            else:
                graph.add_edge(u, v, inputs=(position,))

    # Layer: longest path from the output, in topological order.
    layer = dict.fromkeys(graph, 0)
    for node in nx.topological_sort(graph):
        for child in graph.successors(node):
            layer[child] = max(layer[child], layer[node] + 1)
    nx.set_node_attributes(graph, layer, "layer")

    # Rows. A layer holds its nodes and, for every edge that spans several layers, one
    # waypoint per layer the edge passes, so that a long edge gets a lane of its own.
    # Each layer is sorted by the mean height of what points to its items (ties: nodes
    # before lanes, then by number), which keeps edges from crossing in small graphs.
    columns: list[list[Any]] = [[] for _ in range(max(layer.values()) + 1)]
    for n in graph:
        columns[layer[n]].append(n)
    for u, v in graph.edges:
        for column in range(layer[u] + 1, layer[v]):
            columns[column].append((u, v, column))
    height: dict[Any, float] = {}

    def point_before(u: int, v: int) -> Any:
        """What the edge u -> v comes from just before v's layer: u or its last waypoint."""
        return u if layer[v] - layer[u] == 1 else (u, v, layer[v] - 1)

    def sort_key(item: Any) -> tuple[float, int, int, int]:
        if isinstance(item, tuple):
            u, v, column = item
            above = [height[u if column == layer[u] + 1 else (u, v, column - 1)]]
            first, second, third = u, 1, v
        else:
            above = [height[point_before(p, item)] for p in graph.predecessors(item)]
            first, second, third = item, 0, 0
        mean = sum(above) / len(above) if above else 0.0
        return (-mean, second, first, third)

    for members in columns:
        members.sort(key=sort_key)
        for row, item in enumerate(members):
            height[item] = (len(members) - 1) / 2 - row
            if isinstance(item, tuple):
                graph.edges[item[0], item[1]].setdefault("via", ())
                graph.edges[item[0], item[1]]["via"] += (row,)
            else:
                graph.nodes[item]["order"] = row
    graph.graph["rows"] = tuple(len(members) for members in columns)
    return graph


def _check_graph(G: Any) -> None:
    if not isinstance(G, nx.DiGraph):
        raise TypeError(f"G must be a networkx.DiGraph from backward_graph, got {_describe(G)}")
    if G.number_of_nodes() == 0:
        raise ValueError("G must have at least one node")
    for node, data in G.nodes(data=True):
        for key in ("layer", "order"):
            value = data.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(
                    f"G: every node needs an int {key!r} attribute >= 0 (as backward_graph "
                    f"gives); node {node!r} has {value!r}"
                )
        if data.get("kind", "function") not in _KINDS:
            raise ValueError(
                f"G: node {node!r} has kind {data['kind']!r}, expected one of {_KINDS}"
            )


def _rows(G: nx.DiGraph) -> dict[int, int]:
    """Number of rows of each layer: ``G.graph["rows"]`` where valid, else node counts."""
    rows: dict[int, int] = {}
    for _, data in G.nodes(data=True):
        rows[data["layer"]] = max(rows.get(data["layer"], 0), data["order"] + 1)
    given = G.graph.get("rows")
    if isinstance(given, (tuple, list)):
        for column, k in enumerate(given):
            if isinstance(k, int) and not isinstance(k, bool):
                rows[column] = max(rows.get(column, 0), k)
    return rows


def backward_graph_layout(G: nx.DiGraph) -> dict[Any, tuple[float, float]]:
    """Positions of the nodes of a backward graph: ``layer`` left to right, ``order`` down.

    Node ``n`` sits at ``x = layer`` and ``y = (k - 1) / 2 - order``, where ``k`` is the
    number of rows of its layer (``G.graph["rows"]``, which counts the lanes of long
    edges too; without it, the number of nodes in the layer), so every column is
    centred on ``y = 0``.

    Parameters
    ----------
    G
        A graph from :func:`backward_graph` (every node has int ``layer`` and
        ``order``).

    Returns
    -------
    dict
        Node → ``(x, y)`` as floats.

    Raises
    ------
    TypeError
        If ``G`` is not a ``networkx.DiGraph``.
    ValueError
        If ``G`` is empty or a node lacks an int ``layer`` or ``order``.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> G = backward_graph(torch.sin(x) * torch.cos(x), names={"x": x})
    >>> [G.nodes[n]["label"] for n in G]
    ['MulBackward0', 'SinBackward0', 'x', 'CosBackward0']
    >>> backward_graph_layout(G)
    {0: (0.0, 0.0), 1: (1.0, 0.5), 2: (2.0, 0.0), 3: (1.0, -0.5)}
    """
    _check_graph(G)
    rows = _rows(G)
    return {
        n: (float(d["layer"]), (rows[d["layer"]] - 1) / 2 - d["order"] + 0.0)
        for n, d in G.nodes(data=True)
    }


@styled
def draw_backward_graph(
    G: nx.DiGraph,
    *,
    ax: Axes | None = None,
    font_size: float | None = None,
    title: str | None = None,
    node_kws: dict[str, Any] | None = None,
    edge_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw a backward graph from :func:`backward_graph`, output on the left.

    Each node is its ``label`` in a box: rounded and orange for backward functions,
    square and blue for leaves (black text on light fills). Arrows point the way
    ``backward()`` travels, from the output towards the leaves; an arrow for an input
    used more than once (``x * x``) is marked ``×2``.

    Parameters
    ----------
    G
        A graph from :func:`backward_graph`.
    ax
        Axes to draw on; a new figure sized to the graph when ``None``.
    font_size
        Size of the node labels in points. ``None``: 10, or smaller (down to 8) when
        a new figure would otherwise be wider than 7.5 inches.
    title
        Optional axes title.
    node_kws, edge_kws
        Extra keyword arguments for the node texts' ``bbox`` dicts and for the
        :class:`~matplotlib.patches.FancyArrowPatch` of each edge.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. ``ax.texts`` starts with one text per node, in the order of
        ``G.nodes``, placed at :func:`backward_graph_layout`; the edges are the
        :class:`~matplotlib.patches.FancyArrowPatch` objects in ``ax.patches``, in the
        order of ``G.edges``, each labelled ``"u→v"``; an edge with lanes (``via``)
        also has a line in ``ax.lines`` from its start through the lanes, the arrow
        covering only the last step.

    Raises
    ------
    TypeError
        If ``G`` is not a ``DiGraph``, ``ax`` is not a matplotlib ``Axes`` or a
        ``*_kws`` is not a dict.
    ValueError
        If a node lacks an int ``layer`` or ``order``, has an unknown ``kind``, or
        ``font_size`` is not positive.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> ax = draw_backward_graph(backward_graph(torch.sin(x**2), names={"x": x}))
    >>> [t.get_text() for t in ax.texts]
    ['SinBackward0', 'PowBackward0', 'x']
    >>> [p.get_label() for p in ax.patches]
    ['0→1', '1→2']
    """
    pos = backward_graph_layout(G)
    if ax is not None and not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {_describe(ax)}")
    if font_size is not None:
        font_size = as_float("font_size", font_size, positive=True)
    n_kws = as_kws("node_kws", node_kws)
    e_kws = as_kws("edge_kws", edge_kws)
    layers = 1 + max(d["layer"] for _, d in G.nodes(data=True))
    tallest = max(_rows(G).values())
    if ax is None:
        # Column pitch in points: the widest box (label plus padding) and room for an
        # arrow. Shrink an unspecified font until the figure fits _MAX_WIDTH inches.
        widest = max(
            TextPath((0, 0), str(d.get("label", n)), size=10).get_extents().width
            for n, d in G.nodes(data=True)
        )
        per_point = widest / 10 + 2 * 0.45  # box width per point of font size
        gap = _GAP_PT
        if font_size is None:
            fitting = (_MAX_WIDTH * 72 / layers - gap) / per_point
            if fitting < _MIN_FONT:  # a narrower gap before a smaller font
                gap = _MIN_GAP_PT
                fitting = (_MAX_WIDTH * 72 / layers - gap) / per_point
            font_size = min(10.0, max(_MIN_FONT, fitting))
        pitch = per_point * font_size + gap
        width = min(_MAX_WIDTH, max(2.4, layers * pitch / 72))
        height = min(5.0, max(1.2, 0.7 * tallest * font_size / 10 + 0.2))
        _, ax = plt.subplots(figsize=(width, height))
    elif font_size is None:
        font_size = 10.0
    ax.set_xlim(-0.5, layers - 0.5)
    half = (tallest - 1) / 2 + 0.5
    ax.set_ylim(-half, half)
    ax.set_axis_off()

    texts = {}
    for n, data in G.nodes(data=True):
        box = {**_BOX[data.get("kind", "function")], "linewidth": 1.4, **n_kws}
        texts[n] = ax.text(
            *pos[n],
            str(data.get("label", n)),
            ha="center",
            va="center",
            fontsize=font_size,
            color="black",
            bbox=box,
            zorder=2,
        )
    rows = _rows(G)
    for u, v, data in G.edges(data=True):
        # A long edge runs under the boxes through its lanes (``via``), then the arrow
        # proper covers the last step; short edges are the arrow alone.
        via = data.get("via", ())
        first_layer = G.nodes[u]["layer"]
        lane = [
            (float(first_layer + 1 + k), (rows.get(first_layer + 1 + k, 1) - 1) / 2 - row)
            for k, row in enumerate(via)
        ]
        color = e_kws.get("color", "#333333")
        if lane:
            xs, ys = zip(pos[u], *lane, strict=False)
            ax.plot(xs, ys, color=color, linewidth=e_kws.get("linewidth", 1.3), zorder=1)
        start = lane[-1] if lane else pos[u]
        kws = {
            "arrowstyle": "-|>",
            "mutation_scale": 13,
            "color": color,
            "linewidth": 1.3,
            "shrinkA": 0,
            "shrinkB": 1,
        }
        kws.update(e_kws)
        # Drawn after the boxes (higher zorder), so each box has its final size when the
        # arrow is clipped to it.
        arrow = FancyArrowPatch(
            start,
            pos[v],
            patchA=None if lane else texts[u].get_bbox_patch(),
            patchB=texts[v].get_bbox_patch(),
            zorder=3,
            label=f"{u}→{v}",
            **kws,
        )
        arrow.set_in_layout(False)
        ax.add_patch(arrow)
        times = len(data.get("inputs", ()))
        if times > 1:
            (x0, y0), (x1, y1) = start, pos[v]
            ax.annotate(
                f"×{times}",
                ((x0 + x1) / 2, (y0 + y1) / 2),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                va="bottom",
                fontsize=font_size * 0.9,
                color="black",
                zorder=4,
            )
    if title is not None:
        ax.set_title(title)
    return ax
