"""Measure how fast the book builds, rebuilds and tests; print a table, write JSON.

Usage (from the project root; `make bench` runs it)::

    python scripts/bench.py [--jobs N] [--stress] [--skip-test] [--out _build/bench.json]

Everything runs in a temporary copy of the project (book, configuration, scripts,
helper package), with this project's .venv, so the working tree is never touched:

1. baseline: a plain ``jupyter-book build`` from an empty execution cache and output
   folder, the way most Jupyter Book projects build (one notebook at a time);
2. our clean build (``scripts/build_book.py``, what ``make book`` runs once the venv
   exists) from an empty cache and output folder, and its ratio to the baseline;
3. the serial sum of the chapters' own execution times, the limit on this machine,
   max(slowest chapter, serial sum / cores) + Sphinx's own time, and our ratio to it;
4. a no-op rebuild; 5. a prose edit; 6. a code edit (each: time, chapters re-executed);
7. per chapter: execution time, HTML size (as written and as served, gzip), size of its
   images and animations; a page's weight is what a reader who scrolls through it
   downloads: its HTML as served plus its images and animations (already compressed);
8. the test suite (``make test`` minus the venv set-up: a no-op build, then pytest).

9. Lighthouse (npm ``lighthouse``, pinned, installed by ``make lighthouse`` into .venv)
   on every chapter page, served gzip-compressed on 127.0.0.1 like a static host serves
   it: mobile preset, the median of three runs of the four scores, and the first
   visit's transfer without the page's own figures.

``--stress`` repeats the clean build five times and fails if any run fails.
``--lighthouse-only`` runs step 9 alone, on an existing build (``--html``, default
``_build/html``).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
COPY = ("_config.yml", "_toc.yml", "requirements.txt", "pyproject.toml", "README.md")
TREES = ("book", "scripts", "src", "tests")
EXEC_LINE = re.compile(r"\[exec\] ok\s+([\d.]+) s\s+(\S+)")
KB = 1024


def copy_project(target: Path) -> Path:
    """Copy what a build needs into ``target``; return the project folder."""
    project = target / "project"
    project.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")
    for name in COPY:
        shutil.copy2(ROOT / name, project / name)
    for name in TREES:
        shutil.copytree(ROOT / name, project / name, ignore=ignore)
    return project


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str, int]:
    """Run ``cmd``; return wall seconds, combined output and exit code."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - start, proc.stdout + proc.stderr, proc.returncode


def python() -> str:
    return str(ROOT / ".venv" / "bin" / "python")


def build(project: Path, jobs: int) -> tuple[float, str]:
    seconds, log, code = run([python(), "scripts/build_book.py", "--jobs", str(jobs)], project)
    if code != 0:
        raise SystemExit(f"[bench] build failed:\n{log[-3000:]}")
    return seconds, log


def executed(log: str) -> dict[str, float]:
    return {path: float(sec) for sec, path in EXEC_LINE.findall(log)}


def clean(project: Path) -> None:
    shutil.rmtree(project / "_build", ignore_errors=True)


def baseline(project: Path) -> float:
    """A plain jupyter-book build: Sphinx executes every notebook itself, serially."""
    clean(project)
    jb = str(ROOT / ".venv" / "bin" / "jupyter-book")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    seconds, log, code = run([jb, "build", str(project), "--builder", "html"], project, env)
    if code != 0:
        raise SystemExit(f"[bench] baseline build failed:\n{log[-3000:]}")
    return seconds


def sphinx_only(project: Path) -> float:
    """Sphinx's own time: every chapter cached, output folder and doctrees empty."""
    shutil.rmtree(project / "_build" / "html", ignore_errors=True)
    shutil.rmtree(project / "_build" / ".doctrees", ignore_errors=True)
    seconds, _ = build(project, 1)
    return seconds


def page_weights(project: Path, chapters: list[str]) -> dict[str, dict[str, float]]:
    """HTML size and the size of the images/animations each chapter page shows."""
    html_root = project / "_build" / "html"
    weights = {}
    for doc in chapters:
        page = html_root / Path(doc).with_suffix(".html")
        text = page.read_text(encoding="utf-8")
        assets = 0
        for src in set(re.findall(r'<img[^>]+src="([^"]+)"', text)):
            if src.startswith("data:"):
                assets += len(src)
                continue
            target = (page.parent / src.split("?")[0]).resolve()
            if target.is_file() and "_static" not in target.parts:
                assets += target.stat().st_size
        weights[doc] = {
            "html_kb": page.stat().st_size / KB,
            "html_served_kb": len(served(page.read_bytes())) / KB,
            "assets_kb": assets / KB,
        }
    return weights


