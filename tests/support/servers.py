"""Start a real server process on a free loopback port for a test, and always stop it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def running_server(
    argv: Sequence[str],
    *,
    base_url: str,
    probe: str,
    cwd: Path,
    env: Mapping[str, str],
    timeout: float = 30.0,
) -> Iterator[str]:
    """Run ``argv``; yield ``base_url`` once ``probe`` answers; SIGINT (then kill) on exit.

    A server that exits early or stays silent fails the test with what it printed.
    """
    # A session of its own: whatever the server leaves behind (a worker outliving its master)
    # is killed with it at the end, not left running after the test run.
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                output = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"{argv[:3]} exited early:\n{output}")
            try:
                httpx.get(base_url + probe, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the server did not answer within {timeout} s") from None
                time.sleep(0.1)
        yield base_url
    except BaseException:
        failed = True
        raise
    else:
        failed = False
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the leftovers, if any
        if proc.stdout:
            if locals().get("failed", True):
                # pytest shows captured output with the failure: the server's side of the story.
                # Non-blocking: a worker the server left behind may still hold the pipe open.
                os.set_blocking(proc.stdout.fileno(), False)
                output = (proc.stdout.read() or b"").decode(errors="replace")
                print(f"--- output of {' '.join(argv[:3])} ---\n{output}")
            proc.stdout.close()
