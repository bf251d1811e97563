"""glassbox.explore: the numbers an explorable figure embeds, its HTML, and its fallback."""

from __future__ import annotations

import base64
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib as mpl
import nbformat
import numpy as np
import pytest
import torch
from PIL import Image

from glassbox import make_line, mse_cost, mse_gradient
from glassbox.explore import (
    MARKER,
    RUNTIME_ATTR,
    Explorable,
    explore_descent,
    runtime_assets,
)

X, Y = make_line(40, slope=2.0, intercept=0.5, noise=0.8, low=-2.0, high=2.0, seed=3)
XN, YN = X.numpy().astype(float), Y.numpy().astype(float)
PX_TOL = 0.051  # pixel positions are embedded with one decimal


def descend_slope(lr: float, steps: int, w0: float = -3.0, b: float = 0.0) -> list[float]:
    """Gradient descent on the slope alone, the intercept held at ``b``."""
    w, out = w0, [w0]
    for _ in range(steps):
        w -= lr * float(2 * np.mean((w * XN + b - YN) * XN))
        out.append(w)
    return out


def descend_both(lr: float, steps: int) -> np.ndarray:
    w, b, out = -3.0, 3.0, [[-3.0, 3.0]]
    for _ in range(steps):
        r = w * XN + b - YN
        w, b = w - lr * 2 * np.mean(r * XN), b - lr * 2 * np.mean(r)
        out.append([w, b])
    return np.array(out)


SLOPE_RUNS = {"lr 0.02": descend_slope(0.02, 30), "lr 0.2": descend_slope(0.2, 30)}
BOTH_RUNS = {"lr 0.05": descend_both(0.05, 40), "lr 0.3": descend_both(0.3, 40)}


@pytest.fixture(scope="module")
def curve():
    return explore_descent(X, Y, SLOPE_RUNS, bias=0.5)


@pytest.fixture(scope="module")
def contour():
    return explore_descent(X, Y, BOTH_RUNS)


def to_pixels(ax, points):
    """Data coordinates to picture pixels with a top-left origin, as the page uses."""
    disp = ax.transData.transform(np.asarray(points, dtype=float))
    height = ax.figure.canvas.get_width_height()[1]
    return np.column_stack([disp[:, 0], height - disp[:, 1]])


def from_pixels(ax, pixels):
    pixels = np.asarray(pixels, dtype=float).reshape(-1, 2)
    height = ax.figure.canvas.get_width_height()[1]
    return ax.transData.inverted().transform(np.column_stack([pixels[:, 0], height - pixels[:, 1]]))


class TestEmbeddedNumbers:
    def test_trajectory_is_the_input(self, curve):
        for run, (label, slopes) in zip(curve.spec["runs"], SLOPE_RUNS.items(), strict=True):
            assert run["label"] == label
            assert run["it"] == list(range(len(slopes)))
            np.testing.assert_allclose(run["w"], slopes, rtol=1e-6, atol=1e-12)
            assert run["b"] == [0.5] * len(slopes)

    def test_two_parameter_trajectory_is_the_input(self, contour):
        for run, path in zip(contour.spec["runs"], BOTH_RUNS.values(), strict=True):
            np.testing.assert_allclose(run["w"], path[:, 0], rtol=1e-6)
            np.testing.assert_allclose(run["b"], path[:, 1], rtol=1e-6)

    def test_costs_are_mse_cost(self, curve, contour):
        for run in curve.spec["runs"] + contour.spec["runs"]:
            expected = mse_cost(X, Y, np.array(run["w"]), np.array(run["b"]))
            np.testing.assert_allclose(run["cost"], expected, rtol=1e-5)

    def test_tangent_slope_is_the_derivative_by_formula_and_by_autograd(self, curve):
        run = curve.spec["runs"][0]
        np.testing.assert_allclose(
            run["grad"], mse_gradient(X, Y, np.array(run["w"]), 0.5)[0], rtol=1e-5
        )
        w = torch.tensor(run["w"][3], dtype=torch.float64, requires_grad=True)
        torch.mean((w * X.double() + 0.5 - Y.double()) ** 2).backward()
        assert run["grad"][3] == pytest.approx(w.grad.item(), rel=1e-5)

    def test_a_tensor_trajectory_is_accepted(self):
        fig = explore_descent(X, Y, {"t": torch.tensor(SLOPE_RUNS["lr 0.2"])})
        np.testing.assert_allclose(fig.spec["runs"][0]["w"], SLOPE_RUNS["lr 0.2"], rtol=1e-6)


