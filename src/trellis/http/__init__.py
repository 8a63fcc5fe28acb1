"""The HTTP toolkit (Werkzeug's role): requests, responses, headers, cookies, forms, status codes.

It knows nothing of apps or routing, and its parsing is free of I/O.  Names load lazily, so
importing one submodule does not import the rest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

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
    "HTTPConnection": "trellis.http.connection",
    "parse_cookie": "trellis.http.cookies",
    "serialize_set_cookie": "trellis.http.cookies",
    "Limits": "trellis.http.limits",
    "Request": "trellis.http.request",
    "ClientDisconnect": "trellis.http.request",
    "WebSocket": "trellis.http.websockets",
    "WebSocketDisconnect": "trellis.http.websockets",
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
        "trellis.http.datastructures",
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
        "trellis.http.responses",
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


__getattr__ = lazy_exports(__name__, _WHERE)
