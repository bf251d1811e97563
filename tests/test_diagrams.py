"""glassbox.diagrams: what the network graphs hold and what draw_network puts on the axes."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pytest
import torch
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import nn

from glassbox import (
    NODE_KINDS,
    draw_network,
    logistic_graph,
    logistic_steps,
    model_graph,
    network_graph,
    network_layout,
    nodes_in_layer,
    plot_logistic_steps,
)
from glassbox.style import PALETTE

SIGMA = "\N{GREEK SMALL LETTER SIGMA}"


def edge_artists(ax):
    return [p for p in ax.patches if isinstance(p, FancyArrowPatch)]


def kinds(G):
    return [G.nodes[n]["kind"] for n in G]


@pytest.fixture
def net():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.Sigmoid())


class TestNetworkGraph:
    def test_counts_plain(self):
        G = network_graph([3, 2, 1])
        assert isinstance(G, nx.DiGraph)
        assert G.number_of_nodes() == 6
        assert G.number_of_edges() == 3 * 2 + 2 * 1
        assert sorted(kinds(G)) == ["activation"] * 2 + ["input"] * 3 + ["output"]

    def test_counts_with_bias(self):
        G = network_graph([3, 2, 1], bias=True)
        assert G.number_of_nodes() == 6 + 2
        assert G.number_of_edges() == 8 + 2 + 1
        assert G.nodes["b1"]["layer"] == 0 and G.nodes["b2"]["layer"] == 1
        assert set(G.successors("b1")) == {"h1.1", "h1.2"}
        assert nodes_in_layer(G, 0)[-1] == "b1", "the bias sits at the bottom of its column"

    def test_counts_split_neurons(self):
        G = network_graph([3, 2, 1], split_neurons=True)
        # inputs, 2 sums + 2 activations, 1 output sum (linear output), 1 output node
        assert G.number_of_nodes() == 3 + 4 + 1 + 1
        assert G.number_of_edges() == 3 * 2 + 2 + 2 * 1 + 1
        G2 = network_graph([3, 2, 1], split_neurons=True, output_activation=SIGMA)
        assert G2.number_of_nodes() == 10 and G2.number_of_edges() == 12
        assert [G2.nodes[n]["kind"] for n in ("s1.1", "a1.1", "s2.1", "a2.1", "y1")] == [
            "sum",
            "activation",
            "sum",
            "activation",
            "output",
        ]
        assert G2.nodes["s1.1"]["label"] == "Σ" and G2.nodes["a1.1"]["label"] == SIGMA

    def test_layers_run_left_to_right(self):
        G = network_graph([3, 2, 1], split_neurons=True, output_activation=SIGMA)
        layers = {n: G.nodes[n]["layer"] for n in G}
        assert layers["x1"] == 0 and layers["s1.2"] == 1 and layers["a1.2"] == 2
        assert layers["s2.1"] == 3 and layers["a2.1"] == 4 and layers["y1"] == 5
        assert all(layers[u] < layers[v] for u, v in G.edges)

    def test_large_layers_get_an_ellipsis_with_real_indices(self):
        G = network_graph([784, 16, 10], max_nodes=5)
        assert nodes_in_layer(G, 0) == ["x1", "x2", "x3", "x…", "x784"]
        assert [G.nodes[n]["label"] for n in nodes_in_layer(G, 0)] == [
            "$x_{1}$",
            "$x_{2}$",
            "$x_{3}$",
            "⋮",
            "$x_{784}$",
        ]
        assert G.nodes["x…"]["kind"] == "ellipsis"
        assert nodes_in_layer(G, 2) == ["y1", "y2", "y3", "y…", "y10"]
        assert G.number_of_nodes() == 15 and G.number_of_edges() == 25 + 25

    def test_layer_of_exactly_max_nodes_is_not_shortened(self):
        G = network_graph([8, 9], max_nodes=8)
        assert "x…" not in G and len(nodes_in_layer(G, 0)) == 8
        assert "y…" in G and len(nodes_in_layer(G, 1)) == 8

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"layer_sizes": []}, ValueError, "layer_sizes must name at least two"),
            ({"layer_sizes": [3]}, ValueError, "layer_sizes must name at least two"),
            ({"layer_sizes": [3, 0]}, ValueError, r"layer_sizes\[1\] must be >= 1"),
            ({"layer_sizes": [3, -2, 1]}, ValueError, r"layer_sizes\[1\] must be >= 1"),
            ({"layer_sizes": [3, 2.5]}, TypeError, r"layer_sizes\[1\] must be an int"),
            ({"layer_sizes": "32"}, TypeError, "layer_sizes must be a list of ints"),
            ({"layer_sizes": [3, 1], "max_nodes": 2}, ValueError, "max_nodes must be >= 3"),
            ({"layer_sizes": [3, 1], "activation": 1}, TypeError, "activation must be a label"),
        ],
    )
    def test_bad_arguments(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            network_graph(**kwargs)


class TestModelGraph:
    def test_edge_weights_are_the_models_parameters(self, net):
        G = model_graph(net)
        w1 = torch.tensor(
            [[G.edges[f"x{i}", f"h1.{j}"]["weight"] for i in range(1, 4)] for j in range(1, 5)]
        )
        w2 = torch.tensor(
            [[G.edges[f"h1.{i}", f"y{j}"]["weight"] for i in range(1, 5)] for j in range(1, 3)]
        )
        torch.testing.assert_close(w1, net[0].weight.detach(), rtol=0, atol=0)
        torch.testing.assert_close(w2, net[2].weight.detach(), rtol=0, atol=0)
        biases = torch.tensor([G.nodes[f"h1.{j}"]["bias"] for j in range(1, 5)])
        torch.testing.assert_close(biases, net[0].bias.detach(), rtol=0, atol=0)
        assert G.nodes["h1.1"]["activation"] == "ReLU" and G.nodes["y1"]["activation"] == SIGMA

    def test_biases_on_bias_edges(self, net):
        G = model_graph(net, bias=True)
        got = torch.tensor([G.edges["b2", f"y{j}"]["weight"] for j in (1, 2)])
        torch.testing.assert_close(got, net[2].bias.detach(), rtol=0, atol=0)

    def test_layer_without_bias_gets_no_bias_node(self):
        G = model_graph(nn.Sequential(nn.Linear(2, 3, bias=False), nn.Linear(3, 1)), bias=True)
        assert "b1" not in G and G.edges["b2", "y1"]["weight"] is not None
        assert all("bias" not in G.nodes[n] for n in nodes_in_layer(G, 1))

    def test_split_neurons_label_the_activations(self, net):
        G = model_graph(net, split_neurons=True)
        assert G.nodes["a1.3"]["label"] == "ReLU" and G.nodes["a2.1"]["label"] == SIGMA
        assert G.edges["x2", "s1.3"]["weight"] == net[0].weight[2, 1].item()
        assert G.number_of_nodes() == 3 + 4 + 4 + 2 + 2 + 2

    def test_nested_modules_and_pass_through_layers(self):
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.flatten = nn.Flatten()
                self.body = nn.Sequential(nn.Linear(4, 3), nn.Tanh())
                self.head = nn.Linear(3, 1)

        G = model_graph(Net())
        assert [len(nodes_in_layer(G, k)) for k in range(3)] == [4, 3, 1]
        assert G.nodes["h1.1"]["activation"] == "tanh"
        assert model_graph(nn.Linear(2, 1)).number_of_edges() == 2

    def test_large_layers_keep_true_weights(self):
        torch.manual_seed(1)
        lin = nn.Linear(20, 3)
        G = model_graph(nn.Sequential(lin), max_nodes=5)
        assert G.edges["x20", "y2"]["weight"] == lin.weight[1, 19].item()
        assert "weight" not in G.edges["x…", "y2"]

    @pytest.mark.parametrize(
        ("model", "error", "match"),
        [
            ("not a model", TypeError, "model must be a torch.nn.Module"),
            (nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(2, 1)), TypeError, r"'0' \(Conv2d\)"),
            (nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 1)), ValueError, "do not fit"),
            (nn.Sequential(nn.ReLU(), nn.Linear(3, 1)), ValueError, "must start with an nn.Linear"),
            (nn.Sequential(nn.ReLU()), ValueError, "must start with an nn.Linear"),
            (nn.Sequential(nn.Flatten()), ValueError, "at least one nn.Linear"),
        ],
    )
    def test_bad_models(self, model, error, match):
        with pytest.raises(error, match=match):
            model_graph(model)


class TestLogistic:
    def test_graph_structure_and_weights(self):
        G = logistic_graph(torch.tensor([[0.5, -2.0, 0.25]]), torch.tensor([1.5]))
        assert {G.nodes[n]["layer"] for n in ("x1", "x2", "x3", "b")} == {0}
        assert [G.nodes[n]["layer"] for n in ("sum", "sigmoid", "output")] == [1, 2, 3]
        assert [G.edges[f"x{i}", "sum"]["weight"] for i in (1, 2, 3)] == [0.5, -2.0, 0.25]
        assert G.edges["b", "sum"]["weight"] == 1.5
        assert set(kinds(G)) == set(NODE_KINDS) - {"ellipsis"}

    def test_step_values_are_what_torch_computes(self):
        gen = torch.Generator().manual_seed(3)
        w, x = torch.randn(5, generator=gen), torch.randn(5, generator=gen)
        b = torch.tensor(-0.3)
        steps = logistic_steps(w, b, x)
        assert [G.graph["step"] for G in steps] == ["inputs", "weighted sum", "sigmoid", "output"]
        z = w @ x + b
        assert steps[1].nodes["sum"]["value"] == z.item()
        assert steps[3].nodes["output"]["value"] == torch.sigmoid(z).item()
        assert steps[2].nodes["sigmoid"]["value"] == torch.sigmoid(z).item()
        assert [steps[0].nodes[f"x{i}"]["value"] for i in range(1, 6)] == x.tolist()
        valued = [sum("value" in d for _, d in G.nodes(data=True)) for G in steps]
        assert valued == [6, 7, 8, 9], "each step adds the node it computes"

    def test_feature_names_label_the_inputs(self):
        G = logistic_graph([0.1, 0.2], 0.0, feature_names=["gre", "gpa"])
        assert G.nodes["x1"]["label"] == "gre"

    @pytest.mark.parametrize(
        ("args", "kwargs", "error", "match"),
        [
            (([[1.0, 2.0], [3.0, 4.0]], 0.0), {}, ValueError, "weights must be 1-D"),
            (([], 0.0), {}, ValueError, "weights must hold at least one"),
            (("ab", 0.0), {}, TypeError, "weights must be a number"),
            (([1.0], [1.0, 2.0]), {}, ValueError, "bias must be a single number"),
            (([1.0, float("nan")], 0.0), {}, ValueError, "weights must hold only finite"),
            (([1.0, 2.0], 0.0), {"feature_names": ["a"]}, ValueError, "feature_names must name"),
        ],
    )
    def test_bad_graph_arguments(self, args, kwargs, error, match):
        with pytest.raises(error, match=match):
            logistic_graph(*args, **kwargs)

    def test_x_must_match_the_weights(self):
        with pytest.raises(ValueError, match=r"x must have one entry per weight \(2\)"):
            logistic_steps([1.0, 2.0], 0.0, [1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="x must be 1-D"):
            logistic_steps([1.0, 2.0], 0.0, 3.0)


class TestDrawNetwork:
    def test_node_positions_follow_the_layout_left_to_right(self):
        G = network_graph([4, 3, 2], bias=True)
        ax = draw_network(G)
        pos = network_layout(G)
        for coll in ax.collections:
            kind = coll.get_label()
            members = [n for n in G if G.nodes[n]["kind"] == kind]
            np.testing.assert_allclose(coll.get_offsets(), [pos[n] for n in members])
        xs = {layer: {round(pos[n][0], 9) for n in nodes_in_layer(G, layer)} for layer in range(3)}
        assert all(len(v) == 1 for v in xs.values())
        assert xs[0].pop() < xs[1].pop() < xs[2].pop()
        ys = [pos[n][1] for n in nodes_in_layer(G, 0)]
        assert ys == sorted(ys, reverse=True), "nodes run top to bottom in their order"
        assert nodes_in_layer(G, 0) == ["x1", "x2", "x3", "x4", "b1"]

    def test_one_edge_artist_per_edge(self):
        G = network_graph([784, 16, 10], max_nodes=6, bias=True, split_neurons=True)
        ax = draw_network(G)
        arrows = edge_artists(ax)
        assert len(arrows) == G.number_of_edges()
        assert [a.get_label() for a in arrows] == [f"{u}→{v}" for u, v in G.edges]
        dotted = [a for a, (u, v) in zip(arrows, G.edges, strict=True) if "…" in u + v]
        assert dotted and all(a.get_linestyle() == ":" for a in dotted)

    def test_node_kinds_differ_in_shape_not_only_colour(self):
        ax = draw_network(logistic_graph([1.0, -1.0], 0.5))
        labels = [c.get_label() for c in ax.collections]
        assert labels == ["input", "bias", "sum", "activation", "output"]
        shapes = {c.get_label(): c.get_paths()[0].vertices.shape[0] for c in ax.collections}
        assert len({shapes["input"], shapes["bias"], shapes["sum"], shapes["activation"]}) >= 3
        texts = {t.get_text() for t in ax.texts}
        assert {"Σ", SIGMA, "$1$", r"$\hat{y}$"} <= texts

    def test_edge_widths_grow_with_weight_and_sign_is_styled(self, net):
        G = model_graph(net)
        ax = draw_network(G, weight_style=True)
        weights = [G.edges[e].get("weight") for e in G.edges]
        arrows = edge_artists(ax)
        pairs = sorted((abs(w), a.get_linewidth()) for w, a in zip(weights, arrows, strict=True))
        widths = [lw for _, lw in pairs]
        assert widths == sorted(widths) and widths[-1] > 3 * widths[0]
        for w, a in zip(weights, arrows, strict=True):
            colour = PALETTE[0] if w >= 0 else PALETTE[1]
            assert mpl.colors.same_color(a.get_edgecolor(), colour)
            assert a.get_linestyle() == ("-" if w >= 0 else "--")

    def test_edge_labels_show_the_weights(self):
        G = logistic_graph([0.25, -2.0], 1.5)
        ax = draw_network(G, edge_labels=True)
        texts = [t.get_text() for t in ax.texts]
        assert {"0.25", "-2", "1.5"} <= set(texts)

    def test_group_boxes_surround_their_nodes_with_a_caption(self):
        G = network_graph([5, 3, 3, 1], split_neurons=True, output_activation=SIGMA)
        groups = [
            ("input layer", nodes_in_layer(G, 0)),
            ("neuron", ["s2.1", "a2.1"]),
            ("activation function", ["a2.3"]),
        ]
        ax = draw_network(G, groups=groups)
        boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
        assert [b.get_label() for b in boxes] == [c for c, _ in groups]
        assert {c for c, _ in groups} <= {t.get_text() for t in ax.texts}
        pos = network_layout(G)
        for box, (_, members) in zip(boxes, groups, strict=True):
            x0, y0 = box.get_x(), box.get_y()
            x1, y1 = x0 + box.get_width(), y0 + box.get_height()
            inside = [n for n in G if x0 <= pos[n][0] <= x1 and y0 <= pos[n][1] <= y1]
            assert sorted(inside) == sorted(members)

    def test_highlight_greys_out_the_rest_and_values_are_written(self):
        G = logistic_steps([1.0, 2.0], 0.5, [0.5, -1.0])[1]
        lit = {n for n, d in G.nodes(data=True) if "value" in d}
        ax = draw_network(G, highlight=lit, show_values=True)
        texts = [t.get_text() for t in ax.texts]
        assert f"{G.nodes['sum']['value']:.3g}" in texts
        act = next(c for c in ax.collections if c.get_label() == "activation")
        assert mpl.colors.same_color(act.get_facecolor()[0], "#f2f2f2")

    def test_draws_on_given_axes_without_changing_global_style(self):
        before = dict(mpl.rcParams)
        _, ax = plt.subplots()
        assert draw_network(network_graph([2, 1]), ax=ax, title="t") is ax
        assert ax.get_title() == "t"
        assert dict(mpl.rcParams) == before

    @pytest.mark.parametrize(
        ("G", "kwargs", "error", "match"),
        [
            (nx.Graph(), {}, TypeError, "G must be a networkx.DiGraph"),
            (nx.DiGraph(), {}, ValueError, "G must have at least one node"),
            (nx.DiGraph([(1, 2)]), {}, ValueError, "int 'layer' attribute"),
            (network_graph([2, 1]), {"groups": [("a", ["nope"])]}, ValueError, "not in G"),
            (network_graph([2, 1]), {"groups": "a"}, TypeError, "groups must be a list"),
            (network_graph([2, 1]), {"groups": [("a",)]}, TypeError, r"groups\[0\] must be"),
            (network_graph([2, 1]), {"edge_kws": "red"}, TypeError, "edge_kws must be a dict"),
        ],
    )
    def test_bad_arguments(self, G, kwargs, error, match):
        with pytest.raises(error, match=match):
            draw_network(G, **kwargs)


class TestPlotLogisticSteps:
    def test_four_panels_with_titles_and_values(self):
        w, b, x = torch.tensor([0.7, -0.2]), torch.tensor(-1.0), torch.tensor([2.0, 1.0])
        fig = plot_logistic_steps(w, b, x)
        p = torch.sigmoid(w @ x + b).item()
        titles = [ax.get_title() for ax in fig.axes]
        assert titles[0] == "1. inputs" and titles[3] == f"4. output: ŷ = {p:.3g}"
        last = [t.get_text() for t in fig.axes[3].texts]
        assert last.count(f"{p:.3g}") == 2  # under the sigmoid node and the output node

    def test_given_axes_and_bad_axes(self):
        fig, axes = plt.subplots(1, 4)
        assert plot_logistic_steps([1.0], 0.0, [2.0], axes=axes) is fig
        with pytest.raises(ValueError, match="axes must hold 4"):
            plot_logistic_steps([1.0], 0.0, [2.0], axes=axes[:2])


def test_docstring_examples_run():
    import doctest

    import glassbox.diagrams

    result = doctest.testmod(glassbox.diagrams, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0
