/* Glass Box explorable figures (glassbox.explore): scrub through gradient descent.
 *
 * Each figure is a <div class="gbx-explore"> holding its numbers as JSON (pixel
 * positions computed at build time with matplotlib's transforms) and two pictures;
 * this script moves the line, the point, its tangent and the path over them.
 * No dependencies, nothing fetched. Safe to load more than once: the first copy
 * defines window.glassboxExplore, every copy initialises the figures not yet ready.
 */
(function () {
  "use strict";
  var api = window.glassboxExplore;
  if (!api) {
    var fmt = function (v) {
      if (!isFinite(v)) return String(v);
      var a = Math.abs(v);
      if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2).replace("e+", "e");
      return String(Number(v.toPrecision(4)));
    };
    var points = function (list) {
      return list.map(function (p) { return p[0] + "," + p[1]; }).join(" ");
    };
    var setSegment = function (el, seg) {
      if (!el) return;
      if (!seg) { el.setAttribute("visibility", "hidden"); return; }
      el.setAttribute("visibility", "visible");
      el.setAttribute("x1", seg[0]);
      el.setAttribute("y1", seg[1]);
      el.setAttribute("x2", seg[2]);
      el.setAttribute("y2", seg[3]);
    };
    var setRect = function (el, box) {
      el.setAttribute("x", box[0]);
      el.setAttribute("y", box[1]);
      el.setAttribute("width", box[2]);
      el.setAttribute("height", box[3]);
    };
    var init = function (root) {
      if (!root || root.hasAttribute("data-gbx-ready")) return;
      var source = root.querySelector("script.gbx-data");
      if (!source) return;
      var spec;
      try { spec = JSON.parse(source.textContent); } catch (err) { return; }
      root.setAttribute("data-gbx-ready", "");
      var q = function (sel) { return root.querySelector(sel); };
      var live = q(".gbx-live"), fallback = q(".gbx-fallback");
      var slider = q(".gbx-slider"), readout = q(".gbx-readout"), play = q(".gbx-play");
      var buttons = Array.prototype.slice.call(root.querySelectorAll(".gbx-run"));
      var backgrounds = Array.prototype.slice.call(root.querySelectorAll(".gbx-panel-cost .gbx-bg"));
      var line = q(".gbx-line"), path = q(".gbx-path"), point = q(".gbx-point");
      var tangent = q(".gbx-tangent");
      setRect(q(".gbx-panel-data .gbx-cliprect"), spec.data.clip);
      var costClip = q(".gbx-panel-cost .gbx-cliprect");
      var state = { run: 0, frame: 0, timer: null };

      var describe = function () {
        var run = spec.runs[state.run], i = state.frame;
        var parts = [
          "iteration " + run.it[i] + " of " + run.it[run.it.length - 1],
          "w = " + fmt(run.w[i]),
          "b = " + fmt(run.b[i]) + (spec.mode === "curve" ? " (fixed)" : ""),
        ];
        if (run.grad) parts.push("dC/dw = " + fmt(run.grad[i]));
        parts.push("cost = " + fmt(run.cost[i]));
        return run.label + ": " + parts.join(", ");
      };
      var draw = function () {
        var run = spec.runs[state.run], i = state.frame;
        setSegment(line, run.line[i]);
        path.setAttribute("points", points(run.pt.slice(0, i + 1)));
        point.setAttribute("cx", run.pt[i][0]);
        point.setAttribute("cy", run.pt[i][1]);
        if (tangent) setSegment(tangent, run.tan[i]);
        var text = describe();
        readout.textContent = text;
        slider.value = String(i);
        slider.setAttribute("aria-valuetext", text);
        root.setAttribute("data-gbx-run", String(state.run));
        root.setAttribute("data-gbx-iteration", String(run.it[i]));
      };
      var go = function (frame) {
        var n = spec.runs[state.run].it.length;
        state.frame = Math.max(0, Math.min(n - 1, frame));
        draw();
      };
      var stop = function () {
        if (state.timer) { clearInterval(state.timer); state.timer = null; }
        play.textContent = "Play";
        readout.setAttribute("aria-live", "polite");
      };
      var selectRun = function (r) {
        var before = spec.runs[state.run].it[state.frame];
        var run = spec.runs[r];
        var frame = 0;
        for (var k = 0; k < run.it.length; k++) if (run.it[k] <= before) frame = k;
        state.run = r;
        slider.max = String(run.it.length - 1);
        buttons.forEach(function (b, k) {
          b.setAttribute("aria-pressed", k === r ? "true" : "false");
        });
        backgrounds.forEach(function (img) {
          img.hidden = Number(img.getAttribute("data-view")) !== run.view;
        });
        setRect(costClip, spec.views[run.view].clip);
        go(frame);
      };

      slider.addEventListener("input", function () { stop(); go(Number(slider.value)); });
      buttons.forEach(function (b, k) {
        b.addEventListener("click", function () { stop(); selectRun(k); });
      });
      play.addEventListener("click", function () {
        if (state.timer) { stop(); return; }
        if (state.frame >= spec.runs[state.run].it.length - 1) go(0);
        play.textContent = "Pause";
        readout.setAttribute("aria-live", "off");
        state.timer = setInterval(function () {
          if (state.frame >= spec.runs[state.run].it.length - 1) { stop(); return; }
          go(state.frame + 1);
        }, 300);
      });
      // Arrow keys step through the iterations from anywhere in the figure (the
      // slider handles its own keys: arrows, Page Up/Down, Home and End).
      root.addEventListener("keydown", function (e) {
        if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) return;
        var n = spec.runs[state.run].it.length;
        var to = { ArrowRight: state.frame + 1, ArrowUp: state.frame + 1,
                   ArrowLeft: state.frame - 1, ArrowDown: state.frame - 1,
                   Home: 0, End: n - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault();
        stop();
        go(to);
      });
      if (fallback) fallback.hidden = true;
      live.hidden = false;
      selectRun(0);
    };
    var initAll = function () {
      Array.prototype.forEach.call(document.querySelectorAll(".gbx-explore"), init);
    };
    api = window.glassboxExplore = { init: init, initAll: initAll, format: fmt };
  }
  // A notebook output runs this inline, maybe before the output is in the page.
  var me = document.currentScript;
  if (me && me.parentNode && me.parentNode.classList &&
      me.parentNode.classList.contains("gbx-explore")) {
    api.init(me.parentNode);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", api.initAll);
  } else {
    api.initAll();
  }
})();
