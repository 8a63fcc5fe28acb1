"""What a handler may return, and how each kind becomes a :class:`Response`.

The common kinds are looked up by exact type first (one dict hit on the hot path); the rest —
tuples, pydantic models, dataclasses, generators, and types that batteries register (``Template``)
— are resolved in order.  The rules are DESIGN.md's: ``Response`` as is, ``str`` -> HTML,
``dict``/``list``/model/dataclass -> JSON, ``(body, status[, headers])``, ``None`` -> 204,
generators -> streaming.

A route with a response model or a ``status_code=`` gets a :class:`ResultPlan` (below), made once at start-up, that runs before those rules; other
routes pay nothing for it.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, cast

from pydantic import BaseModel, TypeAdapter, ValidationError

from trellis.exceptions import ConfigurationError, ResponseValidationError
from trellis.http.responses import HTMLResponse, JSONResponse, Response, StreamingResponse

__all__ = [
    "ResponseConverter",
    "ResultPlan",
    "Template",
    "convert",
    "plan_result",
    "redirect",
    "with_status",
]

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
    response = with_status(await convert(value[0], request, converters), value[1])
    if len(value) == 3 and value[2]:
        add_headers(response, value[2])
    return response


def with_status(response: Response, status: int) -> Response:
    """``response`` answering ``status``; a status that carries no body (204, 304, 1xx) drops it."""
    response.status_code = status
    if status in (204, 304) or status < 200:
        response.body = b""
        _drop_header(response, b"content-length")
        _drop_header(response, b"content-type")
    return response


def add_headers(response: Response, headers: Any) -> None:
    """Set headers given as a mapping or as ``(name, value)`` pairs (a tuple's third item)."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, val in items:
        response.headers[key] = val


def _drop_header(response: Response, name: bytes) -> None:
    response.raw_headers[:] = [(k, v) for k, v in response.raw_headers if k != name]


def redirect(location: str, code: int = 302, headers: Mapping[str, str] | None = None) -> Response:
    """A redirect answer, as Flask's ``redirect``: 302 unless ``code`` says 301/303/307/308."""
    from trellis.http.responses import RedirectResponse

    return RedirectResponse(location, status_code=code, headers=headers)


# --- response models and status codes ------------------------------------------------------------

#: ``response_model=`` not given at all (``None`` given means "no model, even if annotated").
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "<unset>"})()


class ResultPlan:
    """How one operation's return value becomes its response, decided at start-up.

    ``model`` (a route's ``response_model=`` or a return annotation that names fields) validates
    the value and filters it: only the fields the model names are serialized, so returning a
    ``User`` through a ``UserOut`` model never leaks its password hash.  Objects are read by
    attribute (ORM rows work).  ``status_code`` replaces 200 unless the handler returns a
    ``Response`` or a ``(body, status)`` tuple.  ``annotation`` is what the docs describe: the
    model, else the return annotation.
    """

    __slots__ = ("adapter", "annotation", "model", "status_code", "where")

    def __init__(
        self,
        where: str,
        *,
        model: Any = None,
        annotation: Any = None,
        status_code: int | None = None,
    ) -> None:
        self.where = where
        self.model = model
        self.annotation = model if model is not None else annotation
        self.status_code = status_code
        self.adapter: TypeAdapter[Any] | None = None
        if model is not None:
            try:
                self.adapter = TypeAdapter(model)
            except Exception as exc:
                raise ConfigurationError(
                    f"{where}: the response model {model!r} is not a type pydantic can "
                    f"validate ({exc})"
                ) from exc

    @property
    def active(self) -> bool:
        """Whether a request needs this plan at all (else the plain rules apply, at no cost)."""
        return self.adapter is not None or self.status_code is not None

    async def render(
        self, value: Any, ctx: Any, converters: Mapping[type, ResponseConverter]
    ) -> Response:
        """The response for ``value``; ``ctx`` (a ``CallContext``) gives converters a request."""
        if isinstance(value, Response):
            return value
        status = self.status_code
        headers: Any = None
        if type(value) is tuple and len(value) in (2, 3) and isinstance(value[1], int):
            status = value[1]
            headers = value[2] if len(value) == 3 else None
            value = value[0]
        if value is None:
            response = Response(status_code=204 if status is None else status)
        elif self.adapter is not None and not isinstance(value, Response):
            response = Response(
                self.serialize(value), 200 if status is None else status, None, "application/json"
            )
        else:
            request = ctx.request if type(value) in converters else ctx.request_if_made
            response = await convert(value, request, converters)
            if status is not None:
                response = with_status(response, status)
        if headers:
            add_headers(response, headers)
        return response

    def serialize(self, value: Any) -> bytes:
        """Validate ``value`` against the model and dump the fields it names, as JSON bytes."""
        adapter = self.adapter
        assert adapter is not None
        try:
            valid = adapter.validate_python(value, from_attributes=True)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False, include_context=False)
            raise ResponseValidationError(self.where, [dict(e) for e in errors]) from None
        return adapter.dump_json(valid, by_alias=True)


def plan_result(
    where: str,
    returns: Any = None,
    *,
    response_model: Any = UNSET,
    status_code: int | None = None,
) -> ResultPlan:
    """The result plan of a handler: ``response_model=`` wins; else its return annotation.

    A return annotation becomes a run-time model only when it names fields (a pydantic model,
    dataclass or TypedDict, alone or inside ``list[...]``, ``X | None`` ...), since that is where
    filtering matters; ``-> dict[str, int]`` or ``-> str`` only documents the answer.  Members of
    the annotation that are ``Response`` classes pass through unvalidated
    (``-> UserOut | JSONResponse``).
    """
    documented = _without_responses(returns)
    if response_model is not UNSET:
        model = response_model
    elif documented is not None and _names_fields(documented):
        model = documented
    else:
        model = None
    return ResultPlan(where, model=model, annotation=documented, status_code=status_code)


def _without_responses(annotation: Any) -> Any:
    """The annotation with its ``Response`` members left out (None when nothing is left)."""
    import typing

    if annotation is None or annotation is type(None):
        return None
    if _is_response_type(annotation):
        return None
    origin = typing.get_origin(annotation)
    if origin is typing.Union or type(annotation).__name__ == "UnionType":
        kept = [a for a in typing.get_args(annotation) if not _is_response_type(a)]
        if not kept or kept == [type(None)]:
            return None
        if len(kept) == 1:
            return kept[0]
        return typing.Union[tuple(kept)]  # noqa: UP007 - built from a runtime list
    return annotation


def _is_response_type(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, Response | Template)


def _names_fields(annotation: Any) -> bool:
    """Whether a model with named fields (pydantic, dataclass, TypedDict) appears in it."""
    import typing

    from trellis.handlers import is_typeddict

    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel) or is_typeddict(annotation):
            return True
        if dataclasses.is_dataclass(annotation):
            return True
    if typing.get_origin(annotation) is tuple:
        return False
    return any(_names_fields(arg) for arg in typing.get_args(annotation))
