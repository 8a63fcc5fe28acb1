"""The sync and async TestClient over plain ASGI apps: scope, body, errors, cookies, timeouts."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from trellis.testing import AsyncTestClient, TestClient
from trellis.testing import transport as transport_module

Scope = dict[str, Any]


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "trellis-testclient"]


async def read_body(receive: Any) -> list[dict[str, Any]]:
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if not message.get("more_body", False):
            return messages


async def respond(send: Any, status: int = 200, body: bytes = b"", headers: Any = ()) -> None:
    await send({"type": "http.response.start", "status": status, "headers": list(headers)})
    await send({"type": "http.response.body", "body": body})


def http_only(app: Any) -> Any:
    """Wrap a bare HTTP app so it declines the lifespan scope by returning, as ASGI allows."""

    async def wrapper(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await app(scope, receive, send)

    return wrapper


class Recorder:
    """An app that records each scope and body messages, and answers 200 "ok"."""

    def __init__(self) -> None:
        self.scopes: list[Scope] = []
        self.messages: list[dict[str, Any]] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return  # no lifespan support: the client then runs without one
        self.scopes.append(scope)
        self.messages = await read_body(receive)
        await respond(send, body=b"ok")


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Iterator[TestClient]:
    with TestClient(recorder) as client:
        yield client


def test_scope_has_every_asgi_field(client: TestClient, recorder: Recorder) -> None:
    response = client.get("/caf%C3%A9/a%2Fb?q=a%20b&x=1", headers={"X-Custom": "Yes"})
    assert response.status_code == 200
    assert response.text == "ok"
    scope = recorder.scopes[0]
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert scope["http_version"] == "1.1"
    assert scope["method"] == "GET"
    assert scope["scheme"] == "http"
    assert scope["path"] == "/café/a/b"
    assert scope["raw_path"] == b"/caf%C3%A9/a%2Fb"
    assert scope["query_string"] == b"q=a%20b&x=1"
    assert scope["root_path"] == ""
    assert scope["client"] == ("testclient", 50000)
    assert scope["server"] == ("testserver", 80)
    assert scope["trellis.raise_server_exceptions"] is True
    headers = scope["headers"]
    assert all(name == name.lower() for name, _ in headers)
    assert (b"host", b"testserver") in headers
    assert (b"x-custom", b"Yes") in headers
    assert (b"user-agent", b"testclient") in headers
    assert "state" not in scope  # this app has no lifespan


def test_https_base_url_root_path_and_peer() -> None:
    recorder = Recorder()
    client = TestClient(
        recorder, base_url="https://example.org:8443", root_path="/api", client=("10.0.0.1", 1234)
    )
    with client:
        client.post("/items/1", content=b"")
    scope = recorder.scopes[0]
    assert scope["scheme"] == "https"
    assert scope["server"] == ("example.org", 8443)
    assert scope["root_path"] == "/api"
    assert scope["path"] == "/api/items/1"
    assert scope["raw_path"] == b"/api/items/1"
    assert scope["client"] == ("10.0.0.1", 1234)
    assert scope["method"] == "POST"


def test_raise_flag_absent_when_not_raising() -> None:
    recorder = Recorder()
    with TestClient(recorder, raise_server_exceptions=False) as client:
        client.get("/")
    assert "trellis.raise_server_exceptions" not in recorder.scopes[0]


def test_small_body_is_one_final_message(client: TestClient, recorder: Recorder) -> None:
    client.post("/", content=b"hello")
    assert recorder.messages == [{"type": "http.request", "body": b"hello", "more_body": False}]


def test_empty_body_is_one_empty_message(client: TestClient, recorder: Recorder) -> None:
    client.get("/")
    assert recorder.messages == [{"type": "http.request", "body": b"", "more_body": False}]


def test_large_body_streams_in_chunks(client: TestClient, recorder: Recorder) -> None:
    body = bytes(range(256)) * 1024  # 256 KiB
    client.post("/", content=body)
    assert len(recorder.messages) == 4
    assert [m["more_body"] for m in recorder.messages] == [True, True, True, False]
    assert b"".join(m["body"] for m in recorder.messages) == body


def test_generator_body_keeps_its_chunks(client: TestClient, recorder: Recorder) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"one,"
        yield b""
        yield b"two"

    client.post("/", content=chunks())
    assert [(m["body"], m["more_body"]) for m in recorder.messages] == [
        (b"one,", True),
        (b"two", False),
    ]


def test_disconnect_is_sent_after_the_response() -> None:
    seen: list[str] = []

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        await respond(send, body=b"done")
        seen.append((await receive())["type"])

    with TestClient(app) as client:
        assert client.get("/").text == "done"
    assert seen == ["http.disconnect"]


def test_sending_after_disconnect_raises_oserror() -> None:
    errors: list[BaseException] = []

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        await respond(send)
        await receive()
        try:
            await send({"type": "http.response.body", "body": b"late"})
        except OSError as exc:
            errors.append(exc)

    with TestClient(app) as client:
        client.get("/")
    assert len(errors) == 1
    assert isinstance(errors[0], transport_module.ClientDisconnected)


def test_streamed_response_is_read_in_full(client: TestClient) -> None:
    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body"})

    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 201
    assert response.headers["x-a"] == "1"
    assert response.content == b"abc"


@http_only
async def crash(scope: Scope, receive: Any, send: Any) -> None:
    raise ValueError("boom")


@http_only
async def crash_midway(scope: Scope, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"partial", "more_body": True})
    raise ValueError("boom")


@http_only
async def silent(scope: Scope, receive: Any, send: Any) -> None:
    return None


def test_app_error_is_raised_in_the_test() -> None:
    with TestClient(crash) as client, pytest.raises(ValueError, match="boom"):
        client.get("/")


def test_app_error_is_a_bare_500_when_not_raising() -> None:
    with TestClient(crash, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 500
    assert response.content == b""


def test_app_error_after_start_keeps_the_partial_response() -> None:
    with TestClient(crash_midway, raise_server_exceptions=False) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.content == b"partial"


def test_app_returning_without_a_response() -> None:
    with TestClient(silent) as client, pytest.raises(RuntimeError, match="without sending"):
        client.get("/nothing")
    with TestClient(silent, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_protocol_errors_are_reported() -> None:
    @http_only
    async def body_first(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.body", "body": b"x"})

    with TestClient(body_first) as client, pytest.raises(RuntimeError, match="before"):
        client.get("/")


def test_cookies_persist_by_path_and_are_deleted() -> None:
    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        headers = dict(scope["headers"])
        cookie = headers.get(b"cookie", b"")
        set_cookies = {
            "/login": [(b"set-cookie", b"session=abc; Path=/; HttpOnly")],
            "/sub/login": [(b"set-cookie", b"scoped=1; Path=/sub")],
            "/logout": [(b"set-cookie", b"session=; Path=/; Max-Age=0")],
        }.get(scope["path"], [])
        await respond(send, body=cookie, headers=set_cookies)

    with TestClient(app) as client:
        client.get("/login")
        client.get("/sub/login")
        assert client.get("/").content == b"session=abc"
        assert sorted(client.get("/sub/page").content.split(b"; ")) == [b"scoped=1", b"session=abc"]
        client.get("/logout")
        assert client.get("/").content == b""
        assert "session" not in client.cookies


def test_redirects_followed_only_on_request() -> None:
    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        if scope["path"] == "/old":
            await respond(send, 302, headers=[(b"location", b"/new")])
        else:
            await respond(send, body=scope["path"].encode())

    with TestClient(app) as client:
        assert client.get("/old").status_code == 302
    with TestClient(app, follow_redirects=True) as client:
        response = client.get("/old")
        assert response.status_code == 200
        assert response.text == "/new"


def test_app_runs_on_one_loop_in_one_thread() -> None:
    loops: list[asyncio.AbstractEventLoop] = []
    threads: list[threading.Thread] = []

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        loops.append(asyncio.get_running_loop())
        threads.append(threading.current_thread())
        await read_body(receive)
        await respond(send)

    with TestClient(app) as client:
        client.get("/")
        client.get("/")
    assert loops[0] is loops[1]
    assert threads[0] is threads[1] is not threading.current_thread()
    assert loops[0].is_closed()


def test_hung_app_times_out_and_the_client_still_works() -> None:
    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await read_body(receive)
        if scope["path"] == "/hang":
            await asyncio.Event().wait()
        await respond(send, body=b"fine")

    with TestClient(app, timeout=0.1) as client:
        with pytest.raises(httpx.ReadTimeout, match=r"GET /hang within 0\.1 s"):
            client.get("/hang")
        assert client.get("/").text == "fine"
        with pytest.raises(httpx.ReadTimeout):
            client.get("/hang", timeout=0.05)


def test_app_timeout_error_is_not_mistaken_for_ours() -> None:
    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise TimeoutError("the app's own")

    with TestClient(app) as client, pytest.raises(TimeoutError, match="the app's own"):
        client.get("/")
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


def test_blocked_loop_hits_the_backstop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport_module, "BACKSTOP_MARGIN", 0.05)

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        time.sleep(0.4)  # blocks the loop: asyncio's own timeout cannot fire
        await respond(send)

    client = TestClient(app, timeout=0.05)
    with pytest.raises(TimeoutError, match="blocking it"):
        client.get("/")
    client.close()
    # The loop thread ends once the app stops blocking it (0.4 s); a loaded machine may take longer.
    deadline = time.monotonic() + 10
    while loop_threads() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert loop_threads() == []


def test_threads_are_released_on_close_exit_and_garbage() -> None:
    recorder = Recorder()
    with TestClient(recorder) as client:
        client.get("/")
        assert len(loop_threads()) == 1
    assert loop_threads() == []

    client = TestClient(recorder)
    client.get("/")
    client.close()
    assert loop_threads() == []

    client = TestClient(recorder)
    client.get("/")
    del client
    gc.collect()
    assert loop_threads() == []


def test_a_closed_client_refuses_requests() -> None:
    client = TestClient(Recorder())
    client.close()
    with pytest.raises(RuntimeError):
        client.get("/")


def test_default_and_custom_headers() -> None:
    recorder = Recorder()
    with TestClient(recorder, headers={"User-Agent": "mine", "X-Team": "a"}) as client:
        client.get("/")
    headers = dict(recorder.scopes[0]["headers"])
    assert headers[b"user-agent"] == b"mine"
    assert headers[b"x-team"] == b"a"


async def test_async_with_gives_an_async_client_on_the_test_loop() -> None:
    loops: list[asyncio.AbstractEventLoop] = []

    @http_only
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.complete"})
            await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        loops.append(asyncio.get_running_loop())
        await read_body(receive)
        await respond(send, body=b"async")

    async with TestClient(app) as client:
        assert isinstance(client, AsyncTestClient)
        response = await client.get("/")
        assert response.text == "async"
    assert loops == [asyncio.get_running_loop()]
    assert loop_threads() == []


async def test_async_client_streams_an_async_body(recorder: Recorder) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"a"
        yield b"b"

    async with AsyncTestClient(recorder) as client:
        await client.post("/", content=chunks())
    assert [(m["body"], m["more_body"]) for m in recorder.messages] == [(b"a", True), (b"b", False)]


async def test_async_client_raises_and_times_out() -> None:
    @http_only
    async def hang(scope: Scope, receive: Any, send: Any) -> None:
        await asyncio.Event().wait()

    async with AsyncTestClient(crash) as client:
        with pytest.raises(ValueError, match="boom"):
            await client.get("/")
    async with AsyncTestClient(crash, raise_server_exceptions=False) as client:
        assert (await client.get("/")).status_code == 500
    async with AsyncTestClient(hang, timeout=0.05) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/")


def test_package_exports_load_lazily() -> None:
    import trellis.testing as testing

    assert sorted(dir(testing)) == sorted(testing.__all__)
    assert testing.WebSocketDisconnect.__module__ == "trellis.http.websockets"
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = testing.Nope
