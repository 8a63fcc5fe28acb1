from __future__ import annotations

import asyncio
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.util import setup_testing_defaults

import httpx
import pytest

from trellis import App, Request
from trellis.wsgi import ClientDisconnected, LifespanFailed, WSGIAdapter, build_scope

Scope = dict[str, Any]


@pytest.fixture
def make_adapter() -> Iterator[Callable[..., WSGIAdapter]]:
    adapters: list[WSGIAdapter] = []

    def make(app: Any, **options: Any) -> WSGIAdapter:
        adapter = WSGIAdapter(app, **options)
        adapters.append(adapter)
        return adapter

    yield make
    for adapter in adapters:
        adapter.close(timeout=5)


def environ(**overrides: Any) -> dict[str, Any]:
    env: dict[str, Any] = {}
    setup_testing_defaults(env)
    env.update(overrides)
    return env


def call(adapter: WSGIAdapter, env: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen["status"], seen["headers"] = status, headers
        return lambda data: None

    result = adapter(env, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return seen["status"], seen["headers"], body


async def drain_lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return


async def echo_scope(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await drain_lifespan(receive, send)
        return
    shown = {
        key: scope[key]
        for key in ("method", "path", "root_path", "scheme", "http_version", "server", "client")
    }
    shown["raw_path"] = scope["raw_path"].decode("latin-1")
    shown["query_string"] = scope["query_string"].decode("latin-1")
    shown["headers"] = [[k.decode(), v.decode("latin-1")] for k, v in scope["headers"]]
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"echo")]})
    await send({"type": "http.response.body", "body": json.dumps(shown).encode()})


def test_scope_from_environ(make_adapter: Callable[..., WSGIAdapter]) -> None:
    adapter = make_adapter(echo_scope)
    env = environ(
        REQUEST_METHOD="post",
        SCRIPT_NAME="/mount",
        PATH_INFO="/café/x y".encode().decode("latin-1"),  # what a WSGI server hands over
        QUERY_STRING="a=1&b=%C3%A9",
        CONTENT_TYPE="text/plain",
        CONTENT_LENGTH="0",
        HTTP_X_TRACE_ID="abc",
        REMOTE_ADDR="10.1.2.3",
        REMOTE_PORT="5555",
        SERVER_PROTOCOL="HTTP/1.0",
    )
    status, headers, body = call(adapter, env)
    assert status == "200 OK"
    assert ("x-app", "echo") in headers
    scope = json.loads(body)
    assert scope["method"] == "POST"
    assert scope["path"] == "/mount/café/x y"  # root_path included, as ASGI servers do
    assert scope["root_path"] == "/mount"
    assert scope["raw_path"] == "/mount/caf%C3%A9/x%20y"
    assert scope["query_string"] == "a=1&b=%C3%A9"
    assert scope["http_version"] == "1.0"
    assert scope["client"] == ["10.1.2.3", 5555]
    assert scope["server"] == ["127.0.0.1", 80]
    headers_in = dict(map(tuple, scope["headers"]))
    assert headers_in["x-trace-id"] == "abc"
    assert headers_in["content-type"] == "text/plain"
    assert headers_in["content-length"] == "0"


def test_raw_path_comes_from_request_uri_when_the_server_gives_it() -> None:
    scope = build_scope(environ(PATH_INFO="/a/b", REQUEST_URI="/a%2Fb?x=1"))
    assert scope["raw_path"] == b"/a%2Fb"
    assert scope["path"] == "/a/b"


def test_invalid_utf8_path_does_not_crash() -> None:
    scope = build_scope(environ(PATH_INFO=b"/\xff".decode("latin-1")))
    assert scope["path"] == "/\ufffd"
    assert scope["raw_path"] == b"/%FF"


def test_request_body_is_streamed_in_chunks(make_adapter: Callable[..., WSGIAdapter]) -> None:
    chunks: list[int] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        total = 0
        while True:
            message = await receive()
            chunks.append(len(message["body"]))
            total += len(message["body"])
            if not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(total).encode()})

    payload = b"x" * 200_000
    adapter = make_adapter(app, lifespan=False)
    env = environ(
        REQUEST_METHOD="POST",
        CONTENT_LENGTH=str(len(payload)),
        **{"wsgi.input": io.BytesIO(payload)},
    )
    _, _, body = call(adapter, env)
    assert body == b"200000"
    assert len(chunks) >= 3  # read piece by piece, not in one go
    assert max(chunks) <= 64 * 1024


def test_body_without_length_is_read_to_eof_when_input_is_terminated(
    make_adapter: Callable[..., WSGIAdapter],
) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        data = b""
        while True:
            message = await receive()
            data += message["body"]
            if not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": data[::-1]})

    adapter = make_adapter(app, lifespan=False)
    env = environ(REQUEST_METHOD="POST", **{"wsgi.input": io.BytesIO(b"abc")})
    env["wsgi.input_terminated"] = True
    assert call(adapter, env)[2] == b"cba"
    # Without a length and without input_terminated there is no body (PEP 3333).
    env = environ(REQUEST_METHOD="POST", **{"wsgi.input": io.BytesIO(b"abc")})
    assert call(adapter, env)[2] == b""


