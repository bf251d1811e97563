"""glassbox.animation: GIFs that are small, deterministic and self-contained."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from glassbox import Animation, animate, animate_fit, make_line

X, Y = make_line(40, slope=1.0, intercept=-1.0, noise=0.5, low=-3.0, high=3.0, seed=0)


def descent_history(steps: int = 40, lr: float = 0.1) -> np.ndarray:
    """Gradient descent on the MSE of a line, in NumPy (the chapters write it in PyTorch)."""
    x, y = X.numpy().astype(float), Y.numpy().astype(float)
    w, b = -8.0, -6.0
    rows = [(w, b)]
    for _ in range(steps):
        r = w * x + b - y
        w, b = w - lr * 2 * np.mean(r * x), b - lr * 2 * np.mean(r)
        rows.append((w, b))
    return np.array(rows)


HISTORY = descent_history()
ALT = "A line swinging into a cloud of points while a path crosses a contour map."


def frames_of(anim: Animation) -> list[Image.Image]:
    image = Image.open(io.BytesIO(anim.data))
    out = []
    for k in range(image.n_frames):
        image.seek(k)
        out.append(image.convert("RGB"))
    return out


def small_figure():
    fig, ax = plt.subplots(figsize=(2.0, 1.5), dpi=50)
    (dot,) = ax.plot([0], [0], "o")
    ax.set(xlim=(0, 4), ylim=(0, 16))
    return fig, dot


class TestAnimate:
    def test_one_gif_frame_per_frame_value_with_timing(self):
        fig, dot = small_figure()
        seen = []

        def update(k):
            seen.append(k)
            dot.set_data([k], [k * k])

        anim = animate(fig, update, [1, 2, 3], alt="A dot.", fps=4, hold_last=1.0)
        assert seen == [1, 2, 3]
        assert anim.data.startswith(b"GIF89a")
        assert (anim.width, anim.height) == (100, 75)
        image = Image.open(io.BytesIO(anim.data))
        assert image.n_frames == 3 and image.size == (100, 75)
        assert image.info["loop"] == 0 and image.info["duration"] == 250
        image.seek(2)
        assert image.info["duration"] == 1250  # the last frame is held
        frames = frames_of(anim)
        assert frames[0].tobytes() != frames[1].tobytes()

    def test_closes_the_figure_so_a_notebook_does_not_show_it_twice(self):
        fig, _ = small_figure()
        animate(fig, lambda k: None, 2, alt="Still.")
        assert not plt.fignum_exists(fig.number)
        fig2, _ = small_figure()
        animate(fig2, lambda k: None, 1, alt="Still.", close=False)
        assert plt.fignum_exists(fig2.number)

    def test_one_image_representation_the_gif_itself(self):
        fig, dot = small_figure()
        anim = animate(fig, lambda k: dot.set_data([k], [k]), 2, alt="A dot moving right.")
        bundle = anim._repr_mimebundle_()
        assert set(bundle) == {"image/gif", "text/plain"}
        assert base64.b64decode(bundle["image/gif"]) == anim.data
        assert "A dot moving right." in bundle["text/plain"]
        assert not hasattr(anim, "_repr_html_") and not hasattr(anim, "_repr_png_")

    def test_html_is_an_inline_img_with_alt_text_and_no_remote_request(self):
        fig, dot = small_figure()
        anim = animate(fig, lambda k: dot.set_data([k], [k]), 2, alt='Dot "moving" <right>.')
        page = anim.to_html()
        assert page.startswith('<img src="data:image/gif;base64,')
        assert 'alt="Dot &quot;moving&quot; &lt;right&gt;."' in page
        assert "http" not in page and "<script" not in page and "<link" not in page
        assert 'width="100" height="75"' in page

    def test_save_writes_the_bytes(self, tmp_path):
        fig, _ = small_figure()
        anim = animate(fig, lambda k: None, 1, alt="Still.")
        target = anim.save(tmp_path / "a.gif")
        assert target.read_bytes() == anim.data and anim.nbytes == len(anim.data)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"fig": "figure"}, TypeError, "fig must be a matplotlib Figure"),
            ({"update": 3}, TypeError, "update must be callable"),
            ({"frames": 0}, ValueError, "frames must be >= 1"),
            ({"frames": []}, ValueError, "frames must hold at least one"),
            ({"frames": 2.5}, TypeError, "frames must be an int or an iterable"),
            ({"alt": ""}, ValueError, "alt must describe"),
            ({"alt": None}, TypeError, "alt must be a string"),
            ({"fps": 0}, ValueError, "fps must be > 0"),
            ({"colors": 300}, ValueError, "colors must be <= 256"),
            ({"hold_last": -1.0}, ValueError, "hold_last must be >= 0"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        fig, _ = small_figure()
        args = {"fig": fig, "update": lambda k: None, "frames": 2, "alt": "Still."}
        args.update(kwargs)
        with pytest.raises(error, match=match):
            animate(args.pop("fig"), args.pop("update"), args.pop("frames"), **args)

    def test_alt_is_required(self):
        fig, _ = small_figure()
        with pytest.raises(TypeError, match="alt"):
            animate(fig, lambda k: None, 1)  # type: ignore[call-arg]


class TestAnimateFit:
    def test_default_is_small_and_light(self):
        anim = animate_fit(X, Y, HISTORY, alt=ALT)
        assert anim.nbytes < 400_000
        image = Image.open(io.BytesIO(anim.data))
        assert 2 <= image.n_frames <= 30
        assert image.size == (480, 208)
        assert anim.alt == ALT

    def test_same_input_same_bytes(self):
        first = animate_fit(X, Y, HISTORY, alt=ALT, frames=6)
        second = animate_fit(X, Y, HISTORY, alt=ALT, frames=6)
        assert first.data == second.data

    def test_frames_follow_the_history(self):
        anim = animate_fit(X, Y, HISTORY, alt=ALT, frames=[0, 1, 1, 40], fps=5)
        frames = frames_of(anim)
        # A repeated row repeats the picture, which the GIF stores once, shown twice as long.
        assert len(frames) == 3
        image = Image.open(io.BytesIO(anim.data))
        image.seek(1)
        assert image.info["duration"] == 400
        assert frames[0].tobytes() != frames[1].tobytes() != frames[2].tobytes()
        # The frame is opaque white around the panels.
        assert frames[0].getpixel((1, 1)) == (255, 255, 255)

    def test_a_short_history_gives_one_frame_per_row(self):
        anim = animate_fit(X, Y, HISTORY[:5], alt=ALT, frames=30)
        assert Image.open(io.BytesIO(anim.data)).n_frames == 5

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"history": np.zeros((4, 3))}, ValueError, r"history must have shape \(steps"),
            ({"frames": [0, 99]}, ValueError, "frames must lie in 0..40"),
            ({"frames": True}, TypeError, "frames must be an int or a sequence"),
            ({"frames": "all"}, TypeError, "frames must be a sequence of ints"),
            ({"frames": 0}, ValueError, "frames must be >= 1"),
            ({"alt": "  "}, ValueError, "alt must describe"),
            ({"b_range": (2, 1)}, ValueError, "b_range must be"),
            ({"levels": [5, 1]}, ValueError, "levels must be strictly increasing"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"history": HISTORY, "alt": ALT, "frames": 3}
        args.update(kwargs)
        with pytest.raises(error, match=match):
            animate_fit(X, Y, args.pop("history"), **args)
