"""Neural networks drawn as graphs: build a ``networkx.DiGraph`` first, draw it second.

Building and drawing are separate. The builders (:func:`network_graph`,
:func:`model_graph`, :func:`logistic_graph`, :func:`logistic_steps`) return plain
``networkx.DiGraph`` objects that can be inspected and tested without any picture.
Every node carries

- ``layer`` (int): the column it is drawn in, counted from 0 on the left;
- ``kind`` (str): one of ``"input"``, ``"bias"``, ``"sum"``, ``"activation"``,
  ``"output"``, ``"ellipsis"``;
- ``label`` (str): the text drawn on it (matplotlib mathtext allowed);
- optionally ``value`` (float): the number the node holds for one input;

and every edge whose multiplier is known carries ``weight`` (float).
:func:`draw_network` lays such a graph out with ``networkx.multipartite_layout`` and
draws it with ``networkx.draw_networkx_nodes/edges/labels``.

Written for the chapter "Models as networks" (logistic regression drawn as a graph, data
flowing through it step by step, layers of neurons); reference page: `helpers-diagrams`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ._validate import _describe, as_int, as_kws
from .style import PALETTE, styled

__all__ = [
    "NODE_KINDS",
    "draw_network",
    "logistic_graph",
    "logistic_steps",
    "model_graph",
    "network_graph",
    "network_layout",
    "nodes_in_layer",
    "plot_logistic_steps",
]

#: The node kinds a diagram may hold, in the order the legend lists them.
NODE_KINDS: tuple[str, ...] = ("input", "bias", "sum", "activation", "output", "ellipsis")

# How each kind looks: marker shape, fill and outline. Shapes and labels differ as well
# as colours, so the kinds stay apart without colour.
_NODE_STYLE: dict[str, dict[str, Any]] = {
    "input": {"node_shape": "s", "node_color": "#cfe8f7", "edgecolors": PALETTE[0]},
    "bias": {"node_shape": "D", "node_color": "#e6e6e6", "edgecolors": "#555555"},
    "sum": {"node_shape": "o", "node_color": "#fbe1c4", "edgecolors": PALETTE[4]},
    "activation": {"node_shape": "h", "node_color": "#c9eadf", "edgecolors": PALETTE[2]},
    "output": {"node_shape": "s", "node_color": "#f3d9e8", "edgecolors": PALETTE[3]},
}

# Marker areas relative to node_size (a diamond looks larger than a circle of equal area).
_SIZE_FACTOR = {"bias": 0.7, "ellipsis": 0.3}
_SIGMA = "\N{GREEK SMALL LETTER SIGMA}"
_POSITIVE_COLOR = PALETTE[0]
_NEGATIVE_COLOR = PALETTE[1]

# Labels for the activation layers model_graph understands (None: no activation node).
_ACTIVATION_LABELS: dict[str, str | None] = {
    "ReLU": "ReLU",
    "Sigmoid": _SIGMA,
    "Tanh": "tanh",
    "Softmax": "softmax",
    "LogSoftmax": "log sm",
    "LeakyReLU": "LReLU",
    "ELU": "ELU",
    "GELU": "GELU",
    "SiLU": "SiLU",
    "Softplus": "s+",
    "Identity": None,
}
# Layers that do not change what the diagram shows (reshaping, training-only noise).
_PASS_THROUGH = ("Flatten", "Dropout")


# --------------------------------------------------------------------------- building


def _check_sizes(layer_sizes: Any) -> list[int]:
    if isinstance(layer_sizes, (str, bytes)) or not isinstance(layer_sizes, Sequence):
        raise TypeError(f"layer_sizes must be a list of ints, got {_describe(layer_sizes)}")
    if len(layer_sizes) < 2:
        raise ValueError(
            "layer_sizes must name at least two layers (inputs and outputs), "
            f"got {len(layer_sizes)}"
        )
    return [as_int(f"layer_sizes[{i}]", n, minimum=1) for i, n in enumerate(layer_sizes)]


def _shown(n: int, max_nodes: int) -> list[int | None]:
    """Indices (1-based) shown for a layer of ``n`` units; ``None`` marks the ellipsis."""
    if n <= max_nodes:
        return list(range(1, n + 1))
    return [*range(1, max_nodes - 1), None, n]


def _sub(symbol: str, j: int, n: int, sup: str = "") -> str:
    """Mathtext label such as ``$x_{3}$``; no index when the layer has one unit."""
    index = "" if n == 1 else f"_{{{j}}}"
    return f"${symbol}{sup}{index}$"


def _build(
    sizes: list[int],
    activations: list[str | None],
    *,
    weights: list[np.ndarray] | None,
    biases: list[np.ndarray | None] | None,
    bias: bool,
    split_neurons: bool,
    max_nodes: int,
) -> nx.DiGraph:
    """Lay out the nodes and edges of a dense feed-forward network.

    ``sizes[0]`` is the number of inputs; ``sizes[l]`` (l >= 1) the number of neurons of
    layer ``l``, whose activation label is ``activations[l - 1]``. ``weights[l - 1]``
    has shape ``(sizes[l], sizes[l - 1])`` like ``nn.Linear.weight``.
    """
    G = nx.DiGraph()
    n_layers = len(sizes) - 1
    column = 0
    order = 0

    def add(node: str, **attrs: Any) -> None:
        nonlocal order
        G.add_node(node, order=order, **attrs)
        order += 1

    # Inputs.
    prev: list[tuple[str, int | None]] = []
    for j in _shown(sizes[0], max_nodes):
        if j is None:
            add("x…", layer=column, kind="ellipsis", label="⋮")
            prev.append(("x…", None))
        else:
            add(f"x{j}", layer=column, kind="input", label=_sub("x", j, sizes[0]), index=j)
            prev.append((f"x{j}", j))

    for ell in range(1, n_layers + 1):
        last = ell == n_layers
        n = sizes[ell]
        act = activations[ell - 1]
        W = None if weights is None else weights[ell - 1]
        b = None if biases is None else biases[ell - 1]
        shown = _shown(n, max_nodes)
        # Bias node: at the bottom of the column that feeds this layer.
        bias_node = None
        if bias and (biases is None or b is not None):
            bias_node = f"b{ell}"
            add(bias_node, layer=column, kind="bias", label="$1$", value=1.0)
        column += 1
        # The node receiving the weighted inputs ("first") and the one passing the
        # neuron's result on ("result").
        firsts: list[tuple[str, int | None]] = []
        results: list[tuple[str, int | None]] = []
        if split_neurons:
            for j in shown:
                node = f"s{ell}.{'…' if j is None else j}"
                if j is None:
                    add(node, layer=column, kind="ellipsis", label="⋮")
                else:
                    add(node, layer=column, kind="sum", label="Σ", index=j, stage=ell)
                firsts.append((node, j))
            results = firsts
            if act is not None:
                column += 1
                act_nodes = []
                for src, j in firsts:
                    node = f"a{ell}.{'…' if j is None else j}"
                    if j is None:
                        add(node, layer=column, kind="ellipsis", label="⋮")
                    else:
                        add(node, layer=column, kind="activation", label=act, index=j, stage=ell)
                    G.add_edge(src, node)
                    act_nodes.append((node, j))
                results = act_nodes
            if last:
                column += 1
                outs = []
                for src, j in results:
                    node = f"y{'…' if j is None else j}"
                    if j is None:
                        add(node, layer=column, kind="ellipsis", label="⋮")
                    else:
                        add(
                            node, layer=column, kind="output", label=_sub(r"\hat{y}", j, n), index=j
                        )
                    G.add_edge(src, node)
                    outs.append((node, j))
                results = outs
        else:
            for j in shown:
                if last:
                    node = f"y{'…' if j is None else j}"
                    attrs = {"kind": "output", "label": _sub(r"\hat{y}", j or 0, n)}
                else:
                    node = f"h{ell}.{'…' if j is None else j}"
                    attrs = {
                        "kind": "activation",
                        "label": _sub("h", j or 0, n, sup=f"^{{({ell})}}"),
                    }
                if j is None:
                    attrs = {"kind": "ellipsis", "label": "⋮"}
                else:
                    attrs.update(index=j, stage=ell)
                    if act is not None:
                        attrs["activation"] = act
                add(node, layer=column, **attrs)
                firsts.append((node, j))
            results = firsts
        # Dense connections from the previous column, weights where known.
        for dst, j in firsts:
            for src, i in prev:
                if W is not None and i is not None and j is not None:
                    G.add_edge(src, dst, weight=float(W[j - 1, i - 1]))
                else:
                    G.add_edge(src, dst)
            if j is not None and b is not None:
                if bias_node is not None:
                    G.add_edge(bias_node, dst, weight=float(b[j - 1]))
                else:
                    G.nodes[dst]["bias"] = float(b[j - 1])
            elif bias_node is not None:
                G.add_edge(bias_node, dst)
        prev = results
    return G


def network_graph(
    layer_sizes: Sequence[int],
    *,
    bias: bool = False,
    split_neurons: bool = False,
    max_nodes: int = 8,
    activation: str | None = _SIGMA,
    output_activation: str | None = None,
) -> nx.DiGraph:
    """Build the diagram of a dense feed-forward network from its layer sizes.

    Parameters
    ----------
    layer_sizes
        Number of units per layer, inputs first: ``[5, 3, 3, 1]`` is five inputs,
        two hidden layers of three neurons and one output.
    bias
        Add a bias node (drawn "1") at the bottom of each column that feeds a layer,
        with an edge to every neuron of that layer.
    split_neurons
        Draw each neuron as two nodes, a sum node (Σ) that adds up its weighted
        inputs and an activation node that applies the activation function: the
        neuron opened up. The outputs then get nodes of their own (ŷ).
    max_nodes
        Largest number of nodes drawn for one layer. A larger layer shows its first
        ``max_nodes - 2`` units, an ellipsis node (⋮) and its last unit, labelled with
        the real indices (x1, x2, ..., x784). At least 3.
    activation
        Label of the hidden layers' activation nodes (``split_neurons=True``), also
        stored as the node attribute ``activation``. ``None``: no activation.
    output_activation
        The same for the output layer; default ``None`` (a linear output).

    Returns
    -------
    networkx.DiGraph
        Nodes are named ``x3`` (input 3), ``h1.2`` (hidden layer 1, neuron 2),
        ``s1.2`` / ``a1.2`` (its sum and activation nodes when split), ``y1``
        (output 1), ``b1`` (the bias feeding layer 1); an ellipsis node ends in
        ``…`` (``x…``). Node attributes: ``layer``, ``kind``, ``label``, ``order``
        (top-to-bottom rank) and, for units, ``index`` (1-based) and ``stage`` (the
        network layer a neuron belongs to, 1 for the first hidden layer); unsplit
        neurons also store their ``activation`` label.

    Raises
    ------
    TypeError
        If ``layer_sizes`` is not a list of ints or ``max_nodes`` is not an int.
    ValueError
        If there are fewer than two layers, a size is < 1 or ``max_nodes`` < 3.

    Examples
    --------
    >>> G = network_graph([3, 2, 1])
    >>> G.number_of_nodes(), G.number_of_edges()
    (6, 8)
    >>> G.nodes["y1"]["kind"], G.nodes["y1"]["layer"]
    ('output', 2)
    >>> big = network_graph([784, 16, 10], max_nodes=5)
    >>> nodes_in_layer(big, 0)
    ['x1', 'x2', 'x3', 'x…', 'x784']
    """
    sizes = _check_sizes(layer_sizes)
    max_nodes = as_int("max_nodes", max_nodes, minimum=3)
    for name, value in (("activation", activation), ("output_activation", output_activation)):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{name} must be a label (str) or None, got {_describe(value)}")
    acts = [activation] * (len(sizes) - 2) + [output_activation]
    return _build(
        sizes,
        acts,
        weights=None,
        biases=None,
        bias=bool(bias),
        split_neurons=bool(split_neurons),
        max_nodes=max_nodes,
    )


def _flatten_layers(module: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """The leaf layers of ``module`` in the order of ``children()``, with their names."""
    leaves = []
    for name, child in module.named_children():
        full = f"{prefix}{name}"
        if any(True for _ in child.children()):
            leaves.extend(_flatten_layers(child, prefix=f"{full}."))
        else:
            leaves.append((full, child))
    return leaves


def model_graph(
    model: Any,
    *,
    bias: bool = False,
    split_neurons: bool = False,
    max_nodes: int = 8,
) -> nx.DiGraph:
    """Build the diagram of a PyTorch model made of ``nn.Linear`` and activation layers.

    The layers are read in the order of ``model.children()`` (nested containers
    such as an inner ``nn.Sequential`` are opened), which for an ``nn.Sequential`` is
    the order in which ``forward`` applies them. Each ``nn.Linear`` becomes a layer of
    neurons; an activation right after it (``ReLU``, ``Sigmoid``, ``Tanh``,
    ``Softmax``, ...) labels that layer's activation nodes. ``Flatten`` and
    ``Dropout`` are skipped; ``Identity`` means no activation.

    Parameters
    ----------
    model
        A ``torch.nn.Module``: an ``nn.Sequential``, a single ``nn.Linear``, or a
        module whose children are such layers.
    bias
        Draw the biases as bias nodes with weighted edges (a layer built with
        ``bias=False`` gets none). Otherwise each neuron's bias is stored as its node
        attribute ``bias``.
    split_neurons, max_nodes
        As in :func:`network_graph`.

    Returns
    -------
    networkx.DiGraph
        As :func:`network_graph`, with the model's parameters: the edge from input
        ``i`` to neuron ``j`` of layer ``l`` has ``weight`` equal to
        ``linear_l.weight[j - 1, i - 1]`` (as a Python float) and the biases are on
        the bias edges or nodes. Edges touching an ellipsis node carry no weight.

    Raises
    ------
    TypeError
        If ``model`` is not an ``nn.Module``, or holds a layer other than
        ``nn.Linear`` and the activations above (the error names the layer).
    ValueError
        If it holds no ``nn.Linear``, starts with an activation, or two consecutive
        ``nn.Linear`` layers do not fit (``out_features`` of one differs from
        ``in_features`` of the next).

    Examples
    --------
    >>> import torch
    >>> from torch import nn
    >>> _ = torch.manual_seed(0)
    >>> net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> G = model_graph(net)
    >>> G.edges["x1", "h1.2"]["weight"] == net[0].weight[1, 0].item()
    True
    >>> G.nodes["h1.2"]["activation"]
    'ReLU'
    """
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(
            f"model must be a torch.nn.Module (such as nn.Sequential), got {_describe(model)}"
        )
    max_nodes = as_int("max_nodes", max_nodes, minimum=3)
    leaves = _flatten_layers(model) or [("model", model)]
    sizes: list[int] = []
    acts: list[str | None] = []
    weights: list[np.ndarray] = []
    biases: list[np.ndarray | None] = []
    last_linear = ""
    for name, layer in leaves:
        kind = type(layer).__name__
        if isinstance(layer, nn.Linear):
            if not sizes:
                sizes.append(layer.in_features)
            elif layer.in_features != sizes[-1]:
                raise ValueError(
                    f"model layers do not fit: {last_linear!r} gives {sizes[-1]} features but "
                    f"the next Linear layer {name!r} expects in_features={layer.in_features}"
                )
            sizes.append(layer.out_features)
            acts.append(None)
            weights.append(layer.weight.detach().cpu().numpy())
            biases.append(None if layer.bias is None else layer.bias.detach().cpu().numpy())
            last_linear = name
        elif kind in _ACTIVATION_LABELS:
            if not sizes:
                raise ValueError(
                    f"model must start with an nn.Linear layer, but layer "
                    f"{name!r} ({kind}) comes first"
                )
            label = _ACTIVATION_LABELS[kind]
            if label is not None:
                acts[-1] = label if acts[-1] is None else f"{acts[-1]}∘{label}"
        elif kind in _PASS_THROUGH:
            continue
        else:
            raise TypeError(
                f"model contains the layer {name!r} ({kind}), which model_graph cannot draw: "
                f"only nn.Linear and the activations {sorted(_ACTIVATION_LABELS)}"
            )
    if not sizes:
        raise ValueError("model must contain at least one nn.Linear layer")
    return _build(
        sizes,
        acts,
        weights=weights,
        biases=biases,
        bias=bool(bias),
        split_neurons=bool(split_neurons),
        max_nodes=max_nodes,
    )


def _as_tensor(name: str, value: Any, *, ndim: int) -> Any:
    """``value`` as a floating torch tensor with ``ndim`` dims (a tensor keeps its dtype)."""
    import torch

    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"{name} must be a number, list or tensor, got {_describe(value)}")
    if isinstance(value, torch.Tensor):
        t = value.detach().cpu()
    else:
        try:
            t = torch.as_tensor(np.asarray(value, dtype=float), dtype=torch.get_default_dtype())
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers, got {_describe(value)}") from None
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    if ndim == 1 and t.ndim == 2 and t.shape[0] == 1:  # nn.Linear(n, 1).weight
        t = t[0]
    if ndim == 0 and t.numel() == 1:
        t = t.reshape(())
    if t.ndim != ndim:
        what = "a single number" if ndim == 0 else f"{ndim}-D"
        raise ValueError(f"{name} must be {what}, got shape {tuple(t.shape)}")
    if ndim == 1 and t.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one number, got none")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} must hold only finite numbers (no NaN or inf)")
    return t


def logistic_graph(
    weights: Any,
    bias: Any,
    *,
    feature_names: Sequence[str] | None = None,
) -> nx.DiGraph:
    """Build logistic regression as a network: inputs and bias → Σ → sigmoid → output.

    Parameters
    ----------
    weights
        The coefficients, one per input: a list, array or 1-D tensor (the weight of
        an ``nn.Linear(n, 1)``, of shape ``(1, n)``, is accepted too).
    bias
        The intercept: a number or a one-element tensor.
    feature_names
        Labels of the input nodes (default ``x_1 ... x_n``).

    Returns
    -------
    networkx.DiGraph
        Nodes ``x1 ... xn`` (kind ``input``) and ``b`` (``bias``) in layer 0, ``sum``
        (Σ) in layer 1, ``sigmoid`` (sigma) in layer 2 and ``output`` (ŷ) in layer 3.
        The edge ``xi → sum`` has ``weight`` ``weights[i - 1]``, the edge ``b → sum``
        the bias.

    Raises
    ------
    TypeError
        If ``weights`` or ``bias`` are not numbers, or ``feature_names`` not strings.
    ValueError
        If ``weights`` is not 1-D or empty, ``bias`` is not one number, or the number
        of ``feature_names`` differs from the number of weights.

    Examples
    --------
    >>> G = logistic_graph([0.5, -2.0], 1.0)
    >>> sorted(G.predecessors("sum"))
    ['b', 'x1', 'x2']
    >>> G.edges["x2", "sum"]["weight"], G.edges["b", "sum"]["weight"]
    (-2.0, 1.0)
    """
    w = _as_tensor("weights", weights, ndim=1)
    b = _as_tensor("bias", bias, ndim=0)
    n = w.shape[0]
    if feature_names is None:
        names = [_sub("x", i, n) for i in range(1, n + 1)]
    else:
        if isinstance(feature_names, str) or not isinstance(feature_names, Sequence):
            raise TypeError(f"feature_names must be a list of str, got {_describe(feature_names)}")
        if len(feature_names) != n:
            raise ValueError(f"feature_names must name all {n} weights, got {len(feature_names)}")
        if not all(isinstance(s, str) for s in feature_names):
            raise TypeError("feature_names must be a list of str")
        names = list(feature_names)
    G = nx.DiGraph()
    for i in range(1, n + 1):
        G.add_node(f"x{i}", layer=0, kind="input", label=names[i - 1], index=i, order=i - 1)
    G.add_node("b", layer=0, kind="bias", label="$1$", order=n)
    G.add_node("sum", layer=1, kind="sum", label="Σ", order=n + 1)
    G.add_node("sigmoid", layer=2, kind="activation", label=_SIGMA, order=n + 2)
    G.add_node("output", layer=3, kind="output", label=r"$\hat{y}$", order=n + 3)
    for i in range(1, n + 1):
        G.add_edge(f"x{i}", "sum", weight=float(w[i - 1]))
    G.add_edge("b", "sum", weight=float(b))
    G.add_edge("sum", "sigmoid")
    G.add_edge("sigmoid", "output")
    return G


_STEP_TITLES = ("inputs", "weighted sum", "sigmoid", "output")


def logistic_steps(weights: Any, bias: Any, x: Any, **kwargs: Any) -> list[nx.DiGraph]:
    """The forward pass of logistic regression for one input, one graph per step.

    Step 1 puts the inputs (and the constant 1 of the bias) on the graph, step 2
    computes the weighted sum ``z = weights @ x + bias``, step 3 applies the sigmoid,
    step 4 hands the probability to the output. Each graph is a copy of
    :func:`logistic_graph` in which the nodes computed so far carry a ``value``;
    ``G.graph["title"]`` describes the step. The numbers are those torch computes.

    Parameters
    ----------
    weights, bias
        As in :func:`logistic_graph`.
    x
        One input vector with as many entries as ``weights``.
    **kwargs
        Passed to :func:`logistic_graph` (``feature_names``).

    Returns
    -------
    list of networkx.DiGraph
        Four graphs. In the last, ``G.nodes["output"]["value"]`` equals
        ``torch.sigmoid(weights @ x + bias).item()``.

    Raises
    ------
    TypeError, ValueError
        As :func:`logistic_graph`; ``ValueError`` if ``x`` does not have one entry per
        weight.

    Examples
    --------
    >>> steps = logistic_steps([2.0, -1.0], 0.5, [1.0, 3.0])
    >>> [G.graph["step"] for G in steps]
    ['inputs', 'weighted sum', 'sigmoid', 'output']
    >>> steps[1].nodes["sum"]["value"]
    -0.5
    """
    import torch

    G = logistic_graph(weights, bias, **kwargs)
    w = _as_tensor("weights", weights, ndim=1)
    b = _as_tensor("bias", bias, ndim=0)
    xt = _as_tensor("x", x, ndim=1).to(w.dtype)
    if xt.shape != w.shape:
        raise ValueError(
            f"x must have one entry per weight ({w.shape[0]}), got shape {tuple(xt.shape)}"
        )
    z = w @ xt + b.to(w.dtype)
    p = torch.sigmoid(z)
    values: list[dict[str, float]] = [
        {**{f"x{i + 1}": float(xt[i]) for i in range(len(xt))}, "b": 1.0},
        {"sum": float(z)},
        {"sigmoid": float(p)},
        {"output": float(p)},
    ]
    titles = (
        "1. inputs",
        f"2. weighted sum: z = {float(z):.3g}",
        f"3. sigmoid: {_SIGMA}(z) = {float(p):.3g}",
        f"4. output: ŷ = {float(p):.3g}",
    )
    steps = []
    current = G.copy()
    for k, new in enumerate(values):
        current = current.copy()
        for node, value in new.items():
            current.nodes[node]["value"] = value
        current.graph["step"] = _STEP_TITLES[k]
        current.graph["title"] = titles[k]
        steps.append(current)
    return steps


# --------------------------------------------------------------------------- drawing


def _check_graph(G: Any) -> None:
    if not isinstance(G, nx.DiGraph):
        raise TypeError(
            f"G must be a networkx.DiGraph (from network_graph, model_graph, ...), "
            f"got {_describe(G)}"
        )
    if G.number_of_nodes() == 0:
        raise ValueError("G must have at least one node")
    for node, data in G.nodes(data=True):
        layer = data.get("layer")
        if isinstance(layer, bool) or not isinstance(layer, (int, np.integer)):
            raise ValueError(
                f"G: every node needs an int 'layer' attribute; node {node!r} has {layer!r}"
            )
        kind = data.get("kind", "sum")
        if kind not in NODE_KINDS:
            raise ValueError(f"G: node {node!r} has kind {kind!r}, expected one of {NODE_KINDS}")


def nodes_in_layer(G: nx.DiGraph, layer: int) -> list[Any]:
    """The nodes of column ``layer``, top to bottom (useful for ``groups=``).

    Parameters
    ----------
    G
        A diagram whose nodes carry ``layer`` (and optionally ``order``).
    layer
        The column, counted from 0.

    Returns
    -------
    list
        Node names sorted by their ``order`` attribute (insertion order otherwise).

    Raises
    ------
    TypeError
        If ``layer`` is not an int.

    Examples
    --------
    >>> nodes_in_layer(network_graph([2, 3, 1]), 1)
    ['h1.1', 'h1.2', 'h1.3']
    """
    layer = as_int("layer", layer)
    return [n for n in _ordered(G) if G.nodes[n].get("layer") == layer]


def _ordered(G: nx.DiGraph) -> list[Any]:
    rank = {n: i for i, n in enumerate(G.nodes)}
    return sorted(
        G.nodes, key=lambda n: (G.nodes[n]["layer"], G.nodes[n].get("order", rank[n]), rank[n])
    )


def network_layout(G: nx.DiGraph) -> dict[Any, np.ndarray]:
    """Positions of the nodes: columns by ``layer`` left to right, ``order`` top to bottom.

    A thin wrapper around ``nx.multipartite_layout(G, subset_key="layer")`` that
    feeds it the nodes in a stable order and turns each column so that its first
    node is at the top.

    Parameters
    ----------
    G
        A diagram (every node has an int ``layer``).

    Returns
    -------
    dict
        Node → ``array([x, y])``; ``x`` grows with ``layer``.

    Raises
    ------
    TypeError, ValueError
        If ``G`` is not a ``DiGraph`` of nodes with an int ``layer``.

    Examples
    --------
    >>> pos = network_layout(network_graph([2, 1]))
    >>> bool(pos["x1"][0] < pos["y1"][0]), bool(pos["x1"][1] > pos["x2"][1])
    (True, True)
    """
    _check_graph(G)
    # multipartite_layout(G, subset_key="layer") would collect each layer into a set
    # and lose the order; the same layers given as a dict of lists keep it.
    columns: dict[int, list[Any]] = {}
    for n in _ordered(G):
        columns.setdefault(int(G.nodes[n]["layer"]), []).append(n)
    pos = nx.multipartite_layout(G, subset_key=columns)
    return {n: np.array([xy[0], -xy[1]]) + 0.0 for n, xy in pos.items()}  # + 0.0: no -0.0


def _check_groups(G: nx.DiGraph, groups: Any) -> list[tuple[str, list[Any]]]:
    if groups is None:
        return []
    if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
        raise TypeError(f"groups must be a list of (caption, nodes) pairs, got {_describe(groups)}")
    checked = []
    for k, item in enumerate(groups):
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str)):
            raise TypeError(f"groups[{k}] must be a (caption, list of nodes) pair, got {item!r}")
        caption, members = item
        members = list(members) if not isinstance(members, str) else [members]
        if not members:
            raise ValueError(f"groups[{k}] ({caption!r}) must hold at least one node")
        missing = [m for m in members if m not in G]
        if missing:
            raise ValueError(f"groups[{k}] ({caption!r}) names nodes not in G: {missing}")
        checked.append((caption, members))
    return checked


def _edge_style(
    G: nx.DiGraph, edges: list[tuple[Any, Any]], weight_style: bool, highlight: set[Any] | None
) -> tuple[list, list, list]:
    weights = [G.edges[e].get("weight") for e in edges]
    known = [abs(w) for w in weights if w is not None]
    top = max(known) if known and max(known) > 0 else 1.0
    widths, colors, styles = [], [], []
    for (u, v), w in zip(edges, weights, strict=True):
        faint = "ellipsis" in (G.nodes[u].get("kind"), G.nodes[v].get("kind"))
        if faint:
            widths.append(0.8)
            colors.append("#aaaaaa")
            styles.append(":")
        elif weight_style and w is not None:
            widths.append(0.5 + 3.5 * abs(w) / top)
            colors.append(_POSITIVE_COLOR if w >= 0 else _NEGATIVE_COLOR)
            styles.append("-" if w >= 0 else "--")
        else:
            widths.append(1.2)
            colors.append("#444444")
            styles.append("-")
        if highlight is not None and not (u in highlight and v in highlight):
            colors[-1] = "#cccccc"
    return widths, colors, styles


def _points_to_data(ax: Axes, dx_pt: float, dy_pt: float) -> tuple[float, float]:
    """Convert a distance in points into data units (at the axes' current size)."""
    fig = ax.figure
    bbox = ax.get_position()
    width_in = bbox.width * fig.get_figwidth()
    height_in = bbox.height * fig.get_figheight()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    return (dx_pt / 72 * (x1 - x0) / width_in, dy_pt / 72 * (y1 - y0) / height_in)


@styled
def draw_network(
    G: nx.DiGraph,
    *,
    ax: Axes | None = None,
    edge_labels: bool = False,
    weight_style: bool = False,
    show_values: bool = False,
    highlight: Iterable[Any] | None = None,
    groups: Sequence[tuple[str, Sequence[Any]]] | None = None,
    node_size: float | None = None,
    title: str | None = None,
    node_kws: dict[str, Any] | None = None,
    edge_kws: dict[str, Any] | None = None,
    label_kws: dict[str, Any] | None = None,
    group_kws: dict[str, Any] | None = None,
) -> Axes:
    """Draw a network diagram left to right, one column per ``layer``.

    Node kinds differ in shape, fill and label: inputs are blue squares, the bias a
    grey diamond "1", sum nodes orange circles "Σ", activation nodes green hexagons,
    outputs purple squares "ŷ"; an ellipsis is a bare "⋮". Edges touching an
    ellipsis are dotted.

    Parameters
    ----------
    G
        A diagram from :func:`network_graph`, :func:`model_graph`,
        :func:`logistic_graph` or built by hand (nodes with ``layer``, ``kind`` and
        ``label``).
    ax
        Axes to draw on. A new figure sized to the diagram is created when ``None``.
    edge_labels
        Write each known edge ``weight`` on its edge (two significant digits).
    weight_style
        Make edge width proportional to ``|weight|`` and show the sign by colour and
        line style: positive solid blue, negative dashed vermillion.
    show_values
        Write each node's ``value`` (if it has one) next to it.
    highlight
        Nodes to emphasise; the others (and edges between them) are greyed out.
    groups
        Boxes to draw around groups of nodes, each a ``(caption, nodes)`` pair such
        as ``("hidden layer 1", nodes_in_layer(G, 1))``: a dashed rounded rectangle
        with the caption above it.
    node_size
        Marker area in points² (default: smaller for taller columns).
    title
        Optional axes title.
    node_kws, edge_kws, label_kws, group_kws
        Extra keyword arguments for ``nx.draw_networkx_nodes``,
        ``nx.draw_networkx_edges``, ``nx.draw_networkx_labels`` and the group
        :class:`~matplotlib.patches.FancyBboxPatch`.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. ``ax.collections`` holds one marker collection per node
        kind present (its ``get_label()`` is the kind) with offsets equal to
        :func:`network_layout`; the edges are the
        :class:`~matplotlib.patches.FancyArrowPatch` objects in ``ax.patches``, in
        the order of ``G.edges`` (each labelled ``"u→v"``); group boxes are
        :class:`~matplotlib.patches.FancyBboxPatch` objects labelled with their
        caption.

    Raises
    ------
    TypeError
        If ``G`` is not a ``DiGraph``, ``groups`` is not a list of pairs or a
        ``*_kws`` is not a dict.
    ValueError
        If a node lacks an int ``layer`` or has an unknown ``kind``, or a group names
        a node that is not in ``G``.

    Examples
    --------
    >>> G = network_graph([3, 2, 1], bias=True)
    >>> ax = draw_network(G, groups=[("hidden layer", nodes_in_layer(G, 1))])
    >>> len([p for p in ax.patches if p.get_label() == "hidden layer"])
    1
    """
    _check_graph(G)
    group_list = _check_groups(G, groups)
    n_kws = as_kws("node_kws", node_kws)
    e_kws = as_kws("edge_kws", edge_kws)
    l_kws = as_kws("label_kws", label_kws)
    g_kws = as_kws("group_kws", group_kws)
    lit = None if highlight is None else set(highlight)
    pos = network_layout(G)
    layers = sorted({d["layer"] for _, d in G.nodes(data=True)})
    tallest = max(len(nodes_in_layer(G, layer)) for layer in layers)
    if ax is None:
        width = min(7.0, max(3.0, 1.15 * len(layers) + 0.6))
        height = min(5.0, max(2.2, 0.5 * tallest + 0.9 + 0.3 * bool(group_list)))
        _, ax = plt.subplots(figsize=(width, height))
    if node_size is None:
        node_size = 620.0 if tallest <= 6 else max(260.0, 620.0 * 6 / tallest)
    radius_pt = math.sqrt(node_size) / 2

    # Limits first, so that point sizes can be turned into data units.
    xs = np.array([p[0] for p in pos.values()])
    ys = np.array([p[1] for p in pos.values()])
    ax.set_xlim(xs.min() - 0.1, xs.max() + 0.1)
    ax.set_ylim(ys.min() - 0.1, ys.max() + 0.1)
    ax.set_axis_off()
    pad_x, pad_y = _points_to_data(ax, radius_pt + 6, radius_pt + 6)
    top_extra = _points_to_data(ax, 0, 16)[1] if group_list else 0.0
    # Values go under their node, except in the first column, where the free space is
    # on the left (the column below is full of other inputs).
    first = set(nodes_in_layer(G, layers[0]))
    values_left = show_values and any("value" in G.nodes[n] for n in first)
    value_extra = _points_to_data(ax, 0, 12)[1] if show_values else 0.0
    left_extra = _points_to_data(ax, 30, 0)[0] if values_left else 0.0
    ax.set_xlim(xs.min() - pad_x * 1.3 - left_extra, xs.max() + pad_x * 1.3)
    ax.set_ylim(ys.min() - pad_y * 1.2 - value_extra, ys.max() + pad_y * 1.2 + top_extra)
    pad_x, pad_y = _points_to_data(ax, radius_pt + 5, radius_pt + 5)

    # Edges, one artist per edge, in the order of G.edges.
    edges = list(G.edges)
    if edges:
        widths, colors, styles = _edge_style(G, edges, weight_style, lit)
        sizes = [node_size * _SIZE_FACTOR.get(G.nodes[n].get("kind"), 1.0) for n in G.nodes]
        heads = ["-" if style == ":" else "-|>" for style in styles]
        kws = {
            "arrows": True,
            "arrowstyle": heads,
            "arrowsize": 9,
            "node_size": sizes,
            "width": widths,
            "edge_color": colors,
            "style": styles,
        }
        kws.update(e_kws)
        arrows = nx.draw_networkx_edges(
            G, pos, edgelist=edges, nodelist=list(G.nodes), ax=ax, **kws
        )
        for (u, v), arrow in zip(edges, arrows, strict=True):
            arrow.set_label(f"{u}→{v}")
            arrow.set_zorder(1)

    # Nodes, one collection per kind.
    for kind in NODE_KINDS[:-1]:
        members = [n for n in G.nodes if G.nodes[n].get("kind") == kind]
        if not members:
            continue
        kws = {
            **_NODE_STYLE[kind],
            "node_size": node_size * _SIZE_FACTOR.get(kind, 1.0),
            "linewidths": 1.4,
        }
        if lit is not None:
            kws["node_color"] = [kws["node_color"] if n in lit else "#f2f2f2" for n in members]
            kws["edgecolors"] = [kws["edgecolors"] if n in lit else "#bbbbbb" for n in members]
        kws.update(n_kws)
        coll = nx.draw_networkx_nodes(G, pos, nodelist=members, ax=ax, **kws)
        coll.set_label(kind)
        coll.set_zorder(2)

    # Labels: short ones larger, long activation names smaller to fit in the node.
    font = 10.0 if tallest <= 6 else 8.5
    for long in (False, True):
        labels = {}
        for n, d in G.nodes(data=True):
            text = str(d.get("label", n))
            plain = text.strip("$")
            if (len(plain) > 3 and not text.startswith("$")) == long:
                labels[n] = text
        if not labels:
            continue
        kws = {"font_size": font - 2.5 if long else font, "font_color": "black"}
        kws.update(l_kws)
        texts = nx.draw_networkx_labels(G, pos, labels=labels, ax=ax, **kws)
        for n, t in texts.items():
            t.set_zorder(3)
            if lit is not None and n not in lit:
                t.set_color("#999999")

    if edge_labels:
        weights = {e: f"{G.edges[e]['weight']:.2g}" for e in edges if "weight" in G.edges[e]}
        if weights:
            nx.draw_networkx_edge_labels(
                G,
                pos,
                edge_labels=weights,
                label_pos=0.5,
                font_size=7.5,
                rotate=False,
                node_size=node_size,
                ax=ax,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            )

    if show_values:
        for n, d in G.nodes(data=True):
            if "value" not in d:
                continue
            if n in first:
                where = {"xytext": (-radius_pt - 4, 0), "ha": "right", "va": "center"}
            else:
                where = {"xytext": (0, -radius_pt - 3), "ha": "center", "va": "top"}
            ax.annotate(
                f"{d['value']:.3g}",
                pos[n],
                textcoords="offset points",
                fontsize=8,
                color=PALETTE[6],
                fontweight="bold",
                zorder=4,
                **where,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.85},
            )

    for caption, members in group_list:
        gx = [pos[m][0] for m in members]
        gy = [pos[m][1] for m in members]
        x0, x1 = min(gx) - pad_x, max(gx) + pad_x
        y0, y1 = min(gy) - pad_y, max(gy) + pad_y
        kws = {
            "boxstyle": f"round,pad=0,rounding_size={min(pad_x, pad_y) * 0.6}",
            "fill": False,
            "linewidth": 1.2,
            "linestyle": "--",
            "edgecolor": "#555555",
            "zorder": 0.5,
        }
        kws.update(g_kws)
        box = FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, label=caption, **kws)
        ax.add_patch(box)
        ax.text((x0 + x1) / 2, y1, caption, ha="center", va="bottom", fontsize=8.5, color="#333333")
    if title is not None:
        ax.set_title(title)
    return ax


