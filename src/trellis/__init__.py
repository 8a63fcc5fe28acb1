"""Trellis: starts as one file like Flask, grows into everything Django ships.

The public names are imported lazily (PEP 562), so ``import trellis`` costs next to nothing and
``from trellis import App`` loads only the core.  ``tests/test_public_api.py`` pins ``__all__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.__about__ import __version__
from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.exceptions import HTTPException, abort
    from trellis.http.datastructures import UploadFile
    from trellis.http.request import Request
    from trellis.http.responses import (
        EventSourceResponse,
        FileResponse,
        HTMLResponse,
        JSONResponse,
        PlainTextResponse,
        RedirectResponse,
        Response,
        ServerSentEvent,
        StreamingResponse,
    )
    from trellis.http.websockets import WebSocket, WebSocketDisconnect
    from trellis.middleware import Middleware
    from trellis.params import Body, Cookie, Depends, File, Form, Header, Query
    from trellis.results import Template, redirect
    from trellis.routing import Blueprint, View, include, path

__all__ = [
    "App",
    "Blueprint",
    "Body",
    "Cookie",
    "Depends",
    "EventSourceResponse",
    "File",
    "FileResponse",
    "Form",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "JSONResponse",
    "Middleware",
    "PlainTextResponse",
    "Query",
    "RedirectResponse",
    "Request",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "Template",
    "UploadFile",
    "View",
    "WebSocket",
    "WebSocketDisconnect",
    "__version__",
    "abort",
    "include",
    "path",
    "redirect",
]

_WHERE = {
    "App": "trellis.app",
    "Blueprint": "trellis.routing",
    "View": "trellis.routing",
    "path": "trellis.routing",
    "include": "trellis.routing",
    "Request": "trellis.http.request",
    "UploadFile": "trellis.http.datastructures",
    "WebSocket": "trellis.http.websockets",
    "WebSocketDisconnect": "trellis.http.websockets",
    "Middleware": "trellis.middleware",
    "Template": "trellis.results",
    "redirect": "trellis.results",
    "abort": "trellis.exceptions",
    "HTTPException": "trellis.exceptions",
    **dict.fromkeys(
        (
            "Response",
            "HTMLResponse",
            "JSONResponse",
            "PlainTextResponse",
            "RedirectResponse",
            "StreamingResponse",
            "EventSourceResponse",
            "ServerSentEvent",
            "FileResponse",
        ),
        "trellis.http.responses",
    ),
    **dict.fromkeys(
        ("Depends", "Query", "Header", "Cookie", "Form", "File", "Body"), "trellis.params"
    ),
}


__getattr__ = lazy_exports(__name__, _WHERE)


def __dir__() -> list[str]:
    return sorted(__all__)
