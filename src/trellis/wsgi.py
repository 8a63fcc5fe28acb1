"""Serve an ASGI app from a WSGI server (gunicorn sync workers, mod_wsgi, App Engine standard).

One event loop runs in a daemon thread, shared by every WSGI thread of the process and started
on the first request (after a pre-forking server has forked).  Each WSGI request submits the ASGI
call to that loop and then drives the exchange from its own thread: it reads ``wsgi.input`` when
the app asks for body, and yields each body chunk as the app sends it.  The app's ``send`` of a
chunk returns only once the WSGI server asks for the next one, which is the backpressure a
streaming response needs.  Closing the response iterable (the server does so when the client
goes away) sends ``http.disconnect``.

As ASGI servers do, ``scope["path"]`` is the full path, ``root_path`` (``SCRIPT_NAME``) included;
the App routes on the part below ``root_path``.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from wsgiref.types import StartResponse, WSGIEnvironment

__all__ = ["ClientDisconnected", "LifespanFailed", "WSGIAdapter"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

logger = logging.getLogger("trellis.wsgi")

_READ, _START, _BODY, _DONE = range(4)
_DISCONNECT: Message = {"type": "http.disconnect"}
_live_adapters: weakref.WeakSet[WSGIAdapter] = weakref.WeakSet()


class ClientDisconnected(OSError):
    """Raised by ``send`` after the WSGI server closed the response (the client went away)."""


class LifespanFailed(RuntimeError):
    """The app answered ``lifespan.startup.failed``: no request can be served."""


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


class _Exchange:
    """One request's traffic: ``receive``/``send`` run on the loop, the rest in the WSGI thread."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, environ: WSGIEnvironment, length: int | None
    ) -> None:
        self.loop = loop
        self.events: queue.SimpleQueue[tuple[int, Any]] = queue.SimpleQueue()
        self.input = environ["wsgi.input"]
        self.remaining = length  # None: read until EOF (chunked input the server de-chunked)
        self.chunk_size = 64 * 1024
        self.started = self.finished = self.body_read = self.disconnected = False
        self.disconnect_event = asyncio.Event()
        self.read_waiter: asyncio.Future[Message] | None = None
        self.ack_waiter: asyncio.Future[None] | None = None

    # -- loop side ------------------------------------------------------------------------------
    async def receive(self) -> Message:
        if not (self.disconnected or self.finished or self.body_read):
            self.read_waiter = self.loop.create_future()
            self.events.put((_READ, self.read_waiter))
            message = await self.read_waiter
            if message["type"] == "http.request" and not message["more_body"]:
                self.body_read = True
            return message
        # As ASGI servers do: once the response is complete, the request is over.
        if not (self.disconnected or self.finished):
            await self.disconnect_event.wait()
        return dict(_DISCONNECT)

    async def send(self, message: Message) -> None:
        if self.disconnected:
            raise ClientDisconnected("the client disconnected")
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError("http.response.start sent twice")
            self.started = True
            self.events.put((_START, message))
        elif kind == "http.response.body":
            if not self.started or self.finished:
                raise RuntimeError("http.response.body sent before start or after the last body")
            body = bytes(message.get("body", b""))
            if not message.get("more_body", False):
                self.finished = True
                self.events.put((_BODY, (body, None)))
                self.disconnect_event.set()
                if self.read_waiter is not None:  # nobody will read for it any more
                    _resolve(self.read_waiter, dict(_DISCONNECT))
            elif body:
                self.ack_waiter = self.loop.create_future()
                self.events.put((_BODY, (body, self.ack_waiter)))
                await self.ack_waiter
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} for an HTTP response")

    def close_in_loop(self) -> None:
        self.disconnected = True
        self.disconnect_event.set()
        if self.read_waiter is not None:
            _resolve(self.read_waiter, dict(_DISCONNECT))
        if self.ack_waiter is not None and not self.ack_waiter.done():
            self.ack_waiter.set_exception(ClientDisconnected("the client disconnected"))

    # -- WSGI thread side -----------------------------------------------------------------------
    def serve_read(self, waiter: asyncio.Future[Message]) -> None:
        self.loop.call_soon_threadsafe(_resolve, waiter, self._read_chunk())

    def _read_chunk(self) -> Message:
        if self.remaining == 0:
            return {"type": "http.request", "body": b"", "more_body": False}
        size = self.chunk_size if self.remaining is None else min(self.chunk_size, self.remaining)
        try:
            data = self.input.read(size)
        except (OSError, ValueError):
            return dict(_DISCONNECT)
        if self.remaining is None:
            return {"type": "http.request", "body": data, "more_body": bool(data)}
        if not data:  # the client sent less than its Content-Length
            return dict(_DISCONNECT)
        self.remaining -= len(data)
        return {"type": "http.request", "body": data, "more_body": self.remaining > 0}

    def acknowledge(self, waiter: asyncio.Future[None]) -> None:
        self.loop.call_soon_threadsafe(_resolve, waiter, None)

    def close(self) -> None:
        # RuntimeError: the adapter was closed, and its loop with it.
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.close_in_loop)


