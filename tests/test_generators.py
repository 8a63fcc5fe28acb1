"""Generator dependencies driven without contextlib keep contextlib's rules."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from trellis.generators import Cleanup, enter_async, enter_sync, run_cleanups


def sync_resource(log: list[str], name: str, *, swallow: bool = False) -> Iterator[str]:
    log.append(f"open {name}")
    try:
        yield name
    except Exception as exc:
        log.append(f"{name} saw {type(exc).__name__}")
        if not swallow:
            raise
    finally:
        log.append(f"close {name}")


async def async_resource(log: list[str], name: str, *, swallow: bool = False) -> AsyncIterator[str]:
    log.append(f"open {name}")
    try:
        yield name
    except Exception as exc:
        log.append(f"{name} saw {type(exc).__name__}")
        if not swallow:
            raise
    finally:
        log.append(f"close {name}")


async def enter(kind: str, log: list[str], name: str, **options: Any) -> tuple[Any, Cleanup]:
    if kind == "sync":
        return await enter_sync(sync_resource(log, name, **options), name)
    return await enter_async(async_resource(log, name, **options), name)


KINDS = ["sync", "async"]


@pytest.mark.parametrize("kind", KINDS)
async def test_values_come_from_the_yield_and_cleanups_run_last_entered_first(kind: str) -> None:
    log: list[str] = []
    a, leave_a = await enter(kind, log, "a")
    b, leave_b = await enter(kind, log, "b")
    assert (a, b) == ("a", "b")
    await run_cleanups([leave_a, leave_b], None)
    assert log == ["open a", "open b", "close b", "close a"]


@pytest.mark.parametrize("kind", KINDS)
async def test_the_request_error_is_thrown_in_and_a_swallowed_one_stops_there(kind: str) -> None:
    log: list[str] = []
    _, leave_outer = await enter(kind, log, "outer")
    _, leave_inner = await enter(kind, log, "inner", swallow=True)
    await run_cleanups([leave_outer, leave_inner], ZeroDivisionError())
    # inner handled it, so outer leaves as after a success
    assert log == [
        "open outer",
        "open inner",
        "inner saw ZeroDivisionError",
        "close inner",
        "close outer",
    ]


@pytest.mark.parametrize("kind", KINDS)
async def test_a_re_raised_request_error_is_not_raised_again_by_the_cleanup(kind: str) -> None:
    log: list[str] = []
    _, leave = await enter(kind, log, "r")
    await run_cleanups([leave], KeyError("k"))  # the request's error was answered already
    assert log == ["open r", "r saw KeyError", "close r"]


@pytest.mark.parametrize("kind", KINDS)
async def test_an_error_in_a_cleanup_reaches_the_outer_ones_and_then_the_caller(kind: str) -> None:
    log: list[str] = []

    def broken_sync() -> Iterator[str]:
        yield "x"
        raise RuntimeError("cleanup broke")

    async def broken_async() -> AsyncIterator[str]:
        yield "x"
        raise RuntimeError("cleanup broke")

    _, leave_outer = await enter(kind, log, "outer")
    if kind == "sync":
        _, leave_broken = await enter_sync(broken_sync(), "broken")
    else:
        _, leave_broken = await enter_async(broken_async(), "broken")
    with pytest.raises(RuntimeError, match="cleanup broke"):
        await run_cleanups([leave_outer, leave_broken], None)
    assert log == ["open outer", "outer saw RuntimeError", "close outer"]


async def test_a_generator_that_yields_twice_or_never_is_an_error() -> None:
    def twice() -> Iterator[int]:
        yield 1
        yield 2

    async def atwice() -> AsyncIterator[int]:
        yield 1
        yield 2

    def never() -> Iterator[int]:
        return
        yield  # pragma: no cover - makes this a generator

    async def anever() -> AsyncIterator[int]:
        return
        yield  # pragma: no cover

    _, leave = await enter_sync(twice(), "twice")
    with pytest.raises(RuntimeError, match="twice yielded more than once"):
        await leave(None)
    _, leave = await enter_async(atwice(), "atwice")
    with pytest.raises(RuntimeError, match="atwice yielded more than once"):
        await leave(None)
    with pytest.raises(RuntimeError, match="never did not yield"):
        await enter_sync(never(), "never")
    with pytest.raises(RuntimeError, match="anever did not yield"):
        await enter_async(anever(), "anever")