@styled
def plot_logistic_steps(
    weights: Any,
    bias: Any,
    x: Any,
    *,
    axes: Sequence[Axes] | None = None,
    feature_names: Sequence[str] | None = None,
    ncols: int = 2,
    panel_size: tuple[float, float] = (3.4, 2.5),
) -> Figure:
    """Small multiples of logistic regression's forward pass for one input.

    One panel per step of :func:`logistic_steps`: the inputs, the weighted sum, the
    sigmoid, the output. Each panel highlights the nodes computed so far and writes
    their values under them; the edges carry the weights.

    Parameters
    ----------
    weights, bias, x
        As in :func:`logistic_steps`.
    axes
        Four axes to draw the panels on; a new figure when ``None``.
    feature_names
        Labels of the input nodes.
    ncols
        Panels per row when a new figure is made.
    panel_size
        Width and height of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure
        The figure; panel ``k`` is drawn by :func:`draw_network` from step ``k``.

    Raises
    ------
    TypeError, ValueError
        As :func:`logistic_steps`; ``ValueError`` if ``axes`` does not hold four axes.

    Examples
    --------
    >>> fig = plot_logistic_steps([0.7, -0.2], -1.0, [2.0, 1.0])
    >>> [ax.get_title() for ax in fig.axes][0]
    '1. inputs'
    """
    steps = logistic_steps(weights, bias, x, feature_names=feature_names)
    if axes is None:
        ncols = as_int("ncols", ncols, minimum=1)
        nrows = math.ceil(len(steps) / ncols)
        fig, grid = plt.subplots(
            nrows, ncols, squeeze=False, figsize=(panel_size[0] * ncols, panel_size[1] * nrows)
        )
        panels = list(grid.flat)
        for extra in panels[len(steps) :]:
            extra.set_visible(False)
    else:
        panels = list(np.asarray(axes, dtype=object).flat)
        if len(panels) != len(steps) or not all(isinstance(a, Axes) for a in panels):
            raise ValueError(f"axes must hold {len(steps)} matplotlib Axes, got {len(panels)}")
        fig = panels[0].figure
    for G, ax in zip(steps, panels, strict=False):
        lit = {n for n, d in G.nodes(data=True) if "value" in d}
        draw_network(
            G,
            ax=ax,
            edge_labels=True,
            show_values=True,
            highlight=lit,
            node_size=430.0,
            title=G.graph["title"],
        )
    return fig
