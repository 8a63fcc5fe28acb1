"""The ASGI lifespan as the test client drives it: order, state, failures, timeouts."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from trellis.testing import AsyncTestClient, LifespanFailed, TestClient

Scope = dict[str, Any]


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "trellis-testclient"]


class LifespanApp:
    """Records lifespan events; fails start-up or shut-down on demand."""

    def __init__(self, fail: str | None = None, *, message: str = "", crash: bool = False) -> None:
        self.fail = fail
        self.message = message
        self.crash = crash
        self.events: list[str] = []
        self.queue: asyncio.Queue[str] | None = None

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.events.append("request")
            assert self.queue is not None
            self.queue.put_nowait("used")  # loop-bound: works only on the start-up loop
            body = repr(sorted(scope["state"].items())).encode()
            scope["state"]["added"] = True  # each request gets a copy
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": body})
            return
        while True:
            message = await receive()
            phase = message["type"].removeprefix("lifespan.")
            self.events.append(phase)
            if phase == "startup":
                self.queue = asyncio.Queue()
                await self.queue.put("ready")
                scope["state"]["db"] = "connected"
            if self.fail == phase:
                if self.crash:
                    raise RuntimeError(f"{phase} crashed")
                await send({"type": f"lifespan.{phase}.failed", "message": self.message})
                return
            await send({"type": f"lifespan.{phase}.complete"})
            if phase == "shutdown":
                return


def test_startup_and_shutdown_wrap_the_requests() -> None:
    app = LifespanApp()
    with TestClient(app) as client:
        assert app.events == ["startup"]
        assert client.app_state == {"db": "connected"}
        assert client.get("/").text == "[('db', 'connected')]"
        assert client.get("/").text == "[('db', 'connected')]"  # a copy, not shared
    assert app.events == ["startup", "request", "request", "shutdown"]
    assert loop_threads() == []


def test_without_with_no_lifespan_runs() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        assert "state" not in scope
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body"})

    client = TestClient(app)
    assert client.get("/").status_code == 204
    client.close()


def test_failed_startup_raises_its_message() -> None:
    app = LifespanApp("startup", message="database unreachable")
    with pytest.raises(LifespanFailed, match="database unreachable"), TestClient(app):
        pass
    assert loop_threads() == []


def test_crashing_startup_raises_the_app_error() -> None:
    app = LifespanApp("startup", crash=True)
    with pytest.raises(RuntimeError, match="startup crashed"), TestClient(app):
        pass
    assert loop_threads() == []


def test_failed_shutdown_raises_on_exit() -> None:
    app = LifespanApp("shutdown", message="could not flush")
    with pytest.raises(LifespanFailed, match="could not flush"), TestClient(app) as client:
        client.get("/")
    assert loop_threads() == []


def test_crashing_shutdown_raises_the_app_error() -> None:
    app = LifespanApp("shutdown", crash=True)
    with pytest.raises(RuntimeError, match="shutdown crashed"), TestClient(app):
        pass


def test_an_app_without_lifespan_support_runs_without_state() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str("state" in scope).encode()})

    with TestClient(app) as client:
        assert client.app_state is None
        assert client.get("/").text == "False"


def test_an_app_raising_on_lifespan_fails_the_test() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise AssertionError("http only")

    with pytest.raises(AssertionError, match="http only"), TestClient(app):
        pass


def test_hung_startup_times_out() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await asyncio.Event().wait()

    with pytest.raises(TimeoutError, match="lifespan startup"), TestClient(app, timeout=0.05):
        pass
    assert loop_threads() == []


def test_unexpected_startup_message() -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start"})

    with pytest.raises(RuntimeError, match="Unexpected"), TestClient(app):
        pass


async def test_async_client_runs_the_lifespan_on_the_test_loop() -> None:
    app = LifespanApp()
    async with AsyncTestClient(app) as client:
        assert app.events == ["startup"]
        assert (await client.get("/")).text == "[('db', 'connected')]"
    assert app.events == ["startup", "request", "shutdown"]


async def test_async_client_startup_failure() -> None:
    app = LifespanApp("startup", message="nope")
    with pytest.raises(LifespanFailed, match="nope"):
        async with TestClient(app):
            pass
