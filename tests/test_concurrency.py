"""The one sync->async bridge: context variables, pool size, and safe cancellation of iteration."""

import asyncio
import contextvars
import threading
import time
from collections.abc import Iterator

import pytest

from trellis.concurrency import (
    PerLoop,
    configure_thread_pool,
    iterate_in_threadpool,
    run_sync,
    thread_pool_size,
)

request_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_var", default="none")


async def test_run_sync_runs_in_a_worker_thread_with_the_callers_context() -> None:
    request_var.set("req-1")

    def work(x: int) -> tuple[str, str, int]:
        return threading.current_thread().name, request_var.get(), x * 2

    name, value, doubled = await run_sync(work, 21)
    assert name.startswith("trellis-sync")
    assert (value, doubled) == ("req-1", 42)


async def test_pool_size_is_configurable_and_validated() -> None:
    before = thread_pool_size()
    try:
        configure_thread_pool(2)
        assert thread_pool_size() == 2
        started = time.perf_counter()
        await asyncio.gather(*(run_sync(time.sleep, 0.2) for _ in range(4)))
        assert time.perf_counter() - started >= 0.39  # 4 sleeps through 2 threads: two rounds
    finally:
        configure_thread_pool(before)
    with pytest.raises(ValueError, match="at least 1"):
        configure_thread_pool(0)


async def test_iterate_in_threadpool_yields_and_closes() -> None:
    closed = []

    def numbers() -> Iterator[int]:
        try:
            yield from range(3)
        finally:
            closed.append(True)

    assert [n async for n in iterate_in_threadpool(numbers())] == [0, 1, 2]
    assert closed == [True]


async def test_cancelling_while_next_runs_waits_for_it_then_closes_the_generator() -> None:
    entered = threading.Event()
    events: list[str] = []

    def slow() -> Iterator[str]:
        try:
            yield "first"
            entered.set()
            time.sleep(0.3)  # a blocking step the event loop cannot interrupt
            yield "second"
        finally:
            events.append("finally")

    async def consume() -> None:
        async for _ in iterate_in_threadpool(slow()):
            pass

    task = asyncio.create_task(consume())
    while not entered.is_set():
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["finally"]  # closed after the blocked step, no "generator already executing"


def test_per_loop_makes_one_object_per_running_loop_and_hands_it_over() -> None:
    made: list[object] = []

    def make() -> object:
        made.append(object())
        return made[-1]

    per_loop = PerLoop(make)

    async def twice() -> tuple[object, object]:
        return per_loop.get(), per_loop.get()

    first = asyncio.run(twice())
    second = asyncio.run(twice())
    assert first[0] is first[1]  # one object per loop...
    assert second[0] is not first[0]  # ...and a new loop gets its own
    assert len(made) == 2

    async def pop() -> tuple[object | None, object | None]:
        kept = per_loop.get()
        return per_loop.pop() if kept else None, per_loop.pop()

    handed, again = asyncio.run(pop())
    assert handed is made[-1]
    assert again is None  # forgotten once handed over
    assert per_loop.pop() is None  # no running loop: nothing
    with pytest.raises(RuntimeError):
        per_loop.get()
