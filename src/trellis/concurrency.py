"""The one bridge from sync code to the event loop.

Trellis is written async; plain ``def`` handlers, hooks, dependencies and sync iterators run on one
bounded thread pool through the helpers here, so there is never a second, sync copy of any logic.
The pool's size is a setting (``thread_pool_size``); the App calls :func:`configure_thread_pool`
at start-up.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, ParamSpec, TypeVar

__all__ = [
    "PerLoop",
    "configure_thread_pool",
    "iterate_in_threadpool",
    "run_sync",
    "thread_pool_size",
]

P = ParamSpec("P")
T = TypeVar("T")

_DEFAULT_SIZE = min(40, (os.cpu_count() or 1) + 4) * 2
_executor: ThreadPoolExecutor | None = None
_size = _DEFAULT_SIZE


def configure_thread_pool(size: int) -> None:
    """Set the number of worker threads for sync code; replaces the pool if it exists already."""
    global _executor, _size
    if size < 1:
        raise ValueError("thread_pool_size must be at least 1")
    if size == _size and _executor is not None:
        return
    old, _executor, _size = _executor, None, size
    if old is not None:
        old.shutdown(wait=False)


def thread_pool_size() -> int:
    return _size


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_size, thread_name_prefix="trellis-sync")
    return _executor


async def run_sync(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``func`` in the thread pool, keeping the caller's context variables."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    call = functools.partial(ctx.run, func, *args, **kwargs)
    return await loop.run_in_executor(_get_executor(), call)


_EXHAUSTED = object()


def _next_or_exhausted(iterator: Iterator[T]) -> T | object:
    try:
        return next(iterator)
    except StopIteration:
        return _EXHAUSTED


async def iterate_in_threadpool(iterable: Iterable[T]) -> AsyncIterator[T]:
    """Drive a sync iterator from async code, one ``next()`` per thread-pool call.

    When the consumer stops (a client went away and the task is cancelled) while a ``next()`` is
    still running in a worker thread, the thread cannot be interrupted; closing the generator
    then would fail with "generator already executing".  So the step in flight is awaited
    (shielded from the cancellation) before the iterator is closed, and the generator's
    ``finally:`` blocks always run.
    """
    iterator = iter(iterable)
    loop = asyncio.get_running_loop()
    step: asyncio.Future[T | object] | None = None
    try:
        while True:
            ctx = contextvars.copy_context()
            step = loop.run_in_executor(
                _get_executor(), functools.partial(ctx.run, _next_or_exhausted, iterator)
            )
            item = await asyncio.shield(step)
            step = None
            if item is _EXHAUSTED:
                return
            yield item  # type: ignore[misc]
    finally:
        if step is not None and not step.done():
            await asyncio.wait((step,))
        close = getattr(iterator, "close", None)
        if close is not None:
            await run_sync(close)


class PerLoop(Generic[T]):
    """One object per running event loop, made on first use there: ``PerLoop(make).get()``.

    Async clients (``redis.asyncio``, most drivers) belong to the loop that opened their
    connections, and one app may serve on several loops (a server worker, a test client, a
    command).  Loops are held weakly, so a finished loop's object goes with it.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, T] = (
            weakref.WeakKeyDictionary()
        )

    def get(self) -> T:
        """The running loop's object (outside a running loop: RuntimeError)."""
        loop = asyncio.get_running_loop()
        found = self._by_loop.get(loop)
        if found is None:
            found = self._by_loop[loop] = self._make()
        return found

    def pop(self) -> T | None:
        """Forget the running loop's object and hand it over (to close it); None if there is
        none, or no running loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        return self._by_loop.pop(loop, None)
