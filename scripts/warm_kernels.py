"""Start chapter kernels from a process that has already imported torch.

Every chapter runs in a fresh kernel, and a fresh Python process spends about two
seconds of CPU importing torch, torchvision, matplotlib and IPython before the
chapter's first line does anything: seventy seconds of CPU for thirty-five chapters,
on two cores. Here one server process pays it once: it imports those modules
(and nothing that holds state a chapter could see: no figure, no tensor, no thread),
then forks a child per kernel. A child is a fresh kernel in every way a chapter can
observe (its own process, working directory, environment, standard streams), whose
imports of those modules are already done.

Two commands (``python scripts/warm_kernels.py ...``)::

    serve SOCKET           the server: listen on the Unix socket SOCKET
    launch SOCKET -- CMD   stand in for the kernel command CMD

``launch`` is what Jupyter starts instead of ``python -m ipykernel_launcher -f
FILE``: it hands the server its standard streams, working directory, environment and
the command, and then stays alive for exactly as long as the forked kernel does,
passing on every signal Jupyter sends it (interrupt, terminate) and exiting with the
kernel's status. If Jupyter kills it outright (``SIGKILL``), the server notices the
closed connection and kills the kernel. A command that is not a plain IPython kernel
of this interpreter, or a server whose imports failed, is run the ordinary way, by
``exec``.

``scripts/bookexec.py`` starts the server for a build that executes several
chapters, and points its kernel manager at ``launch`` (``kernel_manager``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCRIPT = Path(__file__).resolve()

# Imported once by the server. None of them draws, computes or starts a thread at
# import, or decides anything at import from where it runs. matplotlib is imported
# with the inline backend named, exactly as ipykernel names it at start-up; pyplot is
# not (its import wires the inline backend into the running IPython, which the server
# does not have). pandas, and scikit-learn's data sets which import it, are left out
# on purpose: pandas picks its display options at import by asking whether it runs in
# a Jupyter kernel, so it would print tables differently. tests/test_warm_kernels.py
# compares what a chapter sees in both kinds of kernel.
WARM_MODULES = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "IPython",
    "numpy",
    "torch",
    "torch.nn",
    "torch.utils.data",
    "torchvision",
    "scipy",
    "networkx",
    "matplotlib",
    "matplotlib.figure",
)
# Linux only. Windows has no fork; macOS has no SOCK_SEQPACKET Unix sockets, and a
# forked child of a process that has loaded Apple's system frameworks may crash.
# Elsewhere every kernel starts the ordinary way (scripts/bookexec.py asks this).
SUPPORTED = sys.platform.startswith("linux")
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
KERNEL_MODULE = "ipykernel_launcher"
MAX_MESSAGE = 1 << 20
SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` if ``cmd`` starts this
    interpreter's IPython kernel; ``None`` for any other command."""
    if len(cmd) < 3 or os.path.realpath(cmd[0]) != os.path.realpath(sys.executable):
        return None
    for i in range(1, len(cmd) - 1):
        if cmd[i] == "-m":
            return cmd[i + 2 :] if cmd[i + 1] == KERNEL_MODULE else None
        if not cmd[i].startswith("-X"):  # interpreter options only before -m
            return None
    return None


# --------------------------------------------------------------------- the server