class TestPixelMapping:
    def test_points_are_the_axes_transform_of_w_and_cost(self, curve):
        for run in curve.spec["runs"]:
            ax = curve.axes["cost"][run["view"]]
            expected = to_pixels(ax, np.column_stack([run["w"], run["cost"]]))
            np.testing.assert_allclose(run["pt"], expected, atol=PX_TOL)

    def test_points_round_trip_to_w_and_b_on_the_contour_map(self, contour):
        for run in contour.spec["runs"]:
            ax = contour.axes["cost"][run["view"]]
            back = from_pixels(ax, run["pt"])
            per_px = np.abs(from_pixels(ax, [[1, 1]]) - from_pixels(ax, [[0, 0]]))[0]
            np.testing.assert_allclose(back[:, 0], run["w"], atol=PX_TOL * per_px[0] + 1e-9)
            np.testing.assert_allclose(back[:, 1], run["b"], atol=PX_TOL * per_px[1] + 1e-9)

    def test_the_line_ends_lie_on_the_current_line(self, curve):
        ax = curve.axes["data"]
        x0, y0, width, height = curve.spec["data"]["clip"]
        per_px = np.abs(from_pixels(ax, [[1, 1]]) - from_pixels(ax, [[0, 0]]))[0]
        shown = 0
        for run in curve.spec["runs"]:
            for seg, w, b in zip(run["line"], run["w"], run["b"], strict=True):
                if seg is None:
                    continue
                shown += 1
                ends = from_pixels(ax, [seg[:2], seg[2:]])
                tol = PX_TOL * (per_px[1] + abs(w) * per_px[0]) + 1e-9
                np.testing.assert_allclose(ends[:, 1], w * ends[:, 0] + b, atol=tol)
                assert x0 - 4.1 <= min(seg[0], seg[2]) and max(seg[0], seg[2]) <= x0 + width + 4.1
                assert y0 - 4.1 <= min(seg[1], seg[3]) and max(seg[1], seg[3]) <= y0 + height + 4.1
        assert shown > 40

    def test_the_tangent_has_the_derivative_as_slope(self, curve):
        run = curve.spec["runs"][1]
        ax = curve.axes["cost"][run["view"]]
        for k in (0, 1, 5):
            ends = from_pixels(ax, [run["tan"][k][:2], run["tan"][k][2:]])
            slope = (ends[1, 1] - ends[0, 1]) / (ends[1, 0] - ends[0, 0])
            assert slope == pytest.approx(run["grad"][k], rel=2e-2, abs=0.05)

    def test_clip_rectangles_are_the_axes_boxes(self, contour):
        for ax, view in zip(contour.axes["cost"], contour.spec["views"], strict=True):
            bbox = ax.get_window_extent()
            height = ax.figure.canvas.get_width_height()[1]
            expected = [bbox.x0, height - bbox.y1, bbox.width, bbox.height]
            np.testing.assert_allclose(view["clip"], expected, atol=PX_TOL)

    def test_pictures_have_the_embedded_size(self, contour):
        with Image.open(io.BytesIO(contour.images["data"])) as image:
            assert list(image.size) == contour.spec["size"]["data"]
        for png in contour.images["cost"]:
            with Image.open(io.BytesIO(png)) as image:
                assert list(image.size) == contour.spec["size"]["cost"]


