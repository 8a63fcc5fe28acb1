"""Server-sent events: framing, validation, pings and disconnects."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from trellis.http.responses import EventSourceResponse, ServerSentEvent

SCOPE: dict[str, Any] = {"type": "http", "method": "GET", "headers": []}


class Client:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gone = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Any) -> None:
        self.sent.append(message)

    @property
    def body(self) -> bytes:
        return b"".join(m["body"] for m in self.sent if m["type"] == "http.response.body")


# Framing ------------------------------------------------------------------------------------


def test_data_only_event() -> None:
    assert ServerSentEvent("hello").encode() == b"data: hello\n\n"


def test_all_fields() -> None:
    event = ServerSentEvent(data="d", event="update", id="7", retry=3000, comment="note")
    assert event.encode() == b": note\nid: 7\nevent: update\nretry: 3000\ndata: d\n\n"


@pytest.mark.parametrize("text", ["a\nb\r\nc\rd", "a\nb\nc\nd"])
def test_every_line_break_kind_splits_data_into_data_lines(text: str) -> None:
    expected = b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert ServerSentEvent(text).encode() == expected


def test_only_sse_line_breaks_split_data() -> None:
    # str.splitlines() would split on these; the SSE format does not.
    assert ServerSentEvent("a\u2028b\x0bc").encode() == "data: a\u2028b\x0bc\n\n".encode()


def test_trailing_newline_in_data_is_kept_as_an_empty_data_line() -> None:
    assert ServerSentEvent("a\n").encode() == b"data: a\ndata: \n\n"


def test_empty_string_data_still_dispatches() -> None:
    assert ServerSentEvent("").encode() == b"data: \n\n"


def test_non_str_data_is_json() -> None:
    assert ServerSentEvent({"n": [1, 2]}).encode() == b'data: {"n":[1,2]}\n\n'
    assert ServerSentEvent(0).encode() == b"data: 0\n\n"


def test_multi_line_comment() -> None:
    assert ServerSentEvent(comment="a\nb").encode() == b": a\n: b\n\n"


def test_non_ascii_is_utf8() -> None:
    assert ServerSentEvent("héllo").encode() == "data: héllo\n\n".encode()


@pytest.mark.parametrize(
    "fields",
    [
        {"event": "a\nb"},
        {"event": "a\rb"},
        {"id": "1\n2"},
        {"id": "1\0"},
        {"retry": -1},
        {"retry": 1.5},
        {"retry": True},
    ],
)
def test_invalid_fields_are_refused(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        ServerSentEvent(data="x", **fields)


def test_events_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        ServerSentEvent("x").data = "y"  # type: ignore[misc]


# The response ---------------------------------------------------------------------------------


async def test_headers_and_items_of_every_kind() -> None:
    async def events() -> AsyncIterator[Any]:
        yield "plain"
        yield {"event": "tick", "data": {"n": 1}, "id": "1"}
        yield ServerSentEvent(data="last", retry=10)

    client = Client()
    await EventSourceResponse(events())(SCOPE, client.receive, client.send)
    start = client.sent[0]
    assert start["status"] == 200
    assert dict(start["headers"]) == {
        b"content-type": b"text/event-stream; charset=utf-8",
        b"cache-control": b"no-cache",
        b"x-accel-buffering": b"no",
    }
    assert client.body == (
        b'data: plain\n\nid: 1\nevent: tick\ndata: {"n":1}\n\nretry: 10\ndata: last\n\n'
    )
    assert client.sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}


async def test_user_headers_override_the_defaults() -> None:
    response = EventSourceResponse(iter([]), headers={"Cache-Control": "no-store"})
    assert (b"cache-control", b"no-store") in response.raw_headers
    assert (b"cache-control", b"no-cache") not in response.raw_headers


async def test_sync_source_runs_in_the_thread_pool() -> None:
    threads: list[int] = []

    def events() -> Iterator[str]:
        threads.append(threading.get_ident())
        yield "a"

    client = Client()
    await EventSourceResponse(events())(SCOPE, client.receive, client.send)
    assert client.body == b"data: a\n\n"
    assert threading.get_ident() not in threads


async def test_an_item_of_the_wrong_kind_raises() -> None:
    client = Client()
    with pytest.raises(TypeError, match="ServerSentEvent, dict or str"):
        await EventSourceResponse(iter([b"raw"]))(SCOPE, client.receive, client.send)


async def test_a_dict_with_unknown_fields_raises() -> None:
    client = Client()
    with pytest.raises(ValueError, match="unknown SSE field"):
        await EventSourceResponse(iter([{"dta": "typo"}]))(SCOPE, client.receive, client.send)


async def test_pings_are_sent_during_silence_and_stop_with_the_stream() -> None:
    release = asyncio.Event()

    async def slow() -> AsyncIterator[str]:
        await release.wait()
        yield "late"

    client = Client()
    task = asyncio.create_task(
        EventSourceResponse(slow(), ping_interval=0.01)(SCOPE, client.receive, client.send)
    )
    await asyncio.sleep(0.1)
    release.set()
    await asyncio.wait_for(task, 5)
    body = client.body
    assert body.endswith(b"data: late\n\n")
    pings = body[: -len(b"data: late\n\n")]
    assert pings.count(b": ping\n\n") >= 3
    assert pings == b": ping\n\n" * pings.count(b": ping\n\n")


async def test_a_ping_does_not_disturb_the_pending_event() -> None:
    """The source awaits across several pings and still delivers its events in order."""

    async def spaced() -> AsyncIterator[str]:
        for n in range(3):
            await asyncio.sleep(0.03)
            yield str(n)

    client = Client()
    await asyncio.wait_for(
        EventSourceResponse(spaced(), ping_interval=0.01)(SCOPE, client.receive, client.send), 5
    )
    events = [part for part in client.body.split(b"\n\n") if part.startswith(b"data")]
    assert events == [b"data: 0", b"data: 1", b"data: 2"]
    assert b": ping" in client.body


async def test_no_pings_when_disabled() -> None:
    async def slow() -> AsyncIterator[str]:
        await asyncio.sleep(0.05)
        yield "x"

    client = Client()
    await EventSourceResponse(slow(), ping_interval=None)(SCOPE, client.receive, client.send)
    assert client.body == b"data: x\n\n"


def test_ping_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="ping_interval"):
        EventSourceResponse(iter([]), ping_interval=0)


@pytest.mark.parametrize("ping_interval", [15.0, None])
async def test_disconnect_closes_a_waiting_source(ping_interval: float | None) -> None:
    """A source blocked waiting for news is cancelled and its finally runs."""
    cleaned = asyncio.Event()

    async def feed() -> AsyncIterator[str]:
        try:
            yield "hello"
            await asyncio.Event().wait()  # nothing more to say, ever
            yield "never"
        finally:
            cleaned.set()

    client = Client()
    task = asyncio.create_task(
        EventSourceResponse(feed(), ping_interval=ping_interval)(SCOPE, client.receive, client.send)
    )
    await asyncio.sleep(0.02)
    client.gone.set()
    await asyncio.wait_for(task, 5)
    assert cleaned.is_set()
    assert client.body == b"data: hello\n\n"


async def test_disconnect_closes_a_sync_source() -> None:
    cleaned = threading.Event()

    def feed() -> Iterator[str]:
        try:
            while True:
                yield "x"
        finally:
            cleaned.set()

    client = Client()

    async def send(message: Any) -> None:
        await client.send(message)
        if len(client.sent) >= 4:
            client.gone.set()

    await asyncio.wait_for(EventSourceResponse(feed())(SCOPE, client.receive, send), 5)
    assert cleaned.wait(5)


async def test_oserror_from_send_ends_the_stream_quietly() -> None:
    cleaned = False

    async def feed() -> AsyncIterator[str]:
        nonlocal cleaned
        try:
            while True:
                yield "x"
        finally:
            cleaned = True

    async def send(message: Any) -> None:
        if message["type"] == "http.response.body":
            raise BrokenPipeError

    await EventSourceResponse(feed())(SCOPE, Client().receive, send)
    assert cleaned
