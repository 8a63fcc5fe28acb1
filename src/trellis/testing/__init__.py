"""Testing Trellis apps: ``TestClient`` and the pytest plugin.

The names are loaded on first use, so importing this package (pytest does, through the plugin)
does not import httpx: a project that never touches the client runs pytest without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.http.websockets import WebSocketDisconnect
    from trellis.testing.client import AsyncTestClient, TestClient
    from trellis.testing.lifespan import LifespanFailed
    from trellis.testing.websocket import (
        AsyncWebSocketTestSession,
        WebSocketDenied,
        WebSocketTestSession,
    )

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketTestSession",
    "LifespanFailed",
    "TestClient",
    "WebSocketDenied",
    "WebSocketDisconnect",
    "WebSocketTestSession",
]

_WHERE = {
    "AsyncTestClient": "trellis.testing.client",
    "TestClient": "trellis.testing.client",
    "LifespanFailed": "trellis.testing.lifespan",
    "AsyncWebSocketTestSession": "trellis.testing.websocket",
    "WebSocketDenied": "trellis.testing.websocket",
    "WebSocketTestSession": "trellis.testing.websocket",
    "WebSocketDisconnect": "trellis.http.websockets",
}


def _needs_httpx(module: str) -> None:
    if module == "trellis.testing.client":
        from trellis.optional import require

        require("httpx", extra="testing", feature="trellis.testing.TestClient")


__getattr__ = lazy_exports(__name__, _WHERE, before_import=_needs_httpx)


def __dir__() -> list[str]:
    return sorted(__all__)
