"""glassbox.arrays: what the matrix and image-grid pictures draw."""

from __future__ import annotations

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

from glassbox import plot_image_grid, plot_matrix


def _cell_texts(ax):
    """Map (row, column) to the text drawn there."""
    return {(round(t.get_position()[1]), round(t.get_position()[0])): t for t in ax.texts}


class TestPlotMatrix:
    def test_image_holds_the_matrix_and_each_cell_its_value(self):
        matrix = torch.tensor([[11, 12, 13], [21, 22, 23]])
        ax = plot_matrix(matrix)
        np.testing.assert_array_equal(ax.images[0].get_array(), matrix.numpy())
        assert len(ax.texts) == 6
        for (r, c), text in _cell_texts(ax).items():
            assert text.get_text() == str(matrix[r, c].item())
            assert text.get_position() == (c, r)
            assert text.get_fontweight() == "normal"
        assert list(ax.get_xticks()) == [0, 1, 2]
        assert list(ax.get_yticks()) == [0, 1]
        assert ax.get_aspect() == 1.0
        assert ax.yaxis_inverted(), "row 0 must be at the top"

    def test_highlighted_cells_are_bold_and_shaded(self):
        matrix = np.arange(9.0).reshape(3, 3)
        mask = torch.zeros(3, 3, dtype=torch.bool)
        mask[1:, :2] = True
        ax = plot_matrix(matrix, highlight=mask)
        for (r, c), text in _cell_texts(ax).items():
            assert text.get_fontweight() == ("bold" if mask[r, c] else "normal")
        corners = sorted(p.get_xy() for p in ax.patches)
        assert corners == [(-0.5, 0.5), (-0.5, 1.5), (0.5, 0.5), (0.5, 1.5)]

    def test_format_and_text_colour_follow_the_values(self):
        ax = plot_matrix([[0.0, 127.5, 255.0]], cmap="gray", vmin=0, vmax=255, fmt=".1f")
        assert [t.get_text() for t in ax.texts] == ["0.0", "127.5", "255.0"]
        assert [t.get_color() for t in ax.texts] == ["white", "black", "black"]
        assert ax.images[0].get_clim() == (0.0, 255.0)

    def test_default_format(self):
        assert [t.get_text() for t in plot_matrix([[1.0, 2.0]]).texts] == ["1", "2"]
        assert [t.get_text() for t in plot_matrix([[0.5, 1 / 3]]).texts] == ["0.5", "0.333"]

    def test_options_and_given_axes(self):
        _, ax = plt.subplots()
        out = plot_matrix(
            [[1, 2]],
            ax=ax,
            annotate=False,
            title="t",
            xlabel="column",
            ylabel="row",
            text_kws={"fontsize": 3},
        )
        assert out is ax
        assert len(ax.texts) == 0
        assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("t", "column", "row")
        ax = plot_matrix([[1, 2]], text_kws={"fontsize": 3})
        assert {t.get_fontsize() for t in ax.texts} == {3}

    def test_large_matrix_gets_integer_ticks_without_crowding(self):
        ax = plot_matrix(np.zeros((28, 28)), annotate=False)
        ticks = ax.get_xticks()
        assert len(ticks) <= 12 and np.all(ticks == np.round(ticks))

    def test_does_not_change_global_style(self):
        before = dict(mpl.rcParams)
        plot_matrix([[1, 2], [3, 4]], highlight=[[True, False], [False, True]], cmap="gray")
        assert dict(mpl.rcParams) == before

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"matrix": [1, 2, 3]}, ValueError, "matrix must be 2-D"),
            ({"matrix": torch.zeros(2, 2, 2)}, ValueError, "matrix must be 2-D"),
            ({"matrix": np.zeros((2, 0))}, ValueError, "matrix must have at least 1 column"),
            ({"matrix": "abc"}, TypeError, "matrix must be array-like"),
            ({"matrix": [[1.0, float("nan")]]}, ValueError, "matrix must hold only finite"),
            (
                {"highlight": [[True, False]]},
                ValueError,
                r"highlight must have the shape .*\(2, 2\)",
            ),
            ({"highlight": [[1, 0], [0, 1]]}, TypeError, "highlight must be a boolean mask"),
            ({"fmt": 2}, TypeError, "fmt must be a format specification"),
            ({"fmt": "q"}, ValueError, "fmt must be a format specification for numbers"),
            ({"vmin": 3, "vmax": 1}, ValueError, "vmin must be smaller than vmax"),
            ({"vmin": "0"}, TypeError, "vmin must be a real number"),
            ({"text_kws": ["bold"]}, TypeError, "text_kws must be a dict"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"matrix": [[1, 2], [3, 4]], **kwargs}
        with pytest.raises(error, match=match):
            plot_matrix(args.pop("matrix"), **args)