class TestViews:
    def test_shared_and_per_run(self):
        shared = explore_descent(X, Y, SLOPE_RUNS, cost_view="shared")
        assert [r["view"] for r in shared.spec["runs"]] == [0, 0]
        assert len(shared.images["cost"]) == 1
        runs = {"far": descend_slope(0.02, 30), "near": descend_slope(0.2, 30, w0=1.0)}
        per_run = explore_descent(X, Y, runs, cost_view="per-run")
        assert [r["view"] for r in per_run.spec["runs"]] == [0, 1]
        assert len(per_run.images["cost"]) == 2
        lims = [ax.get_xlim() for ax in per_run.axes["cost"]]
        assert lims[1][1] - lims[1][0] < lims[0][1] - lims[0][0]
        # Runs that reach equally far from the minimum share one picture.
        same = explore_descent(X, Y, SLOPE_RUNS, cost_view="per-run")
        assert [r["view"] for r in same.spec["runs"]] == [0, 0]

    def test_auto_gives_a_diverging_run_its_own_axes_and_keeps_it_in_view(self):
        runs = {"slow": descend_slope(0.02, 20), "too large": descend_slope(0.9, 12)}
        assert abs(runs["too large"][-1]) > 50  # it diverges
        fig = explore_descent(X, Y, runs)
        assert [r["view"] for r in fig.spec["runs"]] == [0, 1]
        for run in fig.spec["runs"]:
            x0, y0, width, height = fig.spec["views"][run["view"]]["clip"]
            pts = np.array(run["pt"])
            assert np.all(pts[:, 0] >= x0 - PX_TOL) and np.all(pts[:, 0] <= x0 + width + PX_TOL)
            assert np.all(pts[:, 1] >= y0 - PX_TOL) and np.all(pts[:, 1] <= y0 + height + PX_TOL)

    def test_auto_shares_similar_runs(self, contour):
        assert [r["view"] for r in contour.spec["runs"]] == [0, 0]

    def test_iterations_thin_the_frames(self):
        long = {"long": descend_slope(0.05, 300)}
        fig = explore_descent(X, Y, long)
        it = fig.spec["runs"][0]["it"]
        assert len(it) == 121 and it[0] == 0 and it[-1] == 300
        assert explore_descent(X, Y, long, iterations=5).spec["runs"][0]["it"] == [
            0,
            75,
            150,
            225,
            300,
        ]
        chosen = explore_descent(X, Y, long, iterations=[0, 10, 400]).spec["runs"][0]
        assert chosen["it"] == [0, 10]
        np.testing.assert_allclose(chosen["w"], np.array(long["long"])[[0, 10]], rtol=1e-6)


