"""A 1 GiB upload streamed at a real server with a 100 MiB limit: 413, early, in bounded memory.

The client is a raw socket fed by a generator, so neither side ever holds the body: it watches
for the answer between chunks and stops sending as soon as it arrives, which is how we know
the server refused before reading the whole gigabyte.  Memory is the server process's peak RSS
(``VmHWM`` in ``/proc``, reset just before the upload when the kernel allows it).
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.support.servers import free_port, running_server

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc"),
]

HERE = Path(__file__).parent
MiB = 1024 * 1024
GiB = 1024 * MiB
LIMIT = 100 * MiB  # upload_server_app's max_upload_size
BOUNDARY = "gigabyteBoundary"
HEAD = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="doc"; filename="huge.bin"\r\n'
    "Content-Type: application/octet-stream\r\n\r\n"
).encode()
TAIL = f"\r\n--{BOUNDARY}--\r\n".encode()
CHUNK = 64 * 1024

SERVERS = {
    "granian": lambda port: [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "upload_server_app:app",
    ],
    "uvicorn": lambda port: [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "upload_server_app:app",
    ],
}


@dataclass
class Server:
    base_url: str
    port: int
    pid: int


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    base = f"http://127.0.0.1:{port}"
    argv = SERVERS[request.param](port)
    with running_server(argv, base_url=base, probe="/pid", cwd=HERE, env=env) as url:
        pid = httpx.get(url + "/pid").json()["pid"]
        yield Server(url, port, pid)


def memory_kib(pid: int) -> dict[str, int]:
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


def reset_peak(pid: int) -> None:
    """Make VmHWM start again from the current RSS (Linux 4.0+); harmless when refused."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def deleted_files(pid: int) -> int:
    """Open files of the process that are already unlinked: spooled uploads still alive."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            count += os.readlink(fd).endswith("(deleted)")
    return count


def body_pieces(size: int) -> Iterator[bytes]:
    """A multipart body with a file of ``size`` bytes, one reused chunk at a time."""
    yield HEAD
    piece = b"\0" * CHUNK
    for _ in range(size // CHUNK):
        yield piece
    yield TAIL


def upload(port: int, *, size: int, declare_length: bool) -> tuple[bytes, int]:
    """Send the body until the server answers (or stops listening); the status line and the
    number of body bytes sent by then."""
    total = len(HEAD) + size + len(TAIL)
    framing = f"Content-Length: {total}" if declare_length else "Transfer-Encoding: chunked"
    head = (
        "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    )
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head.encode())
        try:
            for piece in body_pieces(size):
                if select.select([sock], [], [], 0)[0]:
                    break  # the answer is here: stop sending
                if declare_length:
                    sock.sendall(piece)
                else:
                    sock.sendall(b"%x\r\n%b\r\n" % (len(piece), piece))
                sent += len(piece)
            else:
                if not declare_length:
                    sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed its side after answering: read what it said
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0], sent


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "content-length"])
def test_one_gigabyte_through_a_100_mb_limit_is_413_in_bounded_memory(
    server: Server, declare_length: bool
) -> None:
    reset_peak(server.pid)
    before = memory_kib(server.pid)
    files_before = deleted_files(server.pid)

    status, sent = upload(server.port, size=GiB, declare_length=declare_length)

    after = memory_kib(server.pid)
    assert status.startswith(b"HTTP/1.1 413"), status
    # refused long before the end: at the limit when streamed, on the headers when declared
    assert sent < (2 * LIMIT if not declare_length else LIMIT), f"{sent / MiB:.0f} MiB sent"
    growth_mib = (after["VmHWM"] - before["VmRSS"]) / 1024
    assert growth_mib < 50, f"the server's peak RSS grew by {growth_mib:.0f} MiB"
    # the 100 MiB spooled so far went to a temporary file, which is gone with the request
    assert deleted_files(server.pid) == files_before
    # and the server carries on
    response = httpx.post(server.base_url + "/upload", files={"doc": ("a.bin", b"x" * 1000)})
    assert response.json() == {"name": "a.bin", "size": 1000}