def serve(path: str) -> int:
    """Listen on ``path``; fork a kernel per request until standard input closes."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(path)
    listener.listen(64)  # bound first: a client may queue while the imports run
    os.environ["MPLBACKEND"] = INLINE_BACKEND
    warm = True
    try:
        for name in WARM_MODULES:
            __import__(name)
    except Exception:  # the kernels then start the ordinary way
        traceback.print_exc()
        warm = False
    os.environ.pop("MPLBACKEND", None)

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    selector.register(sys.stdin, selectors.EVENT_READ)
    kernels: dict[int, socket.socket | None] = {}  # pid -> its launcher's connection
    owners: dict[socket.socket, int] = {}  # connection -> pid (0 until forked)
    try:
        while True:
            for key, _ in selector.select(timeout=0.05):
                source = key.fileobj
                if source is listener:
                    conn, _ = listener.accept()
                    selector.register(conn, selectors.EVENT_READ)
                    owners[conn] = 0
                elif source is sys.stdin:
                    if not os.read(sys.stdin.fileno(), 1024):
                        return 0  # the build that started us is gone
                else:
                    _serve_message(source, warm, selector, listener, kernels, owners)
            _reap(kernels, owners, selector)
    finally:
        for pid in kernels:
            _kill(pid)
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _serve_message(conn, warm, selector, listener, kernels, owners) -> None:
    try:
        data, fds, _, _ = socket.recv_fds(conn, MAX_MESSAGE, 3)
    except OSError:
        data, fds = b"", []
    pid = owners.get(conn, 0)
    if not data:  # the launcher exited or was killed: so does its kernel
        for fd in fds:
            os.close(fd)
        selector.unregister(conn)
        owners.pop(conn, None)
        conn.close()
        if pid:
            kernels[pid] = None  # still to be reaped
            _kill(pid)
        return
    request = json.loads(data)
    args = kernel_arguments(request["argv"])
    if pid or not warm or args is None or len(fds) != 3:
        for fd in fds:
            os.close(fd)
        conn.send(b"cold")
        return
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _become_kernel(request, args, fds, [selector, listener, *owners])
    for fd in fds:
        os.close(fd)
    kernels[pid] = conn
    owners[conn] = pid
    conn.send(f"pid {pid}".encode())


def _become_kernel(request: dict, args: list[str], fds: list[int], close: list) -> None:
    """In the forked child: take the launcher's streams, folder and environment,
    then run the kernel as ``python -m ipykernel_launcher ARGS`` would. Never returns."""
    code = 1
    try:
        for thing in close:
            thing.close()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.setsid()
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
            signal.signal(
                number, signal.default_int_handler if number == signal.SIGINT else signal.SIG_DFL
            )
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        del sys.path[0]  # this script's folder; ipykernel_launcher removes its own
        parent = request["env"].get("JPY_PARENT_PID")
        if parent:  # ipykernel read this variable when the server imported it
            args = [*args, f"--IPKernelApp.parent_handle={parent}"]
        sys.argv = [importlib.util.find_spec(KERNEL_MODULE).origin, *args]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _reap(kernels, owners, selector) -> None:
    while kernels:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = kernels.pop(pid, None)
        if conn is None:  # its launcher has gone already
            continue
        code = os.waitstatus_to_exitcode(status)
        try:
            conn.send(f"exit {code}".encode())
        except OSError:
            pass
        selector.unregister(conn)
        owners.pop(conn, None)
        conn.close()


def _kill(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ------------------------------------------------------------------- the launcher


def launch(path: str, cmd: list[str]) -> int:
    """Have the server fork the kernel ``cmd``; live and die with it."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        conn.connect(path)
        request = {"argv": cmd, "cwd": os.getcwd(), "env": dict(os.environ)}
        socket.send_fds(conn, [json.dumps(request).encode()], [0, 1, 2])
        reply = conn.recv(256).decode()
    except OSError:
        reply = "cold"
    if not reply.startswith("pid "):
        conn.close()
        os.execv(cmd[0], cmd)  # the ordinary way; does not return
    pid = int(reply.split()[1])

    def forward(number, _frame):
        try:
            os.kill(pid, number)
        except OSError:
            pass

    for number in SIGNALS:
        signal.signal(number, forward)
    message = conn.recv(256).decode()
    if message.startswith("exit "):
        code = int(message.split()[1])
        return code if code >= 0 else 128 - code
    _kill(pid)  # the server went away: do not leave the kernel behind
    return 1


# ------------------------------------------------------------- for scripts/bookexec


@contextmanager
def server(env: dict[str, str], folder: str) -> Iterator[str | None]:
    """Run a server with ``env`` (the kernels' environment) for the ``with`` block.

    Yields its socket's path, or ``None`` if it did not come up within ten seconds
    (then kernels start the ordinary way). The server stops, killing any kernel it
    still has, when the block ends, and by itself if this process dies.
    """
    path = os.path.join(folder, "kernels.sock")
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "serve", path],
        stdin=subprocess.PIPE,
        env=env,
        cwd=folder,
    )
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        yield path if os.path.exists(path) and proc.poll() is None else None
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def kernel_manager(path: str):
    """A Jupyter kernel manager class whose kernels the server at ``path`` forks."""
    from jupyter_client.manager import AsyncKernelManager

    class WarmKernelManager(AsyncKernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            cmd = super().format_kernel_cmd(extra_arguments)
            return [sys.executable, "-I", "-S", str(SCRIPT), "launch", path, "--", *cmd]

    return WarmKernelManager


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "serve":
        return serve(argv[1])
    if len(argv) >= 4 and argv[0] == "launch" and argv[2] == "--":
        return launch(argv[1], argv[3:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
