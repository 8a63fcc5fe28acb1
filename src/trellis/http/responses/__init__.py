"""Responses: every one is an ASGI app, ``await response(scope, receive, send)``.

The package is split by kind (``base``, ``streaming``, ``sse``, ``files``, and the I/O-free
``conditional`` helpers) but ``trellis.http.responses`` stays the one import path.
"""

from trellis.http.responses.base import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    json_dumps,
)
from trellis.http.responses.files import FileResponse
from trellis.http.responses.sse import EventSourceResponse, ServerSentEvent
from trellis.http.responses.streaming import StreamingResponse

__all__ = [
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "ServerSentEvent",
    "StreamingResponse",
    "json_dumps",
]
