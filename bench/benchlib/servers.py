"""Start one server process pinned to core 0, wait until it answers, find its worker, stop it.

Every server runs ONE worker. granian forks a worker process below its supervisor; uvicorn with one
worker serves from its own process. The "worker" is therefore the deepest process of the tree we
started, which is where resident memory is read.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
APPS_DIR = BENCH_DIR / "apps"
BIN_DIR = Path(sys.executable).parent
# Bytecode goes here, not into __pycache__ dirs of the repo (and it is written even when the
# environment sets PYTHONDONTWRITEBYTECODE, so start-up and import timings see cached bytecode).
PYCACHE = BENCH_DIR / ".venv" / "pycache"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class AppSpec:
    name: str
    module: str
    asgi: str | None = None  # attribute holding the ASGI callable
    wsgi: str | None = None  # attribute holding the WSGI callable
    label: str = ""


APPS: dict[str, AppSpec] = {
    spec.name: spec
    for spec in (
        AppSpec("raw", "raw_app", asgi="app", label="raw ASGI"),
        AppSpec("trellis", "trellis_app", asgi="app", label="Trellis"),
        AppSpec("starlette", "starlette_app", asgi="app", label="Starlette"),
        AppSpec("fastapi", "fastapi_app", asgi="app", label="FastAPI"),
        AppSpec("litestar", "litestar_app", asgi="app", label="Litestar"),
        AppSpec("flask", "flask_app", wsgi="app", label="Flask"),
        AppSpec(
            "django", "django_app", asgi="asgi_application", wsgi="application", label="Django"
        ),
        AppSpec("raw-wsgi", "raw_wsgi_app", wsgi="app", label="raw WSGI"),
    )
}


@dataclass(frozen=True)
class ServerSpec:
    name: str
    interface: str  # "asgi" or "wsgi"
    label: str

    def command(self, target: str, port: int) -> list[str]:
        host = ["--host", "127.0.0.1", "--port", str(port)]
        if self.name.startswith("granian"):
            return [
                str(BIN_DIR / "granian"),
                *("--interface", self.interface, "--workers", "1"),
                *host,
                *("--log-level", "warning", "--no-access-log"),
                target,
            ]
        return [
            str(BIN_DIR / "uvicorn"),
            *("--http", "httptools", "--loop", "uvloop", "--workers", "1"),
            *host,
            *("--log-level", "warning", "--no-access-log"),
            target,
        ]


SERVERS: dict[str, ServerSpec] = {
    "granian": ServerSpec("granian", "asgi", "granian ASGI"),
    "granian-wsgi": ServerSpec("granian-wsgi", "wsgi", "granian WSGI"),
    "uvicorn": ServerSpec("uvicorn", "asgi", "uvicorn (httptools, uvloop)"),
}


def app_target(app: AppSpec, server: ServerSpec) -> str | None:
    """`module:attribute` for this server's interface, or None when the app cannot run there."""
    attr = app.asgi if server.interface == "asgi" else app.wsgi
    return f"{app.module}:{attr}" if attr else None


def bench_env(routes: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The apps' environment: BENCH_ROUTES, plus `extra` (BENCH_PAGE=1 for the page test)."""
    env = dict(os.environ)
    env.pop("BENCH_PAGE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTHONPATH"] = str(APPS_DIR)
    env["BENCH_ROUTES"] = str(routes)
    env.update(extra or {})
    return env


def niced(nice: int) -> list[str]:
    """A `nice` prefix: a raised priority keeps other work on the machine off the measured cores."""
    return ["nice", "-n", str(nice)] if nice else []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerError(RuntimeError):
    pass


class Server:
    """One running server process group; use as a context manager so it always stops."""

    def __init__(
        self,
        app: AppSpec,
        server: ServerSpec,
        routes: int,
        log_path: Path,
        nice: int = 0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        target = app_target(app, server)
        if target is None:
            raise ServerError(f"{app.name} has no {server.interface} entry point")
        self.port = free_port()
        self.log_path = log_path
        self.command = [*niced(nice), "taskset", "-c", "0", *server.command(target, self.port)]
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            self.command,
            cwd=APPS_DIR,
            env=bench_env(routes, env),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so stopping it reaches the worker
        )

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerError(f"server exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/plaintext")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.1)
        raise ServerError(f"server not answering after {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").strip().splitlines()
        return "\n".join(text[-lines:]) or "(no output)"

    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rpartition(")")[2].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        return children

    def _descendants(self) -> list[int]:
        children, found, stack = self._children(), [], [self.proc.pid]
        while stack:
            kids = children.get(stack.pop(), [])
            found += kids
            stack += kids
        return found

    def worker_pids(self) -> list[int]:
        """Leaves of the process tree under the server: the worker(s) that run the app."""
        children = self._children()
        leaves, stack = [], [self.proc.pid]
        while stack:
            pid = stack.pop()
            kids = children.get(pid, [])
            if kids:
                stack.extend(kids)
            else:
                leaves.append(pid)
        return leaves

    def tree_pids(self) -> list[int]:
        return [self.proc.pid, *self._descendants()]

    def cpu_seconds(self) -> float:
        """User + system CPU time of every live process of the server (all their threads)."""
        ticks = 0
        for pid in self.tree_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / CLOCK_TICKS

    def worker_rss_kib(self) -> int:
        total = 0
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total

    def stop(self) -> None:
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGKILL, 5.0)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        # The supervisor may be gone while a worker lingers: clear the group either way.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()
