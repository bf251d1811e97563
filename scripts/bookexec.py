"""Execute the book's chapters: in parallel, network blocked, failures named by cell.

Usage (from the project root)::

    python scripts/bookexec.py                 # every outdated chapter in _toc.yml
    python scripts/bookexec.py book/part0/x.md # just these chapters
    python scripts/bookexec.py --force         # re-run even chapters the cache holds
    python scripts/bookexec.py --kernels fresh # never fork kernels from a warm process

Each chapter is read exactly as MyST-NB reads it, run top to bottom in a fresh
kernel whose working directory is an empty temporary folder, and, when every cell
succeeded, stored in MyST-NB's execution cache (``_build/.jupyter_cache``). The
Sphinx build that follows then finds every chapter in the cache and executes
nothing itself. A chapter whose code is unchanged since its last successful run is
not executed again (prose edits do not change the cache key). When several chapters
run on Linux, their kernels are forked from one process that has imported torch and the
other heavy modules once (``scripts/warm_kernels.py``), which saves each chapter
about two seconds of CPU; a chapter cannot tell the difference (tested).

A failing cell stops its chapter and is reported as ``file:line: code cell N``,
with the exception and the cell's source; the script then exits with status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import warm_kernels
import yaml

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
CACHE_DIR = ROOT / "_build" / ".jupyter_cache"
# From this many chapters on, kernels are forked from a warm process (run()).
WARM_FROM = 4

# Run in every kernel before the chapter's first cell (and not stored): any attempt
# to reach a host other than this machine fails, so a chapter cannot download.
NETWORK_GUARD = r"""
import ipaddress as _ip, socket as _socket

def _glassbox_blocked(host):
    return OSError(f"network access is blocked while the book executes (tried to reach {host!r})")

def _glassbox_is_local(host):
    if host in (None, "", "localhost"):
        return True
    try:
        return _ip.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def _glassbox_check(address):
    if isinstance(address, tuple) and not _glassbox_is_local(address[0]):
        raise _glassbox_blocked(address[0])

_glassbox_connect = _socket.socket.connect
_glassbox_connect_ex = _socket.socket.connect_ex
_glassbox_getaddrinfo = _socket.getaddrinfo

def _guarded_connect(self, address):
    _glassbox_check(address)
    return _glassbox_connect(self, address)

def _guarded_connect_ex(self, address):
    _glassbox_check(address)
    return _glassbox_connect_ex(self, address)

def _guarded_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if not _glassbox_is_local(host):
        raise _glassbox_blocked(host)
    return _glassbox_getaddrinfo(host, *args, **kwargs)

_socket.socket.connect = _guarded_connect
_socket.socket.connect_ex = _guarded_connect_ex
_socket.getaddrinfo = _guarded_getaddrinfo
del _guarded_connect, _guarded_connect_ex, _guarded_getaddrinfo
"""

# Run in every kernel before the chapter's first cell (and not stored): tracebacks
# show the exception and its message only. A reader learns from "ValueError: ...",
# not from 60 lines of library internals, and the published pages then never show
# the build machine's file paths.
SHORT_TRACEBACKS = 'get_ipython().run_line_magic("xmode", "Minimal")'

# Every figure is kept twice: a PNG for the web pages and the EPUB, and a PDF (vector
# lines and text, sharp at any size) that the PDF edition prints. Reader's notebooks
# keep the PNG only (scripts/reader_notebooks.py).
PRINT_FIGURES = (
    "get_ipython().run_line_magic(\"config\", \"InlineBackend.figure_formats = ['png', 'pdf']\")"
)

# Everything a kernel runs besides the chapter's own cells: part of what the
# execution cache's outputs depend on (scripts/build_book.py hashes it).
KERNEL_PRELUDE = SHORT_TRACEBACKS + "\n" + PRINT_FIGURES + "\n" + NETWORK_GUARD

# Environment for every kernel: one thread each (two kernels share two cores, and
# single-threaded kernels give the same floating-point sums on every run), stable
# hashing, and a fixed date for any file metadata.
KERNEL_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # A reference solution that glassbox.check rejects fails the build.
    "GLASSBOX_STRICT_CHECKS": "1",
}


# Variables of the caller that must not reach a chapter's kernel: a test runner's
# MPLBACKEND=Agg, for one, would silently stop every inline figure.
KERNEL_ENV_DROP = ("MPLBACKEND",)


def kernel_env() -> dict[str, str]:
    """The environment a chapter's kernel starts with."""
    env = {k: v for k, v in os.environ.items() if k not in KERNEL_ENV_DROP}
    env.update(KERNEL_ENV)
    return env


