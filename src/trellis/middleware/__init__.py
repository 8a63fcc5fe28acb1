"""Pure ASGI middleware, declared as objects: ``App(middleware=[Middleware(CORS, origins=[...])])``.

A middleware class takes the next ASGI app as its first argument and is itself an ASGI app; the
first entry of the list is the outermost.  There is no second, request/response-object contract:
one signature everywhere (see Starlette's ``types.py``), and nothing is paid for middleware that is
not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["ASGIApp", "Middleware"]

ASGIApp = Callable[[dict[str, Any], Any, Any], Any]


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
