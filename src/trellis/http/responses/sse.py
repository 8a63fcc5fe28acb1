"""Server-sent events (the ``text/event-stream`` format of the HTML standard).

Framing is done here, not by the user: a ``data`` value with line breaks becomes several
``data:`` lines (the browser joins them back with ``\\n``), and an ``event`` or ``id`` with a line
break is refused, since it would end the field early and let the rest forge another field.
During silence a comment line is sent every ``ping_interval`` seconds so that proxies and load
balancers do not close the idle connection.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from trellis.http.responses.base import Send, json_dumps
from trellis.http.responses.streaming import (
    END,
    ClientDisconnected,
    StreamingResponse,
    close_iterator,
    next_or_end,
    send_or_disconnect,
)

__all__ = ["EventSourceResponse", "ServerSentEvent"]

# The only line breaks of the format; str.splitlines() would also split on \x0b, \u2028 ...
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_FIELDS = frozenset({"data", "event", "id", "retry", "comment"})
PING = b": ping\n\n"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One event.  ``data`` that is not a ``str`` is sent as JSON; ``comment`` is ignored by
    browsers and useful for debugging or keep-alive."""

    data: Any = None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        if self.event is not None and _has_line_break(self.event):
            raise ValueError(f"an SSE event name must not contain CR or LF: {self.event!r}")
        if self.id is not None and (_has_line_break(self.id) or "\0" in self.id):
            # Browsers ignore an id containing NUL; refusing it says so at once.
            raise ValueError(f"an SSE id must not contain CR, LF or NUL: {self.id!r}")
        if self.retry is not None and (
            isinstance(self.retry, bool) or not isinstance(self.retry, int) or self.retry < 0
        ):
            raise ValueError(f"SSE retry must be a non-negative int (ms), not {self.retry!r}")

    def encode(self) -> bytes:
        lines: list[str] = []
        if self.comment is not None:
            lines.extend(f": {line}" for line in _LINE_BREAK.split(self.comment))
        if self.id is not None:
            lines.append(f"id: {self.id}")
        if self.event is not None:
            lines.append(f"event: {self.event}")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}")
        if self.data is not None:
            data = self.data
            text = data if isinstance(data, str) else json_dumps(data).decode("utf-8")
            lines.extend(f"data: {line}" for line in _LINE_BREAK.split(text))
        lines.append("\n")
        return "\n".join(lines).encode("utf-8")


def _has_line_break(value: str) -> bool:
    return "\r" in value or "\n" in value


def to_event(item: Any) -> ServerSentEvent:
    """What a source may yield: a ServerSentEvent, a dict of its fields, or a str of data."""
    if isinstance(item, ServerSentEvent):
        return item
    if isinstance(item, str):
        return ServerSentEvent(data=item)
    if isinstance(item, Mapping):
        unknown = set(item) - _FIELDS
        if unknown:
            raise ValueError(
                f"unknown SSE field(s) {sorted(map(str, unknown))}; "
                f"use {', '.join(sorted(_FIELDS))}"
            )
        return ServerSentEvent(**item)
    raise TypeError(
        f"an SSE source must yield ServerSentEvent, dict or str, not {type(item).__name__}"
    )


class EventSourceResponse(StreamingResponse):
    """Stream events from a sync or async iterator to an ``EventSource`` in the browser."""

    media_type = "text/event-stream"

    def __init__(
        self,
        content: Iterable[Any] | AsyncIterable[Any],
        *,
        ping_interval: float | None = 15.0,
        headers: Mapping[str, str] | None = None,
        status_code: int = 200,
    ) -> None:
        if ping_interval is not None and ping_interval <= 0:
            raise ValueError("ping_interval must be positive, or None for no pings")
        super().__init__(content, status_code, headers)
        self.ping_interval = ping_interval
        names = {name for name, _ in self.raw_headers}
        # no-cache: a cached stream is useless; X-Accel-Buffering: nginx would hold events back.
        if b"cache-control" not in names:
            self.raw_headers.append((b"cache-control", b"no-cache"))
        if b"x-accel-buffering" not in names:
            self.raw_headers.append((b"x-accel-buffering", b"no"))

    def encode_chunk(self, chunk: Any) -> bytes:
        return to_event(chunk).encode()

    async def stream(self, send: Send) -> None:
        if self.ping_interval is None:
            await super().stream(send)
            return
        iterator = self.body_iterator
        pending: asyncio.Future[Any] | None = None
        try:
            await send_or_disconnect(
                send,
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                },
            )
            while True:
                # The next item is awaited in its own task: timing out must not cancel the source.
                pending = asyncio.ensure_future(next_or_end(iterator))
                while not (await asyncio.wait((pending,), timeout=self.ping_interval))[0]:
                    await send_or_disconnect(
                        send, {"type": "http.response.body", "body": PING, "more_body": True}
                    )
                item = pending.result()
                pending = None
                if item is END:
                    break
                await send_or_disconnect(
                    send,
                    {
                        "type": "http.response.body",
                        "body": self.encode_chunk(item),
                        "more_body": True,
                    },
                )
            await send_or_disconnect(
                send, {"type": "http.response.body", "body": b"", "more_body": False}
            )
        except ClientDisconnected:
            return
        finally:
            if pending is not None:
                pending.cancel()
                await asyncio.wait((pending,))
            await close_iterator(iterator)
