"""Key functions: who a request is counted against.

A key function takes the :class:`~trellis.http.request.Request` and returns a string (requests
with the same string share a counter) or ``None`` to let this request through uncounted (an
internal health checker, a staff user).  It may be ``async``.

The client address is ``scope["client"]``: what the server saw, which behind a proxy is the
proxy, unless a trusted-proxy layer (the security battery) has already put the real client
there from ``X-Forwarded-For``.  Never key on a forwarded header you do not trust: anyone can
send one, and would then pick their own counter.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from trellis.exceptions import ConfigurationError
from trellis.http.request import Request

__all__ = ["KeyFunction", "client_address", "resolve_key", "user_or_address"]

KeyFunction = Callable[[Request], "str | Awaitable[str | None] | None"]


def client_address(request: Request) -> str:
    """The client's IP address (``"unknown"`` when the server gives none, e.g. a Unix socket:
    those requests then share one counter)."""
    client = request.scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


def user_or_address(request: Request) -> str:
    """The signed-in user's id when the auth battery put one in ``scope["user"]``, else the
    client address: users are limited per account across devices, visitors per address."""
    user: Any = request.scope.get("user")
    if user is not None and getattr(user, "is_authenticated", True):
        for attribute in ("id", "pk", "identity"):
            ident = getattr(user, attribute, None)
            if ident is not None:
                return f"user:{ident}"
    return client_address(request)


_NAMED: dict[str, KeyFunction] = {"address": client_address, "user": user_or_address}


def resolve_key(key: KeyFunction | str) -> KeyFunction:
    """A key function, or the name of a built-in one (``"address"``, ``"user"``) as settings
    give it."""
    if isinstance(key, str):
        found = _NAMED.get(key)
        if found is None:
            raise ConfigurationError(
                f"rate-limit key {key!r} is unknown: use 'address', 'user' or a function "
                "(request) -> str | None"
            )
        return found
    if not callable(key):
        raise ConfigurationError(f"rate-limit key {key!r} is not callable")
    return key


async def call_key(key: KeyFunction, request: Request) -> str | None:
    value = key(request)
    if inspect.isawaitable(value):
        value = await value
    if value is not None and not isinstance(value, str):
        raise TypeError(f"rate-limit key function {key!r} returned {value!r}, not a str or None")
    return value
