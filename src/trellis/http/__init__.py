"""The HTTP toolkit (Werkzeug's role): requests, responses, headers, cookies, forms, status codes.

It knows nothing of apps or routing, and its parsing is free of I/O.  Names load lazily, so
importing one submodule does not import the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trellis.http.connection import HTTPConnection
    from trellis.http.cookies import parse_cookie, serialize_set_cookie
    from trellis.http.datastructures import (
        URL,
        Address,
        FormData,
        Headers,
        MultiDict,
        MutableHeaders,
        QueryParams,
        State,
        UploadFile,
    )
    from trellis.http.limits import Limits
    from trellis.http.request import ClientDisconnect, Request
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

_WHERE = {
    "HTTPConnection": "connection",
    "parse_cookie": "cookies",
    "serialize_set_cookie": "cookies",
    "Limits": "limits",
    "Request": "request",
    "ClientDisconnect": "request",
    "WebSocket": "websockets",
    "WebSocketDisconnect": "websockets",
    **dict.fromkeys(
        (
            "URL",
            "Address",
            "FormData",
            "Headers",
            "MultiDict",
            "MutableHeaders",
            "QueryParams",
            "State",
            "UploadFile",
        ),
        "datastructures",
    ),
    **dict.fromkeys(
        (
            "EventSourceResponse",
            "FileResponse",
            "HTMLResponse",
            "JSONResponse",
            "PlainTextResponse",
            "RedirectResponse",
            "Response",
            "ServerSentEvent",
            "StreamingResponse",
        ),
        "responses",
    ),
}

__all__ = [
    "URL",
    "Address",
    "ClientDisconnect",
    "EventSourceResponse",
    "FileResponse",
    "FormData",
    "HTMLResponse",
    "HTTPConnection",
    "Headers",
    "JSONResponse",
    "Limits",
    "MultiDict",
    "MutableHeaders",
    "PlainTextResponse",
    "QueryParams",
    "RedirectResponse",
    "Request",
    "Response",
    "ServerSentEvent",
    "State",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "parse_cookie",
    "serialize_set_cookie",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'trellis.http' has no attribute {name!r}")
    value = getattr(import_module(f"trellis.http.{module}"), name)
    globals()[name] = value
    return value
