"""Kernels forked from a warm process behave like fresh ones (scripts/warm_kernels.py)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import bookexec
import pytest
import warm_kernels
from conftest import ROOT
from test_bookexec import chapter, code_outputs

# What a chapter can observe about the process it runs in: identical between a fresh
# kernel and a warm one, except whether torch was imported before its first line.
PROBE = """\
import os, sys
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import torch
print(os.listdir("."), matplotlib.get_backend(), os.environ["OMP_NUM_THREADS"])
print([p.replace(os.getcwd(), "CWD") for p in sys.path[:2]], os.path.basename(sys.argv[0]))
torch.manual_seed(0)
print(torch.randn(3).sum().item(), torch.get_num_threads(), hash("glass box"))
print(pd.get_option("display.max_columns"), pd.get_option("display.width"))
fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
ax.plot([0, 1], [1, 0])
plt.show()
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernels")
    with warm_kernels.server(bookexec.kernel_env(), str(folder)) as path:
        assert path is not None, "the warm-kernel server did not come up"
        yield path


def test_a_warm_kernel_shows_a_chapter_what_a_fresh_one_does(tmp_path, server):
    path = chapter(tmp_path, "import sys\nprint('torch' in sys.modules)", PROBE)
    fresh = bookexec.execute_chapter(path, timeout=60)
    warm = bookexec.execute_chapter(path, timeout=60, warm_socket=server)
    assert fresh.ok, fresh.error
    assert warm.ok, warm.error
    # The one difference: the warm kernel's imports were done before the chapter ran.
    assert code_outputs(fresh.notebook, 1)[0]["text"] == "False\n"
    assert code_outputs(warm.notebook, 1)[0]["text"] == "True\n"
    assert code_outputs(warm.notebook, 2) == code_outputs(fresh.notebook, 2)
    lines = code_outputs(warm.notebook, 2)[0]["text"].splitlines()
    assert lines[0] == "[] module://matplotlib_inline.backend_inline 1"
    assert "CWD" not in lines[1] and lines[1].endswith(" ipykernel_launcher.py")
    assert lines[3] == "20 80"  # pandas knows it runs in a Jupyter kernel
    assert [o["output_type"] for o in code_outputs(warm.notebook, 2)][-1] == "display_data"
    assert "image/png" in code_outputs(warm.notebook, 2)[-1]["data"]


def test_each_warm_kernel_is_a_process_of_its_own(tmp_path, server):
    code = "import os\nprint(os.getpid(), os.getcwd())\nopen('made-here', 'w').close()"
    path = chapter(tmp_path, code)
    seen = []
    for _ in range(2):
        result = bookexec.execute_chapter(path, timeout=60, warm_socket=server)
        assert result.ok, result.error
        seen.append(code_outputs(result.notebook)[0]["text"].split())
    (pid1, cwd1), (pid2, cwd2) = seen
    assert pid1 != pid2 and cwd1 != cwd2  # the file one chapter wrote is not in the next
    for pid in (pid1, pid2):
        assert not process_exists(int(pid), wait=5), "a finished chapter's kernel lives on"


def process_exists(pid: int, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def test_a_failing_cell_and_the_network_guard_work_as_in_a_fresh_kernel(tmp_path, server):
    path = chapter(tmp_path, "x = 1", "raise RuntimeError('boom')")
    result = bookexec.execute_chapter(path, timeout=60, warm_socket=server)
    assert not result.ok
    assert "code cell 2" in result.error and "RuntimeError: boom" in result.error
    code = "import socket\nsocket.create_connection(('192.0.2.1', 80), timeout=1)"
    result = bookexec.execute_chapter(chapter(tmp_path, code), timeout=60, warm_socket=server)
    assert not result.ok and "network access is blocked" in result.error


def test_a_warm_kernel_that_dies_is_reported(tmp_path, server):
    path = chapter(tmp_path, "import os\nos._exit(3)")
    result = bookexec.execute_chapter(path, timeout=60, warm_socket=server)
    assert not result.ok
    assert "the kernel died" in result.error


def test_a_hung_cell_times_out_and_its_kernel_is_killed(tmp_path, server):
    pid_file = tmp_path / "pid"
    code = f"import os\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))"
    path = chapter(tmp_path, code, "import time\ntime.sleep(60)")
    result = bookexec.execute_chapter(path, timeout=3, warm_socket=server)
    assert not result.ok and "timeout" in result.error and "code cell 2" in result.error
    assert not process_exists(int(pid_file.read_text()), wait=5)


def test_an_interrupt_reaches_the_forked_kernel(tmp_path, server):
    """Jupyter signals the launcher; the launcher passes the signal on."""

    async def interrupted() -> str:
        manager = warm_kernels.kernel_manager(server)(kernel_name="python3")
        await manager.start_kernel(env=bookexec.kernel_env(), cwd=str(tmp_path))
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            client.execute("import time\ntime.sleep(60)")
            await asyncio.sleep(1.0)
            await manager.interrupt_kernel()
            while True:
                reply = await client.get_shell_msg(timeout=20)
                if reply["msg_type"] == "execute_reply":
                    return reply["content"].get("ename", reply["content"]["status"])
        finally:
            client.stop_channels()
            await manager.shutdown_kernel(now=True)

    assert asyncio.run(interrupted()) == "KeyboardInterrupt"


def test_other_commands_and_a_missing_server_run_the_ordinary_way(tmp_path, server):
    launcher = [sys.executable, "-I", "-S", str(warm_kernels.SCRIPT), "launch"]
    for socket_path in (server, str(tmp_path / "no-server.sock")):
        command = [sys.executable, "-c", "print('ran the ordinary way')"]
        done = subprocess.run(
            [*launcher, socket_path, "--", *command], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout == "ran the ordinary way\n"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], ["-f", "k.json"]),
        (
            [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "k.json"],
            ["-f", "k.json"],
        ),
        ([sys.executable, "-m", "http.server"], None),
        ([sys.executable, "-c", "import ipykernel_launcher"], None),
        (["/bin/echo", "-m", "ipykernel_launcher"], None),
        ([sys.executable], None),
    ],
)
def test_only_this_interpreters_ipython_kernel_is_forked(command, expected):
    assert warm_kernels.kernel_arguments(command) == expected


