"""glassbox.decision: what the grid evaluation computes and what the pictures draw."""

from __future__ import annotations

import math

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.contour import ContourSet
from torch import nn

from glassbox import decision_grid, plot_decision_boundary, plot_decision_regions
from glassbox.decision import MARKERS
from glassbox.style import PALETTE


def two_blobs(n: int = 20, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two seeded clouds, class 0 around (-1, 1) and class 1 around (1, -1)."""
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-1.0, 1.0], [1.0, -1.0]])
    X = torch.cat([0.4 * torch.randn(n, 2, generator=g) + c for c in centres])
    return X, torch.arange(2).repeat_interleave(n)


def three_blobs(n: int = 15, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    X = torch.cat([0.5 * torch.randn(n, 2, generator=g) + c for c in centres])
    return X, torch.arange(3).repeat_interleave(n)


def diagonal_probability(x: torch.Tensor) -> torch.Tensor:
    """p = sigmoid(x0 - x1): the boundary p = 0.5 is the diagonal x0 = x1."""
    return torch.sigmoid(x[:, 0] - x[:, 1])


def diagonal_logit(x: torch.Tensor) -> torch.Tensor:
    return (x[:, 0] - x[:, 1]).unsqueeze(1)


#: Three linear scores; class c wins where its score is largest.
WEIGHTS = torch.tensor([[0.0, 1.0], [1.0, -0.5], [-1.0, -0.5]])


def three_linear(x: torch.Tensor) -> torch.Tensor:
    return x @ WEIGHTS.T


def of_type(ax, kind):
    return [c for c in ax.collections if isinstance(c, kind)]


def boundary_vertices(ax) -> np.ndarray:
    sets = of_type(ax, ContourSet)
    return np.concatenate([p.vertices for cs in sets for p in cs.get_paths() if len(p.vertices)])


class DropoutNet(nn.Module):
    """Records whether it ran in training mode and under inference mode."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)
        self.drop = nn.Dropout(0.5)
        self.seen: list[tuple[bool, bool]] = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_inference_mode_enabled()))
        return self.drop(self.linear(x))


class TestDecisionGrid:
    def test_probabilities_of_a_known_function(self):
        grid = decision_grid(
            diagonal_probability,
            x_range=(-2, 2),
            y_range=(-1, 3),
            resolution=5,
            output="probabilities",
        )
        assert grid.xx.shape == grid.yy.shape == grid.values.shape == (5, 5)
        np.testing.assert_allclose(grid.xx[0], np.linspace(-2, 2, 5))
        np.testing.assert_allclose(grid.yy[:, 0], np.linspace(-1, 3, 5))
        expected = 1 / (1 + np.exp(-(grid.xx - grid.yy)))
        np.testing.assert_allclose(grid.values, expected, rtol=1e-6)

    def test_logits_go_through_the_sigmoid(self):
        grid = decision_grid(diagonal_logit, x_range=(-2, 2), y_range=(-2, 2), resolution=4)
        np.testing.assert_allclose(grid.values, 1 / (1 + np.exp(-(grid.xx - grid.yy))), rtol=1e-6)

    def test_several_outputs_give_the_argmax_class(self):
        xx, yy, values = decision_grid(three_linear, x_range=(-3, 3), y_range=(-3, 3), resolution=7)
        points = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
        expected = three_linear(points).argmax(1).numpy().reshape(xx.shape)
        np.testing.assert_array_equal(values, expected)
        assert values.dtype.kind == "i" and set(np.unique(values)) == {0, 1, 2}

    def test_numpy_returning_function_and_float32_input(self):
        seen = []

        def numpy_model(x):
            seen.append(x.dtype)
            return (x[:, 0] > 0).numpy().astype(float)

        grid = decision_grid(
            numpy_model, x_range=(-1, 1), y_range=(0, 1), resolution=3, output="probabilities"
        )
        assert seen == [torch.float32]
        np.testing.assert_array_equal(grid.values[0], [0.0, 0.0, 1.0])

    def test_module_runs_in_eval_and_inference_mode_and_mode_is_restored(self):
        net = DropoutNet()
        net.train()
        net.linear.eval()  # a mixed state must come back exactly as it was
        decision_grid(net, x_range=(0, 1), y_range=(0, 1), resolution=3)
        assert net.seen == [(False, True)]
        assert net.training and net.drop.training and not net.linear.training
        assert all(p.requires_grad for p in net.parameters())

    def test_mode_is_restored_when_the_model_fails(self):
        class Broken(nn.Module):
            def forward(self, x):
                raise RuntimeError("boom")

        net = Broken().train()
        with pytest.raises(RuntimeError, match="boom"):
            decision_grid(net, x_range=(0, 1), y_range=(0, 1), resolution=2)
        assert net.training

    def test_float64_module_gets_float64_input(self):
        net = nn.Linear(2, 3).to(torch.float64)
        grid = decision_grid(net, x_range=(0, 1), y_range=(0, 1), resolution=3)
        assert grid.values.shape == (3, 3)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"model": "net"}, TypeError, "model must be callable"),
            ({"x_range": 3}, TypeError, "x_range must be a pair"),
            ({"x_range": (0, 1, 2)}, ValueError, "x_range must be a pair"),
            (
                {"y_range": (1, 1)},
                ValueError,
                r"y_range must be a pair \(low, high\) with low < high",
            ),
            ({"y_range": (0, float("nan"))}, ValueError, r"y_range\[1\] must be finite"),
            ({"resolution": 1}, ValueError, "resolution must be >= 2"),
            ({"resolution": 2.5}, TypeError, "resolution must be an int"),
            ({"output": "scores"}, ValueError, "output must be 'logits' or 'probabilities'"),
            ({"model": lambda x: x[:3]}, ValueError, r"one row per input point.*\(3, 2\)"),
            ({"model": lambda x: x[:, :, None]}, ValueError, r"returned shape \(9, 2, 1\)"),
            ({"model": lambda x: x[:, :1] * np.nan}, ValueError, "NaN or inf"),
            (
                {"model": lambda x: x[:, :1] + 5, "output": "probabilities"},
                ValueError,
                r"numbers in \[0, 1\]",
            ),
            ({"model": lambda x: "yes"}, ValueError, "must return a tensor or array"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"model": diagonal_logit, "x_range": (0, 1), "y_range": (0, 1), "resolution": 3}
        args.update(kwargs)
        model = args.pop("model")
        with pytest.raises(error, match=match):
            decision_grid(model, **args)


