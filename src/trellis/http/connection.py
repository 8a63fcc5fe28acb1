"""What an HTTP request and a WebSocket have in common: the scope, read lazily.

One is built for every request, so ``__init__`` only stores the scope and ``receive``; every
property parses on first access and caches the result on the instance.  The cache slots are class
attributes set to ``None`` rather than ``__slots__``, so construction assigns two attributes and
batteries may still hang their own attributes on it; ``session`` and ``user`` read the scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from trellis.exceptions import BadRequest
from trellis.http.cookies import parse_cookie
from trellis.http.datastructures import URL, Address, Headers, QueryParams, State
from trellis.http.query import decode_component, parse_query

__all__ = ["HTTPConnection", "Message", "Receive", "Scope"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]

STATE_KEY = "trellis.state"


async def _no_receive() -> Message:
    raise RuntimeError("this connection was created without a receive channel")


class HTTPConnection:
    """The request line, headers and client of an ``http`` or ``websocket`` ASGI scope."""

    _url: URL | None = None
    _path: str | None = None
    _headers: Headers | None = None
    _query: QueryParams | None = None
    _cookies: dict[str, str] | None = None

    def __init__(self, scope: Scope, receive: Receive | None = None) -> None:
        self.scope = scope
        self._receive = receive if receive is not None else _no_receive

    @property
    def url(self) -> URL:
        url = self._url
        if url is None:
            url = self._url = URL.from_scope(self.scope)
        return url

    @property
    def path(self) -> str:
        """The decoded path; 400 if the raw path has a broken ``%`` escape or invalid UTF-8."""
        path = self._path
        if path is None:
            path = self.scope["path"]
            # Servers decode leniently ("%zz" kept, bad UTF-8 replaced); only such a path can hide
            # a problem, and an ASCII path without "%" is the common case, so it is checked cheaply.
            if "%" in path or not path.isascii():
                check_path(path, self.scope.get("raw_path"))
            self._path = path
        return path

    @property
    def root_path(self) -> str:
        root: str = self.scope.get("root_path", "")
        return root

    @property
    def headers(self) -> Headers:
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers(raw=self.scope["headers"])
        return headers

    @property
    def query(self) -> QueryParams:
        query = self._query
        if query is None:
            query = self._query = QueryParams(parse_query(self.scope.get("query_string", b"")))
        return query

    @property
    def cookies(self) -> dict[str, str]:
        cookies = self._cookies
        if cookies is None:
            # HTTP/2 may split the cookie header into several lines
            cookies = self._cookies = parse_cookie("; ".join(self.headers.getlist("cookie")))
        return cookies

    @property
    def client(self) -> Address | None:
        client = self.scope.get("client")
        return Address(client[0], client[1]) if client else None

    @property
    def path_params(self) -> dict[str, Any]:
        params: dict[str, Any] = self.scope.get("path_params", {})
        return params

    @property
    def state(self) -> State:
        """Per-request values; kept in the scope so middleware and the handler share one bag."""
        state = self.scope.get(STATE_KEY)
        if state is None:
            state = self.scope[STATE_KEY] = State()
        return state

    @property
    def app(self) -> Any:
        return self.scope.get("app")

    @property
    def session(self) -> Any:
        """The session the sessions battery loaded into ``scope["session"]`` (Starlette's key).

        The toolkit only reads the scope, so any ASGI session middleware that sets the key works.
        """
        try:
            return self.scope["session"]
        except KeyError:
            raise RuntimeError(
                "request.session needs the sessions battery: set a secret key "
                "(TRELLIS_SECRET_KEY) or app.install(Sessions())"
            ) from None

    @property
    def user(self) -> Any:
        """The user the auth battery put in ``scope["user"]`` (an anonymous user when logged out)."""
        try:
            return self.scope["user"]
        except KeyError:
            raise RuntimeError("request.user needs the auth battery: app.install(Auth())") from None

    def url_for(self, name: str, /, **params: Any) -> str:
        """The URL path of a named route, under this request's ``root_path``.

        A name starting with a dot is relative to the blueprint of the route serving this
        request (``.index`` inside ``blog.post`` is ``blog.index``), as in Flask.
        """
        app = self.scope.get("app")
        if app is None or not hasattr(app, "url_for"):
            raise RuntimeError(
                "url_for needs the app in scope['app']; this connection was built without one"
            )
        if name.startswith("."):
            current: str = self.scope.get("trellis.route_name") or ""
            blueprint = current.rpartition(".")[0]
            name = f"{blueprint}{name}" if blueprint else name[1:]
        url: str = app.url_for(name, **params)
        root_path: str = self.scope.get("root_path", "")
        return root_path + url

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.scope.get('type')} {self.scope.get('path')!r}>"


def check_path(path: str, raw_path: bytes | None) -> None:
    """Raise BadRequest when the raw path has a broken ``%`` escape or invalid UTF-8.

    Call it only when ``path`` has a ``%`` or a non-ASCII character: servers decode leniently,
    and only such a path can hide a problem.
    """
    if raw_path is not None:
        decode_component(raw_path, plus_as_space=False, what="path")
        return
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the server kept undecodable bytes
        raise BadRequest(detail="Invalid UTF-8 in the path") from None
