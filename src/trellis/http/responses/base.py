"""The plain responses: a body known in full when the response is made.

A response is built once per request, so construction is the hot path.  ``raw_headers`` is the
ASGI header list itself, built once in ``__init__`` and handed to the server unchanged; the
:class:`~trellis.http.datastructures.MutableHeaders` view over it is only created when somebody
reads ``response.headers``.  ``__call__`` is two ``send`` calls and nothing else.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

import orjson

from trellis.http.cookies import serialize_set_cookie
from trellis.http.datastructures import MutableHeaders

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "Message",
    "PlainTextResponse",
    "RawHeaders",
    "Receive",
    "RedirectResponse",
    "Response",
    "Scope",
    "Send",
    "json_dumps",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]

SameSite = Literal["lax", "strict", "none", "Lax", "Strict", "None"]

#: Statuses whose responses never carry a body, so they get no Content-Length/Content-Type.
NO_BODY_STATUSES = frozenset({204, 304})

_content_types: dict[str, bytes] = {}


def content_type_header(media_type: str, charset: str) -> bytes:
    """``text/*`` gets a charset (browsers otherwise guess); JSON does not (RFC 8259 §11)."""
    key = f"{media_type}\0{charset}"
    value = _content_types.get(key)
    if value is None:
        if media_type.startswith("text/") and "charset=" not in media_type.lower():
            value = f"{media_type}; charset={charset}".encode("latin-1")
        else:
            value = media_type.encode("latin-1")
        _content_types[key] = value
    return value


def encode_headers(headers: Mapping[str, str]) -> RawHeaders:
    """Encode user-given headers, refusing CR/LF/NUL so no caller can inject a header line."""
    raw: RawHeaders = []
    for key, value in headers.items():
        name = key.lower().encode("latin-1")
        if not name or any(c in name for c in b" \t\r\n\0:"):
            raise ValueError(f"invalid header name: {key!r}")
        if "\r" in value or "\n" in value or "\0" in value:
            raise ValueError(f"header values must not contain CR, LF or NUL: {value!r}")
        raw.append((name, value.encode("latin-1")))
    return raw


class Response:
    """A complete response, and an ASGI app that sends it.

    ``content`` is ``str`` (encoded with :attr:`charset`), ``bytes`` or ``None``.  Headers given
    here win over the computed ``content-type`` and ``content-length``.
    """

    media_type: str | None = None
    charset: str = "utf-8"
    # The Content-Type line of ``media_type``, computed once per class, not once per response.
    _content_type: bytes | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        media = cls.media_type
        cls._content_type = None if media is None else content_type_header(media, cls.charset)

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        self.status_code = status_code
        body = self.body = self.render(content)
        if media_type is None:
            content_type = self._content_type
        else:
            self.media_type = media_type
            content_type = content_type_header(media_type, self.charset)
        if status_code in NO_BODY_STATUSES or status_code < 200:
            self.raw_headers: RawHeaders = [] if headers is None else encode_headers(headers)
        elif headers is None:
            if content_type is None:
                self.raw_headers = [(b"content-length", b"%d" % len(body))]
            else:
                self.raw_headers = [
                    (b"content-type", content_type),
                    (b"content-length", b"%d" % len(body)),
                ]
        else:
            raw = self.raw_headers = encode_headers(headers)
            names = {name for name, _ in raw}
            if content_type is not None and b"content-type" not in names:
                raw.append((b"content-type", content_type))
            if b"content-length" not in names:
                raw.append((b"content-length", b"%d" % len(body)))

    def render(self, content: Any) -> bytes:
        if type(content) is str:
            return content.encode(self.charset)
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, bytearray | memoryview):
            return bytes(content)
        raise TypeError(
            f"{type(self).__name__} content must be str or bytes, not {type(content).__name__}; "
            "use JSONResponse for data"
        )

    @functools.cached_property
    def headers(self) -> MutableHeaders:
        """A case-insensitive view that edits :attr:`raw_headers` in place."""
        return MutableHeaders(raw=self.raw_headers)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | timedelta | None = None,
        expires: datetime | int | float | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        cookie = serialize_set_cookie(
            key,
            value,
            max_age=max_age,
            expires=expires,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )
        self.raw_headers.append((b"set-cookie", cookie.encode("latin-1")))

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: SameSite | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Expire the cookie; ``path`` and ``domain`` must match the ones it was set with."""
        self.set_cookie(
            key,
            max_age=0,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.body", "body": self.body})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} status_code={self.status_code}>"


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


def _json_default(value: Any) -> Any:
    """What orjson does not know natively: pydantic models (duck-typed), sets, Decimal."""
    model_dump = getattr(value, "model_dump", None)
    if model_dump is not None and callable(model_dump):
        return model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return list(value)
    if isinstance(value, decimal.Decimal):
        return str(value)  # a string keeps every digit, as pydantic's JSON mode does
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def json_dumps(value: Any) -> bytes:
    """Serialise with orjson; non-str dict keys are allowed but cost a second pass."""
    try:
        return orjson.dumps(value, default=_json_default)
    except orjson.JSONEncodeError:
        # The common case has str keys; OPT_NON_STR_KEYS is slower, so only pay for it on retry.
        # orjson.JSONEncodeError is a TypeError, so a value that cannot be encoded raises one.
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS)


class JSONResponse(Response):
    """JSON via orjson: dataclasses, datetimes, UUIDs and enums natively, pydantic models too."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json_dumps(content)


_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Everything that may appear literally in a URL; only the rest (spaces, non-ASCII, quotes,
# control characters) is percent-encoded.  "%" is kept so an already encoded URL is unchanged.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


class RedirectResponse(Response):
    """A redirect to ``url``; CR/LF in the URL are refused so it cannot inject header lines."""

    def __init__(
        self,
        url: str,
        status_code: int = 302,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if status_code not in _REDIRECT_STATUSES:
            raise ValueError(
                f"a redirect status must be 301, 302, 303, 307 or 308, not {status_code}"
            )
        url = str(url)
        if "\r" in url or "\n" in url or "\0" in url:
            raise ValueError(f"a redirect URL must not contain CR, LF or NUL: {url!r}")
        super().__init__(b"", status_code, headers)
        self.raw_headers.append((b"location", quote(url, safe=_URL_SAFE).encode("ascii")))