# --- Lighthouse: every chapter page, served the way a static host serves it -------------

LIGHTHOUSE = ROOT / ".venv" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
COMPRESSED = (".html", ".css", ".js", ".json", ".svg", ".txt", ".map", ".ipynb")
RUNS = 3
TRANSFER_TARGET_KB = 400


def served(data: bytes) -> bytes:
    """A text file as the static host sends it: gzip, as GitHub Pages and most hosts do."""
    return gzip.compress(data, compresslevel=6, mtime=0)


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Static files, text compressed with gzip when the browser accepts it."""

    def log_message(self, *args) -> None:
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not path.is_file() or not accepts or path.suffix not in COMPRESSED:
            return super().send_head()
        body = served(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=600")
        self.end_headers()
        return io.BytesIO(body)


def lighthouse_run(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile preset): four scores, transfer, hosts asked."""
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    cmd = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"[bench] lighthouse failed on {url}:\n{proc.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    requests = report["audits"]["network-requests"]["details"]["items"]
    figures = sum(r["transferSize"] for r in requests if "/_images/" in r["url"])
    total = sum(r["transferSize"] for r in requests)
    hosts = {urlparse(r["url"]).hostname for r in requests if r["url"].startswith("http")}
    return {
        **{name: report["categories"][name]["score"] for name in CATEGORIES},
        "transfer_kb": (total - figures) / KB,
        "figures_kb": figures / KB,
        "requests": len(requests),
        "foreign": sorted(h for h in hosts if h != "127.0.0.1"),
        # Lighthouse's measure of this machine's CPU speed at the time of the run: it
        # scales the main-thread work it measured, so a busy machine scores lower.
        "cpu_index": report["environment"]["benchmarkIndex"],
    }