class TestHtml:
    def test_ids_and_bytes_are_stable(self, curve):
        again = explore_descent(X, Y, SLOPE_RUNS, bias=0.5)
        assert again.id == curve.id and re.fullmatch(r"gbx-[0-9a-f]{12}", curve.id)
        assert again.to_html() == curve.to_html()
        assert again.static_png == curve.static_png

    def test_different_content_different_id(self, curve):
        assert explore_descent(X, Y, SLOPE_RUNS, bias=0.4).id != curve.id
        assert explore_descent(X, Y, SLOPE_RUNS, bias=0.5, title="Other").id != curve.id

    def test_controls_are_real_and_labelled(self, curve):
        page = curve.to_html(runtime=False)
        fid = curve.id
        assert page.count('type="range"') == 1
        assert f'<label for="{fid}-slider">' in page
        buttons = re.findall(r'<button type="button" class="gbx-run"[^>]*>([^<]*)</button>', page)
        assert buttons == list(SLOPE_RUNS)
        assert re.findall(r'aria-pressed="(\w+)"', page) == ["true", "false"]
        assert 'aria-live="polite"' in page
        ids = re.findall(r'\sid="([^"]+)"', page)
        assert len(ids) == len(set(ids)) and all(i.startswith(fid) for i in ids)
        assert all(re.search(r'alt="[^"]{20,}"', tag) for tag in re.findall(r"<img [^>]+>", page))

    def test_the_embedded_json_is_the_spec(self, curve):
        found = re.search(
            r'<script type="application/json" class="gbx-data">(.*?)</script>',
            curve.to_html(),
            re.S,
        )
        assert json.loads(found[1]) == curve.spec

    def test_runtime_inline_only_when_asked(self, curve):
        assert f"<script {RUNTIME_ATTR}>" in curve.to_html()
        bare = curve.to_html(runtime=False)
        assert RUNTIME_ATTR not in bare and MARKER in bare
        assets = runtime_assets()
        assert "</script" not in assets["glassbox-explore.js"]
        assert "</style" not in assets["glassbox-explore.css"]
        assert "http" not in assets["glassbox-explore.js"].replace("http://www.w3.org/2000/svg", "")

    def test_nothing_varies_between_runs_or_is_fetched(self, curve):
        page = curve.to_html()
        assert "http" not in page.replace("http://www.w3.org/2000/svg", "")
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", page)  # no uuid

    def test_page_weight_in_the_book(self):
        """What a book page loads for one figure: HTML without pictures, plus the backgrounds."""
        runs = {f"lr {lr}": descend_slope(lr, 50) for lr in (0.02, 0.2, 0.7)}
        fig = explore_descent(X, Y, runs)
        html_only = re.sub(r'src="data:[^"]+"', 'src=""', fig.to_html(runtime=False))
        pictures = len(fig.images["data"]) + sum(len(p) for p in fig.images["cost"])
        assert len(html_only.encode()) + pictures < 150_000

    def test_mime_bundle_has_html_and_the_static_png(self, curve):
        data, meta = curve._repr_mimebundle_()
        assert set(data) == {"text/html", "image/png", "text/plain"}
        assert meta == {"glassbox": {"explorable": curve.id}}
        assert base64.b64decode(data["image/png"]) == curve.static_png
        assert curve.id in data["text/plain"]


class TestStatic:
    def test_small_multiples_show_the_runs(self, contour):
        fig = contour.static()
        n = len(BOTH_RUNS)
        assert len(fig.axes) == 2 * n
        for j, (label, path) in enumerate(BOTH_RUNS.items()):
            assert fig.axes[j].get_title() == label
            (line,) = [ln for ln in fig.axes[n + j].lines if ln.get_label() == "gradient descent"]
            np.testing.assert_allclose(line.get_xydata(), path)
            last = fig.axes[j].lines[-1]
            xs, ys = last.get_data()
            np.testing.assert_allclose(ys, path[-1, 0] * np.asarray(xs) + path[-1, 1])

    def test_static_png_is_the_static_figure(self, curve):
        with Image.open(io.BytesIO(curve.static_png)) as image:
            assert image.format == "PNG" and image.size == (520, 490)

    def test_style_does_not_leak(self, curve):
        before = dict(mpl.rcParams)
        curve.static()
        assert dict(mpl.rcParams) == before