@dataclass
class ChapterResult:
    """The outcome of executing one chapter."""

    path: Path
    seconds: float = 0.0
    error: str | None = None
    notebook: nbformat.NotebookNode | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def book_config(root: Path = ROOT) -> dict:
    """Return the parsed ``_config.yml``."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}


def toc_documents(root: Path = ROOT) -> list[Path]:
    """Every document listed in ``_toc.yml``, as paths to existing or missing files."""
    from sphinx_external_toc.parsing import parse_toc_yaml

    site_map = parse_toc_yaml(root / "_toc.yml")
    paths = []
    for docname in site_map:
        stem = root / docname
        candidates = [stem.with_suffix(ext) for ext in (".md", ".ipynb")]
        existing = [c for c in candidates if c.exists()]
        paths.append(existing[0] if existing else candidates[0])
    return paths


def is_notebook(path: Path) -> bool:
    """True if ``path`` is a MyST Markdown notebook (its front matter names a kernel)."""
    if path.suffix == ".ipynb":
        return True
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    front = yaml.safe_load(text[3:end]) if end > 0 else None
    return isinstance(front, dict) and "kernelspec" in front


def toc_chapters(root: Path = ROOT) -> list[Path]:
    """The chapters of the book: the notebooks among the documents in ``_toc.yml``."""
    return [p for p in toc_documents(root) if p.exists() and is_notebook(p)]


def read_chapter(path: Path) -> nbformat.NotebookNode:
    """Read a chapter exactly as MyST-NB does (so cache keys match)."""
    from myst_nb.core.read import myst_nb_reader_plugin

    if Path(path).suffix == ".ipynb":
        return nbformat.read(path, as_version=4)
    return myst_nb_reader_plugin(str(path))


def _display(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _cell_label(nb: nbformat.NotebookNode, index: int, path: Path) -> str:
    """``file:line: code cell N`` for the cell at ``index`` of ``nb``."""
    number = sum(1 for c in nb.cells[: index + 1] if c.cell_type == "code")
    line = None
    source_map = nb.metadata.get("source_map")
    if source_map and index < len(source_map):
        line = source_map[index] + 1
    where = f"{_display(path)}:{line}" if line else _display(path)
    return f"{where}: code cell {number}"


def _failure(nb, index: int, path: Path, what: str) -> str:
    source = textwrap.indent(nb.cells[index].source.rstrip(), "    | ")
    return f"{_cell_label(nb, index, path)} {what}\n{source}"


def execute_chapter(
    path: Path | str,
    *,
    timeout: int = 60,
    block_network: bool = True,
    cwd: Path | str | None = None,
    warm_socket: str | None = None,
) -> ChapterResult:
    """Execute one chapter top to bottom in a fresh kernel.

    Parameters
    ----------
    path
        The chapter (``.md`` MyST notebook or ``.ipynb``).
    timeout
        Seconds one cell may run before it fails the chapter.
    block_network
        Refuse any connection to another host from inside the kernel.
    cwd
        Working directory of the kernel; an empty temporary folder when ``None``.
    warm_socket
        Socket of a ``scripts/warm_kernels.py`` server: the kernel is forked from it,
        its heavy imports already done. A fresh interpreter when ``None``.

    Returns
    -------
    ChapterResult
        With ``error`` set (naming the cell) if a cell failed, and the executed
        notebook otherwise.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    path = Path(path)
    nb = read_chapter(path)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code_cells:
        return ChapterResult(
            path, error=f"{_display(path)}: the chapter has no code cells to execute"
        )
    kernel = nb.metadata.get("kernelspec", {}).get("name", "python3")
    manager = {}
    if warm_socket is not None:
        manager["kernel_manager_class"] = warm_kernels.kernel_manager(warm_socket)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="glassbox-exec-") as tmp:
        workdir = str(cwd) if cwd is not None else tmp
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name=kernel,
            allow_errors=False,
            record_timing=False,
            # Every output has arrived by the time the last cell returns: the kernel
            # is killed rather than asked to tidy up, which saves the half second of
            # CPU a Python process holding torch spends exiting, per chapter.
            shutdown_kernel="immediate",
            resources={"metadata": {"path": workdir}},
            **manager,
        )
        # The kernel process's own stderr (start-up chatter) goes to a log that is
        # shown only if the kernel dies; cell output arrives separately.
        fd, log_name = tempfile.mkstemp(prefix="glassbox-kernel-", suffix=".log")
        os.close(fd)
        kernel_log = Path(log_name)
        try:
            with open(kernel_log, "w") as log, client.setup_kernel(stderr=log, env=kernel_env()):
                # nbclient writes an executed cell back at its index, so each
                # prelude gets a slot of its own, removed again before the rest.
                prelude = [SHORT_TRACEBACKS, PRINT_FIGURES] + (
                    [NETWORK_GUARD] if block_network else []
                )
                for source in prelude:
                    nb.cells.insert(0, nbformat.v4.new_code_cell(source))
                    try:
                        client.execute_cell(nb.cells[0], 0, store_history=False)
                    finally:
                        nb.cells.pop(0)
                for index in code_cells:
                    try:
                        client.execute_cell(nb.cells[index], index)
                    except CellTimeoutError:
                        msg = _failure(
                            nb, index, path, f"ran longer than the {timeout} s cell timeout"
                        )
                        return ChapterResult(path, time.perf_counter() - start, msg)
                    except CellExecutionError as exc:
                        text = ANSI.sub("", str(exc)).strip()
                        last = text.splitlines()[-1] if text else repr(exc)
                        msg = _failure(nb, index, path, f"raised {last}")
                        return ChapterResult(path, time.perf_counter() - start, msg)
        except DeadKernelError as exc:
            tail = "".join(kernel_log.read_text(errors="replace").splitlines(True)[-20:])
            msg = f"{_display(path)}: the kernel died ({exc})\n{tail}"
            return ChapterResult(path, time.perf_counter() - start, msg)
        finally:
            kernel_log.unlink(missing_ok=True)
    seconds = time.perf_counter() - start
    problem = _check_outputs(nb, code_cells, path)
    if problem:
        return ChapterResult(path, seconds, problem)
    for index in code_cells:
        nb.cells[index].outputs = merge_streams(nb.cells[index].get("outputs", []))
    return ChapterResult(path, seconds, None, nb)


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks into one output.

    How a kernel splits printed text into messages depends on timing; merged, the
    stored notebook is the same on every run.
    """
    merged: list = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] = previous["text"] + output["text"]
        else:
            merged.append(output)
    return merged


def _check_outputs(nb: nbformat.NotebookNode, code_cells: list[int], path: Path) -> str | None:
    """Catch cells that ran but silently did not do what the page promises."""
    for index in code_cells:
        cell = nb.cells[index]
        outputs = cell.get("outputs", [])
        if "raises-exception" in cell.metadata.get("tags", []):
            if not any(o.get("output_type") == "error" for o in outputs):
                return _failure(nb, index, path, "is tagged raises-exception but raised nothing")
        wants_image = {"figure", "image"} & set(cell.metadata.get("mystnb", {}))
        has_image = any(k.startswith("image/") for o in outputs for k in o.get("data", {}))
        if wants_image and not has_image:
            return _failure(nb, index, path, "declares a figure or alt text but produced no image")
    return None


def _worker(args: tuple[Path, int, bool, str | None]) -> ChapterResult:
    path, timeout, block_network, warm_socket = args
    return execute_chapter(
        path, timeout=timeout, block_network=block_network, warm_socket=warm_socket
    )


def open_cache(cache_dir: Path = CACHE_DIR):
    """Open (creating once, serially) the MyST-NB execution cache."""
    from jupyter_cache import get_cache

    cache_dir.mkdir(parents=True, exist_ok=True)
    return get_cache(str(cache_dir))


def is_cached(cache, path: Path) -> bool:
    """True if the cache holds an executed copy of the chapter's current code."""
    try:
        cache.match_cache_notebook(read_chapter(path))
    except KeyError:
        return False
    return True


