"""Build the HTML book: execute chapters in parallel, then a strict Sphinx build.

Usage (from the project root; `make book` does this)::

    python scripts/build_book.py [--jobs N]

Steps:

1. If the pinned requirements or the helper package in src/ changed since the
   execution cache was filled, empty the cache: outputs computed under another
   environment are not reused.
2. Execute every chapter whose code is not in the cache (scripts/bookexec.py),
   ``--jobs`` kernels at a time. A failing cell stops the build here, naming the
   chapter file, the line and the cell.
3. ``jupyter-book build`` with warnings as errors (``-W``) and nitpicky
   references (``-n``). Every chapter is a cache hit, so Sphinx executes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bookexec

ROOT = bookexec.ROOT
BUILD = ROOT / "_build"
HTML = BUILD / "html"
CACHE = bookexec.CACHE_DIR
STAMP = CACHE / "environment.sha256"


def environment_hash() -> str:
    """Hash of what chapter outputs depend on besides their own code.

    The pinned requirements, the Python version, the code every kernel runs before
    a chapter (scripts/bookexec.py) and the helper package's source: a change to
    any of them (code, the answer key, the explorable figures' script and style) can
    change what a chapter prints or draws.
    """
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    digest.update(".".join(map(str, sys.version_info[:2])).encode())
    digest.update(bookexec.KERNEL_PRELUDE.encode())
    for source in sorted((ROOT / "src").rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts or ".egg-info" in str(source):
            continue
        digest.update(source.relative_to(ROOT).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def check_cache_environment() -> None:
    """Empty the execution cache if it was filled under another environment."""
    wanted = environment_hash()
    if CACHE.exists():
        found = STAMP.read_text().strip() if STAMP.exists() else None
        if found != wanted:
            print("[build] pinned packages or helper package changed: emptying the execution cache")
            shutil.rmtree(CACHE)
    CACHE.mkdir(parents=True, exist_ok=True)
    STAMP.write_text(wanted + "\n")


# Files of the built site that can carry text from a chapter's outputs.
TEXT_SUFFIXES = {".html", ".ipynb", ".md", ".txt", ".js", ".json"}


def machine_paths(root: Path = ROOT) -> list[str]:
    """Paths of this machine that must never appear in a published page.

    The project folder (which holds the venv and its site-packages), the Python
    installation, and the temporary folders chapters execute in.
    """
    paths = {str(root), sys.prefix, sys.base_prefix, f"{tempfile.gettempdir()}/glassbox-exec-"}
    return sorted(p for p in paths if len(p) > 1)


def find_path_leaks(site: Path, paths: list[str] | None = None) -> list[str]:
    """Pages under ``site`` that contain one of ``paths``, as "page: path" lines."""
    paths = machine_paths() if paths is None else paths
    leaks = []
    for page in sorted(site.rglob("*")):
        if page.suffix not in TEXT_SUFFIXES or not page.is_file():
            continue
        text = page.read_text(errors="replace")
        leaks += [f"{page.relative_to(site)}: {p}" for p in paths if p in text]
    return leaks


def execute_chapters(jobs: int, what: str) -> bool:
    """Fill the execution cache: every chapter not in it runs, ``jobs`` at a time.

    Returns False, having said why, if a chapter failed (then no ``what`` is written)
    or an executed chapter is missing from the cache.
    """
    check_cache_environment()
    chapters = bookexec.toc_chapters()
    timeout = int(bookexec.book_config().get("execute", {}).get("timeout", 60))
    results = bookexec.run(chapters, jobs=jobs, timeout=timeout)
    if bookexec.report_failures(results):
        print(f"\n[build] stopped: a chapter failed to execute (see above). No {what} was written.")
        return False

    cache = bookexec.open_cache()
    stale = [c for c in chapters if not bookexec.is_cached(cache, c)]
    if stale:  # Sphinx would execute these itself, serially and unchecked
        names = ", ".join(str(c.relative_to(ROOT)) for c in stale)
        print(f"[build] internal error: executed chapters missing from the cache: {names}")
        return False
    return True


def sphinx_build(*builder: str) -> int:
    """Run jupyter-book's Sphinx build, warnings as errors; return its exit code.

    ``builder`` is what follows ``--builder``: ``html`` (the default), ``latex``, or
    ``custom --custom-builder epub``.
    """
    jb = Path(sys.executable).with_name("jupyter-book")
    builder = builder or ("html",)
    cmd = [str(jb), "build", str(ROOT), "--builder", *builder, "-W", "-n", "--keep-going"]
    env = bookexec.kernel_env()
    # The pages' dates ("Last updated on", the copyright year) are the date of the
    # commit being built: the same on every build of it, never the kernels' 1970.
    env["SOURCE_DATE_EPOCH"] = source_date_epoch()
    return subprocess.call(cmd, cwd=ROOT, env=env)


# 2026-01-01, for a copy of the source without git history.
FALLBACK_EPOCH = "1767225600"


def source_date_epoch() -> str:
    """The commit time of ``HEAD`` in seconds, or a fixed date without git."""
    try:
        done = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return FALLBACK_EPOCH
    stamp = done.stdout.strip()
    return stamp if done.returncode == 0 and stamp.isdigit() else FALLBACK_EPOCH


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 1) + 1)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    if not execute_chapters(args.jobs, "HTML"):
        return 1

    print("[build] writing HTML (warnings are errors)")
    code = sphinx_build()
    # A failed Sphinx-side execution leaves logs here; never publish them.
    shutil.rmtree(HTML / "reports", ignore_errors=True)
    if code != 0:
        print("\n[build] FAILED: Sphinx reported warnings or errors (listed above).")
        return code
    leaks = find_path_leaks(HTML)
    if leaks:
        print("\n[build] FAILED: pages show file paths of the build machine:")
        print("\n".join(f"  {leak}" for leak in leaks))
        print("[build] print names relative to a folder, or shorten the traceback.")
        return 1
    elapsed = time.perf_counter() - start
    print(f"\n[build] done in {elapsed:.0f} s. Open {HTML / 'index.html'}")
    print("[build] or run `make serve` and visit http://localhost:8000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
