"""glassbox.data: the seeded data makers make what their docstrings promise."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from glassbox import (
    make_blobs,
    make_line,
    make_line_with_outliers,
    make_linear,
    write_digit_images,
)

seeds = st.integers(min_value=0, max_value=2**31)
fast = settings(max_examples=25, deadline=None)


class TestMakeLine:
    def test_unchanged_behaviour(self):
        x, y = make_line(5, seed=1)
        assert x.dtype == y.dtype == torch.float32 and x.shape == (5,)
        gen = torch.Generator().manual_seed(1)
        x_ref = 10.0 * torch.rand(5, generator=gen)
        y_ref = 2.0 * x_ref + 10.0 + 2.0 * torch.randn(5, generator=gen)
        torch.testing.assert_close(x, x_ref)
        torch.testing.assert_close(y, y_ref)


class TestMakeLineWithOutliers:
    @fast
    @given(seed=seeds, n=st.integers(1, 60), k=st.integers(0, 5))
    def test_same_seed_same_data_and_shapes(self, seed, n, k):
        k = min(k, n)
        a = make_line_with_outliers(n, n_outliers=k, seed=seed)
        b = make_line_with_outliers(n, n_outliers=k, seed=seed)
        for u, v in zip(a, b, strict=True):
            assert torch.equal(u, v)
        x, y, out = a
        assert x.shape == y.shape == (n,) and out.shape == (k,)
        assert x.dtype == y.dtype == torch.float32 and out.dtype == torch.int64
        assert len(set(out.tolist())) == k and torch.equal(out, out.sort().values)

    def test_different_seed_different_data(self):
        _, y0, o0 = make_line_with_outliers(50, seed=0)
        _, y1, o1 = make_line_with_outliers(50, seed=1)
        assert not torch.equal(y0, y1) and not torch.equal(o0, o1)

    def test_outliers_are_far_off_the_line_and_the_rest_is_make_line(self):
        x, y, out = make_line_with_outliers(
            200, noise=1.0, n_outliers=7, outlier_shift=25.0, seed=4
        )
        x0, y0 = make_line(200, noise=1.0, seed=4)
        assert torch.equal(x, x0)
        residual = y - (2.0 * x + 10.0)
        is_out = torch.zeros(200, dtype=torch.bool)
        is_out[out] = True
        assert torch.equal(y[~is_out], y0[~is_out])
        torch.testing.assert_close(y[is_out] - y0[is_out], torch.full((7,), 25.0))
        assert residual[is_out].min() > 15 and residual[~is_out].abs().max() < 5

    def test_negative_shift_and_no_outliers(self):
        _, y, out = make_line_with_outliers(30, n_outliers=30, outlier_shift=-10.0, seed=2)
        torch.testing.assert_close(y, make_line(30, seed=2)[1] - 10.0)
        _, y, out = make_line_with_outliers(30, n_outliers=0, seed=2)
        assert out.numel() == 0 and torch.equal(y, make_line(30, seed=2)[1])

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"n": 0}, ValueError, "n must be >= 1"),
            ({"n": 2.5}, TypeError, "n must be an int"),
            ({"n": 5, "n_outliers": 6}, ValueError, "n_outliers must be <= n"),
            ({"n_outliers": -1}, ValueError, "n_outliers must be >= 0"),
            ({"outlier_shift": "far"}, TypeError, "outlier_shift must be a real number"),
            ({"outlier_shift": float("inf")}, ValueError, "outlier_shift must be finite"),
            ({"noise": -1.0}, ValueError, "noise must be >= 0"),
            ({"low": 3.0, "high": 1.0}, ValueError, "low must be less than high"),
            ({"seed": -1}, ValueError, "seed must be >= 0"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            make_line_with_outliers(**kwargs)


W = ((1.0, -2.0), (0.5, 0.0), (-1.5, 3.0))


class TestMakeLinear:
    @fast
    @given(seed=seeds, n=st.integers(1, 40), n_in=st.integers(1, 4), n_out=st.integers(1, 3))
    def test_same_seed_same_data_and_shapes(self, seed, n, n_in, n_out):
        w = torch.ones(n_in, n_out)
        X, Y = make_linear(n, weights=w, seed=seed)
        X2, Y2 = make_linear(n, weights=w, seed=seed)
        assert torch.equal(X, X2) and torch.equal(Y, Y2)
        assert X.shape == (n, n_in) and Y.shape == (n, n_out)
        assert X.dtype == Y.dtype == torch.float32
        assert X.min() >= -1.0 and X.max() < 1.0

    def test_different_seed_different_data(self):
        assert not torch.equal(make_linear(20, seed=0)[0], make_linear(20, seed=1)[0])

    def test_one_dimensional_weights_give_one_output(self):
        X, Y = make_linear(10, weights=[2.0, -3.0], bias=1.0, noise=0.0)
        assert Y.shape == (10, 1)
        torch.testing.assert_close(Y[:, 0], 2.0 * X[:, 0] - 3.0 * X[:, 1] + 1.0)

    def test_least_squares_recovers_weights_and_bias(self):
        X, Y = make_linear(5000, weights=W, bias=[0.5, -1.0], noise=0.1, seed=3)
        design = torch.cat([X, torch.ones(len(X), 1)], dim=1)
        fit = torch.linalg.lstsq(design, Y).solution
        np.testing.assert_allclose(fit[:3], W, atol=0.02)
        np.testing.assert_allclose(fit[3], [0.5, -1.0], atol=0.02)
        residual = Y - design @ fit
        assert residual.std().item() == pytest.approx(0.1, rel=0.05)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"n": 0}, ValueError, "n must be >= 1"),
            ({"weights": "w"}, TypeError, "weights must be array-like"),
            ({"weights": [[[1.0]]]}, ValueError, "weights must be 1-D .* or 2-D"),
            ({"weights": [1.0, float("nan")]}, ValueError, "weights must hold only finite"),
            ({"weights": W, "bias": [1.0, 2.0, 3.0]}, ValueError, "bias must have one entry"),
            ({"bias": "b"}, TypeError, "bias must be array-like"),
            ({"bias": [[1.0]]}, ValueError, "bias must be 1-D"),
            ({"noise": -0.1}, ValueError, "noise must be >= 0"),
            ({"low": 1.0, "high": 1.0}, ValueError, "low must be less than high"),
            ({"seed": "0"}, TypeError, "seed must be an int"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            make_linear(**kwargs)


class TestMakeBlobs:
    @fast
    @given(seed=seeds, n=st.integers(1, 30), k=st.integers(2, 5))
    def test_same_seed_same_data_and_shapes(self, seed, n, k):
        X, labels = make_blobs(n, n_classes=k, seed=seed)
        X2, labels2 = make_blobs(n, n_classes=k, seed=seed)
        assert torch.equal(X, X2) and torch.equal(labels, labels2)
        assert X.shape == (k * n, 2) and labels.shape == (k * n,)
        assert X.dtype == torch.float32 and labels.dtype == torch.int64
        assert labels.bincount().tolist() == [n] * k
        assert torch.equal(labels, labels.sort().values)

    def test_different_seed_different_data(self):
        assert not torch.equal(make_blobs(seed=0)[0], make_blobs(seed=1)[0])

    def test_means_and_spread_match_the_centres(self):
        centers = [[0.0, 0.0], [4.0, 1.0], [-2.0, 3.0]]
        X, labels = make_blobs(4000, centers=centers, spread=0.5, seed=5)
        for k, c in enumerate(centers):
            np.testing.assert_allclose(X[labels == k].mean(0), c, atol=0.03)
            np.testing.assert_allclose(X[labels == k].std(0), [0.5, 0.5], rtol=0.05)

    def test_default_centres_are_on_a_circle_and_two_classes(self):
        X, labels = make_blobs(3000, spread=0.3, seed=0)
        assert labels.unique().tolist() == [0, 1]
        means = torch.stack([X[labels == k].mean(0) for k in (0, 1)])
        np.testing.assert_allclose(means.norm(dim=1), [2.0, 2.0], atol=0.03)
        np.testing.assert_allclose(means[0], -means[1], atol=0.05)
        assert means[0, 0] > 0 and means[0, 1] > 0

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"n_per_class": 0}, ValueError, "n_per_class must be >= 1"),
            ({"n_classes": 1}, ValueError, "n_classes must be >= 2"),
            (
                {"centers": [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]},
                ValueError,
                "centers must have shape \\(k, 2\\)",
            ),
            ({"centers": [[0.0, 0.0]]}, ValueError, "centers must have shape \\(k, 2\\)"),
            ({"centers": [0.0, 1.0]}, ValueError, "centers must be 2-D"),
            ({"centers": "abc"}, TypeError, "centers must be array-like"),
            (
                {"centers": [[0, 0], [1, 1]], "n_classes": 3},
                ValueError,
                "n_classes \\(3\\) disagrees",
            ),
            ({"spread": 0.0}, ValueError, "spread must be > 0"),
            ({"seed": 1.5}, TypeError, "seed must be an int"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        with pytest.raises(error, match=match):
            make_blobs(**kwargs)


class TestWriteDigitImages:
    @pytest.fixture
    def written(self, tmp_path):
        folder = tmp_path / "new" / "sub"
        return folder, write_digit_images(folder, n=12, seed=7, size=20)

    def test_csv_index_and_files(self, written):
        folder, csv_path = written
        assert csv_path == folder / "index.csv"
        with csv_path.open(newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == ["file", "label"] and len(rows) == 13
        assert all((folder / name).is_file() for name, _ in rows[1:])
        assert len(list((folder / "img").glob("*.png"))) == 12

    def test_images_are_grey_pngs_of_the_right_size_with_true_labels(self, written):
        from PIL import Image
        from sklearn.datasets import load_digits

        folder, csv_path = written
        digits = load_digits()
        with csv_path.open(newline="") as f:
            for row in csv.DictReader(f):
                source = int(Path(row["file"]).stem.split("_")[1])
                assert int(row["label"]) == digits.target[source]
                with Image.open(folder / row["file"]) as image:
                    assert image.format == "PNG" and image.mode == "L"
                    assert image.size == (20, 20)
                    pixels = np.asarray(image, dtype=float)
                # Bright ink where the 8x8 original is bright: the images correlate.
                small = np.asarray(Image.fromarray(pixels).resize((8, 8)))
                assert np.corrcoef(small.ravel(), digits.images[source].ravel())[0, 1] > 0.8

    def test_deterministic_and_seed_dependent(self, tmp_path):
        a = write_digit_images(tmp_path / "a", n=5, seed=1).read_text()
        b = write_digit_images(tmp_path / "b", n=5, seed=1).read_text()
        c = write_digit_images(tmp_path / "c", n=5, seed=2).read_text()
        assert a == b and a != c
        for name in a.splitlines()[1:]:
            file = name.split(",")[0]
            assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()

    def test_all_images_once_each(self, tmp_path):
        csv_path = write_digit_images(tmp_path, n=1797, seed=0, size=8)
        lines = csv_path.read_text().splitlines()
        assert len(lines) == 1798 and len(set(lines)) == 1798

    def test_default_size_is_mnist_size(self, tmp_path):
        from PIL import Image

        csv_path = write_digit_images(tmp_path, n=1, seed=0)
        with Image.open(tmp_path / csv_path.read_text().splitlines()[1].split(",")[0]) as image:
            assert image.size == (28, 28)

    def test_existing_file_is_refused(self, tmp_path):
        target = tmp_path / "a_file"
        target.write_text("x")
        with pytest.raises(ValueError, match="folder must be a directory"):
            write_digit_images(target, n=1)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"folder": 3}, TypeError, "folder must be a str or path"),
            ({"n": 0}, ValueError, "n must be >= 1"),
            ({"n": 1798}, ValueError, "n must be <= 1797"),
            ({"n": "10"}, TypeError, "n must be an int"),
            ({"size": 4}, ValueError, "size must be >= 8"),
            ({"seed": -2}, ValueError, "seed must be >= 0"),
        ],
    )
    def test_bad_input(self, tmp_path, kwargs, error, match):
        kwargs = {"folder": tmp_path / "out", **kwargs}
        with pytest.raises(error, match=match):
            write_digit_images(**kwargs)
        assert not (tmp_path / "out").exists()

    def test_missing_optional_dependency_has_a_clear_message(self, tmp_path, monkeypatch):
        import builtins

        real_import = builtins.__import__

        def fake_import(name, *args, **kwargs):
            if name.startswith("sklearn"):
                raise ImportError("no sklearn")
            return real_import(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", fake_import)
        with pytest.raises(ImportError, match=r"glassbox\[digits\]"):
            write_digit_images(tmp_path, n=1)


def test_n_digits_is_the_size_of_the_bundled_digits():
    from sklearn.datasets import load_digits

    from glassbox import N_DIGITS

    assert len(load_digits().target) == N_DIGITS
