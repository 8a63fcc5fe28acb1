"""Exercises docs/examples/websockets.py the way docs/websockets.md describes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples import websockets as example

from trellis.testing import TestClient, WebSocketDenied, WebSocketDisconnect


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client
    assert example.rooms.get("lobby", set()) == set()  # every member was removed


def test_echo(client: TestClient) -> None:
    with client.websocket_connect("/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"


def test_room_refuses_anonymous_users(client: TestClient) -> None:
    with pytest.raises(WebSocketDenied) as info, client.websocket_connect("/rooms/lobby"):
        pass
    assert (info.value.status_code, info.value.code, info.value.reason) == (
        403,
        4401,
        "log in first",
    )


def test_room_broadcasts_to_every_member(client: TestClient) -> None:
    client.cookies.set("user", "ada")
    with (
        client.websocket_connect("/rooms/lobby", subprotocols=["chat.v1"]) as ada,
        client.websocket_connect("/rooms/lobby") as bob,
    ):
        assert ada.accepted_subprotocol == "chat.v1"
        assert bob.accepted_subprotocol is None
        ada.send_json({"text": "hi all"})
        assert ada.receive_json() == {"from": "ada", "text": "hi all"}
        assert bob.receive_json() == {"from": "ada", "text": "hi all"}


def test_invalid_json_closes_with_1007(client: TestClient) -> None:
    client.cookies.set("user", "ada")
    with client.websocket_connect("/rooms/lobby") as ws:
        ws.send_text("{oops")
        with pytest.raises(WebSocketDisconnect) as info:
            ws.receive_json()
    assert info.value.code == 1007
    assert info.value.reason.startswith("Invalid JSON")


def test_unknown_route_is_refused(client: TestClient) -> None:
    with pytest.raises(WebSocketDenied), client.websocket_connect("/nowhere"):
        pass
