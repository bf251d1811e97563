"""glassbox.descent: the cost numbers, and what the cost pictures draw."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from glassbox import (
    cost_grid,
    make_line,
    mse_cost,
    mse_gradient,
    plot_cost_contour,
    plot_cost_curve,
    plot_cost_slices,
    plot_cost_surface,
    plot_fit_and_cost,
    plot_gradient_arrows,
)
from glassbox.style import PALETTE

X, Y = make_line(30, slope=1.0, intercept=-1.0, noise=0.5, low=-3.0, high=3.0, seed=0)
XN, YN = X.numpy().astype(float), Y.numpy().astype(float)
RANGES = {"w_range": (-6.0, 6.0), "b_range": (-5.0, 3.0)}
PATH = np.array([[-5.0, -4.0], [-1.5, -3.0], [0.2, -2.2], [0.8, -1.6], [0.95, -1.2]])


def direct_mse(w: float, b: float) -> float:
    """The cost the slow, obvious way, in float64 PyTorch."""
    x, y = X.double(), Y.double()
    return torch.mean((w * x + b - y) ** 2).item()


def autograd_gradient(w: float, b: float) -> tuple[float, float]:
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    torch.mean((wt * X.double() + bt - Y.double()) ** 2).backward()
    return wt.grad.item(), bt.grad.item()


def line_by_label(ax, label):
    (line,) = [line for line in ax.lines if line.get_label() == label]
    return line


class TestNumbers:
    @pytest.mark.parametrize(("w", "b"), [(0.0, 0.0), (1.0, -1.0), (-4.5, 2.5), (3.0, -7.0)])
    def test_mse_cost_matches_the_direct_formula(self, w, b):
        assert float(mse_cost(X, Y, w, b)) == pytest.approx(direct_mse(w, b), rel=1e-10)

    def test_mse_cost_broadcasts_a_1d_grid_and_a_2d_grid(self):
        ws = np.linspace(-2, 2, 7)
        curve = mse_cost(X, Y, ws, 0.5)
        assert curve.shape == (7,)
        np.testing.assert_allclose(curve, [direct_mse(w, 0.5) for w in ws], rtol=1e-10)
        W, B = np.meshgrid([-1.0, 0.0, 2.0], [0.0, 1.0])
        surface = mse_cost(XN, YN, W, B)
        assert surface.shape == (2, 3)
        assert surface[1, 2] == pytest.approx(direct_mse(2.0, 1.0), rel=1e-10)

    def test_mse_cost_is_exactly_zero_on_a_perfect_fit(self):
        assert float(mse_cost([0, 1, 2], [1, 3, 5], 2.0, 1.0)) == 0.0

    def test_chunking_does_not_change_the_result(self):
        x, y = make_line(5000, seed=1)
        W, B = np.meshgrid(np.linspace(0, 4, 40), np.linspace(5, 15, 30))  # 1200 x 5000
        got = mse_cost(x, y, W, B)
        assert got[7, 11] == pytest.approx(
            torch.mean((W[7, 11] * x.double() + B[7, 11] - y.double()) ** 2).item(), rel=1e-10
        )

    @pytest.mark.parametrize(("w", "b"), [(0.0, 0.0), (-4.5, 2.5), (3.0, -7.0)])
    def test_mse_gradient_matches_autograd(self, w, b):
        dw, db = mse_gradient(X, Y, w, b)
        expected = autograd_gradient(w, b)
        assert (float(dw), float(db)) == pytest.approx(expected, rel=1e-9, abs=1e-12)

    def test_cost_grid_is_a_meshgrid_of_costs(self):
        W, B, C = cost_grid(X, Y, **RANGES, num=11)
        assert W.shape == B.shape == C.shape == (11, 11)
        assert W[0, 0] == -6.0 and W[0, -1] == 6.0 and B[0, 0] == -5.0 and B[-1, 0] == 3.0
        for i, j in [(0, 0), (5, 7), (10, 3)]:
            assert C[i, j] == pytest.approx(direct_mse(W[i, j], B[i, j]), rel=1e-10)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"x": [1.0, 2.0]}, ValueError, "x and y must have the same length"),
            ({"w": [1.0, 2.0], "b": [1.0, 2.0, 3.0]}, ValueError, "w and b must broadcast"),
            ({"y": "abc"}, TypeError, "y must be array-like"),
        ],
    )
    def test_mse_cost_bad_input(self, kwargs, error, match):
        args = {"x": XN[:3], "y": YN[:3], "w": 1.0, "b": 0.0}
        args.update(kwargs)
        with pytest.raises(error, match=match):
            mse_cost(**args)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            (
                {"w_range": (1.0, 1.0)},
                ValueError,
                r"w_range must be a pair \(low, high\) with low < high",
            ),
            ({"w_range": (2.0, 1.0)}, ValueError, "w_range must be"),
            ({"b_range": (0.0, 1.0, 2.0)}, ValueError, "b_range must be a pair"),
            ({"b_range": 3.0}, TypeError, "b_range must be a pair"),
            ({"w_range": ("a", 1.0)}, TypeError, r"w_range\[0\] must be a real number"),
            ({"num": 1}, ValueError, "num must be >= 2"),
        ],
    )
    def test_cost_grid_bad_input(self, kwargs, error, match):
        args = {**RANGES, "num": 5}
        args.update(kwargs)
        with pytest.raises(error, match=match):
            cost_grid(X, Y, **args)


class TestCostCurve:
    def test_curve_is_the_cost_at_fixed_b(self):
        ax = plot_cost_curve(X, Y, w_range=(-4, 5), b=-1.0, num=50)
        ws, cs = line_by_label(ax, "cost").get_data()
        assert ws[0] == -4 and ws[-1] == 5 and len(ws) == 50
        for k in (0, 17, 49):
            assert cs[k] == pytest.approx(direct_mse(ws[k], -1.0), rel=1e-10)
        assert ax.get_xlabel() == "slope $w$"

    def test_point_and_tangent_slope_equal_the_derivative(self):
        ax = plot_cost_curve(X, Y, w_range=(-6, 6), b=0.5, point=-3.0)
        (pw,), (pc,) = line_by_label(ax, "point").get_data()
        assert pw == -3.0 and pc == pytest.approx(direct_mse(-3.0, 0.5))
        (tw0, tw1), (tc0, tc1) = line_by_label(ax, "tangent").get_data()
        slope = (tc1 - tc0) / (tw1 - tw0)
        assert slope == pytest.approx(autograd_gradient(-3.0, 0.5)[0], rel=1e-9)
        # The tangent passes through the marked point.
        assert tc0 + slope * (pw - tw0) == pytest.approx(pc)
        assert any(t.get_text().startswith("slope -") for t in ax.texts)

    def test_no_tangent_when_switched_off(self):
        ax = plot_cost_curve(X, Y, w_range=(-6, 6), point=1.0, tangent=False)
        assert [line.get_label() for line in ax.lines] == ["cost", "point"]

    def test_trajectory_points_sit_on_the_curve_numbered_and_joined_by_arrows(self):
        steps = [-5.0, -2.0, 0.0, 0.8]
        ax = plot_cost_curve(X, Y, w_range=(-6, 6), b=-1.0, trajectory=steps)
        np.testing.assert_allclose(
            line_by_label(ax, "steps").get_xydata(),
            [[w, direct_mse(w, -1.0)] for w in steps],
            rtol=1e-10,
        )
        numbers = [t.get_text() for t in ax.texts if t.get_text()]
        assert numbers == ["0", "1", "2", "3"]
        arrows = [t for t in ax.texts if t.get_text() == "" and t.arrow_patch is not None]
        assert len(arrows) == 3
        assert arrows[0].xy == pytest.approx((-2.0, direct_mse(-2.0, -1.0)))

    def test_draws_on_given_axes_with_kws_and_keeps_global_style(self):
        before = dict(mpl.rcParams)
        _, ax = plt.subplots()
        out = plot_cost_curve(X, Y, w_range=(-1, 1), ax=ax, line_kws={"linewidth": 5})
        assert out is ax and ax.lines[0].get_linewidth() == 5
        assert mpl.colors.same_color(ax.lines[0].get_color(), PALETTE[0])
        assert dict(mpl.rcParams) == before

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"w_range": (3, 3)}, ValueError, "w_range must be"),
            ({"point": "2"}, TypeError, "point must be a real number"),
            ({"trajectory": [[1, 2], [3, 4]]}, ValueError, "trajectory must be 1-D"),
            ({"trajectory": [1.0, float("inf")]}, ValueError, "trajectory must hold only finite"),
            ({"b": None}, TypeError, "b must be a real number"),
            ({"tangent_kws": "red"}, TypeError, "tangent_kws"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"w_range": (-1, 1)}
        args.update(kwargs)
        with pytest.raises(error, match=match):
            plot_cost_curve(X, Y, **args)


def contour_vertices(cs):
    """All vertices of a contour set's paths, with the level each belongs to."""
    out = []
    for level, path in zip(cs.levels, cs.get_paths(), strict=True):
        for vertex in path.vertices:
            out.append((level, *vertex))
    return np.array(out)