def lighthouse(html_root: Path, chapters: list[str], runs: int = RUNS) -> dict[str, dict]:
    """The median of ``runs`` Lighthouse runs per chapter page."""
    if not LIGHTHOUSE.exists():
        raise SystemExit("[bench] Lighthouse is not installed: run `make lighthouse`")
    handler = functools.partial(GzipHandler, directory=str(html_root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    pages: dict[str, dict] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="glassbox-lighthouse-") as tmp:
            for number, doc in enumerate(chapters, start=1):
                url = f"{base}/{Path(doc).with_suffix('.html').as_posix()}"
                found = [lighthouse_run(url, Path(tmp) / f"{i}.json") for i in range(runs)]
                page = {
                    key: statistics.median(run[key] for run in found)
                    for key in (*CATEGORIES, "transfer_kb", "figures_kb", "requests", "cpu_index")
                }
                page["foreign"] = sorted({h for run in found for h in run["foreign"]})
                pages[doc] = page
                scores = " ".join(f"{page[name]:.2f}" for name in CATEGORIES)
                print(f"[bench] lighthouse {number}/{len(chapters)} {doc}: {scores}")
    finally:
        httpd.shutdown()
        httpd.server_close()
    return pages


def lighthouse_checks(pages: dict[str, dict]) -> list[tuple[str, str, bool]]:
    worst = {name: min(p[name] for p in pages.values()) for name in CATEGORIES}
    transfer = max(p["transfer_kb"] for p in pages.values())
    foreign = sorted({h for p in pages.values() for h in p["foreign"]})
    return [
        (
            "Lighthouse performance (mobile)",
            f"{worst['performance']:.2f} at worst (≥ 0.90)",
            worst["performance"] >= 0.9,
        ),
        *(
            (f"Lighthouse {name}", f"{worst[name]:.2f} at worst (1.00)", worst[name] >= 1)
            for name in CATEGORIES[1:]
        ),
        (
            "first-visit transfer without figures",
            f"{transfer:.0f} KB gzip at most (≤ {TRANSFER_TARGET_KB} KB)",
            transfer <= TRANSFER_TARGET_KB,
        ),
        ("requests to other hosts", ", ".join(foreign) or "none", not foreign),
    ]


def lighthouse_report(pages: dict[str, dict]) -> None:
    print(
        "\n| chapter | performance | accessibility | best practices | SEO "
        "| transfer (gzip, without figures) | figures | CPU index |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for doc, p in pages.items():
        print(
            f"| {doc} | {p['performance']:.2f} | {p['accessibility']:.2f} "
            f"| {p['best-practices']:.2f} | {p['seo']:.2f} | {p['transfer_kb']:.0f} KB "
            f"| {p['figures_kb']:.0f} KB | {p.get('cpu_index', 0):.0f} |"
        )
    print("\n| target | measured | met |")
    print("|---|---|---|")
    for name, value, ok in lighthouse_checks(pages):
        print(f"| {name} | {value} | {'yes' if ok else 'NO'} |")


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SystemExit(f"[bench] cannot edit {path}: {old!r} not found")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--stress", action="store_true", help="five clean builds in a row")
    parser.add_argument("--skip-test", action="store_true", help="do not time the test suite")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "bench.json")
    parser.add_argument(
        "--lighthouse-only", action="store_true", help="only Lighthouse, on an existing build"
    )
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=RUNS, help="Lighthouse runs per page")
    parser.add_argument(
        "--pages", nargs="*", default=[], help="Lighthouse only on chapters whose path has one"
    )
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    sys.path.insert(0, str(ROOT / "scripts"))
    import bookexec

    chapters = [str(p.relative_to(ROOT)) for p in bookexec.toc_chapters()]
    if args.lighthouse_only:
        if not (args.html / "index.html").exists():
            raise SystemExit(f"[bench] no built book in {args.html}: run `make book` first")
        chosen = [c for c in chapters if not args.pages or any(p in c for p in args.pages)]
        pages = lighthouse(args.html, chosen, args.runs)
        lighthouse_report(pages)
        target = args.out.with_name("bench-lighthouse.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        summary = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "runs": args.runs}
        target.write_text(json.dumps({**summary, "pages": pages}, indent=1) + "\n")
        print(f"\n[bench] written to {target}")
        return 0 if all(ok for _, _, ok in lighthouse_checks(pages)) else 1
    results: dict = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {cores} cores, Python {platform.python_version()}",
        "jobs": args.jobs,
        "chapters": len(chapters),
    }
    with tempfile.TemporaryDirectory(prefix="glassbox-bench-") as tmp:
        project = copy_project(Path(tmp))

        if args.stress:
            for attempt in range(1, 6):
                clean(project)
                seconds, _ = build(project, args.jobs)
                print(f"[bench] stress: clean build {attempt}/5 ok in {seconds:.1f} s")
            print("[bench] stress: five clean builds, no failure")
            return 0

        print("[bench] 1/9 baseline: plain jupyter-book build, empty cache ...")
        results["baseline_s"] = baseline(project)

        print("[bench] 2/9 our clean build, empty cache ...")
        clean(project)
        results["clean_s"], log = build(project, args.jobs)
        times = executed(log)
        results["chapter_exec_s"] = times

        print("[bench] 3/9 each chapter alone (one kernel at a time), and Sphinx's own time ...")
        _, log, code = run([python(), "scripts/bookexec.py", "--no-cache", "--jobs", "1"], project)
        if code != 0:
            raise SystemExit(f"[bench] serial execution failed:\n{log[-3000:]}")
        alone = {doc: sec for doc, sec in executed(log).items()}
        results["chapter_alone_s"] = alone
        results["sphinx_s"] = sphinx_only(project)
        serial = sum(alone.values())
        slowest = max(alone.values())
        results["serial_exec_s"] = serial
        results["limit_s"] = max(slowest, serial / cores) + results["sphinx_s"]

        print("[bench] 4/9 no-op rebuild ...")
        results["noop_s"], log = build(project, args.jobs)
        results["noop_reexecuted"] = len(executed(log))

        target = project / chapters[1]
        print(f"[bench] 5/9 prose edit in {chapters[1]} ...")
        original = edit(target, "\n## ", "\nOne more sentence of prose.\n\n## ")
        results["prose_s"], log = build(project, args.jobs)
        results["prose_reexecuted"] = sorted(executed(log))
        target.write_text(original, encoding="utf-8")

        print(f"[bench] 6/9 code edit in {chapters[1]} ...")
        edit(target, "```{code-cell} ipython3\n", "```{code-cell} ipython3\n# an edit\n")
        results["code_s"], log = build(project, args.jobs)
        results["code_reexecuted"] = sorted(executed(log))
        target.write_text(original, encoding="utf-8")
        build(project, args.jobs)

        print("[bench] 7/9 page weights ...")
        results["pages"] = page_weights(project, chapters)
        print(f"[bench] 8/9 Lighthouse, {args.runs} runs per chapter page ...")
        results["lighthouse"] = lighthouse(project / "_build" / "html", chapters, args.runs)

        if not args.skip_test:
            print("[bench] 9/9 the test suite (no-op build + pytest) ...")
            start = time.perf_counter()
            build(project, args.jobs)
            _, log, code = run(
                [python(), "-m", "pytest", "-q", "-n", str(args.jobs), "-p", "no:cacheprovider"],
                project,
            )
            results["test_s"] = time.perf_counter() - start
            results["test_ok"] = code == 0
            results["test_summary"] = log.strip().splitlines()[-1] if log.strip() else ""

    report(results, cores)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\n[bench] written to {args.out}")
    return 0 if all(ok for _, _, ok in checks(results)) else 1