def servers_on(path: str) -> list[int]:
    """Processes whose command line is ``... warm_kernels.py serve PATH``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(words) > 3 and words[1].endswith(b"warm_kernels.py") and words[3] == path.encode():
            found.append(int(entry.name))
    return found


def test_the_server_stops_when_the_build_does(tmp_path):
    with warm_kernels.server(bookexec.kernel_env(), str(tmp_path)) as path:
        assert path is not None
        pids = servers_on(path)
        assert len(pids) == 1
    assert not process_exists(pids[0], wait=5)
    assert not os.path.exists(path)  # the socket is removed with it


def test_run_forks_warm_kernels_for_many_chapters_and_reports_like_fresh_ones(tmp_path):
    good = [chapter(tmp_path, f"print({n} * 2)", name=f"ok{n}.md") for n in range(3)]
    bad = chapter(tmp_path, "x = 1", "1 / 0", name="bad.md")
    lines: list[str] = []
    results = bookexec.run([*good, bad], jobs=2, use_cache=False, echo=lines.append)
    assert "kernels forked warm" in lines[0]
    by_name = {r.path.name: r for r in results}
    assert all(by_name[p.name].ok for p in good)
    assert [code_outputs(by_name[f"ok{n}.md"].notebook)[0]["text"] for n in range(3)] == [
        "0\n",
        "2\n",
        "4\n",
    ]
    assert not by_name["bad.md"].ok and "ZeroDivisionError" in by_name["bad.md"].error


@pytest.mark.parametrize("asked", [None, True])
def test_other_systems_start_every_kernel_fresh(tmp_path, monkeypatch, asked):
    """macOS and Windows cannot fork the server's kernels: run() starts them afresh,
    whether warm kernels were left to it or asked for, and says why when asked."""
    monkeypatch.setattr(warm_kernels, "SUPPORTED", False)
    started = []
    monkeypatch.setattr(warm_kernels, "server", lambda *a: started.append(a))
    paths = [chapter(tmp_path, f"print({n})", name=f"c{n}.md") for n in range(4)]
    lines: list[str] = []
    results = bookexec.run(paths, jobs=2, use_cache=False, warm=asked, echo=lines.append)
    assert started == []
    assert "[exec] executing 4 chapter(s), 2 at a time (fresh kernels)" in lines
    assert any("forked warm on Linux only" in line for line in lines) == bool(asked)
    assert [code_outputs(r.notebook)[0]["text"] for r in sorted(results, key=lambda r: r.path)] == [
        f"{n}\n" for n in range(4)
    ]


# Chapters that use what the server imports (torch, torchvision, networkx, matplotlib)
# and what it must not (pandas, whose tables would come out differently): each run here
# in a fresh kernel must give what the build, which forks its kernels warm, stored.
COMPARED = [
    "book/tensors/tensors-1d.md",
    "book/tensors/image-datasets.md",
    "book/linear-regression/slope-and-bias.md",
    "book/appendices/helpers-diagrams.md",
]


@pytest.mark.parametrize("name", COMPARED, ids=lambda n: n.rsplit("/", 1)[-1][:-3])
def test_the_built_chapter_matches_a_fresh_kernel(name):
    path = ROOT / name
    cache = bookexec.open_cache()
    if not bookexec.is_cached(cache, path):
        pytest.fail(f"{name} is not in the execution cache: run `make book` first")
    _, stored = cache.merge_match_into_notebook(bookexec.read_chapter(path))
    fresh = bookexec.execute_chapter(path, timeout=60)
    assert fresh.ok, fresh.error

    def outputs(nb):
        cells = [c for c in nb.cells if c.cell_type == "code"]
        return [json.dumps(c.get("outputs", []), sort_keys=True) for c in cells]

    differ = [
        number
        for number, (a, b) in enumerate(
            zip(outputs(stored), outputs(fresh.notebook), strict=True), start=1
        )
        if a != b
    ]
    assert not differ, f"{name}: code cells {differ} differ from a fresh kernel's"