def _app_error(exc: BaseException) -> BaseException:
    if isinstance(exc, asyncio.CancelledError):
        return RuntimeError("the ASGI app was cancelled (the WSGI adapter is shutting down)")
    return exc


class _Response(Iterator[bytes]):
    """The WSGI body: pulls chunks from the app as the server asks for them."""

    def __init__(self, exchange: _Exchange) -> None:
        self._exchange = exchange
        self._ack: asyncio.Future[None] | None = None
        self._done = False

    def __iter__(self) -> _Response:
        return self

    def __next__(self) -> bytes:
        exchange = self._exchange
        if self._ack is not None:  # the server wrote the last chunk: let the app send more
            exchange.acknowledge(self._ack)
            self._ack = None
        while not self._done:
            kind, payload = exchange.events.get()
            if kind == _READ:
                exchange.serve_read(payload)
            elif kind == _BODY:
                body, ack = payload
                if ack is None:
                    self._done = True
                else:
                    self._ack = ack
                if body:
                    return bytes(body)
            elif kind == _DONE:
                self._done = True
                if payload is not None:
                    raise _app_error(payload)
        raise StopIteration

    def close(self) -> None:
        self._done = True
        self._exchange.close()


class _LoopThread:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._main, name="trellis-wsgi-loop", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(self.loop)
            for task in tasks:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def run(self, coro: Awaitable[Any], timeout: float | None) -> Any:
        async def wrapper() -> Any:
            return await coro

        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout)

    def stop(self, timeout: float | None) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout)