def page_weight(page: dict) -> float:
    """KB a reader downloads to see the whole page: HTML as served, images, animations."""
    return page["html_served_kb"] + page["assets_kb"]


def checks(r: dict) -> list[tuple[str, str, bool]]:
    weights = [page_weight(p) for p in r["pages"].values()]
    target_chapter = next(iter(sorted(r["code_reexecuted"])), None)
    rows = [
        (
            "clean build / baseline",
            f"{r['clean_s'] / r['baseline_s']:.2f} (≤ 0.6)",
            r["clean_s"] / r["baseline_s"] <= 0.6,
        ),
        (
            "clean build / limit",
            f"{r['clean_s'] / r['limit_s']:.2f} (≤ 1.15)",
            r["clean_s"] / r["limit_s"] <= 1.15,
        ),
        (
            "no-op rebuild",
            f"{r['noop_s']:.1f} s (≤ 10 s), {r['noop_reexecuted']} re-executed",
            r["noop_s"] <= 10 and r["noop_reexecuted"] == 0,
        ),
        (
            "prose edit re-executes",
            f"{len(r['prose_reexecuted'])} chapters (0)",
            not r["prose_reexecuted"],
        ),
        (
            "code edit re-executes",
            f"{len(r['code_reexecuted'])} chapter ({target_chapter})",
            len(r["code_reexecuted"]) == 1,
        ),
        (
            "slowest chapter",
            f"{max(r['chapter_exec_s'].values()):.1f} s (< 20 s)",
            max(r["chapter_exec_s"].values()) < 20,
        ),
        (
            "median page weight",
            f"{statistics.median(weights):.0f} KB (≤ 300 KB)",
            statistics.median(weights) <= 300,
        ),
        ("largest page weight", f"{max(weights):.0f} KB (≤ 1024 KB)", max(weights) <= 1024),
    ]
    if "test_ok" in r:
        rows.append(("test suite", f"{r['test_s']:.0f} s, {r['test_summary']}", r["test_ok"]))
    if r.get("lighthouse"):
        rows += lighthouse_checks(r["lighthouse"])
    return rows


def report(r: dict, cores: int) -> None:
    print(
        f"\nGlass Box build benchmark, {r['date']}, {r['machine']}, "
        f"{r['chapters']} chapters, jobs={r['jobs']}\n"
    )
    print("| measurement | time |")
    print("|---|---|")
    print(f"| baseline: plain `jupyter-book build`, empty cache | {r['baseline_s']:.1f} s |")
    print(
        f"| our clean build (`make book`, venv present), empty cache | {r['clean_s']:.1f} s "
        f"({r['clean_s'] / r['baseline_s']:.2f} × baseline) |"
    )
    print(f"| chapters' execution, each alone, serial sum | {r['serial_exec_s']:.1f} s |")
    print(f"| Sphinx's own time (all cached) | {r['sphinx_s']:.1f} s |")
    print(
        f"| limit: max(slowest, sum / {cores}) + Sphinx | {r['limit_s']:.1f} s "
        f"(clean build = {r['clean_s'] / r['limit_s']:.2f} × limit) |"
    )
    print(f"| no-op rebuild | {r['noop_s']:.1f} s ({r['noop_reexecuted']} chapters re-executed) |")
    print(
        f"| prose edit | {r['prose_s']:.1f} s ({len(r['prose_reexecuted'])} chapters re-executed) |"
    )
    print(f"| code edit | {r['code_s']:.1f} s ({len(r['code_reexecuted'])} chapter re-executed) |")
    if "test_s" in r:
        print(f"| test suite (`make test`, venv present) | {r['test_s']:.1f} s |")
    print(
        "\n| chapter | execution alone | in the clean build | HTML (served, gzip) "
        "| images and animations | page weight |"
    )
    print("|---|---|---|---|---|---|")
    for doc, page in r["pages"].items():
        alone = r["chapter_alone_s"].get(doc, float("nan"))
        sec = r["chapter_exec_s"].get(doc, float("nan"))
        print(
            f"| {doc} | {alone:.1f} s | {sec:.1f} s "
            f"| {page['html_kb']:.0f} KB ({page['html_served_kb']:.0f} KB) "
            f"| {page['assets_kb']:.0f} KB | {page_weight(page):.0f} KB |"
        )
    if r.get("lighthouse"):
        lighthouse_report(r["lighthouse"])
    print("\n| target | measured | met |")
    print("|---|---|---|")
    for name, value, ok in checks(r):
        print(f"| {name} | {value} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    sys.exit(main())
