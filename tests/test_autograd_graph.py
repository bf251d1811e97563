"""glassbox.autograd_graph: the graphs backward_graph finds and what draw_backward_graph draws."""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import pytest
import torch
from matplotlib.colors import to_rgb
from matplotlib.patches import FancyArrowPatch

from glassbox import backward_graph, backward_graph_layout, draw_backward_graph


def labels(G):
    return [G.nodes[n]["label"] for n in G]


def node_named(G, label):
    (node,) = [n for n in G if G.nodes[n]["label"] == label]
    return node


@pytest.fixture
def uv():
    """f(u, v) = u * v + u ** 2, the chapter's example."""
    u = torch.tensor(1.0, requires_grad=True)
    v = torch.tensor(2.0, requires_grad=True)
    return u, v, u * v + u**2


class TestBackwardGraph:
    def test_known_graph(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        assert isinstance(G, nx.DiGraph)
        assert list(G) == [0, 1, 2, 3, 4]
        assert labels(G) == ["AddBackward0", "MulBackward0", "u", "v", "PowBackward0"]
        assert [G.nodes[n]["name"] for n in G] == [
            "AddBackward0",
            "MulBackward0",
            "AccumulateGrad",
            "AccumulateGrad",
            "PowBackward0",
        ]
        assert sorted(G.edges) == [(0, 1), (0, 4), (1, 2), (1, 3), (4, 2)]
        assert [G.nodes[n]["layer"] for n in G] == [0, 1, 2, 2, 1]
        kinds = [G.nodes[n]["kind"] for n in G]
        assert kinds == ["function", "function", "leaf", "leaf", "function"]
        assert G.nodes[2]["shape"] == () and "shape" not in G.nodes[0]
        assert G.graph["output"] == "AddBackward0"
        # the edges follow the operations' inputs: u * v has u first, v second
        assert G.edges[1, 2]["inputs"] == (0,) and G.edges[1, 3]["inputs"] == (1,)
        assert G.edges[0, 4]["inputs"] == (1,)

    def test_matches_grad_fn_and_next_functions(self, uv):
        *_, f = uv
        G = backward_graph(f)
        assert G.nodes[0]["name"] == f.grad_fn.name()
        children = [fn.name().rsplit("::", 1)[-1] for fn, _ in f.grad_fn.next_functions]
        assert [G.nodes[n]["name"] for n in G.successors(0)] == children
        # unnamed leaves keep the class name as their label
        assert labels(G).count("AccumulateGrad") == 2

    def test_order_keeps_edges_from_crossing(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        # v is reached from the product only (top), u from the product and the power
        assert G.nodes[node_named(G, "MulBackward0")]["order"] == 0
        assert G.nodes[node_named(G, "PowBackward0")]["order"] == 1
        assert G.nodes[node_named(G, "v")]["order"] == 0
        assert G.nodes[node_named(G, "u")]["order"] == 1
        assert G.graph["rows"] == (1, 2, 2)

    def test_same_input_twice_is_one_edge_with_two_inputs(self):
        x = torch.tensor(3.0, requires_grad=True)
        G = backward_graph(x * x, names={"x": x})
        assert labels(G) == ["MulBackward0", "x"]
        assert G.edges[0, 1]["inputs"] == (0, 1)

    def test_inputs_without_gradient_are_skipped(self):
        x = torch.tensor(2.0, requires_grad=True)
        z = x**2 + 2 * x + 1
        assert z.grad_fn.next_functions[1][0] is None
        G = backward_graph(z, names={"x": x})
        assert labels(G) == [
            "AddBackward0",
            "AddBackward0",
            "PowBackward0",
            "x",
            "MulBackward0",
        ]
        assert G.number_of_edges() == 5
        assert G.in_degree(node_named(G, "x")) == 2

    def test_long_edge_gets_a_lane(self):
        x = torch.tensor(3.0, requires_grad=True)
        G = backward_graph(x * 2 + x, names={"x": x})
        assert labels(G) == ["AddBackward0", "MulBackward0", "x"]
        assert [G.nodes[n]["layer"] for n in G] == [0, 1, 2]
        # the lane runs below MulBackward0, which keeps the top row
        assert G.nodes[1]["order"] == 0
        assert G.edges[0, 2]["via"] == (1,) and "via" not in G.edges[0, 1]
        assert G.graph["rows"] == (1, 2, 1)

    def test_graph_is_the_same_before_and_after_backward(self, uv):
        u, v, f = uv
        before = backward_graph(f, names={"u": u, "v": v})
        f.backward()
        after = backward_graph(f, names={"u": u, "v": v})
        assert list(before.nodes(data=True)) == list(after.nodes(data=True))
        assert list(before.edges(data=True)) == list(after.edges(data=True))

    def test_deterministic_and_free_of_memory_addresses(self):
        def build():
            torch.manual_seed(0)
            w = torch.randn(3, requires_grad=True)
            b = torch.zeros(1, requires_grad=True)
            loss = ((torch.randn(5, 3) @ w + b) ** 2).mean()
            return backward_graph(loss, names={"w": w, "b": b})

        first, second = build(), build()
        assert list(first.nodes(data=True)) == list(second.nodes(data=True))
        assert list(first.edges(data=True)) == list(second.edges(data=True))
        assert "0x" not in repr(list(first.nodes(data=True)))
        assert first.nodes[node_named(first, "w")]["shape"] == (3,)

    def test_graph_follows_the_code_that_ran(self):
        def doubled_until_ten(x):
            y = x
            while y < 10:
                y = y * 2
            return y

        counts = {}
        for start in (3.0, 0.5):
            x = torch.tensor(start, requires_grad=True)
            G = backward_graph(doubled_until_ten(x))
            counts[start] = labels(G).count("MulBackward0")
        assert counts == {3.0: 2, 0.5: 5}

    def test_custom_function_is_named_after_its_class(self):
        class Twice(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return 2 * x

            @staticmethod
            def backward(ctx, grad):
                return 2 * grad

        x = torch.tensor(1.0, requires_grad=True)
        G = backward_graph(Twice.apply(x), names={"x": x})
        assert labels(G) == ["TwiceBackward", "x"]

    def test_long_chain_does_not_recurse(self):
        x = torch.tensor(1.0, requires_grad=True)
        y = x
        for _ in range(3000):
            y = y + 1
        G = backward_graph(y)
        assert G.number_of_nodes() == 3001
        assert max(d["layer"] for _, d in G.nodes(data=True)) == 3000

    @pytest.mark.parametrize(
        ("output", "names", "error", "match"),
        [
            (3.0, None, TypeError, "output must be a torch.Tensor"),
            (torch.tensor(1.0, requires_grad=True), None, ValueError, "output is a leaf"),
            (torch.tensor(1.0) * 2, None, ValueError, "output does not require gradients"),
        ],
    )
    def test_bad_output(self, output, names, error, match):
        with pytest.raises(error, match=match):
            backward_graph(output, names=names)

    def test_bad_names(self, uv):
        u, v, f = uv
        with pytest.raises(TypeError, match="names must be a dict"):
            backward_graph(f, names=[u, v])
        with pytest.raises(TypeError, match="names: every key must be a str"):
            backward_graph(f, names={1: u})
        with pytest.raises(TypeError, match=r"names\['u'\] must be a torch.Tensor"):
            backward_graph(f, names={"u": 1.0})
        with pytest.raises(ValueError, match=r"names\['f'\] must be a leaf"):
            backward_graph(f, names={"f": f})
        w = torch.tensor(5.0, requires_grad=True)
        with pytest.raises(ValueError, match=r"\['w'\] are not leaves of the graph"):
            backward_graph(f, names={"u": u, "w": w})

    def test_inference_mode_output_has_no_graph(self):
        x = torch.tensor(2.0, requires_grad=True)
        with torch.inference_mode():
            y = x**2
        with pytest.raises(ValueError, match="output does not require gradients"):
            backward_graph(y)


class TestLayout:
    def test_columns_are_layers_and_centred(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        pos = backward_graph_layout(G)
        assert pos[0] == (0.0, 0.0)
        assert pos[node_named(G, "MulBackward0")] == (1.0, 0.5)
        assert pos[node_named(G, "PowBackward0")] == (1.0, -0.5)
        assert pos[node_named(G, "v")] == (2.0, 0.5)
        assert pos[node_named(G, "u")] == (2.0, -0.5)

    def test_rows_of_lanes_count(self):
        x = torch.tensor(3.0, requires_grad=True)
        G = backward_graph(x * 2 + x)
        pos = backward_graph_layout(G)
        # the layer of MulBackward0 holds it and the lane of the edge 0 -> 2
        assert pos[1][1] == (2 - 1) / 2 - G.nodes[1]["order"]

    def test_bad_graph(self):
        with pytest.raises(TypeError, match=r"G must be a networkx\.DiGraph"):
            backward_graph_layout({0: 1})
        with pytest.raises(ValueError, match="at least one node"):
            backward_graph_layout(nx.DiGraph())
        H = nx.DiGraph()
        H.add_node(0, layer=0)
        with pytest.raises(ValueError, match="'order'"):
            backward_graph_layout(H)


def relative_luminance(color):
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


class TestDraw:
    def test_nodes_are_texts_at_the_layout(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        ax = draw_backward_graph(G)
        pos = backward_graph_layout(G)
        texts = ax.texts[: G.number_of_nodes()]
        assert [t.get_text() for t in texts] == labels(G)
        for n, t in zip(G, texts, strict=True):
            assert t.get_position() == pytest.approx(pos[n])

    def test_readable_labels(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        ax = draw_backward_graph(G)
        for n, t in zip(G, ax.texts, strict=False):
            assert t.get_fontsize() >= 10
            fill = t.get_bbox_patch().get_facecolor()
            assert contrast(t.get_color(), fill) >= 7, f"node {n}: low contrast"
        leaf, function = ax.texts[node_named(G, "u")], ax.texts[0]
        assert leaf.get_bbox_patch().get_facecolor() != function.get_bbox_patch().get_facecolor()
        assert type(leaf.get_bbox_patch().get_boxstyle()) is not type(
            function.get_bbox_patch().get_boxstyle()
        ), "leaves and functions differ in shape, not only in colour"

    def test_edges_are_arrows_clipped_to_the_boxes(self, uv):
        u, v, f = uv
        G = backward_graph(f, names={"u": u, "v": v})
        ax = draw_backward_graph(G)
        arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
        assert [a.get_label() for a in arrows] == [f"{a}→{b}" for a, b in G.edges]
        ax.figure.canvas.draw()
        renderer = ax.figure.canvas.get_renderer()
        for (a, b), arrow in zip(G.edges, arrows, strict=True):
            path = arrow.get_path()
            drawn = path.vertices[path.codes != path.CLOSEPOLY]
            points = ax.transData.transform(drawn)
            box_a = ax.texts[a].get_bbox_patch().get_window_extent(renderer)
            box_b = ax.texts[b].get_bbox_patch().get_window_extent(renderer)
            tip = points[((points - box_b.get_points().mean(axis=0)) ** 2).sum(axis=1).argmin()]
            # each end on the outline of its box, to a few pixels (outline width, shrinkB)
            for point, box, end in ((points[0], box_a, "start"), (tip, box_b, "tip")):
                assert box.padded(6).contains(*point), f"{a}→{b}: {end} off its box"
                assert not box.padded(-4).contains(*point), f"{a}→{b}: {end} inside its box"

    def test_repeated_input_is_marked(self):
        x = torch.tensor(3.0, requires_grad=True)
        ax = draw_backward_graph(backward_graph(x * x, names={"x": x}))
        assert [t.get_text() for t in ax.texts] == ["MulBackward0", "x", "×2"]

    def test_long_edge_runs_through_its_lane(self):
        x = torch.tensor(3.0, requires_grad=True)
        G = backward_graph(x * 2 + x, names={"x": x})
        ax = draw_backward_graph(G)
        pos = backward_graph_layout(G)
        lane = (1.0, (2 - 1) / 2 - G.edges[0, 2]["via"][0])
        assert len(ax.lines) == 1
        assert ax.lines[0].get_xydata().tolist() == [list(pos[0]), list(lane)]
        arrow = next(p for p in ax.patches if p.get_label() == "0→2")
        assert arrow.patchA is None

    def test_given_axes_and_title(self, uv):
        *_, f = uv
        _, ax = plt.subplots()
        out = draw_backward_graph(backward_graph(f), ax=ax, title="f", font_size=12)
        assert out is ax and ax.get_title() == "f"
        assert ax.texts[0].get_fontsize() == 12

    def test_wide_graph_fits_the_page(self):
        x = torch.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(8):
            y = torch.sin(y)
        ax = draw_backward_graph(backward_graph(y, names={"x": x}))
        assert ax.figure.get_figwidth() <= 7.5
        assert 8 <= ax.texts[0].get_fontsize() < 10

    def test_bad_arguments(self, uv):
        *_, f = uv
        G = backward_graph(f)
        with pytest.raises(TypeError, match=r"G must be a networkx\.DiGraph"):
            draw_backward_graph(f)
        with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
            draw_backward_graph(G, ax="left")
        with pytest.raises(ValueError, match="font_size must be > 0"):
            draw_backward_graph(G, font_size=0)
        with pytest.raises(TypeError, match="node_kws must be a dict"):
            draw_backward_graph(G, node_kws=["red"])
        H = G.copy()
        H.nodes[0]["kind"] = "tensor"
        with pytest.raises(ValueError, match="kind 'tensor'"):
            draw_backward_graph(H)