def store(cache, result: ChapterResult) -> None:
    """Put a successfully executed chapter into the cache, as MyST-NB would.

    The chapter's file is then touched: its outputs are new, and Sphinx decides
    what to re-read by modification time, not by cache content.
    """
    from jupyter_cache.base import CacheBundleIn

    cache.cache_notebook_bundle(
        CacheBundleIn(
            result.notebook, str(result.path), data={"execution_seconds": result.seconds}
        ),
        check_validity=False,
        overwrite=True,
    )
    os.utime(result.path)


def previous_seconds(cache, path: Path) -> float:
    """The chapter's last recorded execution time (0 if unknown), for scheduling."""
    best = 0.0
    for record in cache.list_cache_records():
        if Path(record.uri) == path:
            best = max(best, float(record.data.get("execution_seconds") or 0.0))
    return best


def run(
    chapters: Sequence[Path],
    *,
    jobs: int = 2,
    timeout: int = 60,
    force: bool = False,
    use_cache: bool = True,
    block_network: bool = True,
    warm: bool | None = None,
    echo=print,
) -> list[ChapterResult]:
    """Execute the chapters that need it, ``jobs`` at a time; return their results.

    With ``use_cache``, chapters already in the cache are skipped (unless
    ``force``) and successful runs are stored in it. With ``warm`` the kernels are
    forked from one process that imported torch and the rest once
    (``scripts/warm_kernels.py``); by default on Linux when at least ``WARM_FROM``
    chapters run, since the server's imports cost more than they save for fewer.
    """
    cache = open_cache() if use_cache else None
    todo = [p for p in chapters if force or cache is None or not is_cached(cache, p)]
    skipped = len(chapters) - len(todo)
    if skipped:
        echo(f"[exec] {skipped} chapter(s) unchanged since their last run: taken from the cache")
    if not todo:
        return []
    if cache is not None:  # longest first: the slowest chapter should not start last
        todo.sort(key=lambda p: previous_seconds(cache, p), reverse=True)
    if warm is None:
        warm = warm_kernels.SUPPORTED and len(todo) >= WARM_FROM
    elif warm and not warm_kernels.SUPPORTED:
        echo(f"[exec] kernels are forked warm on Linux only, not on {sys.platform}")
        warm = False
    how = "kernels forked warm" if warm else "fresh kernels"
    echo(f"[exec] executing {len(todo)} chapter(s), {jobs} at a time ({how})")
    results: list[ChapterResult] = []
    with contextlib.ExitStack() as stack:
        socket_path = None
        if warm:
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="glassbox-kernels-"))
            socket_path = stack.enter_context(warm_kernels.server(kernel_env(), folder))
        pool = stack.enter_context(ProcessPoolExecutor(max_workers=max(1, jobs)))
        jobs_args = [(p, timeout, block_network, socket_path) for p in todo]
        futures = {pool.submit(_worker, args): args[0] for args in jobs_args}
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            status = "ok" if result.ok else "FAILED"
            echo(f"[exec] {status:6} {result.seconds:6.1f} s  {_display(result.path)}")
            if result.ok and cache is not None:
                store(cache, result)
    return results