class TestPlotImageGrid:
    def setup_method(self):
        gen = torch.Generator().manual_seed(0)
        self.images = [torch.rand(1, 4, 5, generator=gen) for _ in range(5)]

    def test_one_visible_panel_per_image_with_its_title(self):
        titles = [f"image {i}" for i in range(5)]
        fig = plot_image_grid(self.images, titles=titles, ncols=3)
        visible = [ax for ax in fig.axes if ax.get_visible()]
        assert len(fig.axes) == 6 and len(visible) == 5
        assert [ax.get_title() for ax in visible] == titles
        for ax, image in zip(visible, self.images, strict=True):
            np.testing.assert_allclose(ax.images[0].get_array(), image.squeeze(0).numpy())
            assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == []

    def test_shared_colour_scale_by_default_or_given(self):
        fig = plot_image_grid([np.zeros((2, 2)), np.full((2, 2), 4.0)])
        assert {ax.images[0].get_clim() for ax in fig.axes} == {(0.0, 4.0)}
        fig = plot_image_grid([np.zeros((2, 2))], vmin=-1, vmax=1, cmap="viridis")
        assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)
        assert fig.axes[0].images[0].get_cmap().name == "viridis"

    def test_row_labels_sit_on_the_first_panel_of_each_row(self):
        fig = plot_image_grid(self.images[:4], ncols=2, row_labels=["top", "bottom"])
        assert [ax.get_ylabel() for ax in fig.axes] == ["top", "", "bottom", ""]

    def test_accepts_pillow_channel_last_and_batches(self):
        pixels = np.arange(12, dtype=np.uint8).reshape(3, 4)
        fig = plot_image_grid([Image.fromarray(pixels), pixels[..., None], pixels.tolist()])
        for ax in fig.axes:
            np.testing.assert_array_equal(ax.images[0].get_array(), pixels)
        batch = torch.stack(self.images)  # (5, 1, 4, 5)
        fig = plot_image_grid(batch)
        assert len(fig.axes) == 5
        np.testing.assert_allclose(fig.axes[4].images[0].get_array(), batch[4, 0].numpy())

    def test_does_not_change_global_style(self):
        before = dict(mpl.rcParams)
        plot_image_grid(self.images, titles=list("abcde"), row_labels=["r"])
        assert dict(mpl.rcParams) == before

    @pytest.mark.parametrize(
        ("images", "kwargs", "error", "match"),
        [
            ([], {}, ValueError, "images must hold at least one image"),
            ("cat.png", {}, TypeError, "images must be a list of images"),
            (42, {}, TypeError, "images must be a list of images"),
            (np.zeros((4, 4)), {}, ValueError, r"wrap a single image as \[image\]"),
            ([np.zeros((3, 4, 4))], {}, ValueError, r"images\[0\] must be 2-D"),
            ([np.zeros(4)], {}, ValueError, r"images\[0\] must be 2-D"),
            ([np.zeros((2, 2))] * 2, {"titles": ["a"]}, ValueError, r"titles .* image \(2\)"),
            ([np.zeros((2, 2))], {"titles": "a"}, TypeError, "titles must be a list"),
            ([np.zeros((2, 2))] * 3, {"ncols": 2, "row_labels": ["a"]}, ValueError, "row_labels"),
            ([np.zeros((2, 2))], {"ncols": 0}, ValueError, "ncols must be >= 1"),
            ([np.zeros((2, 2))], {"vmin": 1, "vmax": 0}, ValueError, "vmin must be smaller"),
            ([np.zeros((2, 2))], {"size": -1}, ValueError, "size must be > 0"),
        ],
    )
    def test_bad_input(self, images, kwargs, error, match):
        with pytest.raises(error, match=match):
            plot_image_grid(images, **kwargs)

    def test_colour_pillow_image_is_refused(self):
        rgb = Image.new("RGB", (3, 3))
        with pytest.raises(ValueError, match=r"images\[0\] must be a one-channel"):
            plot_image_grid([rgb])
        with pytest.raises(TypeError, match=r"wrap a single image as \[image\]"):
            plot_image_grid(rgb)
