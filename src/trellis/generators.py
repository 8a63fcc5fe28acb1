"""Generator dependencies: the code before ``yield`` makes the value, the code after cleans up.

A dependency such as the database session is a generator that every request enters and leaves,
so it is driven here directly rather than through ``asynccontextmanager`` and an
``AsyncExitStack`` (two wrapper objects and their exception bookkeeping per request).  The
rules are contextlib's: an exception from the request is thrown in at the ``yield``; a generator
that swallows it suppresses it for the cleanups that run after; one that raises another passes
that on; one that yields twice is an error.  Sync generators run in the thread pool, both ways.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from typing import Any

from trellis.concurrency import run_sync

__all__ = ["Cleanup", "enter_async", "enter_sync", "run_cleanups"]

_EXHAUSTED: Any = object()

#: Leaves one generator: given the request's exception (or None), answers whether it was
#: suppressed.
Cleanup = Callable[[BaseException | None], Awaitable[bool]]


async def enter_async(generator: AsyncGenerator[Any, None], owner: str) -> tuple[Any, Cleanup]:
    """Run an async generator to its ``yield``: its value, and how to leave it."""
    try:
        value = await generator.__anext__()
    except StopAsyncIteration:
        raise RuntimeError(f"{owner} did not yield a value") from None

    async def leave(exc: BaseException | None) -> bool:
        if exc is None:
            try:
                await generator.__anext__()
            except StopAsyncIteration:
                return False
            await generator.aclose()
            raise RuntimeError(f"{owner} yielded more than once")
        try:
            await generator.athrow(exc)
        except StopAsyncIteration as stop:
            return stop is not exc  # it returned: the exception is handled
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        await generator.aclose()
        raise RuntimeError(f"{owner} yielded again after an exception was thrown in")

    return value, leave


async def enter_sync(generator: Generator[Any, None, None], owner: str) -> tuple[Any, Cleanup]:
    """The same for a plain generator, each step in the thread pool."""
    # StopIteration cannot cross a Future, so the first step answers with a marker instead.
    value = await run_sync(next, generator, _EXHAUSTED)
    if value is _EXHAUSTED:
        raise RuntimeError(f"{owner} did not yield a value")

    def leave_in_thread(exc: BaseException | None) -> bool:
        if exc is None:
            if next(generator, _EXHAUSTED) is _EXHAUSTED:
                return False
            generator.close()
            raise RuntimeError(f"{owner} yielded more than once")
        try:
            generator.throw(exc)
        except StopIteration:
            return True  # it returned: the exception is handled
        except BaseException as raised:
            if raised is exc:
                return False
            raise
        generator.close()
        raise RuntimeError(f"{owner} yielded again after an exception was thrown in")

    async def leave(exc: BaseException | None) -> bool:
        return await run_sync(leave_in_thread, exc)

    return value, leave


async def run_cleanups(cleanups: list[Cleanup], exc: BaseException | None) -> None:
    """Leave every generator, last entered first; re-raise what a cleanup raised."""
    pending = exc
    error: BaseException | None = None
    for leave in reversed(cleanups):
        try:
            if await leave(pending):
                pending = None
        except BaseException as raised:
            pending = error = raised
    if error is not None:
        raise error
