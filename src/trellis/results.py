"""What a handler may return, and how each kind becomes a :class:`Response`.

The common kinds are looked up by exact type first (one dict hit on the hot path); the rest —
tuples, pydantic models, dataclasses, generators, and types that batteries register (``Template``)
— are resolved in order.  The rules are DESIGN.md's: ``Response`` as is, ``str`` -> HTML,
``dict``/``list``/model/dataclass -> JSON, ``(body, status[, headers])``, ``None`` -> 204,
generators -> streaming.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, cast

from trellis.exceptions import ConfigurationError
from trellis.http.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

__all__ = ["ResponseConverter", "Template", "convert", "redirect"]

#: ``(value, request) -> Response`` (or an awaitable of one); registered per type by batteries.
ResponseConverter = Callable[[Any, Any], "Response | Awaitable[Response]"]


class Template:
    """Ask for a rendered page: ``return Template("blog/index.html", posts=posts)``.

    ``block=`` renders a single block (for htmx fragments).  The templates battery renders it; the
    core only carries the name and context.
    """

    __slots__ = ("block", "context", "headers", "media_type", "name", "status_code")

    def __init__(
        self,
        name: str,
        /,
        *,
        block: str | None = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        **context: Any,
    ) -> None:
        self.name = name
        self.block = block
        self.status_code = status_code
        self.headers = headers
        self.media_type = media_type
        self.context = context

    def __repr__(self) -> str:
        block = f", block={self.block!r}" if self.block else ""
        return f"Template({self.name!r}{block})"


def _no_content(value: Any) -> Response:
    return Response(status_code=204)


_EXACT: dict[type, Callable[[Any], Response]] = {
    str: HTMLResponse,
    bytes: HTMLResponse,
    dict: JSONResponse,
    list: JSONResponse,
    type(None): _no_content,
}


async def convert(
    value: Any,
    request: Any,
    converters: Mapping[type, ResponseConverter],
) -> Response:
    """Turn a handler's return value into a Response."""
    if isinstance(value, Response):
        return value
    exact = _EXACT.get(type(value))
    if exact is not None:
        return exact(value)
    if isinstance(value, tuple):
        return await _convert_tuple(value, request, converters)
    for cls in type(value).__mro__:
        converter = converters.get(cls)
        if converter is not None:
            result = converter(value, request)
            if inspect.isawaitable(result):
                result = await result
            return result
    if hasattr(value, "model_dump") and hasattr(type(value), "model_fields"):
        return JSONResponse(value.model_dump(mode="json"))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return JSONResponse(value)
    if inspect.isgenerator(value) or inspect.isasyncgen(value):
        return StreamingResponse(cast("Iterable[str | bytes]", value), media_type="text/html")
    if isinstance(value, str | bytes):
        return HTMLResponse(value)
    if isinstance(value, dict | list):
        return JSONResponse(value)
    if isinstance(value, Template):
        raise ConfigurationError(
            "A handler returned a Template but no template renderer is installed: "
            "install the templates battery (app.install(Templates()))"
        )
    raise TypeError(
        f"A handler returned {type(value).__qualname__}, which Trellis cannot turn into a "
        "response: return a str, dict, list, Response, pydantic model, dataclass, tuple or None"
    )


async def _convert_tuple(
    value: tuple[Any, ...], request: Any, converters: Mapping[type, ResponseConverter]
) -> Response:
    if len(value) not in (2, 3) or not isinstance(value[1], int):
        raise TypeError(
            "A handler returned a tuple; use (body, status) or (body, status, headers) "
            f"with an int status, not {value!r:.200}"
        )
    response = await convert(value[0], request, converters)
    response.status_code = value[1]
    if value[1] in (204, 304) or value[1] < 200:
        response.body = b""
        _drop_header(response, b"content-length")
    if len(value) == 3 and value[2]:
        headers = value[2].items() if isinstance(value[2], Mapping) else value[2]
        for key, val in headers:
            response.headers[key] = val
    return response


def _drop_header(response: Response, name: bytes) -> None:
    response.raw_headers[:] = [(k, v) for k, v in response.raw_headers if k != name]


def redirect(location: str, code: int = 302, headers: Mapping[str, str] | None = None) -> Response:
    """A redirect answer, as Flask's ``redirect``: 302 unless ``code`` says 301/303/307/308."""
    from trellis.http.responses import RedirectResponse

    return RedirectResponse(location, status_code=code, headers=headers)