def report_failures(results: Iterable[ChapterResult], echo=print) -> int:
    """Print each failure in full; return how many there were."""
    failed = [r for r in results if not r.ok]
    for r in failed:
        echo("\n" + "=" * 78 + f"\nChapter failed: {r.error}\n")
    return len(failed)


def main(argv: Sequence[str] | None = None) -> int:
    config = book_config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "chapters", nargs="*", type=Path, help="chapter files (default: all in _toc.yml)"
    )
    parser.add_argument("--jobs", "-j", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--timeout", type=int, default=int(config.get("execute", {}).get("timeout", 60))
    )
    parser.add_argument(
        "--force", action="store_true", help="execute even chapters the cache holds"
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument(
        "--kernels",
        choices=("auto", "warm", "fresh"),
        default="auto",
        help="fork kernels from a warm process, start each afresh, or decide by count",
    )
    args = parser.parse_args(argv)
    chapters = [p.resolve() for p in args.chapters] or toc_chapters()
    missing = [p for p in chapters if not p.exists()]
    if missing:
        print("no such chapter: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 2
    results = run(
        chapters,
        jobs=args.jobs,
        timeout=args.timeout,
        force=args.force,
        use_cache=not args.no_cache,
        warm={"auto": None, "warm": True, "fresh": False}[args.kernels],
    )
    return 1 if report_failures(results) else 0


if __name__ == "__main__":
    sys.exit(main())