class _Lifespan:
    """The ASGI lifespan protocol, run once per process; apps without it are served anyway."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self.supported = False
        self.task: asyncio.Task[None] | None = None
        self.inbox: asyncio.Queue[Message] = asyncio.Queue()
        self.outbox: asyncio.Queue[Message] = asyncio.Queue()

    async def _main(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        scope["state"] = self.state
        await self.app(scope, self.inbox.get, self.outbox.put)

    async def _exchange(self, message: str) -> Message | None:
        await self.inbox.put({"type": message})
        assert self.task is not None
        answer = asyncio.ensure_future(self.outbox.get())
        await asyncio.wait({answer, self.task}, return_when=asyncio.FIRST_COMPLETED)
        if answer.done():
            return answer.result()
        answer.cancel()
        return None

    async def startup(self) -> None:
        self.task = asyncio.ensure_future(self._main())
        answer = await self._exchange("lifespan.startup")
        if answer is None:  # the app ended (or raised) without answering: no lifespan support
            if not self.task.cancelled() and self.task.exception() is not None:
                logger.debug("ASGI lifespan unsupported", exc_info=self.task.exception())
            return
        if answer["type"] == "lifespan.startup.failed":
            raise LifespanFailed(answer.get("message") or "the app's startup failed")
        self.supported = True

    async def shutdown(self) -> None:
        if not self.supported or self.task is None or self.task.done():
            return
        answer = await self._exchange("lifespan.shutdown")
        if answer is not None and answer["type"] == "lifespan.shutdown.failed":
            logger.error("ASGI lifespan shutdown failed: %s", answer.get("message", ""))


class WSGIAdapter:
    """A WSGI callable that serves the ASGI app ``app``.

    ``lifespan=False`` skips the lifespan protocol; ``startup_timeout`` bounds how long the first
    request waits for the app's startup hooks.
    """

    def __init__(
        self, app: ASGIApp, *, lifespan: bool = True, startup_timeout: float | None = 60.0
    ) -> None:
        self.app = app
        self.lifespan = lifespan
        self.startup_timeout = startup_timeout
        self._lock = threading.Lock()
        self._runner: _LoopThread | None = None
        self._lifespan: _Lifespan | None = None
        self._state: dict[str, Any] = {}
        self._failure: BaseException | None = None
        _live_adapters.add(self)

    def _ensure_started(self) -> _LoopThread:
        runner = self._runner
        if runner is not None and runner.pid == os.getpid():
            if self._failure is not None:
                raise self._failure
            return runner
        with self._lock:
            if self._runner is None or self._runner.pid != os.getpid():
                # A runner inherited through fork has no thread in this process: start afresh.
                # It is published only after startup, so no request overtakes the startup hooks.
                runner, self._failure, self._state = _LoopThread(), None, {}
                if self.lifespan:
                    self._lifespan = _Lifespan(self.app, self._state)
                    try:
                        runner.run(self._lifespan.startup(), self.startup_timeout)
                    except BaseException as exc:
                        self._failure = exc
                self._runner = runner
            if self._failure is not None:
                raise self._failure
            return self._runner

    def close(self, timeout: float = 10.0) -> None:
        """Run the lifespan shutdown and stop the loop; the next request would start them again."""
        with self._lock:
            runner, lifespan, self._runner, self._lifespan = (
                self._runner,
                self._lifespan,
                None,
                None,
            )
            if runner is None or runner.pid != os.getpid():
                return
            if lifespan is not None:
                try:
                    runner.run(lifespan.shutdown(), timeout)
                except Exception:
                    logger.exception("error while shutting down the ASGI app")
            runner.stop(timeout)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        loop = self._ensure_started().loop
        try:
            length = _content_length(environ)
        except ValueError:
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Invalid Content-Length header"]
        exchange = _Exchange(loop, environ, length)
        scope = build_scope(environ, self._state)
        asyncio.run_coroutine_threadsafe(self._run_app(scope, exchange), loop)
        while True:
            kind, payload = exchange.events.get()
            if kind == _READ:
                exchange.serve_read(payload)
            elif kind == _START:
                break
            elif kind == _DONE:
                if payload is not None:
                    raise _app_error(payload)
                raise RuntimeError("the ASGI app returned without sending a response")
        start_response(_status_line(payload["status"]), _wsgi_headers(payload))
        return _Response(exchange)

    async def _run_app(self, scope: MutableMapping[str, Any], exchange: _Exchange) -> None:
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except BaseException as exc:
            if exchange.finished or exchange.disconnected:  # nobody is left to raise it to
                logger.error("ASGI app raised after its response ended", exc_info=exc)
            exchange.events.put((_DONE, exc))
            if not isinstance(exc, Exception):
                raise
        else:
            exchange.events.put((_DONE, None))


def _content_length(environ: WSGIEnvironment) -> int | None:
    value = environ.get("CONTENT_LENGTH", "")
    if value:
        length = int(value)  # ValueError -> 400
        if length < 0:
            raise ValueError(value)
        return length
    # Servers that de-chunk a body without a length say so (gunicorn, mod_wsgi).
    return None if environ.get("wsgi.input_terminated") else 0


def _status_line(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}"


def _wsgi_headers(start: Message) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", ())]


def _wsgi_bytes(value: str) -> bytes:
    # WSGI hands over bytes as latin-1 "native strings".
    return value.encode("latin-1", "replace")


def build_scope(environ: WSGIEnvironment, state: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ASGI HTTP scope for a WSGI environ."""
    script_name = _wsgi_bytes(environ.get("SCRIPT_NAME", ""))
    path_info = _wsgi_bytes(environ.get("PATH_INFO", "")) or b"/"
    raw_uri = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw_uri:
        raw_path = _wsgi_bytes(raw_uri).partition(b"?")[0]
    else:
        raw_path = quote(script_name + path_info, safe="/:@!$&'()*+,;=-._~").encode("ascii")
    headers: list[tuple[bytes, bytes]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_") and key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            headers.append(
                (key[5:].lower().replace("_", "-").encode("latin-1"), _wsgi_bytes(value))
            )
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.lower().replace("_", "-").encode("latin-1"), _wsgi_bytes(value)))
    protocol = environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    server_port = environ.get("SERVER_PORT", "")
    remote_port = environ.get("REMOTE_PORT", "")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": protocol.partition("/")[2] or "1.1",
        "method": environ.get("REQUEST_METHOD", "GET").upper(),
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": (script_name + path_info).decode("utf-8", "replace"),
        "raw_path": raw_path,
        "root_path": script_name.decode("utf-8", "replace"),
        "query_string": _wsgi_bytes(environ.get("QUERY_STRING", "")),
        "headers": headers,
        "server": (
            environ.get("SERVER_NAME", ""),
            int(server_port) if server_port.isdigit() else None,
        ),
        "client": (
            (environ["REMOTE_ADDR"], int(remote_port) if remote_port.isdigit() else 0)
            if environ.get("REMOTE_ADDR")
            else None
        ),
        "state": dict(state or {}),
        "extensions": {},
    }


@atexit.register
def _close_all() -> None:
    # Daemon threads die without notice at exit; give apps their shutdown hooks first.
    for adapter in list(_live_adapters):
        adapter.close(timeout=5.0)
