"""Testing an app: the app under test, and the tests a user writes for it.

``tests/examples/test_testing.py`` provides the ``app`` fixture and collects the ``test_*``
functions below, so they run exactly as they would in a project's own test suite.
"""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App, RedirectResponse, Request, WebSocket
from trellis.conf import Settings
from trellis.testing import TestClient, WebSocketDisconnect


class SiteSettings(Settings):
    greeting: str = "Hello"


app = App(settings=SiteSettings())
visits: dict[str, int] = {}


@app.on_startup
def open_counter() -> None:
    visits.clear()  # what a real app does here: open a database pool, warm a cache ...
    visits["total"] = 0


@app.get("/")
def index(request: Request) -> dict[str, Any]:
    visits["total"] += 1
    return {"message": f"{request.app.settings.greeting}!", "visits": visits["total"]}


@app.post("/login")
def login() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    response.set_cookie("user", "ada")
    return response


@app.get("/me")
def me(request: Request) -> dict[str, Any]:
    return {"user": request.cookies.get("user")}


@app.get("/broken")
def broken() -> None:
    raise RuntimeError("a bug")


@app.websocket("/echo")
async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    async for text in websocket.iter_text():
        await websocket.send_text(text.upper())


# --- the tests a user writes (the `client` and `settings` fixtures come from the plugin) ------


def test_index(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello!", "visits": 1}  # start-up hook ran


def test_cookies_persist_between_requests(client: TestClient) -> None:
    assert client.post("/login").status_code == 303
    assert client.get("/me").json() == {"user": "ada"}


def test_override_a_setting(client: TestClient, settings: Any) -> None:
    settings.greeting = "Bonjour"  # undone after this test
    assert client.get("/").json()["message"] == "Bonjour!"


def test_server_errors_are_raised_in_the_test(client: TestClient) -> None:
    with pytest.raises(RuntimeError, match="a bug"):
        client.get("/broken")


def test_what_a_user_sees_on_a_server_error() -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/broken").status_code == 500


def test_websocket(client: TestClient) -> None:
    with client.websocket_connect("/echo") as ws:
        ws.send_text("hi")
        assert ws.receive_text() == "HI"
        ws.close()
        with pytest.raises(WebSocketDisconnect):
            ws.receive_text()


async def test_async_client() -> None:
    async with TestClient(app) as client:  # an AsyncTestClient on the test's own loop
        response = await client.get("/")
        assert response.json()["visits"] == 1
        async with client.websocket_connect("/echo") as ws:
            await ws.send_text("async")
            assert await ws.receive_text() == "ASYNC"
