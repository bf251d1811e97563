"""glassbox.training: what the loss-curve and fit-history pictures draw."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pytest
import torch

from glassbox import make_line, plot_fit_history, plot_loss_curves
from glassbox.style import LINESTYLES, PALETTE


class TestPlotLossCurves:
    def test_one_curve_is_drawn_against_the_epoch(self):
        ax = plot_loss_curves([4.0, 2.0, 1.5])
        np.testing.assert_allclose(ax.lines[0].get_xydata(), [[0, 4.0], [1, 2.0], [2, 1.5]])
        assert ax.get_legend() is None
        assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "loss"

    def test_several_curves_get_labels_colours_and_line_styles(self):
        curves = {"train": [3, 2, 1], "validation": [3.5, 2.5, 2.0], "test": [4, 3, 2.5]}
        ax = plot_loss_curves(curves)
        assert [line.get_label() for line in ax.lines] == list(curves)
        for i, line in enumerate(ax.lines):
            np.testing.assert_allclose(line.get_ydata(), curves[line.get_label()])
            assert mpl.colors.same_color(line.get_color(), PALETTE[i])
        styles = {line.get_linestyle() for line in ax.lines}
        assert len(styles) == 3, "colour must not be the only difference between curves"
        assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)
        assert LINESTYLES[0] == "-"

    def test_accepts_tensors_and_draws_on_given_axes(self):
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
        out = plot_loss_curves(torch.tensor([1.0, 0.5]), ax=ax, line_kws={"linewidth": 4})
        assert out is ax
        assert ax.lines[0].get_linewidth() == 4

    def test_log_scale(self):
        ax = plot_loss_curves([10.0, 1.0, 0.1], logy=True, title="t")
        assert ax.get_yscale() == "log" and ax.get_title() == "t"

    def test_does_not_change_global_style(self):
        before = dict(mpl.rcParams)
        plot_loss_curves([1.0, 0.5])
        after = dict(mpl.rcParams)
        assert before == after

    @pytest.mark.parametrize(
        ("curves", "error", "match"),
        [
            ([], ValueError, "curves must have at least 1"),
            ({}, ValueError, "curves must hold at least one"),
            ("loss", TypeError, "curves must be array-like"),
            ([[1, 2], [3, 4]], ValueError, "curves must be 1-D"),
            ([1.0, float("nan")], ValueError, "curves must hold only finite"),
            ({"train": [1, None]}, ValueError, "curves\\['train'\\] must hold only finite"),
        ],
    )
    def test_bad_curves(self, curves, error, match):
        with pytest.raises(error, match=match):
            plot_loss_curves(curves)

    def test_log_scale_needs_positive_values(self):
        with pytest.raises(ValueError, match="logy"):
            plot_loss_curves([1.0, 0.0], logy=True)

    def test_bad_line_kws(self):
        with pytest.raises(TypeError, match="line_kws"):
            plot_loss_curves([1.0], line_kws=["red"])


class TestPlotFitHistory:
    def setup_method(self):
        self.x, self.y = make_line(20, seed=3)
        self.history = np.array([[0.0, 0.0], [1.0, 2.0], [1.5, 6.0], [2.0, 10.0]])

    def test_one_panel_per_epoch_with_the_recorded_line(self):
        fig = plot_fit_history(self.x, self.y, self.history, epochs=[0, 2, 3], ncols=2)
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(visible) == 3
        for ax, epoch in zip(visible, [0, 2, 3], strict=True):
            (xs, ys) = ax.lines[0].get_data()
            slope, intercept = self.history[epoch]
            np.testing.assert_allclose(ys, slope * np.asarray(xs) + intercept)
            assert ax.get_title().startswith(f"epoch {epoch}")
            np.testing.assert_allclose(
                ax.collections[0].get_offsets(), np.c_[self.x, self.y], rtol=1e-6
            )

    def test_unused_panels_are_hidden(self):
        fig = plot_fit_history(self.x, self.y, self.history, epochs=[0, 1, 2], ncols=2)
        assert len(fig.axes) == 4
        assert [ax.get_visible() for ax in fig.axes] == [True, True, True, False]

    def test_true_line_and_losses(self):
        losses = [9.0, 4.0, 1.0, 0.25]
        fig = plot_fit_history(
            self.x, self.y, self.history, epochs=[1], true_line=(2.0, 10.0), losses=losses
        )
        ax = fig.axes[0]
        xs, ys = ax.lines[1].get_data()
        np.testing.assert_allclose(ys, 2.0 * np.asarray(xs) + 10.0)
        assert ax.lines[1].get_linestyle() == "--"
        assert "loss 4" in ax.get_title()

    def test_default_epochs_include_first_and_last(self):
        history = np.column_stack([np.linspace(0, 2, 101), np.linspace(0, 10, 101)])
        fig = plot_fit_history(self.x, self.y, history)
        titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
        assert titles[0] == "epoch 0" and titles[-1] == "epoch 100"
        assert 4 <= len(titles) <= 8

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"x": [1, 2, 3]}, ValueError, "same length"),
            ({"history": [[1, 2, 3]]}, ValueError, "history must have shape"),
            ({"history": [1, 2]}, ValueError, "history must be 2-D"),
            ({"epochs": [0, 9]}, ValueError, "epochs must lie in"),
            ({"epochs": []}, ValueError, "epochs must name"),
            ({"epochs": [1.5]}, TypeError, "epochs"),
            ({"ncols": 0}, ValueError, "ncols must be >= 1"),
            ({"losses": [1.0]}, ValueError, "losses must have one value"),
            ({"scatter_kws": 3}, TypeError, "scatter_kws"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"x": self.x, "y": self.y, "history": self.history}
        args.update(kwargs)
        x, y, history = args.pop("x"), args.pop("y"), args.pop("history")
        with pytest.raises(error, match=match):
            plot_fit_history(x, y, history, **args)


def test_loss_curves_pair_validation_with_each_run():
    from glassbox import plot_loss_curves

    ax = plot_loss_curves(
        {"a": [3.0, 2.0, 1.0], "b": [3.0, 2.5, 2.0]},
        validation={"a": [3.5, 2.5, 1.8], "b": [3.2, 2.9, 2.6]},
    )
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["a (train)", "a (validation)", "b (train)", "b (validation)"]
    assert ax.lines[0].get_color() == ax.lines[1].get_color() != ax.lines[2].get_color()
    assert [line.get_linestyle() for line in ax.lines] == ["-", "--", "-", "--"]
    assert ax.lines[1].get_ydata().tolist() == [3.5, 2.5, 1.8]
    ax = plot_loss_curves([2.0, 1.0], validation=[2.5, 1.5])
    assert [line.get_label() for line in ax.lines] == ["train", "validation"]
    assert ax.get_legend() is not None


def test_loss_curves_validation_must_match():
    import pytest

    from glassbox import plot_loss_curves

    with pytest.raises(ValueError, match="labels of curves"):
        plot_loss_curves({"a": [1.0]}, validation={"b": [1.0]})
    with pytest.raises(TypeError, match="same form as curves"):
        plot_loss_curves([1.0, 0.5], validation={"a": [1.0]})