def test_short_body_gives_disconnect(make_adapter: Callable[..., WSGIAdapter]) -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] == "http.disconnect" or not message["more_body"]:
                break
        await send({"type": "http.response.start", "status": 400, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    adapter = make_adapter(app, lifespan=False)
    env = environ(REQUEST_METHOD="POST", CONTENT_LENGTH="10", **{"wsgi.input": io.BytesIO(b"abc")})
    status, _, _ = call(adapter, env)
    assert status == "400 Bad Request"
    assert seen == ["http.request", "http.disconnect"]


def test_invalid_content_length_is_400(make_adapter: Callable[..., WSGIAdapter]) -> None:
    adapter = make_adapter(echo_scope)
    status, _, body = call(adapter, environ(CONTENT_LENGTH="ten"))
    assert status == "400 Bad Request"
    assert b"Content-Length" in body


def test_streaming_response_has_backpressure(make_adapter: Callable[..., WSGIAdapter]) -> None:
    sent: list[int] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i in range(3):
            await send({"type": "http.response.body", "body": b"%d" % i, "more_body": True})
            sent.append(i)
        await send({"type": "http.response.body", "body": b"end"})

    adapter = make_adapter(app, lifespan=False)
    statuses: list[str] = []
    result = adapter(environ(), lambda status, headers, exc_info=None: statuses.append(status))
    iterator = iter(result)
    try:
        assert statuses == ["200 OK"]
        assert next(iterator) == b"0"
        time.sleep(0.05)
        assert sent == []  # send() of chunk 0 waits until the server asks for more
        assert next(iterator) == b"1"
        time.sleep(0.05)
        assert sent == [0]
        assert list(iterator) == [b"2", b"end"]
        assert sent == [0, 1, 2]
    finally:
        result.close()  # type: ignore[attr-defined]


def test_close_sends_disconnect(make_adapter: Callable[..., WSGIAdapter]) -> None:
    disconnected = threading.Event()
    send_failed = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        async def listen() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        listener = asyncio.ensure_future(listen())
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:  # an endless stream, as an event stream is
                await send({"type": "http.response.body", "body": b"tick", "more_body": True})
        except ClientDisconnected:
            send_failed.set()
        await listener

    adapter = make_adapter(app, lifespan=False)
    result = adapter(environ(), lambda *args: None)
    assert next(iter(result)) == b"tick"
    result.close()  # type: ignore[attr-defined]
    assert disconnected.wait(5)
    assert send_failed.wait(5)


def test_app_error_before_start_propagates(make_adapter: Callable[..., WSGIAdapter]) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        raise KeyError("broken")

    adapter = make_adapter(app, lifespan=False)
    with pytest.raises(KeyError, match="broken"):
        adapter(environ(), lambda *args: None)


def test_lifespan_runs_once_and_shares_state(make_adapter: Callable[..., WSGIAdapter]) -> None:
    events: list[str] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                events.append(message["type"])
                if message["type"] == "lifespan.startup":
                    scope["state"]["pool"] = "ready"
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["state"]["pool"].encode()})

    adapter = make_adapter(app)
    bodies = set()

    def worker() -> None:
        bodies.add(call(adapter, environ())[2])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert bodies == {b"ready"}
    assert events == ["lifespan.startup"]
    adapter.close()
    assert events == ["lifespan.startup", "lifespan.shutdown"]


def test_lifespan_failure_fails_requests(make_adapter: Callable[..., WSGIAdapter]) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        assert scope["type"] == "lifespan"
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "no database"})

    adapter = make_adapter(app)
    for _ in range(2):
        with pytest.raises(LifespanFailed, match="no database"):
            adapter(environ(), lambda *args: None)


def test_app_without_lifespan_is_served(make_adapter: Callable[..., WSGIAdapter]) -> None:
    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError("only http")
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    adapter = make_adapter(app)
    status, _, body = call(adapter, environ())
    assert (status, body) == ("201 Created", b"ok")


# -- a real WSGI server --------------------------------------------------------------------------


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def serve(make_adapter: Callable[..., WSGIAdapter]) -> Iterator[Callable[[Any], str]]:
    servers: list[tuple[WSGIServer, threading.Thread]] = []

    def start(app: Any) -> str:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = make_server("127.0.0.1", port, make_adapter(app), handler_class=QuietHandler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(5)
        server.server_close()


def test_real_wsgi_server_normal_and_streaming(serve: Callable[[Any], str]) -> None:
    release = threading.Event()

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await drain_lifespan(receive, send)
            return
        if scope["path"] == "/stream":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"first;", "more_body": True})
            # The second chunk waits for the client to have seen the first: proof of streaming.
            await asyncio.get_running_loop().run_in_executor(None, release.wait, 5)
            await send({"type": "http.response.body", "body": b"second"})
            return
        body = b"hello " + scope["query_string"]
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    base = serve(app)
    with httpx.Client(base_url=base, timeout=5) as client:
        response = client.get("/page?name=x")
        assert response.status_code == 200
        assert response.text == "hello name=x"
        assert response.headers["content-type"] == "text/plain"
        with client.stream("GET", "/stream") as streamed:
            pieces = streamed.iter_raw()
            assert next(pieces) == b"first;"
            release.set()
            assert b"".join(pieces) == b"second"


def test_the_app_under_a_script_name_routes_below_it_and_builds_urls_with_it() -> None:
    from wsgiref.util import setup_testing_defaults

    app = App()

    @app.get("/where")
    def where(request: Request) -> dict[str, str]:
        return {"url_for": request.url_for("where"), "path": request.url.path}

    environ: dict[str, object] = {"SCRIPT_NAME": "/mount", "PATH_INFO": "/where"}
    setup_testing_defaults(environ)
    captured: list[str] = []
    try:
        body = b"".join(
            app.wsgi(environ, lambda status, headers, exc=None: captured.append(status))
        )
    finally:
        app.wsgi.close()
    assert captured == ["200 OK"]
    assert json.loads(body) == {"url_for": "/mount/where", "path": "/mount/where"}
