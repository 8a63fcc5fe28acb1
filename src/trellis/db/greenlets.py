"""SQLAlchemy's asyncio bridge on greenlets that are kept and reused, not made for every call.

An ``AsyncSession`` runs its synchronous core inside a greenlet, which hands each database
``await`` back to the event loop (:func:`sqlalchemy.util.greenlet_spawn`).  SQLAlchemy makes a
new greenlet for every call, and making one and running it to its end costs about 7 µs here —
more than a PostgreSQL round trip's share of a small request — while switching into a greenlet
that already runs costs about 0.3 µs.  :func:`call_in_greenlet` keeps finished greenlets per thread and
hands the next call to one of them.

The contract is SQLAlchemy's: the function runs in a greenlet that SQLAlchemy's ``await_``
recognises (``__sqlalchemy_greenlet_provider__``), sees the caller's context variables, and an
exception raised while awaiting (a cancellation) is thrown into the function where it waited,
so its own cleanup runs before the error reaches the caller.  A greenlet goes back to the idle
list only after its function returned or raised; one abandoned half way (its task dropped
without being resumed) is never reused, and dies with its last reference.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from greenlet import GreenletExit, getcurrent, greenlet

__all__ = ["MAX_IDLE", "call_in_greenlet"]

T = TypeVar("T")

#: Idle greenlets kept per thread; past this many (a burst of concurrent calls) they are dropped.
MAX_IDLE = 256

_local = threading.local()


class _Outcome:
    """What a worker hands back when its function is over (never an awaitable, unlike the
    values ``await_`` hands back while the function runs)."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any, error: BaseException | None) -> None:
        self.value = value
        self.error = error


class _Worker(greenlet):  # type: ignore[misc]
    """A greenlet SQLAlchemy's ``await_`` may switch out of."""

    __sqlalchemy_greenlet_provider__ = True


def _serve(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """A worker's life: run a function, hand its outcome to whoever switched in, wait for the
    next function."""
    me = getcurrent()
    while True:
        try:
            outcome = _Outcome(fn(*args, **kwargs), None)
        except GreenletExit:  # the worker is being collected: end it
            raise
        except BaseException as error:
            outcome = _Outcome(None, error)
        fn = args = kwargs = None  # type: ignore[assignment]  # hold nothing while idle
        fn, args, kwargs = me.parent.switch(outcome)


def _idle() -> list[_Worker]:
    try:
        return _local.idle  # type: ignore[no-any-return]
    except AttributeError:
        idle: list[_Worker] = []
        _local.idle = idle
        return idle


async def call_in_greenlet(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``await call_in_greenlet(fn, *args, **kwargs)``: SQLAlchemy's ``greenlet_spawn`` with the
    same arguments, on a kept greenlet."""
    idle = _idle()
    worker = idle.pop() if idle else _Worker(_serve)
    caller = getcurrent()
    worker.parent = caller  # await_ switches to the parent: this call's greenlet
    worker.gr_context = caller.gr_context
    result: Any = worker.switch(fn, args, kwargs)
    while not isinstance(result, _Outcome):
        try:
            value = await result
        except BaseException:
            result = worker.throw(*sys.exc_info())
        else:
            result = worker.switch(value)
    worker.gr_context = None  # the caller's context is not kept alive by an idle worker
    if len(idle) < MAX_IDLE:
        idle.append(worker)
    value, error = result.value, result.error
    result.value = result.error = None  # the idle worker still refers to the outcome it sent
    if error is not None:
        try:
            raise error
        finally:
            del error
    return value  # type: ignore[no-any-return]
