"""The ``Sessions`` battery: a pure ASGI middleware that puts ``request.session`` in the scope.

On the way in it reads the session cookie and puts a :class:`SessionStore` in
``scope["session"]``: lazily for the signed cookie (nothing is verified until the session is
read); for server-side backends the signed id is checked and the data loaded, only when the
request carries a session cookie.  On the way out, when the response starts, a session that was
modified is saved and its cookie set (or deleted once empty), and a response that read the
session gets ``Vary: Cookie``.  Error answers of 500 and above save nothing.  WebSockets can
read the session; nothing they change is saved (no response carries a cookie).

An app that never installs the battery pays nothing: no middleware, no cookie parsing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, cast

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.http.cookies import parse_cookie, serialize_set_cookie
from trellis.http.request import Request
from trellis.security.secrets import require_secret_key
from trellis.sessions.backends.base import SessionBackend
from trellis.sessions.backends.cookie import CookieBackend
from trellis.sessions.session import PERMANENT_KEY, SessionStore
from trellis.sessions.signing import BadData, signer

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["SessionMiddleware", "SessionOptions", "Sessions"]

Backend = SessionBackend | CookieBackend
SameSite = Literal["lax", "strict", "none"]
_ID_SALT = "trellis.sessions.id"
_MAX_KEY_LENGTH = 64
_FOURTEEN_DAYS = 14 * 24 * 3600
_VARY = (b"vary", b"Cookie")


@dataclasses.dataclass(frozen=True, slots=True)
class SessionOptions:
    """The cookie and lifetime options, resolved from arguments, settings and defaults."""

    cookie_name: str = "session"
    domain: str | None = None
    path: str = "/"
    max_age: int = _FOURTEEN_DAYS
    permanent: bool = True
    samesite: SameSite | None = "lax"
    secure: bool | None = None
    httponly: bool = True
    refresh_each_request: bool = False


class Sessions:
    """``request.session`` for every request; see docs/sessions.md for each option's setting.

    ``backend`` is a backend object or a name (``"cookie"``, ``"redis"``, ``"database"``); an
    option left as None is read from the ``session_<option>`` setting, else its default.
    ``secure=None`` marks the cookie Secure on HTTPS requests only.
    """

    def __init__(
        self,
        backend: Backend | str | None = None,
        *,
        cookie_name: str | None = None,
        domain: str | None = None,
        path: str | None = None,
        max_age: int | None = None,
        permanent: bool | None = None,
        samesite: SameSite | None = None,
        secure: bool | None = None,
        httponly: bool | None = None,
        refresh_each_request: bool | None = None,
    ) -> None:
        self._backend = backend
        self._given: dict[str, Any] = {
            "cookie_name": cookie_name,
            "domain": domain,
            "path": path,
            "max_age": max_age,
            "permanent": permanent,
            "samesite": samesite,
            "secure": secure,
            "httponly": httponly,
            "refresh_each_request": refresh_each_request,
        }
        self.options = SessionOptions()
        self.backend: Backend = CookieBackend()
        self.app: App | None = None

    # --- installation -----------------------------------------------------------------------

    def install(self, app: App) -> None:
        if self.app is not None:
            raise ConfigurationError("this Sessions() is installed on another app already")
        if app.extensions.get("sessions") is not None:
            raise ConfigurationError("a Sessions battery is installed on this app already")
        require_secret_key(app, "Sessions")
        self.options = _resolve_options(app.settings, self._given)
        backend = self._backend
        if backend is None:
            backend = setting(app.settings, "session_backend", "cookie")
        self.backend = _backend_named(backend) if isinstance(backend, str) else backend
        self.backend.bind(app)
        self.app = app
        app.extensions["sessions"] = self
        app.add_middleware(SessionMiddleware, sessions=self)
        app.provide(SessionStore, _session_of)
        if isinstance(self.backend, SessionBackend):
            app.on_shutdown(self.backend.close)
        from trellis.sessions.messages import get_flashed_messages
        from trellis.sessions.templating import request_global

        flashed = request_global(
            get_flashed_messages, name="get_flashed_messages", without_request=()
        )
        if flashed is not None:
            app.add_template_global(flashed, "get_flashed_messages")

    @staticmethod
    def of(app: Any) -> Sessions:
        """The Sessions battery installed on ``app``; ConfigurationError when there is none."""
        found = getattr(app, "extensions", {}).get("sessions")
        if not isinstance(found, Sessions):
            raise ConfigurationError(
                "No sessions on this app: set a secret key (TRELLIS_SECRET_KEY) or "
                "app.install(Sessions())"
            )
        return found

    # --- per request ------------------------------------------------------------------------

    async def open(self, scope: dict[str, Any], cookie: str | None) -> SessionStore:
        """The session for a request that sent ``cookie`` (the session cookie's value, if any)."""
        app = scope.get("app") or self.app
        backend = self.backend
        max_age = self.options.max_age
        if isinstance(backend, CookieBackend):
            if not cookie:
                return SessionStore()
            return SessionStore(loader=lambda: backend.decode(app, cookie, max_age))
        if not cookie:
            return SessionStore(key_factory=backend.new_key)
        try:
            key, stale = signer(app, _ID_SALT).unsign(cookie, max_age=max_age)
        except BadData:
            key, stale = "", False
        data = await backend.load(key) if 0 < len(key) <= _MAX_KEY_LENGTH else None
        if data is None:  # never adopt an id the server does not know (no fixation)
            return SessionStore(key_factory=backend.new_key, invalid=True)
        return SessionStore(data, session_key=key, key_factory=backend.new_key, stale=stale)

    async def commit(
        self, scope: dict[str, Any], session: SessionStore, had_cookie: bool
    ) -> list[tuple[bytes, bytes]]:
        """Save what changed and return the headers to add to the response."""
        headers: list[tuple[bytes, bytes]] = []
        if session.accessed:
            headers.append(_VARY)
        backend = self.backend
        if isinstance(backend, CookieBackend):
            if not session.loaded:
                return headers
            data = session.data
            if session.modified or session.stale or (self.options.refresh_each_request and data):
                if data:
                    value = backend.encode(scope.get("app") or self.app, data)
                    headers.append(self._set_cookie(scope, value, data))
                elif had_cookie:
                    headers.append(self._delete_cookie(scope))
            elif session.invalid and had_cookie:
                headers.append(self._delete_cookie(scope))
            return headers
        for retired in session.retired_keys():
            await backend.delete(retired)
        data = session.data if session.loaded else {}
        refresh = self.options.refresh_each_request and session.accessed and data
        key = session.session_key
        if session.modified or refresh:
            if data:
                if key is None:
                    key = backend.new_key()
                    session.assign_key(key)
                await backend.save(key, data, self.options.max_age)
                headers.append(self._set_cookie(scope, self._signed_id(scope, key), data))
            else:
                if key is not None:
                    await backend.delete(key)
                if had_cookie:
                    headers.append(self._delete_cookie(scope))
        elif session.stale and key is not None:
            headers.append(self._set_cookie(scope, self._signed_id(scope, key), data))
        elif session.invalid and had_cookie:
            headers.append(self._delete_cookie(scope))
        return headers

    # --- cookies ----------------------------------------------------------------------------

    def _signed_id(self, scope: dict[str, Any], key: str) -> str:
        return signer(scope.get("app") or self.app, _ID_SALT).sign(key)

    def _secure(self, scope: dict[str, Any]) -> bool:
        options = self.options
        if options.samesite == "none":
            return True
        if options.secure is not None:
            return options.secure
        return scope.get("scheme") in ("https", "wss")

    def _set_cookie(
        self, scope: dict[str, Any], value: str, data: dict[str, Any]
    ) -> tuple[bytes, bytes]:
        permanent = data.get(PERMANENT_KEY)
        if permanent is None:
            permanent = self.options.permanent
        return self._cookie(scope, value, max_age=self.options.max_age if permanent else None)

    def _delete_cookie(self, scope: dict[str, Any]) -> tuple[bytes, bytes]:
        return self._cookie(scope, "", max_age=0, expires="Thu, 01 Jan 1970 00:00:00 GMT")

    def _cookie(
        self, scope: dict[str, Any], value: str, *, max_age: int | None, expires: str | None = None
    ) -> tuple[bytes, bytes]:
        options = self.options
        cookie = serialize_set_cookie(
            options.cookie_name,
            value,
            max_age=max_age,
            expires=expires,
            path=options.path,
            domain=options.domain,
            secure=self._secure(scope),
            httponly=options.httponly,
            samesite=options.samesite,
        )
        return (b"set-cookie", cookie.encode("latin-1"))

    def __repr__(self) -> str:
        return f"<Sessions {self.backend!r} cookie={self.options.cookie_name!r}>"


class SessionMiddleware:
    """Puts the session in ``scope["session"]`` and saves it when the response starts."""

    def __init__(self, app: Callable[..., Any], sessions: Sessions) -> None:
        self.app = app
        self.sessions = sessions
        self.cookie_name = sessions.options.cookie_name

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        cookie = _cookie(scope["headers"], self.cookie_name)
        sessions = self.sessions
        session = await sessions.open(scope, cookie)
        scope["session"] = session
        if kind == "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message.get("status", 200) < 500:
                headers = await sessions.commit(scope, session, bool(cookie))
                if headers:
                    message = {**message, "headers": [*message.get("headers", ()), *headers]}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _cookie(headers: list[tuple[bytes, bytes]], name: str) -> str | None:
    lines = [value.decode("latin-1") for key, value in headers if key == b"cookie"]
    if not lines:
        return None
    return parse_cookie("; ".join(lines)).get(name)


def _session_of(request: Request) -> SessionStore:
    return cast(SessionStore, request.session)


def _backend_named(name: str) -> Backend:
    if name == "cookie":
        return CookieBackend()
    if name == "redis":
        from trellis.sessions.backends.redis import RedisBackend

        return RedisBackend()
    if name == "database":
        from trellis.sessions.backends.database import DatabaseBackend

        return DatabaseBackend()
    raise ConfigurationError(
        f"unknown session backend {name!r}: use 'cookie', 'redis', 'database' or a backend object"
    )


def _resolve_options(settings: Any, given: dict[str, Any]) -> SessionOptions:
    defaults = SessionOptions()
    values: dict[str, Any] = {}
    for field in dataclasses.fields(SessionOptions):
        value = given[field.name]
        if value is None:
            default = getattr(defaults, field.name)
            type_ = _SETTING_TYPES.get(field.name)
            value = setting(settings, f"session_{field.name}", default, type_)
        values[field.name] = value
    if isinstance(values["samesite"], str):
        values["samesite"] = values["samesite"].lower()
    options = SessionOptions(**values)
    if isinstance(options.max_age, bool) or not isinstance(options.max_age, int):
        raise ConfigurationError(
            f"session max_age must be a number of seconds, not {options.max_age!r}"
        )
    if options.max_age <= 0:
        raise ConfigurationError(f"session max_age must be positive, not {options.max_age}")
    if options.samesite is not None and options.samesite not in ("lax", "strict", "none"):
        raise ConfigurationError(
            f"session samesite must be 'lax', 'strict', 'none' or None, not {options.samesite!r}"
        )
    try:  # a bad name, path or domain fails now rather than on the first response
        serialize_set_cookie(
            options.cookie_name,
            "x",
            path=options.path,
            domain=options.domain,
            secure=True,
            samesite=options.samesite,
        )
    except ValueError as exc:
        raise ConfigurationError(f"invalid session cookie option: {exc}") from None
    return options


_SETTING_TYPES: dict[str, Any] = {
    "domain": str | None,
    "samesite": Literal["lax", "strict", "none"] | None,
    "secure": bool | None,
}
