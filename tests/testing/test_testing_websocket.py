"""The test client's WebSocket sessions against raw ASGI apps."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from trellis.testing import (
    AsyncTestClient,
    TestClient,
    WebSocketDenied,
    WebSocketDisconnect,
)

Scope = dict[str, Any]


def websocket_only(app: Any) -> Any:
    async def wrapper(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":
            await app(scope, receive, send)

    return wrapper


class Echo:
    """Accepts (with the first offered subprotocol), echoes every frame, records the close."""

    def __init__(self) -> None:
        self.scope: Scope = {}
        self.closed_with: dict[str, Any] | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "websocket":
            return
        self.scope = scope
        assert (await receive())["type"] == "websocket.connect"
        offered = scope["subprotocols"]
        await send(
            {
                "type": "websocket.accept",
                "subprotocol": offered[0] if offered else None,
                "headers": [(b"x-accepted", b"yes")],
            }
        )
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                self.closed_with = message
                return
            message["type"] = "websocket.send"
            await send(message)


def denial(app: Any) -> WebSocketDenied:
    with (
        TestClient(app) as client,
        pytest.raises(WebSocketDenied) as info,
        client.websocket_connect("/"),
    ):
        pass
    return info.value


@pytest.fixture
def echo() -> Echo:
    return Echo()


def test_echo_text_bytes_and_json(echo: Echo) -> None:
    with TestClient(echo) as client, client.websocket_connect("/ws") as ws:
        ws.send_text("héllo")
        assert ws.receive_text() == "héllo"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"
        ws.send_json({"a": [1, 2]})
        assert ws.receive_json() == {"a": [1, 2]}
        ws.send_json({"b": 1}, mode="binary")
        assert ws.receive_bytes() == b'{"b":1}'
        assert ws.headers["x-accepted"] == "yes"
    assert echo.closed_with == {"type": "websocket.disconnect", "code": 1000, "reason": ""}


def test_handshake_scope(echo: Echo) -> None:
    client = TestClient(echo, base_url="https://example.org", root_path="/app")
    client.cookies.set("sid", "42", domain="example.org")
    with (
        client,
        client.websocket_connect(
            "/chat/room?x=1", subprotocols=["v2", "v1"], headers={"Authorization": "Bearer t"}
        ) as ws,
    ):
        assert ws.accepted_subprotocol == "v2"
    scope = echo.scope
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "wss"
    assert scope["path"] == "/app/chat/room"
    assert scope["root_path"] == "/app"
    assert scope["query_string"] == b"x=1"
    assert scope["subprotocols"] == ["v2", "v1"]
    assert "method" not in scope
    headers = dict(scope["headers"])
    assert headers[b"sec-websocket-protocol"] == b"v2, v1"
    assert headers[b"upgrade"] == b"websocket"
    assert headers[b"connection"] == b"upgrade"
    assert headers[b"sec-websocket-version"] == b"13"
    assert headers[b"authorization"] == b"Bearer t"
    assert headers[b"cookie"] == b"sid=42"


def test_client_close_code_reaches_the_app(echo: Echo) -> None:
    with TestClient(echo) as client, client.websocket_connect("/") as ws:
        ws.close(4001, "bye")
        with pytest.raises(RuntimeError, match="closed"):
            ws.send_text("late")
    assert echo.closed_with == {"type": "websocket.disconnect", "code": 4001, "reason": "bye"}


def test_close_before_accept_is_denied() -> None:
    @websocket_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 4403, "reason": "no token"})

    info = denial(app)
    assert info.status_code == 403
    assert info.code == 4403
    assert info.reason == "no token"
    assert "403" in str(info)


def test_denial_response_is_reported() -> None:
    @websocket_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send(
            {"type": "websocket.http.response.start", "status": 401, "headers": [(b"x-r", b"1")]}
        )
        await send({"type": "websocket.http.response.body", "body": b"log", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"in"})

    info = denial(app)
    assert (info.status_code, info.body, info.headers) == (
        401,
        b"login",
        {"x-r": "1"},
    )


def test_returning_without_accept_is_denied() -> None:
    @websocket_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()

    info = denial(app)
    assert info.status_code == 403


@websocket_only
async def accept_then(scope: Scope, receive: Any, send: Any) -> None:
    await receive()
    await send({"type": "websocket.accept"})
    message = await receive()
    command = message.get("text")
    if command == "close":
        await send({"type": "websocket.close", "code": 4000, "reason": "done"})
    elif command == "crash":
        raise ValueError("handler crashed")
    elif command == "return":
        return
    elif command == "spin":
        while True:
            await asyncio.sleep(0)  # ignores the disconnect forever


def test_app_close_raises_disconnect_on_every_receive() -> None:
    with TestClient(accept_then) as client, client.websocket_connect("/") as ws:
        ws.send_text("close")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert (info.value.code, info.value.reason) == (4000, "done")
        with pytest.raises(WebSocketDisconnect):
            ws.receive()


def test_app_returning_is_a_normal_close() -> None:
    with TestClient(accept_then) as client, client.websocket_connect("/") as ws:
        ws.send_text("return")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_text()
        assert info.value.code == 1000


def test_app_error_is_raised_in_the_test() -> None:
    with TestClient(accept_then) as client, client.websocket_connect("/") as ws:
        ws.send_text("crash")
        with pytest.raises(ValueError, match="handler crashed"):
            ws.receive_text()


def test_app_error_is_raised_on_exit_if_not_received() -> None:
    with (
        TestClient(accept_then) as client,
        pytest.raises(ValueError, match="handler crashed"),
        client.websocket_connect("/") as ws,
    ):
        ws.send_text("crash")


def test_app_error_is_close_1011_when_not_raising() -> None:
    client = TestClient(accept_then, raise_server_exceptions=False)
    with client, client.websocket_connect("/") as ws:
        ws.send_text("crash")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 1011


def test_wrong_frame_type_is_a_clear_error(echo: Echo) -> None:
    with TestClient(echo) as client, client.websocket_connect("/") as ws:
        ws.send_bytes(b"raw")
        with pytest.raises(TypeError, match="Expected a text message"):
            ws.receive_text()
        ws.send_text("txt")
        with pytest.raises(TypeError, match="Expected a binary message"):
            ws.receive_bytes()


def test_receive_times_out(echo: Echo) -> None:
    with (
        TestClient(echo, timeout=0.05) as client,
        client.websocket_connect("/") as ws,
        pytest.raises(TimeoutError, match="send a WebSocket message"),
    ):
        ws.receive_text()


def test_handler_ignoring_the_close_times_out_on_exit() -> None:
    with (
        TestClient(accept_then, timeout=0.05) as client,
        pytest.raises(TimeoutError, match="did not return"),
        client.websocket_connect("/") as ws,
    ):
        ws.send_text("spin")


def test_a_failing_test_is_not_masked_by_the_session() -> None:
    failure = KeyError("the test's own failure")
    with TestClient(accept_then, timeout=0.05) as client:
        caught: BaseException | None = None
        try:
            with client.websocket_connect("/") as ws:
                ws.send_text("spin")
                raise failure
        except KeyError as exc:
            caught = exc
    assert caught is failure


def test_app_sending_after_the_client_left_gets_oserror() -> None:
    errors: list[BaseException] = []

    @websocket_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await receive()
        try:
            await send({"type": "websocket.send", "text": "anyone?"})
        except OSError as exc:
            errors.append(exc)

    with TestClient(app) as client, client.websocket_connect("/"):
        pass
    assert len(errors) == 1


async def test_async_session(echo: Echo) -> None:
    async with (
        AsyncTestClient(echo) as client,
        client.websocket_connect("/", subprotocols=["chat"]) as ws,
    ):
        assert ws.accepted_subprotocol == "chat"
        await ws.send_json([1, "two"])
        assert await ws.receive_json() == [1, "two"]
        await ws.send_bytes(b"b")
        assert await ws.receive_bytes() == b"b"
    assert echo.closed_with is not None
    assert echo.closed_with["code"] == 1000


async def test_async_session_denied() -> None:
    @websocket_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008})

    async with TestClient(app) as client:
        with pytest.raises(WebSocketDenied) as info:
            async with client.websocket_connect("/"):
                pass
    assert info.value.code == 1008
