"""A real server (granian) and a raw socket: the Host header exactly as an attacker sends it."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.support.servers import free_port, running_server

pytestmark = pytest.mark.server

APP = """
from trellis import App, Request

app = App()

@app.get("/")
def index(request: Request) -> dict:
    return {"url": str(request.url), "client": request.client.host}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    folder: Path = tmp_path_factory.mktemp("security_server")
    (folder / "secured_app.py").write_text(APP)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(folder) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "TRELLIS_DEBUG": "0",
        "TRELLIS_ALLOWED_HOSTS": '["127.0.0.1", "www.example.com"]',
        "TRELLIS_SECURITY_TRUSTED_PROXIES": '["127.0.0.1"]',
    }
    argv = [
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
        "secured_app:app",
    ]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/", cwd=folder, env=env):
        yield "127.0.0.1", port


def raw_request(address: tuple[str, int], head: bytes) -> tuple[int, bytes, bytes]:
    """Send ``head`` as is; return the status, the header block and the body."""
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(head)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header_block, _, body = data.partition(b"\r\n\r\n")
    status = int(header_block.split(b" ", 2)[1])
    return status, header_block.lower(), body


def test_a_forged_host_is_refused_by_the_running_app(server: tuple[str, int]) -> None:
    status, headers, body = raw_request(
        server, b"GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"
    )
    assert status == 400
    assert b"Invalid Host header" in body
    assert b"x-content-type-options: nosniff" in headers


def test_an_allowed_host_is_served_with_the_headers(server: tuple[str, int]) -> None:
    status, headers, body = raw_request(
        server, b"GET / HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n"
    )
    assert status == 200
    assert b'"url":"http://www.example.com/"' in body
    assert b"x-frame-options: deny" in headers
    assert b"strict-transport-security" not in headers


def test_the_trusted_loopback_proxy_sets_scheme_client_and_host(server: tuple[str, int]) -> None:
    status, headers, body = raw_request(
        server,
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"X-Forwarded-For: 198.51.100.7\r\nX-Forwarded-Proto: https\r\n"
        b"X-Forwarded-Host: www.example.com\r\nConnection: close\r\n\r\n",
    )
    assert status == 200
    assert b'"url":"https://www.example.com/"' in body
    assert b'"client":"198.51.100.7"' in body
    assert b"strict-transport-security: max-age=31536000" in headers
