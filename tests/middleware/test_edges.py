"""App.add_edge: a gate before every middleware and a stamp on every answer, with or without
middleware installed (the dispatcher runs edges itself when there is none, the guard otherwise)."""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App, PlainTextResponse, WebSocket
from trellis.exceptions import ConfigurationError
from trellis.http.responses import Response
from trellis.middleware import Middleware
from trellis.testing import TestClient, WebSocketDenied


class TagEdge:
    """Refuses requests carrying ``x-refuse``; stamps ``x-edge`` on every answer."""

    def __init__(self, tag: bytes = b"on", log: list[str] | None = None) -> None:
        self.tag = tag
        self.log = log if log is not None else []

    def admit(self, scope: dict[str, Any]) -> Response | None:
        self.log.append(f"admit {self.tag.decode()}")
        if any(name == b"x-refuse" for name, _ in scope["headers"]):
            return PlainTextResponse("refused at the edge", status_code=400)
        scope["edge.seen"] = True
        return None

    def finish(self, scope: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
        headers.append((b"x-edge", self.tag))


class Recorder:
    """A middleware that records what reaches it; ``/mw`` it answers itself, ``/mw-boom`` raises."""

    seen: list[str] = []

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            Recorder.seen.append(f"{scope['path']} edge={scope.get('edge.seen', False)}")
            if scope["path"] == "/mw":
                await PlainTextResponse("from the middleware")(scope, receive, send)
                return
            if scope["path"] == "/mw-boom":
                raise RuntimeError("middleware broke")
        await self.app(scope, receive, send)


def make_app(*, middleware: bool, edges: list[TagEdge]) -> App:
    app = App(middleware=[Middleware(Recorder)] if middleware else None)
    app.settings.debug = False
    for edge in edges:
        app.add_edge(edge)

    @app.get("/hello")
    async def hello() -> str:
        return "hello"

    @app.get("/fails")
    def fails() -> str:
        raise RuntimeError("handler broke")

    @app.post("/only-post")
    async def only_post() -> str:
        return "posted"

    @app.websocket("/ws")
    async def ws(socket: WebSocket) -> None:
        await socket.accept()
        await socket.send_text("hi")
        await socket.close()

    return app


@pytest.fixture(autouse=True)
def _clear_recorder() -> None:
    Recorder.seen = []


@pytest.mark.parametrize("middleware", [False, True], ids=["no-middleware", "middleware"])
def test_every_answer_is_stamped(middleware: bool) -> None:
    app = make_app(middleware=middleware, edges=[TagEdge()])
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = {
            "handler": client.get("/hello"),
            "404": client.get("/nowhere"),
            "405": client.get("/only-post"),
            "500": client.get("/fails"),
            "431": client.get("/hello", headers={f"x-h{i}": "v" for i in range(200)}),
        }
        if middleware:
            answers["middleware"] = client.get("/mw")
            answers["middleware 500"] = client.get("/mw-boom")
    statuses = {what: answer.status_code for what, answer in answers.items()}
    expected = {"handler": 200, "404": 404, "405": 405, "500": 500, "431": 431}
    if middleware:
        expected |= {"middleware": 200, "middleware 500": 500}
    assert statuses == expected
    for what, answer in answers.items():
        assert answer.headers.get_list("x-edge") == ["on"], what
        assert len(answer.headers.get_list("x-request-id")) == 1, what


@pytest.mark.parametrize("middleware", [False, True], ids=["no-middleware", "middleware"])
def test_a_refused_request_reaches_no_middleware_and_no_handler(middleware: bool) -> None:
    app = make_app(middleware=middleware, edges=[TagEdge()])
    with TestClient(app) as client:
        refused = client.get("/hello", headers={"x-refuse": "1"})
        admitted = client.get("/hello")
    assert (refused.status_code, refused.text) == (400, "refused at the edge")
    assert admitted.text == "hello"
    # the middleware saw only the admitted request, and saw it after the edge had run
    assert Recorder.seen == (["/hello edge=True"] if middleware else [])


@pytest.mark.parametrize("middleware", [False, True], ids=["no-middleware", "middleware"])
def test_edges_run_in_the_order_added(middleware: bool) -> None:
    log: list[str] = []
    app = make_app(middleware=middleware, edges=[TagEdge(b"a", log), TagEdge(b"b", log)])
    with TestClient(app) as client:
        answer = client.get("/hello")
    assert log == ["admit a", "admit b"]
    assert answer.headers.get_list("x-edge") == ["a", "b"]


@pytest.mark.parametrize("middleware", [False, True], ids=["no-middleware", "middleware"])
def test_websockets_pass_the_gate(middleware: bool) -> None:
    app = make_app(middleware=middleware, edges=[TagEdge()])
    with TestClient(app) as client:
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "hi"
        with (
            pytest.raises(WebSocketDenied) as denied,
            client.websocket_connect("/ws", headers={"x-refuse": "1"}),
        ):
            pass
    assert (denied.value.status_code, denied.value.code) == (403, 1008)


def test_edges_are_fixed_once_the_app_serves() -> None:
    app = make_app(middleware=False, edges=[])
    app.startup_freeze()
    with pytest.raises(ConfigurationError, match="edge"):
        app.add_edge(TagEdge())


def test_an_app_without_edges_adds_nothing() -> None:
    app = make_app(middleware=False, edges=[])
    with TestClient(app) as client:
        answer = client.get("/hello")
    assert "x-edge" not in answer.headers


def test_an_answer_from_a_middleware_keeps_the_client_s_request_id() -> None:
    app = make_app(middleware=True, edges=[])
    with TestClient(app) as client:
        answer = client.get("/mw", headers={"x-request-id": "trace-42"})
        made_up = client.get("/mw")
    assert answer.text == "from the middleware"
    assert answer.headers["x-request-id"] == "trace-42"
    assert made_up.headers["x-request-id"] not in ("", "trace-42")