class TestValidation:
    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"runs": [1.0, 2.0]}, TypeError, "runs must be a dict"),
            ({"runs": {}}, ValueError, "runs must hold at least one run"),
            ({"runs": {1: [0.0, 1.0]}}, TypeError, "runs labels must be strings"),
            ({"runs": {"a": [[0.0, 1.0, 2.0]]}}, ValueError, r"runs\['a'\] must have shape"),
            (
                {"runs": {"a": [0.0, float("nan")]}},
                ValueError,
                r"runs\['a'\] must hold only finite",
            ),
            ({"runs": {"a": [0.0, 1.0], "b": [[0.0, 1.0]]}}, ValueError, "all slopes"),
            ({"runs": {str(i): [0.0] for i in range(9)}}, ValueError, "at most 8"),
            ({"runs": {"a": [0.0, 1e200]}}, ValueError, "the cost overflows"),
            ({"bias": "1"}, TypeError, "bias must be a real number"),
            ({"runs": {"a": [[0.0, 1.0]]}, "bias": 1.0}, ValueError, "leave bias out"),
            ({"cost_view": "log"}, ValueError, "cost_view must be one of"),
            ({"cost_view": 3}, TypeError, "cost_view must be one of"),
            ({"iterations": 1}, ValueError, "iterations must be >= 2"),
            ({"iterations": 2.5}, TypeError, "iterations must be None, an int or a sequence"),
            ({"iterations": [50, 60]}, ValueError, "iterations must include rows"),
            ({"iterations": [-1]}, ValueError, r"iterations\[i\] must be >= 0"),
            ({"title": 3}, TypeError, "title must be a string"),
            ({"alt": "  "}, ValueError, "alt must not be empty"),
        ],
    )
    def test_bad_input_names_the_argument(self, kwargs, error, match):
        args = {"runs": {"a": [0.0, 1.0, 1.5]}, **kwargs}
        with pytest.raises(error, match=match):
            explore_descent(X, Y, **args)

    def test_bad_data(self):
        with pytest.raises(ValueError, match="x and y must have the same length"):
            explore_descent(X[:5], Y, {"a": [0.0]})
        with pytest.raises(TypeError, match="x must be array-like"):
            explore_descent("x", Y, {"a": [0.0]})

    def test_returns_an_explorable(self, curve):
        assert isinstance(curve, Explorable)


# --- where the figure goes: the reader's notebooks and the book's pages -----------


def executed_notebook(fig):
    data, meta = fig._repr_mimebundle_()
    cell = nbformat.v4.new_code_cell("explore_descent(x, y, runs)")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data=data, metadata=meta),
        nbformat.v4.new_output("display_data", data={"text/html": "<b>other</b>"}),
    ]
    return nbformat.v4.new_notebook(cells=[cell])


def test_reader_notebook_keeps_only_the_static_picture(curve):
    import reader_notebooks as rn

    index = rn.BookIndex(base_url="https://book.example/", repository="https://github.com/o/r")
    nb = rn.reader_notebook(executed_notebook(curve), "book/part/chapter", index)
    rn.validate(nb)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "explore_descent" in c.source]
    explorable, other = cell.outputs
    assert set(explorable["data"]) == {"image/png", "text/plain"}
    assert base64.b64decode(explorable["data"]["image/png"]) == curve.static_png
    assert other["data"] == {"text/html": "<b>other</b>"}  # other outputs are untouched


def test_book_pages_load_the_shared_script_and_pictures_as_files(curve, tmp_path):
    import glassbox_sphinx as ext
    from docutils import nodes
    from docutils.utils import new_document

    doctree = new_document("chapter")
    doctree += nodes.raw("", curve.to_html(), format="html")
    doctree += nodes.raw("", "<p>plain</p>", format="html")
    builder = SimpleNamespace(format="html", get_target_uri=lambda doc: doc + ".html")
    app = SimpleNamespace(builder=builder, outdir=str(tmp_path))
    ext.ship_explorables(app, doctree, "book/part/chapter")
    text = doctree[0].astext()
    assert RUNTIME_ATTR not in text and "data:image" not in text
    names = re.findall(r'src="\.\./\.\./_images/([0-9a-f]{64}\.png)"', text)
    assert len(names) == 3  # the fallback and the two backgrounds
    assert {(tmp_path / "_images" / n).read_bytes() for n in names} == {
        curve.static_png,
        curve.images["data"],
        *curve.images["cost"],
    }
    assert re.search(r'<noscript><div class="gbx-fallback"><img [^>]+></div></noscript>', text)
    assert doctree[1].astext() == "<p>plain</p>"
    assert json.loads(re.search(r'class="gbx-data">(.*?)</script>', text, re.S)[1]) == curve.spec


def test_book_serves_the_runtime_the_package_returns():
    """The extension reads the runtime from src/ without importing glassbox (torch)."""
    import glassbox_sphinx as ext

    app = SimpleNamespace(confdir=str(Path(__file__).resolve().parents[1]))
    assert ext.explore_assets(app) == runtime_assets()