class TestPlotDecisionBoundary:
    def setup_method(self):
        self.X, self.y = two_blobs()

    def test_boundary_is_the_threshold_contour_on_the_diagonal(self):
        ax = plot_decision_boundary(diagonal_probability, self.X, self.y, output="probabilities")
        (contour,) = of_type(ax, ContourSet)
        np.testing.assert_allclose(contour.levels, [0.5])
        assert contour.get_label() == "boundary"
        vertices = boundary_vertices(ax)
        assert len(vertices) > 10
        np.testing.assert_allclose(vertices[:, 0], vertices[:, 1], atol=1e-6)

    def test_other_threshold_moves_the_boundary(self):
        ax = plot_decision_boundary(diagonal_logit, self.X, self.y, threshold=0.8, resolution=400)
        (contour,) = of_type(ax, ContourSet)
        np.testing.assert_allclose(contour.levels, [0.8])
        vertices = boundary_vertices(ax)
        # sigmoid(x0 - x1) = 0.8  <=>  x0 - x1 = log 4 (up to the grid's interpolation)
        np.testing.assert_allclose(vertices[:, 0] - vertices[:, 1], math.log(4), atol=2e-3)

    def test_points_per_class_with_own_marker_colour_and_legend(self):
        ax = plot_decision_boundary(diagonal_logit, self.X, self.y, class_names=["no", "yes"])
        scatters = of_type(ax, PathCollection)
        assert [s.get_label() for s in scatters] == ["no", "yes"]
        for k, s in enumerate(scatters):
            np.testing.assert_allclose(s.get_offsets(), self.X[self.y == k].numpy(), rtol=1e-6)
            assert mpl.colors.same_color(s.get_facecolor()[0], PALETTE[k])
        paths = [s.get_paths()[0].vertices for s in scatters]
        assert paths[0].shape != paths[1].shape or not np.allclose(*paths), "same marker"
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert texts == ["no", "yes", "boundary (p = 0.5)"]

    def test_probability_shading_holds_the_probability(self):
        ax = plot_decision_boundary(diagonal_logit, self.X, self.y, resolution=30)
        (mesh,) = of_type(ax, QuadMesh)
        grid = decision_grid(
            diagonal_logit, x_range=ax.get_xlim(), y_range=ax.get_ylim(), resolution=30
        )
        np.testing.assert_allclose(
            np.asarray(mesh.get_array()).ravel(), grid.values.ravel(), rtol=1e-6
        )
        assert len(ax.figure.axes) == 2  # the colour bar
        assert ax.figure.axes[1].get_ylabel() == "P(class 1)"

    def test_region_shading_and_no_shading(self):
        ax = plot_decision_boundary(
            diagonal_logit, self.X, self.y, shading="regions", resolution=20, threshold=0.3
        )
        (mesh,) = of_type(ax, QuadMesh)
        grid = decision_grid(
            diagonal_logit, x_range=ax.get_xlim(), y_range=ax.get_ylim(), resolution=20
        )
        np.testing.assert_array_equal(
            np.asarray(mesh.get_array()).ravel(), (grid.values >= 0.3).ravel()
        )
        _, ax2 = plt.subplots()
        out = plot_decision_boundary(diagonal_logit, self.X, self.y, shading="none", ax=ax2)
        assert out is ax2 and not of_type(ax2, QuadMesh) and len(ax2.figure.axes) == 1

    def test_ranges_from_data_with_margin_or_given(self):
        ax = plot_decision_boundary(diagonal_logit, self.X, self.y, margin=0.5)
        x = self.X[:, 0].numpy()
        span = x.max() - x.min()
        np.testing.assert_allclose(
            ax.get_xlim(), (x.min() - span / 2, x.max() + span / 2), rtol=1e-6
        )
        ax = plot_decision_boundary(diagonal_logit, self.X, self.y, x_range=(-5, 5), y_range=(0, 1))
        assert ax.get_xlim() == (-5, 5) and ax.get_ylim() == (0, 1)

    def test_accepts_trained_style_module_targets_and_restores_mode(self):
        net = DropoutNet().train()
        y_float = self.y.to(torch.float32).unsqueeze(1)  # BCE-shaped (n, 1) targets
        plot_decision_boundary(net, self.X, y_float)
        assert net.training and net.seen == [(False, True)]

    def test_kws_are_passed_and_not_modified(self):
        kws = {"s": 80}
        ax = plot_decision_boundary(
            diagonal_logit,
            self.X,
            self.y,
            scatter_kws=kws,
            contour_kws={"linewidths": 3},
            title="t",
        )
        assert kws == {"s": 80}
        assert of_type(ax, PathCollection)[0].get_sizes()[0] == 80
        assert of_type(ax, ContourSet)[0].get_linewidths()[0] == 3
        assert ax.get_title() == "t"

    def test_does_not_change_global_style(self):
        before = dict(mpl.rcParams)
        plot_decision_boundary(diagonal_logit, self.X, self.y)
        assert dict(mpl.rcParams) == before

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"model": 3}, TypeError, "model must be callable"),
            ({"X": torch.zeros(40, 3)}, ValueError, r"X must have shape \(n, 2\)"),
            ({"X": torch.zeros(40)}, ValueError, "X must be 2-D"),
            ({"y": torch.zeros(39)}, ValueError, r"one label per row of X \(40\)"),
            ({"y": torch.full((40,), 0.5)}, ValueError, "y must hold class labels"),
            ({"y": torch.full((40,), -1)}, ValueError, "y must hold class labels"),
            ({"y": torch.full((40,), 2)}, ValueError, "labels 0 and 1"),
            ({"y": torch.zeros(40, 2)}, ValueError, "y must be 1-D"),
            ({"model": three_linear}, ValueError, r"one output.*shape \(\d+, 3\)"),
            ({"model": lambda x: x[:5, :1]}, ValueError, r"returned shape \(5, 1\)"),
            ({"threshold": 1.0}, ValueError, "threshold must lie strictly between 0 and 1"),
            ({"threshold": "half"}, TypeError, "threshold must be a real number"),
            ({"shading": "dots"}, ValueError, "shading must be"),
            ({"class_names": ["a"]}, ValueError, "class_names must name all 2"),
            ({"scatter_kws": [1]}, TypeError, "scatter_kws"),
            ({"margin": -1}, ValueError, "margin must be >= 0"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"model": diagonal_logit, "X": self.X, "y": self.y}
        args.update(kwargs)
        model, X, y = args.pop("model"), args.pop("X"), args.pop("y")
        with pytest.raises(error, match=match):
            plot_decision_boundary(model, X, y, **args)