class TestCostContour:
    def test_contours_lie_where_the_cost_equals_their_level(self):
        ax = plot_cost_contour(X, Y, **RANGES, levels=[5, 20, 60], num=150, label_levels=False)
        cs = ax.collections[0]
        assert cs.levels.tolist() == [5.0, 20.0, 60.0]
        points = contour_vertices(cs)
        assert len(points) > 50
        direct = np.array([direct_mse(w, b) for _, w, b in points[::7]])
        np.testing.assert_allclose(direct, points[::7, 0], rtol=0.01)

    def test_default_levels_are_evenly_spaced_inside_the_cost_range(self):
        ax = plot_cost_contour(X, Y, **RANGES, levels=6)
        levels = ax.collections[0].levels
        _, _, C = cost_grid(X, Y, **RANGES, num=120)
        assert 3 <= len(levels) <= 8
        assert C.min() < levels.min() and levels.max() < C.max()
        np.testing.assert_allclose(np.diff(levels), np.diff(levels)[0])

    def test_trajectory_start_end_and_minimum(self):
        ax = plot_cost_contour(X, Y, **RANGES, trajectory=torch.tensor(PATH))
        np.testing.assert_allclose(line_by_label(ax, "gradient descent").get_xydata(), PATH)
        np.testing.assert_allclose(line_by_label(ax, "start").get_xydata(), PATH[:1])
        np.testing.assert_allclose(line_by_label(ax, "end").get_xydata(), PATH[-1:])
        (mw,), (mb,) = line_by_label(ax, "minimum").get_data()
        assert mse_gradient(X, Y, mw, mb) == pytest.approx((0.0, 0.0), abs=1e-9)
        assert line_by_label(ax, "start").get_marker() != line_by_label(ax, "end").get_marker()
        assert ax.get_legend() is not None
        assert ax.get_xlim() == (-6.0, 6.0) and ax.get_ylim() == (-5.0, 3.0)

    def test_filled_and_labelled(self):
        ax = plot_cost_contour(X, Y, **RANGES, levels=[10, 30], filled=True)
        assert len(ax.collections) == 2
        assert {t.get_text() for t in ax.texts} >= {"10", "30"}

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"trajectory": [[1.0, 2.0, 3.0]]}, ValueError, r"trajectory must have shape \(k, 2\)"),
            ({"trajectory": [1.0, 2.0]}, ValueError, "trajectory must be 2-D"),
            ({"levels": [3, 2, 1]}, ValueError, "levels must be strictly increasing"),
            ({"levels": 0}, ValueError, "levels must be >= 1"),
            ({"levels": True}, TypeError, "levels must be an int"),
            ({"b_range": (1, -1)}, ValueError, "b_range must be"),
            ({"contour_kws": 1}, TypeError, "contour_kws"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = dict(RANGES)
        args.update(kwargs)
        with pytest.raises(error, match=match):
            plot_cost_contour(X, Y, **args)


class TestCostSurface:
    def test_is_3d_with_floor_contours_and_the_path_on_the_surface(self):
        ax = plot_cost_surface(X, Y, **RANGES, trajectory=PATH, levels=[10, 40], num=30)
        assert ax.name == "3d"
        assert ax.collections[1].levels.tolist() == [10.0, 40.0]
        ws, bs, cs = ax.lines[0].get_data_3d()
        np.testing.assert_allclose(np.c_[ws, bs], PATH)
        np.testing.assert_allclose(cs, [direct_mse(w, b) for w, b in PATH], rtol=1e-10)
        _, _, C = cost_grid(X, Y, **RANGES, num=30)
        assert ax.get_zlim()[1] == pytest.approx(C.max())
        assert min(ax.get_zticks()) >= C.min() - 1e-9  # no negative costs on the axis

    def test_surface_heights_are_the_costs(self):
        ax = plot_cost_surface(X, Y, **RANGES, num=12)
        surface = ax.collections[0]
        _, _, C = cost_grid(X, Y, **RANGES, num=12)
        # Each face's colour value is the mean cost of its four corners.
        faces = surface.get_array().reshape(11, 11)
        corners = (C[:-1, :-1] + C[1:, :-1] + C[:-1, 1:] + C[1:, 1:]) / 4
        np.testing.assert_allclose(faces, corners, rtol=1e-9)

    def test_draws_on_a_given_3d_axes(self):
        fig = plt.figure()
        ax3 = fig.add_subplot(projection="3d")
        assert plot_cost_surface(X, Y, **RANGES, num=10, ax=ax3) is ax3

    def test_refuses_a_flat_axes(self):
        _, ax = plt.subplots()
        with pytest.raises(TypeError, match="ax must be a 3-D Axes"):
            plot_cost_surface(X, Y, **RANGES, ax=ax)

    def test_bad_trajectory(self):
        with pytest.raises(ValueError, match="trajectory must have shape"):
            plot_cost_surface(X, Y, **RANGES, trajectory=np.zeros((3, 3)))


class TestCostSlices:
    def test_slices_at_fixed_b_are_the_cost_along_w(self):
        ax = plot_cost_slices(X, Y, b_values=[-3.0, 0.0, 2.0], w_range=(-4, 4), num=40)
        assert [line.get_label() for line in ax.lines] == ["b = -3", "b = 0", "b = 2"]
        for line, b in zip(ax.lines, [-3.0, 0.0, 2.0], strict=True):
            ws, cs = line.get_data()
            np.testing.assert_allclose(cs, [direct_mse(w, b) for w in ws], rtol=1e-10)
        assert len({line.get_linestyle() for line in ax.lines}) == 3
        assert ax.get_xlabel() == "slope $w$"

    def test_slices_at_fixed_w_are_the_cost_along_b(self):
        ax = plot_cost_slices(X, Y, w_values=[0.5, 1.5], b_range=(-3, 1), num=20)
        bs, cs = ax.lines[1].get_data()
        np.testing.assert_allclose(cs, [direct_mse(1.5, b) for b in bs], rtol=1e-10)
        assert ax.get_xlabel() == "intercept $b$"

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({}, TypeError, "exactly one of b_values"),
            ({"b_values": [0], "w_values": [0], "w_range": (0, 1)}, TypeError, "exactly one"),
            ({"b_values": [0]}, TypeError, "b_values needs w_range"),
            ({"w_values": [0]}, TypeError, "w_values needs b_range"),
            ({"w_values": [], "b_range": (0, 1)}, ValueError, "w_values must have at least 1"),
            ({"b_values": [0], "w_range": (1, 0)}, ValueError, "w_range must be"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            plot_cost_slices(X, Y, **kwargs)


class TestFitAndCost:
    def test_each_pair_shows_the_line_and_the_path_so_far(self):
        fig = plot_fit_and_cost(X, Y, PATH, iterations=[0, 2, 4], pairs_per_row=2)
        assert len(fig.axes) == 8  # 2 rows of 2 pairs; the last pair is hidden
        assert [ax.get_visible() for ax in fig.axes] == [True] * 6 + [False] * 2
        for i, k in enumerate([0, 2, 4]):
            data_ax, cost_ax = fig.axes[2 * i], fig.axes[2 * i + 1]
            xs, ys = data_ax.lines[0].get_data()
            np.testing.assert_allclose(ys, PATH[k, 0] * np.asarray(xs) + PATH[k, 1])
            np.testing.assert_allclose(
                data_ax.collections[0].get_offsets(), np.c_[XN, YN], rtol=1e-6
            )
            path, current = line_by_label(cost_ax, "path"), line_by_label(cost_ax, "current")
            np.testing.assert_allclose(path.get_xydata(), PATH[: k + 1])
            np.testing.assert_allclose(current.get_xydata(), PATH[k : k + 1])
            assert data_ax.get_title() == f"iteration {k}"
            assert cost_ax.get_title() == f"cost {direct_mse(*PATH[k]):.3g}"

    def test_default_iterations_and_ranges_hold_the_path(self):
        history = np.column_stack([np.linspace(-5, 1, 41), np.linspace(-4, -1, 41)])
        fig = plot_fit_and_cost(X, Y, history)
        titles = [ax.get_title() for ax in fig.axes[::2] if ax.get_visible()]
        assert titles[0] == "iteration 0" and titles[-1] == "iteration 40"
        cost_ax = fig.axes[1]
        (w_lo, w_hi), (b_lo, b_hi) = cost_ax.get_xlim(), cost_ax.get_ylim()
        assert w_lo < -5 and w_hi > 1 and b_lo < -4 and b_hi > -1

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"history": [[1.0, 2.0, 3.0]]}, ValueError, r"history must have shape \(steps"),
            ({"history": [1.0, 2.0]}, ValueError, "history must be 2-D"),
            ({"iterations": [0, 5]}, ValueError, r"iterations must lie in 0..4"),
            ({"iterations": []}, ValueError, "iterations must name at least one"),
            ({"iterations": 3}, TypeError, "iterations must be a sequence"),
            ({"iterations": [0.5]}, TypeError, "iterations"),
            ({"pairs_per_row": 0}, ValueError, "pairs_per_row must be >= 1"),
            ({"w_range": (0, 0)}, ValueError, "w_range must be"),
            ({"x": XN[:4]}, ValueError, "same length"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"x": XN, "history": PATH}
        args.update(kwargs)
        x, history = args.pop("x"), args.pop("history")
        with pytest.raises(error, match=match):
            plot_fit_and_cost(x, YN, history, **args)


