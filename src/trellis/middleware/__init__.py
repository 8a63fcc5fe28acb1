"""Pure ASGI middleware, declared as objects: ``App(middleware=[Middleware(CORS, origins=[...])])``.

A middleware class takes the next ASGI app as its first argument and is itself an ASGI app; the
first entry of the list is the outermost.  There is no second, request/response-object contract:
one signature everywhere (see Starlette's ``types.py``), and nothing is paid for middleware that is
not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["ASGIApp", "Edge", "Middleware"]

ASGIApp = Callable[[dict[str, Any], Any, Any], Any]


class Edge(Protocol):
    """A gate every request passes before any middleware, and a stamp on every answer's headers.

    Registered with ``App.add_edge``.  Where a middleware wraps the app and ``send`` (two calls
    and a closure per request, plus the core's guard around any middleware), the App calls an
    edge's two methods itself: from the dispatcher when no middleware is installed, from the
    guard's own ``send`` otherwise.  Neither may do I/O: what needs to await is a middleware.
    The security battery's host check and headers are an edge because every app runs them.
    """

    def admit(self, scope: dict[str, Any]) -> ASGIApp | None:
        """Before anything else reads the scope (HTTP and websockets): rewrite it, or refuse the
        request by returning the ASGI app (a ``Response``) that answers instead; None admits."""

    def finish(self, scope: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> None:
        """Add to or change, in place, the header pairs of an HTTP answer about to start."""


class Middleware:
    """A middleware class with the options to build it with, checked by the type checker."""

    __slots__ = ("args", "cls", "kwargs")

    def __init__(self, cls: Callable[..., ASGIApp], *args: Any, **kwargs: Any) -> None:
        if not callable(cls):
            raise TypeError(f"Middleware needs a class or factory, not {cls!r}")
        self.cls = cls
        self.args = args
        self.kwargs = kwargs

    def wrap(self, app: ASGIApp) -> ASGIApp:
        return self.cls(app, *self.args, **self.kwargs)

    def __repr__(self) -> str:
        options = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        name = getattr(self.cls, "__qualname__", repr(self.cls))
        return f"Middleware({', '.join([name, *options])})"