class TestPlotDecisionRegions:
    def setup_method(self):
        self.X, self.y = three_blobs()

    def test_regions_hold_the_argmax_of_the_model(self):
        ax = plot_decision_regions(three_linear, self.X, self.y, resolution=40)
        (mesh,) = of_type(ax, QuadMesh)
        xx, yy, values = decision_grid(
            three_linear, x_range=ax.get_xlim(), y_range=ax.get_ylim(), resolution=40
        )
        points = torch.tensor(np.c_[xx.ravel(), yy.ravel()], dtype=torch.float32)
        expected = three_linear(points).argmax(1).numpy()
        np.testing.assert_array_equal(np.asarray(mesh.get_array()).ravel(), expected)
        np.testing.assert_array_equal(values.ravel(), expected)

    def test_region_colours_follow_the_palette(self):
        ax = plot_decision_regions(three_linear, self.X, self.y, resolution=10)
        (mesh,) = of_type(ax, QuadMesh)
        for k in range(3):
            light = np.array(mesh.cmap(mesh.norm(k))[:3])
            base = np.array(mpl.colors.to_rgb(PALETTE[k]))
            # a lighter version of the class colour: 1 - light is proportional to 1 - base
            np.testing.assert_allclose(1 - light, 0.35 * (1 - base), atol=1e-6)

    def test_boundaries_lie_where_two_scores_tie(self):
        ax = plot_decision_regions(three_linear, self.X, self.y, resolution=300)
        vertices = torch.tensor(boundary_vertices(ax), dtype=torch.float32)
        assert len(vertices) > 20
        top2 = three_linear(vertices).topk(2, dim=1).values
        # exact along the lines; near the point where all three meet, the grid's linear
        # interpolation of a kinked function is off by a fraction of a grid step (0.02)
        np.testing.assert_allclose(top2[:, 0], top2[:, 1], atol=5e-3)
        assert np.median(np.abs((top2[:, 0] - top2[:, 1]).numpy())) < 1e-5
        plain = plot_decision_regions(three_linear, self.X, self.y, boundaries=False)
        assert not of_type(plain, ContourSet)

    def test_points_markers_colours_and_legend(self):
        names = ["north", "east", "west"]
        ax = plot_decision_regions(three_linear, self.X, self.y, class_names=names)
        scatters = of_type(ax, PathCollection)
        assert [s.get_label() for s in scatters] == names
        for k, s in enumerate(scatters):
            np.testing.assert_allclose(s.get_offsets(), self.X[self.y == k].numpy(), rtol=1e-6)
            assert mpl.colors.same_color(s.get_facecolor()[0], PALETTE[k])
        assert len({MARKERS[k] for k in range(3)}) == 3
        markers = [tuple(np.round(s.get_paths()[0].vertices, 3).ravel()) for s in scatters]
        assert len(set(markers)) == 3, "every class needs its own marker"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == [*names, "boundary"]

    def test_a_trained_mlp_in_train_mode_is_restored(self):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.3), nn.Linear(8, 3))
        net.train()
        ax = plot_decision_regions(net, self.X, self.y, resolution=20)
        assert net.training and all(m.training for m in net.modules())
        (mesh,) = of_type(ax, QuadMesh)
        net.eval()
        _, _, values = decision_grid(
            net, x_range=ax.get_xlim(), y_range=ax.get_ylim(), resolution=20
        )
        np.testing.assert_array_equal(np.asarray(mesh.get_array()).ravel(), values.ravel())

    def test_a_class_that_wins_nowhere_draws_no_extra_boundary(self):
        def two_of_three(x):
            scores = three_linear(x)
            scores[:, 1] = -100.0
            return scores

        ax = plot_decision_regions(two_of_three, self.X, self.y)
        assert len(of_type(ax, ContourSet)) == 1

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"model": None}, TypeError, "model must be callable"),
            ({"X": np.zeros((45, 1))}, ValueError, r"X must have shape \(n, 2\).*\(45, 1\)"),
            ({"y": [0, 1]}, ValueError, "one label per row of X"),
            ({"y": torch.full((45,), 3)}, ValueError, "label 3, but the model has only 3 outputs"),
            ({"model": diagonal_logit}, ValueError, r"at least 2 columns.*shape \(\d+, 1\)"),
            ({"model": lambda x: x[1:]}, ValueError, "one row per input point"),
            ({"class_names": ["a", "b"]}, ValueError, "class_names must name all 3"),
            ({"class_names": "abc"}, TypeError, "class_names must be a sequence"),
            ({"region_kws": "pale"}, TypeError, "region_kws"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"model": three_linear, "X": self.X, "y": self.y}
        args.update(kwargs)
        model, X, y = args.pop("model"), args.pop("X"), args.pop("y")
        with pytest.raises(error, match=match):
            plot_decision_regions(model, X, y, **args)