POINTS = np.array([[-4.0, -3.5], [3.0, 1.5], [-1.0, 2.0], [4.5, -4.0], [0.0, 0.0]])


def arrows_of(ax):
    (quiver,) = [c for c in ax.collections if isinstance(c, mpl.quiver.Quiver)]
    return quiver


def contour_pieces(path):
    """Split a contour level's path into its connected pieces (every vertex kept)."""
    starts = np.flatnonzero(path.codes == mpl.path.Path.MOVETO)
    return [piece for piece in np.split(path.vertices, starts[1:]) if len(piece) > 2]


def unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


class TestGradientArrows:
    def test_scaled_arrows_are_the_gradient_at_each_point(self):
        ax = plot_gradient_arrows(X, Y, POINTS, scale=0.05, **RANGES)
        arrows = arrows_of(ax)
        assert arrows.get_label() == "gradient"
        np.testing.assert_allclose(np.c_[arrows.X, arrows.Y], POINTS)
        expected = np.array([autograd_gradient(w, b) for w, b in POINTS]) * 0.05
        np.testing.assert_allclose(np.c_[arrows.U, arrows.V], expected, rtol=1e-9)
        np.testing.assert_allclose(line_by_label(ax, "points").get_xydata(), POINTS)

    def test_default_arrows_share_one_length_and_point_along_the_gradient(self):
        ax = plot_gradient_arrows(X, Y, POINTS, **RANGES)
        arrows = np.c_[arrows_of(ax).U, arrows_of(ax).V]
        lengths = np.linalg.norm(arrows, axis=1)
        np.testing.assert_allclose(lengths, 0.12 * 8.0)  # 12 % of the shorter side (b: 8)
        gradients = np.array([autograd_gradient(w, b) for w, b in POINTS])
        cosines = np.sum(unit(arrows) * unit(gradients), axis=1)
        np.testing.assert_allclose(cosines, 1.0, rtol=1e-9)

    def test_negative_arrow_scaled_by_the_learning_rate_is_one_descent_step(self):
        lr, (w0, b0) = 0.1, POINTS[0]
        ax = plot_gradient_arrows(X, Y, POINTS[:1], negative=True, scale=lr, contours=False)
        arrows = arrows_of(ax)
        assert arrows.get_label() == "negative gradient"
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
        torch.mean((w * X.double() + b - Y.double()) ** 2).backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        tip = (w0 + arrows.U[0], b0 + arrows.V[0])
        assert tip == pytest.approx((w.item(), b.item()), rel=1e-9)

    def test_arrows_are_perpendicular_to_the_contour_through_each_point(self):
        ax = plot_gradient_arrows(X, Y, POINTS, **RANGES, num=300)
        (cs,) = [c for c in ax.collections if isinstance(c, mpl.contour.ContourSet)]
        costs = [direct_mse(w, b) for w, b in POINTS]
        np.testing.assert_allclose(cs.levels, np.sort(costs), rtol=1e-9)
        arrows = np.c_[arrows_of(ax).U, arrows_of(ax).V]
        for point, cost, arrow in zip(POINTS, costs, arrows, strict=True):
            path = cs.get_paths()[int(np.argmin(np.abs(cs.levels - cost)))]
            pieces = contour_pieces(path)
            # The vertex of the contour nearest to the point, and its two neighbours.
            piece, k = min(
                ((v, int(np.argmin(np.linalg.norm(v - point, axis=1)))) for v in pieces),
                key=lambda pk: np.linalg.norm(pk[0][pk[1]] - point),
            )
            assert np.linalg.norm(piece[k] - point) < 0.05  # the contour passes the point
            tangent = piece[(k + 1) % len(piece)] - piece[k - 1]
            cosine = abs(np.dot(unit(tangent), unit(arrow)))
            assert cosine < 0.02, (point, cosine)
            # The check can fail: the gradient with its components swapped is not
            # perpendicular to the contour at these points.
            assert abs(np.dot(unit(tangent), unit(arrow[::-1]))) > 0.1

    def test_zero_gradient_at_the_minimum_gives_a_zero_arrow(self):
        xs, ys = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0])
        ax = plot_gradient_arrows(xs, ys, [[2.0, 1.0], [0.0, 0.0]], contours=False)
        arrows = arrows_of(ax)
        assert (arrows.U[0], arrows.V[0]) == (0.0, 0.0)
        assert np.all(np.isfinite(np.c_[arrows.U, arrows.V]))

    def test_equal_aspect_and_ranges_from_a_contour_plot(self):
        ax = plot_cost_contour(
            X,
            Y,
            **RANGES,
            gradient_at=POINTS[:2],
            gradient_kws={"scale": 0.1, "arrow_kws": {"color": "black"}},
        )
        arrows = arrows_of(ax)
        expected = np.array([autograd_gradient(w, b) for w, b in POINTS[:2]]) * 0.1
        np.testing.assert_allclose(np.c_[arrows.U, arrows.V], expected, rtol=1e-9)
        assert mpl.colors.same_color(arrows.get_facecolor()[0], "black")
        assert ax.get_aspect() == 1.0
        assert ax.get_xlim() == (-6.0, 6.0) and ax.get_ylim() == (-5.0, 3.0)
        assert ax.get_xlabel() == "slope $w$"

    def test_ranges_default_to_the_axes_limits_or_the_points(self):
        _, ax = plt.subplots()
        ax.plot([-8.0, 8.0], [-6.0, 6.0])
        plot_gradient_arrows(X, Y, POINTS[:2], ax=ax, equal_aspect=False)
        assert ax.get_xlim() == pytest.approx((-8.8, 8.8))  # the line's limits, with margins
        ax = plot_gradient_arrows(X, Y, POINTS)
        (w_lo, w_hi), (b_lo, b_hi) = ax.get_xlim(), ax.get_ylim()
        assert w_lo < -4 and w_hi > 4.5 and b_lo < -4 and b_hi > 2

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"points": [1.0, 2.0]}, ValueError, "points must be 2-D"),
            ({"points": [[1.0, 2.0, 3.0]]}, ValueError, r"points must have shape \(k, 2\)"),
            ({"scale": 0.0}, ValueError, "scale must be > 0"),
            ({"scale": "big"}, TypeError, "scale must be a real number"),
            ({"num": 1}, ValueError, "num must be >= 2"),
            ({"w_range": (1.0, -1.0)}, ValueError, "w_range must be"),
            ({"arrow_kws": "red"}, TypeError, "arrow_kws"),
            ({"contour_kws": 3}, TypeError, "contour_kws"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"points": POINTS}
        args.update(kwargs)
        points = args.pop("points")
        with pytest.raises(error, match=match):
            plot_gradient_arrows(X, Y, points, **args)

    def test_bad_gradient_at_on_the_contour_plot(self):
        with pytest.raises(ValueError, match=r"gradient_at must have shape \(k, 2\)"):
            plot_cost_contour(X, Y, **RANGES, gradient_at=[[1.0, 2.0, 3.0]])
        with pytest.raises(TypeError, match="gradient_kws"):
            plot_cost_contour(X, Y, **RANGES, gradient_at=POINTS, gradient_kws=[1])


def test_descent_on_slope_and_bias_by_formula_equals_autograd():
    """Gradient descent on (w, b) with the gradient written out (mse_gradient) and with
    autograd visits the same points, as the chapter "Slope and bias" asserts."""
    lr, start = 0.1, (-8.0, 6.0)
    by_formula = [start]
    for _ in range(25):
        w, b = by_formula[-1]
        dw, db = mse_gradient(XN, YN, w, b)
        by_formula.append((w - lr * float(dw), b - lr * float(db)))
    w = torch.tensor(start[0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(start[1], dtype=torch.float64, requires_grad=True)
    by_autograd = [start]
    for _ in range(25):
        torch.mean((w * X.double() + b - Y.double()) ** 2).backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        by_autograd.append((w.item(), b.item()))
    np.testing.assert_allclose(by_formula, by_autograd, rtol=1e-9, atol=1e-12)
    assert direct_mse(*by_formula[-1]) < 0.1 * direct_mse(*start)  # it did descend
