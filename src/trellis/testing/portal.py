"""One event loop in one background thread, owned by a sync TestClient.

A sync test cannot await, yet the app is async and may keep state bound to the loop it started
on (a database pool opened at start-up, a task it spawned).  So the client runs the app on a
loop of its own that lives as long as the client, and the test thread hands it coroutines.

The thread runs :func:`asyncio.run`, so on close every leftover task is cancelled, async
generators and the default executor are shut down and the loop is closed: nothing leaks and no
``ResourceWarning`` is left for pytest to turn into an error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")

_JOIN_TIMEOUT = 10.0


class LoopThread:
    """Starts on first use; :meth:`close` stops it and may be called any number of times."""

    def __init__(self, name: str = "trellis-testclient") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def running(self) -> bool:
        return self._thread is not None

    def _start(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._closed:
                raise RuntimeError("This TestClient is closed; create a new one.")
            if self._loop is not None:
                return self._loop
            ready = threading.Event()
            thread = threading.Thread(
                target=self._main, args=(ready,), name=self._name, daemon=True
            )
            thread.start()
            ready.wait()
            self._thread = thread
            assert self._loop is not None
            return self._loop

    def _main(self, ready: threading.Event) -> None:
        async def serve() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            ready.set()
            await self._stop.wait()

        asyncio.run(serve())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result in the calling thread.

        ``timeout`` is a backstop for a loop that is blocked outright (an ``async`` handler
        calling ``time.sleep``); the coroutines given here carry their own, finer timeouts.
        """
        try:
            loop = self._start()
            future = asyncio.run_coroutine_threadsafe(coro, loop)
        except BaseException:
            coro.close()  # never scheduled: close it so no "never awaited" warning fires
            raise
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            if not future.done():
                future.cancel()
                raise TimeoutError(
                    f"The app's event loop did not answer within {timeout:g} s; is an async "
                    "function blocking it (time.sleep, blocking I/O)?"
                ) from None
            raise
        except BaseException:
            future.cancel()  # Ctrl-C in the test: do not leave the app running
            raise

    def close(self) -> None:
        """Cancel what still runs on the loop, close it and join the thread."""
        with self._lock:
            self._closed = True
            loop, stop, thread = self._loop, self._stop, self._thread
            self._loop = self._stop = self._thread = None
        if loop is None or stop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop already stopped
            loop.call_soon_threadsafe(stop.set)
        if thread is not threading.current_thread():
            thread.join(_JOIN_TIMEOUT)
