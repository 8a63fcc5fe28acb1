"""The App under real servers (granian and uvicorn) on a free loopback port."""

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.support.servers import free_port, running_server

HERE = Path(__file__).parent
pytestmark = pytest.mark.server

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
        "server_app:app",
    ],
    "uvicorn": lambda port: [
        sys.executable,
        "-m",
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--http",
        "httptools",
        "--loop",
        "uvloop",
        "server_app:app",
    ],
}


@contextlib.contextmanager
def running(server: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    base = f"http://127.0.0.1:{port}"
    with running_server(
        SERVERS[server](port), base_url=base, probe="/plaintext", cwd=HERE, env=env
    ) as url:
        yield url


@pytest.fixture(scope="module", params=sorted(SERVERS))
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with running(request.param) as base:
        yield base


def test_plaintext_json_and_path_params(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        plain = client.get("/plaintext")
        assert (plain.status_code, plain.text) == (200, "Hello, World!")
        assert plain.headers["content-type"] == "text/plain; charset=utf-8"
        assert plain.headers["content-length"] == "13"
        assert plain.headers["x-request-id"]
        data = client.get("/json")
        assert data.json() == {"message": "Hello, World!", "started": True}  # lifespan ran
        assert client.get("/items/7?q=x").json() == {"id": 7, "q": "x"}
        assert client.get("/items/x").status_code == 404
        assert client.post("/echo", json={"a": [1, 2]}).json() == {"a": [1, 2]}


def test_limits_and_bad_input_answer_4xx(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        too_big = client.post(
            "/echo", content=b"{" + b" " * 4096 + b"}", headers={"content-type": "application/json"}
        )
        assert too_big.status_code == 413
        bad = client.post("/echo", content=b'{"a": ', headers={"content-type": "application/json"})
        assert bad.status_code == 400
        upload = client.post("/upload", files={"doc": ("a.bin", b"x" * 1000)})
        assert upload.json() == {"name": "a.bin", "size": 1000}
        huge = client.post("/upload", files={"doc": ("a.bin", b"x" * 200_000)})
        assert huge.status_code == 413


def test_streaming_is_chunked_and_sse_frames(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        with client.stream("GET", "/stream") as response:
            assert response.headers.get("transfer-encoding") == "chunked"
            assert "content-length" not in response.headers
            assert response.read() == b"chunk0;chunk1;chunk2;"
        events = client.get("/events")
        assert events.headers["content-type"] == "text/event-stream; charset=utf-8"
        assert events.text.count("event: tick") == 3
        assert 'data: {"n":2}' in events.text


def test_websocket_echo(base_url: str) -> None:
    from websockets.sync.client import connect

    with connect(base_url.replace("http", "ws") + "/ws", open_timeout=10) as ws:
        ws.send("hi")
        assert ws.recv(timeout=10) == "echo:hi"
