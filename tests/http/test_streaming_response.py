"""StreamingResponse: chunking, thread-pool iteration, and stopping when the client leaves."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from trellis.http.responses import StreamingResponse

SCOPE: dict[str, Any] = {"type": "http", "method": "GET", "headers": []}


class Client:
    """A receive/send pair: ``disconnect`` makes the pending ``receive()`` report the client gone."""

    def __init__(self, disconnect_after: int | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.gone = asyncio.Event()
        self.disconnect_after = disconnect_after

    async def receive(self) -> dict[str, Any]:
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Any) -> None:
        self.sent.append(message)
        if self.disconnect_after is not None and len(self.body_chunks) >= self.disconnect_after:
            self.gone.set()

    @property
    def body_chunks(self) -> list[bytes]:
        return [m["body"] for m in self.sent if m["type"] == "http.response.body"]


async def test_async_generator_chunks_are_sent_with_more_body() -> None:
    async def numbers() -> AsyncIterator[str | bytes]:
        yield "one "
        yield b"two"

    client = Client()
    await StreamingResponse(numbers(), media_type="text/plain")(SCOPE, client.receive, client.send)
    start, *body = client.sent
    assert start == {
        "type": "http.response.start",
        "status": 200,
        "headers": [(b"content-type", b"text/plain; charset=utf-8")],
    }
    assert body == [
        {"type": "http.response.body", "body": b"one ", "more_body": True},
        {"type": "http.response.body", "body": b"two", "more_body": True},
        {"type": "http.response.body", "body": b"", "more_body": False},
    ]


async def test_no_content_length_so_the_server_chunks() -> None:
    response = StreamingResponse(iter([b"a"]), headers={"X-A": "1"})
    assert response.raw_headers == [(b"x-a", b"1")]


async def test_sync_iterator_runs_in_the_thread_pool() -> None:
    threads: list[int] = []

    def chunks() -> Iterator[bytes]:
        for part in (b"a", b"b"):
            threads.append(threading.get_ident())
            yield part

    client = Client()
    await StreamingResponse(chunks())(SCOPE, client.receive, client.send)
    assert client.body_chunks == [b"a", b"b", b""]
    assert threading.get_ident() not in threads


async def test_a_plain_list_is_streamed() -> None:
    client = Client()
    await StreamingResponse(["x", "y"])(SCOPE, client.receive, client.send)
    assert client.body_chunks == [b"x", b"y", b""]


async def test_disconnect_stops_an_async_generator_and_runs_its_finally() -> None:
    cleaned = asyncio.Event()
    produced = 0

    async def forever() -> AsyncIterator[bytes]:
        nonlocal produced
        try:
            while True:
                produced += 1
                yield b"tick"
                await asyncio.sleep(0.001)
        finally:
            cleaned.set()

    client = Client(disconnect_after=3)
    await asyncio.wait_for(StreamingResponse(forever())(SCOPE, client.receive, client.send), 5)
    assert cleaned.is_set()
    assert produced <= 4
    assert client.body_chunks[-1] != b""  # never finished: no final empty message


async def test_disconnect_stops_a_sync_generator_and_runs_its_finally() -> None:
    cleaned = threading.Event()

    def forever() -> Iterator[bytes]:
        try:
            while True:
                yield b"tick"
        finally:
            cleaned.set()

    client = Client(disconnect_after=3)
    await asyncio.wait_for(StreamingResponse(forever())(SCOPE, client.receive, client.send), 5)
    assert cleaned.wait(5)


async def test_disconnect_while_a_slow_sync_generator_is_blocked() -> None:
    """The client leaves while ``next()`` is still running in a worker thread."""
    cleaned = threading.Event()

    def slow() -> Iterator[bytes]:
        try:
            yield b"first"
            time.sleep(0.2)
            yield b"second"
        finally:
            cleaned.set()

    client = Client(disconnect_after=1)
    await asyncio.wait_for(StreamingResponse(slow())(SCOPE, client.receive, client.send), 5)
    assert client.body_chunks == [b"first"]
    assert cleaned.wait(5)


async def test_unread_request_body_messages_are_skipped_while_waiting_for_disconnect() -> None:
    messages = [
        {"type": "http.request", "body": b"x", "more_body": True},
        {"type": "http.request", "body": b"", "more_body": False},
    ]
    stopped = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(0.01)
        return {"type": "http.disconnect"}

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"."
                await asyncio.sleep(0.001)
        finally:
            stopped.set()

    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    await asyncio.wait_for(StreamingResponse(forever())(SCOPE, receive, send), 5)
    assert stopped.is_set()
    assert not messages


async def test_oserror_from_send_means_the_client_is_gone() -> None:
    cleaned = False

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal cleaned
        try:
            yield b"a"
            yield b"b"
        finally:
            cleaned = True

    calls = 0

    async def send(message: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionResetError

    await StreamingResponse(chunks())(SCOPE, Client().receive, send)
    assert cleaned
    assert calls == 2


async def test_oserror_from_the_generator_is_not_swallowed() -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"a"
        raise FileNotFoundError("gone")

    client = Client()
    with pytest.raises(FileNotFoundError):
        await StreamingResponse(broken())(SCOPE, client.receive, client.send)


async def test_errors_in_the_generator_propagate() -> None:
    def broken() -> Iterator[bytes]:
        yield b"a"
        raise RuntimeError("boom")

    client = Client()
    with pytest.raises(RuntimeError, match="boom"):
        await StreamingResponse(broken())(SCOPE, client.receive, client.send)


async def test_a_failing_receive_stops_the_stream_and_raises() -> None:
    async def receive() -> dict[str, Any]:
        raise RuntimeError("receive broke")

    async def forever() -> AsyncIterator[bytes]:
        while True:
            yield b"."
            await asyncio.sleep(0.001)

    with pytest.raises(RuntimeError, match="receive broke"):
        await asyncio.wait_for(StreamingResponse(forever())(SCOPE, receive, Client().send), 5)


async def test_cancelling_the_response_cancels_the_stream_and_closes_the_source() -> None:
    cleaned = asyncio.Event()

    async def forever() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"."
                await asyncio.sleep(0.001)
        finally:
            cleaned.set()

    client = Client()
    task = asyncio.create_task(StreamingResponse(forever())(SCOPE, client.receive, client.send))
    await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned.is_set()
    assert len(asyncio.all_tasks()) == 1  # only this test's task: nothing left running


async def test_head_sends_no_chunks_and_closes_the_source() -> None:
    started = False

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal started
        started = True
        yield b"never"

    client = Client()
    await StreamingResponse(chunks())({**SCOPE, "method": "HEAD"}, client.receive, client.send)
    assert client.body_chunks == [b""]
    assert not started


@pytest.mark.parametrize("content", ["text", b"bytes", 42])
def test_content_that_is_not_an_iterator_of_chunks_is_refused(content: Any) -> None:
    with pytest.raises(TypeError):
        StreamingResponse(content)


async def test_a_chunk_of_the_wrong_type_raises() -> None:
    client = Client()
    with pytest.raises(TypeError, match="bytes or str"):
        await StreamingResponse(iter([1]))(SCOPE, client.receive, client.send)
