"""`trellis run` against real servers, in real processes, on loopback ports."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.servers import free_port

pytestmark = pytest.mark.server

APP = """
import os

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = f"VERSION debug={os.environ.get('TRELLIS_DEBUG')} path={scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": body})
"""

STARTUP_TIMEOUT = 30.0
GRACEFUL = {"granian": "Granian shutdown completed", "uvicorn": "Finished server process"}


def wait_for_text(url: str, expected: str, process: subprocess.Popen[bytes], log: Path) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            last = httpx.get(url, timeout=2).text
        except httpx.TransportError:
            pass
        else:
            if expected in last:
                return last
        time.sleep(0.1)
    pytest.fail(f"no {expected!r} from {url} (last answer {last!r}):\n{log.read_text()}")


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., tuple[subprocess.Popen[bytes], Path]]]:
    processes: list[subprocess.Popen[bytes]] = []

    def launch(*args: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = tmp_path / f"server-{len(processes)}.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_")}
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(Path(sys.executable).with_name("trellis")), "run", *args],
                cwd=tmp_path,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so workers die with it
            )
        processes.append(process)
        return process, log

    yield launch
    for process in processes:
        if process.poll() is None:
            process.terminate()  # the server's graceful shutdown
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(15)
        # Reloaders and workers live in the group: make sure none outlives the test.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_run_serves_a_page(
    server: str, tmp_path: Path, start: Callable[..., tuple[subprocess.Popen[bytes], Path]]
) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "hello.py").write_text(APP)
    port = free_port()
    process, log = start(
        "--app", "site/hello.py", "--no-reload", "--port", str(port), "--server", server
    )
    body = wait_for_text(f"http://127.0.0.1:{port}/some/page", "VERSION", process, log)
    assert body == "VERSION debug=1 path=/some/page"
    process.terminate()
    # uvicorn re-raises SIGTERM after its graceful shutdown; granian exits 0.
    assert process.wait(15) in (0, -signal.SIGTERM)
    output = log.read_text()
    assert GRACEFUL[server] in output
    assert (
        f" * Trellis serving site/hello.py:app at http://127.0.0.1:{port} (debug; {server})"
        in output
    )


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_run_reloads_on_change(
    server: str, tmp_path: Path, start: Callable[..., tuple[subprocess.Popen[bytes], Path]]
) -> None:
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "first"))
    port = free_port()
    process, log = start("--reload", "--port", str(port), "--server", server)
    url = f"http://127.0.0.1:{port}/"
    wait_for_text(url, "first", process, log)
    time.sleep(0.5)  # let the watcher settle before the edit
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "second"))
    assert wait_for_text(url, "second", process, log).startswith("second debug=1")


def test_a_syntax_error_mid_edit_does_not_stop_the_dev_server(
    tmp_path: Path, start: Callable[..., tuple[subprocess.Popen[bytes], Path]]
) -> None:
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "first"))
    port = free_port()
    process, log = start("--port", str(port))  # granian, reload on by default
    url = f"http://127.0.0.1:{port}/"
    wait_for_text(url, "first", process, log)
    time.sleep(0.5)
    (tmp_path / "app.py").write_text("def broken(:\n")
    time.sleep(1.5)
    assert process.poll() is None, log.read_text()
    (tmp_path / "app.py").write_text(APP.replace("VERSION", "fixed"))
    wait_for_text(url, "fixed", process, log)
