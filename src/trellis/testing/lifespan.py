"""Drive an app's ASGI lifespan the way a server does, but loudly.

A server logs a broken start-up and carries on; a test wants the error itself, with its
traceback, at the line that entered the client.  So a failed start-up or shut-down raises: the
app's own exception when it raised one, else :class:`LifespanFailed` with the app's message.

An app that does not speak lifespan should simply return when given a ``lifespan`` scope; the
client then runs without one (and without lifespan ``state``).  An app that *raises* on the
``lifespan`` scope is treated as a failed start-up, because in a test that is more often a bug
than a protocol choice.
"""

from __future__ import annotations

import asyncio
from typing import Any

from trellis.exceptions import TrellisError
from trellis.testing.types import ASGIApp, Message

__all__ = ["Lifespan", "LifespanFailed"]

_APP_RETURNED: Message = {"type": "trellis.testing.app_returned"}


class LifespanFailed(TrellisError, RuntimeError):
    """The app reported ``lifespan.startup.failed`` or ``lifespan.shutdown.failed``."""


class Lifespan:
    """One lifespan session: :meth:`startup` then :meth:`shutdown`, on the same loop."""

    def __init__(
        self, app: ASGIApp, *, timeout: float | None, raise_server_exceptions: bool = True
    ) -> None:
        self.app = app
        self.timeout = timeout
        self.raise_server_exceptions = raise_server_exceptions
        self.state: dict[str, Any] = {}
        self.supported = False
        self._task: asyncio.Task[None] | None = None
        self._error: Exception | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()

    async def _run(self) -> None:
        scope: dict[str, Any] = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        if self.raise_server_exceptions:  # lets the app re-raise a failed hook's own exception
            scope["trellis.raise_server_exceptions"] = True
        try:
            await self.app(scope, self._to_app.get, self._send)
        except Exception as exc:
            self._error = exc
        finally:
            self._from_app.put_nowait(_APP_RETURNED)

    async def _send(self, message: Message) -> None:
        await self._from_app.put(message)

    async def _next(self, phase: str) -> Message:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._from_app.get()
        except TimeoutError:
            await self._cancel()
            raise TimeoutError(
                f"The app did not finish lifespan {phase} within {self.timeout:g} s."
            ) from None

    async def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _wait_returned(self) -> None:
        task = self._task
        if task is None:
            return
        try:
            async with asyncio.timeout(self.timeout):
                await asyncio.shield(task)
        except TimeoutError:
            await self._cancel()
        self._task = None

    def _raise_app_error(self) -> None:
        error, self._error = self._error, None
        if error is not None:
            raise error

    async def startup(self) -> None:
        """Run start-up; raise if it failed.  Leaves the app's lifespan task running."""
        self._task = asyncio.get_running_loop().create_task(self._run())
        await self._to_app.put({"type": "lifespan.startup"})
        message = await self._next("startup")
        kind = message["type"]
        if kind == "lifespan.startup.complete":
            self.supported = True
            return
        if kind == "lifespan.startup.failed":
            await self._wait_returned()
            self._raise_app_error()
            raise LifespanFailed(message.get("message") or "The app's start-up failed.")
        if message is _APP_RETURNED:
            self._task = None
            self._raise_app_error()
            self.state.clear()  # the app does not speak lifespan: run without it
            return
        await self._cancel()
        raise RuntimeError(f"Unexpected ASGI message during lifespan startup: {kind!r}")

    async def shutdown(self) -> None:
        """Run shut-down, if start-up completed; raise if it failed."""
        if not self.supported:
            return
        self.supported = False
        if self._task is None or self._task.done():
            self._task = None
            self._raise_app_error()
            return
        await self._to_app.put({"type": "lifespan.shutdown"})
        message = await self._next("shutdown")
        await self._wait_returned()
        kind = message["type"]
        if kind == "lifespan.shutdown.complete":
            return
        self._raise_app_error()
        if kind == "lifespan.shutdown.failed":
            raise LifespanFailed(message.get("message") or "The app's shut-down failed.")
        if message is not _APP_RETURNED:
            raise RuntimeError(f"Unexpected ASGI message during lifespan shutdown: {kind!r}")
