"""Responses whose body is produced while it is sent.

The body is sent with ``more_body`` messages and no Content-Length, so the server uses chunked
encoding (HTTP/1.1) or plain DATA frames (HTTP/2).  While the body is produced a second task
waits for ``http.disconnect``: when the client goes away the producer is cancelled and the
source iterator closed, so the ``finally:`` blocks of a generator run and it stops working for
nobody.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Coroutine, Iterable, Mapping
from typing import Any

from trellis.concurrency import iterate_in_threadpool
from trellis.http.responses.base import (
    NO_BODY_STATUSES,
    Message,
    Receive,
    Response,
    Scope,
    Send,
    content_type_header,
    encode_headers,
)

__all__ = [
    "END",
    "ClientDisconnected",
    "StreamingResponse",
    "close_iterator",
    "next_or_end",
    "run_until_disconnect",
    "send_or_disconnect",
]


async def _wait_for_disconnect(receive: Receive) -> None:
    # Request body messages that nobody read are skipped: only the disconnect matters here.
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def run_until_disconnect(producer: Coroutine[Any, Any, None], receive: Receive) -> None:
    """Run ``producer``; cancel it if the client disconnects first.

    A disconnect is not an error: it returns normally.  An error in the producer is raised.
    """
    task = asyncio.ensure_future(producer)
    listener = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        await asyncio.wait((task, listener), return_when=asyncio.FIRST_COMPLETED)
    finally:
        # Also reached when we are cancelled ourselves: never leave either task running.
        task.cancel()
        listener.cancel()
        await asyncio.wait((task, listener))
    # Always fetched, so asyncio never logs "exception was never retrieved" for the listener.
    receive_error = None if listener.cancelled() else listener.exception()
    if task.cancelled():
        # Cancelled because the listener finished: a disconnect, or receive() itself failed.
        if receive_error is not None:
            raise receive_error
        return
    task.result()


class ClientDisconnected(Exception):
    """``send()`` failed because the client is gone (ASGI 2.4 servers raise OSError then)."""


async def send_or_disconnect(send: Send, message: Message) -> None:
    """Tell an OSError from ``send`` apart from one raised by the code producing the body."""
    try:
        await send(message)
    except OSError as exc:
        raise ClientDisconnected from exc


async def close_iterator(iterator: object) -> None:
    """Close an async generator so its ``finally:`` blocks run now, not at garbage collection."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


#: What :func:`next_or_end` returns once the iterator is exhausted.
END = object()


async def next_or_end(iterator: AsyncIterator[Any]) -> Any:
    # A sentinel rather than StopAsyncIteration, which is awkward to carry through a Task.
    return await anext(iterator, END)


def _to_async_iterator(content: object) -> AsyncIterator[Any]:
    if isinstance(content, str | bytes | bytearray | memoryview):
        raise TypeError("StreamingResponse needs an iterator of chunks; use Response for a body")
    if isinstance(content, AsyncIterable):
        return aiter(content)
    if isinstance(content, Iterable):
        return iterate_in_threadpool(content)
    raise TypeError(
        f"StreamingResponse content must be an iterable or async iterable, "
        f"not {type(content).__name__}"
    )


class StreamingResponse(Response):
    """Send chunks (``bytes`` or ``str``) from a sync or async iterator as they are produced.

    A sync iterator is driven in the thread pool, one ``next()`` per call, so a blocking
    generator never stalls the event loop.
    """

    def __init__(
        self,
        content: Iterable[bytes | str] | AsyncIterable[bytes | str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.body = b""
        self.body_iterator = _to_async_iterator(content)
        if media_type is not None:
            self.media_type = media_type
        raw = self.raw_headers = encode_headers(headers) if headers else []
        media = self.media_type
        if (
            media is not None
            and status_code not in NO_BODY_STATUSES
            and not any(name == b"content-type" for name, _ in raw)
        ):
            raw.append((b"content-type", content_type_header(media, self.charset)))

    def encode_chunk(self, chunk: Any) -> bytes:
        if isinstance(chunk, bytes):
            return chunk
        if isinstance(chunk, str):
            return chunk.encode(self.charset)
        if isinstance(chunk, bytearray | memoryview):
            return bytes(chunk)
        raise TypeError(f"streamed chunks must be bytes or str, not {type(chunk).__name__}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") == "HEAD":
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            await send({"type": "http.response.body", "body": b""})
            await close_iterator(self.body_iterator)
            return
        await run_until_disconnect(self.stream(send), receive)

    async def stream(self, send: Send) -> None:
        """Send the start message and every chunk; the iterator is closed however this ends."""
        iterator = self.body_iterator
        try:
            await send_or_disconnect(
                send,
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                },
            )
            async for chunk in iterator:
                body = self.encode_chunk(chunk)
                await send_or_disconnect(
                    send, {"type": "http.response.body", "body": body, "more_body": True}
                )
            await send_or_disconnect(
                send, {"type": "http.response.body", "body": b"", "more_body": False}
            )
        except ClientDisconnected:
            return
        finally:
            await close_iterator(iterator)
