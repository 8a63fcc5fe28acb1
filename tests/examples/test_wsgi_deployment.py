"""docs/examples/wsgi_deployment.py: the App served by a real WSGI server (wsgiref)."""

from __future__ import annotations

import importlib
import socket
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

example = importlib.import_module("docs.examples.wsgi_deployment")


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, example.application, handler_class=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()
        example.application.close()


def test_the_example_over_wsgi(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=5) as client:
        page = client.get("/")
        echoed = client.post("/echo", json={"hello": "wsgi"})
        counted = client.get("/countdown")
        missing = client.get("/nowhere")
    assert page.status_code == 200
    assert page.text == "<h1>Served over WSGI</h1>"
    assert page.headers["content-type"].startswith("text/html")
    assert echoed.json() == {"received": {"hello": "wsgi"}}
    assert counted.text == "3\n2\n1\n"
    assert missing.status_code == 404
    assert "x-request-id" in missing.headers
    assert example.events == ["startup"]  # once per process, however many requests
    example.application.close()  # what happens at interpreter exit
    assert example.events == ["startup", "shutdown"]
