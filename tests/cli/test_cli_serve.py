"""``trellis serve``: real worker processes, graceful shutdown and restart, access logs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from tests.support.servers import free_port

from trellis.cli import cli
from trellis.cli.discovery import parse_spec
from trellis.cli.serve import default_workers
from trellis.cli.servers import ServerOptions, granian_command, uvicorn_command

pytestmark = pytest.mark.server

APP = """
import asyncio, os
from trellis import App
from trellis.health import Health

app = App()
app.install(Health())

@app.get("/")
async def index():
    return {"pid": os.getpid()}

@app.get("/slow")
async def slow():
    await asyncio.sleep(1.5)
    return "finished"
"""

BROKEN = """
from trellis import App
app = App()
class Unknown: pass
@app.get("/")
async def index(thing: Unknown):
    return ""
"""


def trellis_bin() -> str:
    return str(Path(sys.executable).with_name("trellis"))


def start(tmp_path: Path, server: str, *extra: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    (tmp_path / "app.py").write_text(APP)
    port = free_port()
    log = tmp_path / "server.log"
    argv = [trellis_bin(), "serve", "--app", "app.py", "--port", str(port), "--server", server]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TRELLIS_DEBUG", None)
    with log.open("wb") as out:
        proc = subprocess.Popen([*argv, *extra], cwd=tmp_path, env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            pytest.fail(f"trellis serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            httpx.get(base + "/health/live", timeout=1)
            return proc, base, log
        except httpx.TransportError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"no answer within 30 s:\n{log.read_text()}")
            time.sleep(0.1)


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def slow_request(base: str, into: list[object]) -> threading.Thread:
    def call() -> None:
        try:
            into.append(httpx.get(base + "/slow", timeout=20))
        except Exception as exc:
            into.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.5)  # the request is in the handler now
    return thread


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_workers_serve_and_shutdown_lets_in_flight_requests_finish(
    tmp_path: Path, server: str
) -> None:
    proc, base, log = start(tmp_path, server, "--workers", "2")
    try:
        assert httpx.get(base + "/").status_code == 200
        assert len(children(proc.pid)) >= 2, log.read_text()
        results: list[object] = []
        thread = slow_request(base, results)
        proc.send_signal(signal.SIGTERM)
        thread.join(20)
        assert proc.wait(timeout=20) == 0, log.read_text()
    finally:
        stop(proc)
    response = results[0]
    assert isinstance(response, httpx.Response), f"{response!r}\n{log.read_text()}"
    assert response.status_code == 200
    assert response.text == "finished"


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_sighup_replaces_the_workers_without_dropping_a_request(
    tmp_path: Path, server: str
) -> None:
    # uvicorn restarts on SIGHUP only under its multi-process supervisor (2+ workers).
    proc, base, log = start(tmp_path, server, "--workers", "2")
    try:
        before = children(proc.pid)
        assert len(before) >= 2
        results: list[object] = []
        thread = slow_request(base, results)
        proc.send_signal(signal.SIGHUP)
        thread.join(20)
        deadline = time.monotonic() + 30
        # Both workers are replaced (uvicorn's supervisor also keeps a helper process).
        while len(before - children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(before - children(proc.pid)) >= 2, log.read_text()
        assert httpx.get(base + "/", timeout=5).status_code == 200
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        stop(proc)
    response = results[0]
    assert isinstance(response, httpx.Response), f"{response!r}\n{log.read_text()}"
    assert response.text == "finished"


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_access_log_lists_requests_but_not_health_probes(tmp_path: Path, server: str) -> None:
    proc, base, log = start(tmp_path, server, "--workers", "1")
    try:
        for _ in range(3):
            httpx.get(base + "/health/ready")
        httpx.get(base + "/?visible=1")
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        stop(proc)
    output = log.read_text()
    assert "visible=1" in output or '"GET / ' in output, output
    assert "/health/ready" not in output, output


def test_access_log_format_reaches_granian(tmp_path: Path) -> None:
    proc, base, log = start(
        tmp_path,
        "granian",
        "--workers",
        "1",
        "--access-log-format",
        "ACCESS %(method)s %(path)s %(status)d",
    )
    try:
        httpx.get(base + "/")
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        stop(proc)
    assert "ACCESS GET / 200" in log.read_text()


def test_a_broken_app_fails_before_any_worker_starts(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(BROKEN)
    result = CliRunner().invoke(cli, ["serve", "--app", "app.py", "--port", str(free_port())])
    assert result.exit_code == 1
    assert "the app cannot start" in result.output
    assert "thing" in result.output


def test_production_command_lines(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    target = parse_spec("app.py")
    options = ServerOptions(
        reload=False, debug=False, workers=4, access_log=False, graceful_timeout=12, backlog=256
    )
    granian = granian_command(target, options)
    assert granian[granian.index("--workers") + 1] == "4"
    assert granian[granian.index("--workers-kill-timeout") + 1] == "12"
    assert "--respawn-failed-workers" in granian
    assert "--access-log" not in granian
    assert "--reload" not in granian
    uvicorn = uvicorn_command(target, options)
    assert uvicorn[uvicorn.index("--workers") + 1] == "4"
    assert uvicorn[uvicorn.index("--timeout-graceful-shutdown") + 1] == "12"
    assert "--no-access-log" in uvicorn
    assert "--no-proxy-headers" in uvicorn
    assert "--reload" not in uvicorn
    assert default_workers() >= 1
