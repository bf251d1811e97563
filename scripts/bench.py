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
7. per chapter: execution time, HTML size, size of its images and animations;
8. the test suite (``make test`` minus the venv set-up: a no-op build, then pytest).

``--stress`` repeats the clean build five times and fails if any run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

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
        weights[doc] = {"html_kb": page.stat().st_size / KB, "assets_kb": assets / KB}
    return weights


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
    args = parser.parse_args(argv)
    cores = os.cpu_count() or 1
    sys.path.insert(0, str(ROOT / "scripts"))
    import bookexec

    chapters = [str(p.relative_to(ROOT)) for p in bookexec.toc_chapters()]
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

        print("[bench] 1/8 baseline: plain jupyter-book build, empty cache ...")
        results["baseline_s"] = baseline(project)

        print("[bench] 2/8 our clean build, empty cache ...")
        clean(project)
        results["clean_s"], log = build(project, args.jobs)
        times = executed(log)
        results["chapter_exec_s"] = times

        print("[bench] 3/8 each chapter alone (one kernel at a time), and Sphinx's own time ...")
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

        print("[bench] 4/8 no-op rebuild ...")
        results["noop_s"], log = build(project, args.jobs)
        results["noop_reexecuted"] = len(executed(log))

        target = project / chapters[1]
        print(f"[bench] 5/8 prose edit in {chapters[1]} ...")
        original = edit(target, "\n## ", "\nOne more sentence of prose.\n\n## ")
        results["prose_s"], log = build(project, args.jobs)
        results["prose_reexecuted"] = sorted(executed(log))
        target.write_text(original, encoding="utf-8")

        print(f"[bench] 6/8 code edit in {chapters[1]} ...")
        edit(target, "```{code-cell} ipython3\n", "```{code-cell} ipython3\n# an edit\n")
        results["code_s"], log = build(project, args.jobs)
        results["code_reexecuted"] = sorted(executed(log))
        target.write_text(original, encoding="utf-8")
        build(project, args.jobs)

        print("[bench] 7/8 page weights ...")
        results["pages"] = page_weights(project, chapters)

        if not args.skip_test:
            print("[bench] 8/8 the test suite (no-op build + pytest) ...")
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


def checks(r: dict) -> list[tuple[str, str, bool]]:
    weights = [p["html_kb"] + p["assets_kb"] for p in r["pages"].values()]
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
    print("\n| chapter | execution alone | in the clean build | HTML | images and animations |")
    print("|---|---|---|---|---|")
    for doc, page in r["pages"].items():
        alone = r["chapter_alone_s"].get(doc, float("nan"))
        sec = r["chapter_exec_s"].get(doc, float("nan"))
        print(
            f"| {doc} | {alone:.1f} s | {sec:.1f} s | {page['html_kb']:.0f} KB "
            f"| {page['assets_kb']:.0f} KB |"
        )
    print("\n| target | measured | met |")
    print("|---|---|---|")
    for name, value, ok in checks(r):
        print(f"| {name} | {value} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    sys.exit(main())
