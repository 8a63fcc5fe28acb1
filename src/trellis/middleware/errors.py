"""Error answers: the production page (HTML, or JSON when the client prefers it), never a traceback.

JSON answers are RFC 9457 problem details (``application/problem+json``)::

    {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No book 7",
     "instance": "/books/7", "request_id": "9f3c2a71-4"}

plus ``errors`` (``[{"location", "field", "message", "type"}]``) on a 422.  This is the one shape
every error of the framework and its batteries takes; ``docs/api.md`` documents it and the openapi
battery describes it as the ``Problem`` and ``ValidationProblem`` schemas.

The debug page with the traceback and local variables lives in :mod:`trellis.middleware.debug` and is
used only when the app runs with ``debug=True``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from trellis.exceptions import HTTPException, RequestValidationError
from trellis.http.responses import HTMLResponse, JSONResponse, Response

__all__ = ["PROBLEM_MEDIA_TYPE", "error_response", "prefers_json", "problem_details"]

PROBLEM_MEDIA_TYPE = "application/problem+json"


def prefers_json(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """True when the client's Accept header ranks a JSON type above HTML.

    ``*/*`` and a missing Accept get HTML, the page a person sees; API clients that ask for JSON
    (``Accept: application/json``) get JSON.
    """
    accept = b""
    for name, value in headers:
        if name == b"accept":
            accept = value
            break
    if b"json" not in accept:
        return False
    best_json = best_html = -1.0
    for item in accept.decode("latin-1").split(","):
        media, _, params = item.strip().partition(";")
        media = media.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            key, _, val = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(val)
                except ValueError:
                    quality = 0.0
        if media == "application/json" or media.endswith("+json"):
            best_json = max(best_json, quality)
        elif media in ("text/html", "application/xhtml+xml"):
            best_html = max(best_html, quality)
    return best_json > 0 and best_json >= best_html


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem_details(
    exc: HTTPException, request_id: str | None = None, instance: str | None = None
) -> dict[str, Any]:
    """The RFC 9457 document for ``exc``: type, title, status, detail, instance, errors, request_id.

    ``exc.problem`` members are merged last, so an exception may name its own ``type`` URI or add
    extension members; ``status`` always stays the status of the answer.
    """
    status = exc.status_code
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "detail": exc.detail,
    }
    if instance is not None:
        body["instance"] = instance
    if isinstance(exc, RequestValidationError):
        body["errors"] = exc.errors
    if request_id is not None:
        body["request_id"] = request_id
    if exc.problem:
        body.update(exc.problem)
        body["status"] = status
    return body


def error_response(
    exc: HTTPException,
    headers: Iterable[tuple[bytes, bytes]],
    request_id: str,
    *,
    instance: str | None = None,
) -> Response:
    """The answer for an HTTPException: JSON problem details or a small HTML page.

    Validation errors (422) are always JSON: their point is the machine-readable list.
    ``instance`` is the request's path (the occurrence the problem is about).
    """
    status = exc.status_code
    title = _title(status)
    response: Response
    if isinstance(exc, RequestValidationError) or prefers_json(headers):
        body = problem_details(exc, request_id, instance)
        response = JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE)
    else:
        response = HTMLResponse(
            error_page(status, title, str(exc.detail), request_id), status_code=status
        )
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response


def error_page(status: int, title: str, detail: str, request_id: str) -> str:
    """A plain, self-contained HTML error page; every value is escaped."""
    detail_html = "" if detail == title else f"<p>{html.escape(detail)}</p>"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{status} {html.escape(title)}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;margin:4rem auto;max-width:40rem;"
        "padding:0 1rem;color:#222}h1{font-size:1.6rem}small{color:#777}</style></head>"
        f"<body><h1>{status} {html.escape(title)}</h1>{detail_html}"
        f"<p><small>Request ID: {html.escape(request_id)}</small></p></body></html>\n"
    )
