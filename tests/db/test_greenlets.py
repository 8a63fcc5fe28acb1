"""Kept greenlets for SQLAlchemy's asyncio bridge: same contract as ``greenlet_spawn``."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pytest
from greenlet import getcurrent
from sqlalchemy.util import await_

from trellis.db import greenlets
from trellis.db.greenlets import call_in_greenlet

REQUEST = contextvars.ContextVar[str]("request", default="none")


def _sleep_then(value: Any, delay: float = 0) -> Any:
    await_(asyncio.sleep(delay))
    return value, getcurrent()


async def test_runs_awaits_and_reuses_the_greenlet() -> None:
    first, worker = await call_in_greenlet(_sleep_then, "a")
    second, again = await call_in_greenlet(_sleep_then, value="b")
    assert (first, second) == ("a", "b")
    assert worker is again  # the same greenlet served both calls
    assert worker is not getcurrent()


async def test_concurrent_calls_each_get_their_own_greenlet() -> None:
    results = await asyncio.gather(*(call_in_greenlet(_sleep_then, n, 0.01) for n in range(5)))
    assert [value for value, _ in results] == list(range(5))
    assert len({id(worker) for _, worker in results}) == 5


async def test_the_callers_context_variables_are_seen_and_kept() -> None:
    def read_and_set() -> str:
        seen = REQUEST.get()
        REQUEST.set("set inside")
        return seen

    REQUEST.set("caller")
    assert await call_in_greenlet(read_and_set) == "caller"
    assert REQUEST.get() == "set inside"  # one context, as with SQLAlchemy's greenlet_spawn

    async def other_task() -> str:
        return await call_in_greenlet(REQUEST.get)

    REQUEST.set("first task")
    # the same kept greenlet, now run for a task with a context of its own
    assert await asyncio.create_task(other_task(), context=contextvars.Context()) == "none"


async def test_an_error_reaches_the_caller_and_the_greenlet_serves_again() -> None:
    def fail() -> None:
        await_(asyncio.sleep(0))
        raise LookupError("no such row")

    with pytest.raises(LookupError, match="no such row"):
        await call_in_greenlet(fail)
    _, worker = await call_in_greenlet(_sleep_then, 1)
    _, again = await call_in_greenlet(_sleep_then, 2)
    assert worker is again


async def test_cancellation_unwinds_the_function_where_it_waited() -> None:
    cleaned_up: list[str] = []

    def wait_forever() -> None:
        try:
            await_(asyncio.sleep(3600))
        finally:
            cleaned_up.append("finally")

    task = asyncio.create_task(call_in_greenlet(wait_forever))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned_up == ["finally"]
    value, _ = await call_in_greenlet(_sleep_then, "after")
    assert value == "after"


async def test_an_error_awaiting_is_thrown_in_and_can_be_handled_there() -> None:
    async def broken() -> None:
        raise ConnectionError("gone")

    def recover() -> str:
        try:
            await_(broken())
        except ConnectionError as exc:
            return f"handled {exc}"
        return "not reached"

    assert await call_in_greenlet(recover) == "handled gone"


async def test_idle_greenlets_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(greenlets, "MAX_IDLE", 2)
    greenlets._idle().clear()
    await asyncio.gather(*(call_in_greenlet(_sleep_then, n, 0.01) for n in range(5)))
    assert len(greenlets._idle()) == 2


async def test_an_idle_greenlet_holds_neither_the_result_nor_the_context() -> None:
    class Marker:
        pass

    def make() -> Marker:
        return Marker()

    import weakref

    found = await call_in_greenlet(make)
    ref = weakref.ref(found)
    del found
    assert ref() is None
    assert all(worker.gr_context is None for worker in greenlets._idle())
