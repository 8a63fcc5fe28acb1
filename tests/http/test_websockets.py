"""The server-side WebSocket, driven through the test client over a bare ASGI app."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from trellis.http.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from trellis.testing import TestClient, WebSocketDenied

Handler = Callable[[WebSocket], Awaitable[None]]


def serve(handler: Handler) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await handler(WebSocket(scope, receive, send))

    return app


def client_for(handler: Handler) -> TestClient:
    return TestClient(serve(handler))


def test_echo_and_states() -> None:
    states: list[WebSocketState] = []

    async def handler(ws: WebSocket) -> None:
        states.append(ws.connection_state)
        await ws.accept()
        states.append(ws.connection_state)
        await ws.send_text(await ws.receive_text())
        await ws.send_bytes(await ws.receive_bytes())
        await ws.send_json(await ws.receive_json())
        await ws.send_json({"bin": True}, mode="binary")
        await ws.close()
        states.append(ws.connection_state)

    with client_for(handler) as client, client.websocket_connect("/") as session:
        session.send_text("hi")
        assert session.receive_text() == "hi"
        session.send_bytes(b"\xff")
        assert session.receive_bytes() == b"\xff"
        session.send_json({"n": [1, None]})
        assert session.receive_json() == {"n": [1, None]}
        assert session.receive_bytes() == b'{"bin":true}'
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive_text()
        assert info.value.code == 1000
    assert states == [
        WebSocketState.CONNECTING,
        WebSocketState.CONNECTED,
        WebSocketState.DISCONNECTED,
    ]


def test_connection_attributes_come_from_http_connection() -> None:
    seen: dict[str, Any] = {}

    async def handler(ws: WebSocket) -> None:
        seen.update(
            path=ws.path,
            query=dict(ws.query),
            cookie=ws.cookies.get("sid"),
            token=ws.headers.get("authorization"),
            subprotocols=ws.subprotocols,
            url=str(ws.url),
        )
        await ws.accept(subprotocol="v1", headers={"X-Server": "trellis"})

    client = client_for(handler)
    client.cookies.set("sid", "s1", domain="testserver.local")
    with (
        client,
        client.websocket_connect(
            "/feed?room=7", subprotocols=["v2", "v1"], headers={"Authorization": "t"}
        ) as session,
    ):
        assert session.accepted_subprotocol == "v1"
        assert session.headers["x-server"] == "trellis"
    assert seen == {
        "path": "/feed",
        "query": {"room": "7"},
        "cookie": "s1",
        "token": "t",
        "subprotocols": ["v2", "v1"],
        "url": "ws://testserver/feed?room=7",
    }


def test_accepting_an_unoffered_subprotocol_is_refused() -> None:
    async def handler(ws: WebSocket) -> None:
        await ws.accept(subprotocol="v9")

    with client_for(handler) as client, pytest.raises(ValueError, match="not offered"):
        client.websocket_connect("/", subprotocols=["v1"]).__enter__()


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("send", "before accept"),
        ("receive", "before accept"),
        ("send_after_close", "closed with close"),
        ("receive_after_close", "is closed"),
        ("accept_twice", "Cannot accept"),
    ],
)
def test_protocol_misuse_raises_runtime_error(action: str, message: str) -> None:
    async def handler(ws: WebSocket) -> None:
        if action == "send":
            await ws.send_text("x")
        elif action == "receive":
            await ws.receive_text()
        await ws.accept()
        if action == "accept_twice":
            await ws.accept()
        await ws.close()
        await ws.close()  # closing twice is harmless
        if action == "send_after_close":
            await ws.send_json({})
        elif action == "receive_after_close":
            await ws.receive()

    with (
        client_for(handler) as client,
        pytest.raises(RuntimeError, match=message),
        client.websocket_connect("/"),
    ):
        pass  # the handler's error surfaces at the handshake or when the session ends


def test_close_before_accept_denies_the_handshake() -> None:
    async def handler(ws: WebSocket) -> None:
        await ws.close(code=4401, reason="login first")

    with client_for(handler) as client, pytest.raises(WebSocketDenied) as info:
        client.websocket_connect("/").__enter__()
    assert (info.value.code, info.value.reason) == (4401, "login first")


def test_iterators_end_cleanly_when_the_client_leaves() -> None:
    received: list[Any] = []
    ended: list[str] = []

    async def handler(ws: WebSocket) -> None:
        await ws.accept()
        kind = await ws.receive_text()
        iterator = {"text": ws.iter_text, "bytes": ws.iter_bytes, "json": ws.iter_json}[kind]
        async for message in iterator():
            received.append(message)
        ended.append(kind)

    with client_for(handler) as client:
        with client.websocket_connect("/") as session:
            session.send_text("text")
            session.send_text("a")
            session.send_text("b")
        with client.websocket_connect("/") as session:
            session.send_text("bytes")
            session.send_bytes(b"c")
        with client.websocket_connect("/") as session:
            session.send_text("json")
            session.send_json({"d": 1})
            session.send_bytes(b"[2]")
            session.close(1001)
    assert received == ["a", "b", b"c", {"d": 1}, [2]]
    assert ended == ["text", "bytes", "json"]


def test_client_disconnect_carries_code_and_reason() -> None:
    errors: list[WebSocketDisconnect] = []

    async def handler(ws: WebSocket) -> None:
        await ws.accept()
        try:
            await ws.receive_text()
        except WebSocketDisconnect as exc:
            errors.append(exc)
            with pytest.raises(WebSocketDisconnect):  # sending to a client that left
                await ws.send_text("gone?")

    with client_for(handler) as client, client.websocket_connect("/") as session:
        session.close(4002, "switching rooms")
    assert (errors[0].code, errors[0].reason) == (4002, "switching rooms")
    assert str(errors[0]) == "WebSocket closed with code 4002: switching rooms"


def test_send_after_the_server_reports_the_client_gone() -> None:
    errors: list[WebSocketDisconnect] = []

    async def handler(ws: WebSocket) -> None:
        await ws.accept()
        try:
            while True:  # a broadcast loop that never receives
                await ws.send_text("tick")
                await asyncio.sleep(0.001)
        except WebSocketDisconnect as exc:  # the server raised OSError on send
            errors.append(exc)
        assert ws.connection_state is WebSocketState.DISCONNECTED

    with client_for(handler) as client, client.websocket_connect("/") as session:
        assert session.receive_text() == "tick"
    assert errors[0].code == 1006


@pytest.mark.parametrize(
    ("send", "receive", "code", "reason"),
    [
        ("text", "json_bad", 1007, "Invalid JSON"),
        ("bytes", "text", 1003, "Expected a text message"),
        ("text", "bytes", 1003, "Expected a binary message"),
        ("bytes", "json_bad", 1007, "Invalid JSON"),
    ],
)
def test_bad_client_data_closes_with_a_code(
    send: str, receive: str, code: int, reason: str
) -> None:
    errors: list[WebSocketDisconnect] = []

    async def handler(ws: WebSocket) -> None:
        await ws.accept()
        method = {"json_bad": ws.receive_json, "text": ws.receive_text, "bytes": ws.receive_bytes}
        try:
            await method[receive]()
        except WebSocketDisconnect as exc:
            errors.append(exc)

    with client_for(handler) as client, client.websocket_connect("/") as session:
        if send == "text":
            session.send_text("{not json")
        else:
            session.send_bytes(b"\xff\xfe")
        with pytest.raises(WebSocketDisconnect) as info:
            session.receive()
    assert info.value.code == code
    assert info.value.reason.startswith(reason)
    assert errors[0].code == code


def test_requires_a_websocket_scope() -> None:
    async def receive() -> dict[str, Any]:
        return {}

    async def send(message: Any) -> None:
        return None

    with pytest.raises(ValueError, match="'websocket' scope"):
        WebSocket({"type": "http"}, receive, send)


def test_disconnect_before_accept() -> None:
    errors: list[WebSocketDisconnect] = []
    messages = iter([{"type": "websocket.disconnect", "code": 1001}])

    async def receive() -> Any:
        return next(messages)

    async def send(message: Any) -> None:
        raise AssertionError("nothing may be sent")

    async def run() -> None:
        ws = WebSocket({"type": "websocket", "headers": []}, receive, send)
        try:
            await ws.accept()
        except WebSocketDisconnect as exc:
            errors.append(exc)
        assert ws.connection_state is WebSocketState.DISCONNECTED

    asyncio.run(run())
    assert errors[0].code == 1001
