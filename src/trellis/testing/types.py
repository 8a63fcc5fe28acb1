"""The ASGI shapes the test client speaks, spelled once.

``ASGIApp`` is deliberately loose about ``receive`` and ``send``: apps annotate them in many ways
(``Any``, their own callables, Starlette's aliases), and the client must accept all of them,
``trellis.App`` included.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, TypeAlias

__all__ = ["ASGIApp", "Message", "Receive", "Scope", "Send"]

Scope: TypeAlias = dict[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ASGIApp: TypeAlias = Callable[[Scope, Any, Any], Awaitable[None]]
