"""Cross-site request forgery protection: a secret in the session, a masked token in each form.

``app.install(CSRF())`` checks every unsafe request (anything but GET, HEAD, OPTIONS, TRACE).
The session holds a random secret; pages embed it masked (``{{ csrf_input() }}`` in a form,
``{{ csrf_token() }}`` for an ``X-CSRFToken`` header from JavaScript or htmx), XORed with a fresh
random pad each time, so the token in a page changes on every response and compression attacks
(BREACH) learn nothing from it.  A request passes when the unmasked token from the header or the
``csrf_token`` form field equals the session's secret.  A site on another origin can make the
browser send the session cookie, but cannot read a page of this one to learn the token.

On HTTPS the ``Origin`` header (or, without it, the ``Referer``) must also name this site or one
of ``csrf_trusted_origins``.  Routes marked ``@csrf_exempt`` (webhooks) and requests the auth
battery authenticated by a bearer token (``scope["trellis.auth"] == "bearer"``: no cookie, so
no forgery) are not checked.  A failure is a 403 whose page (or JSON body) says why.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from markupsafe import Markup

from trellis.conf import setting
from trellis.exceptions import ConfigurationError, HTTPException
from trellis.http.request import Request
from trellis.security.secrets import require_secret_key
from trellis.sessions.session import CSRF_SESSION_KEY

if TYPE_CHECKING:
    from trellis.app import App

__all__ = [
    "CSRF",
    "CSRFError",
    "csrf_exempt",
    "csrf_input",
    "csrf_token_is_valid",
    "get_csrf_token",
]

F = TypeVar("F", bound=Callable[..., Any])

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_SECRET_BYTES = 32
_TOKEN = re.compile(r"[A-Za-z0-9_-]{86}")  # 64 bytes (pad + masked secret), unpadded base64
_EXEMPT_ATTRIBUTE = "csrf_exempt"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

REASON_MISSING = "CSRF check failed: the request carries no CSRF token."
REASON_NO_SECRET = (
    "CSRF check failed: the session holds no CSRF token (it expired, or cookies are blocked). "
    "Reload the page and try again."
)
REASON_WRONG = "CSRF check failed: the CSRF token is wrong or belongs to another session."
REASON_ORIGIN = "CSRF check failed: the request comes from another site ({origin})."
REASON_NO_REFERER = (
    "CSRF check failed: this HTTPS request has neither an Origin nor a Referer header."
)


class CSRFError(HTTPException):
    """403: the request failed the CSRF check; the detail says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(403, detail=detail)


# --- tokens -------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a) ^ int.from_bytes(b)).to_bytes(len(a))


def _secret(request: Any, *, create: bool) -> bytes | None:
    session = request.session
    stored = session.get(CSRF_SESSION_KEY)
    if isinstance(stored, str):
        try:
            raw = _unb64(stored)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) == _SECRET_BYTES:
            return raw
    if not create:
        return None
    raw = secrets.token_bytes(_SECRET_BYTES)
    session[CSRF_SESSION_KEY] = _b64(raw)
    return raw


def get_csrf_token(request: Any) -> str:
    """A token for a form or header, masked afresh on each call (a new secret on first use)."""
    secret = _secret(request, create=True)
    assert secret is not None
    pad = secrets.token_bytes(_SECRET_BYTES)
    return _b64(pad + _xor(secret, pad))


def _unmask(token: str) -> bytes | None:
    if not _TOKEN.fullmatch(token):
        return None
    raw = _unb64(token)
    return _xor(raw[_SECRET_BYTES:], raw[:_SECRET_BYTES])


def csrf_token_is_valid(request: Any, submitted: str | None) -> bool:
    """Whether ``submitted`` is a token made by :func:`get_csrf_token` for this session."""
    if not submitted or not isinstance(submitted, str):
        return False
    secret = _secret(request, create=False)
    unmasked = _unmask(submitted)
    if secret is None or unmasked is None:
        return False
    return hmac.compare_digest(secret, unmasked)


def csrf_input(request: Any) -> Markup:
    """``<input type="hidden" name="csrf_token" value="...">`` for a form (already safe HTML)."""
    app = request.scope.get("app")
    csrf = getattr(app, "extensions", {}).get("csrf")
    name = csrf.field_name if isinstance(csrf, CSRF) else "csrf_token"
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        name, get_csrf_token(request)
    )


def csrf_exempt(handler: F) -> F:
    """Skip the CSRF check for this route (a webhook signed its own way, a public API)."""
    setattr(handler, _EXEMPT_ATTRIBUTE, True)
    return handler


# --- the battery ----------------------------------------------------------------------------------


class CSRF:
    """The CSRF battery: ``app.install(CSRF())``; installs ``Sessions()`` when none is.

    ``header_name`` (setting ``csrf_header_name``, default ``"X-CSRFToken"``), ``field_name``
    (``csrf_field_name``, ``"csrf_token"``), ``trusted_origins`` (``csrf_trusted_origins``:
    ``["https://admin.example.com", "https://*.example.com"]``).
    """

    def __init__(
        self,
        *,
        header_name: str | None = None,
        field_name: str | None = None,
        trusted_origins: Sequence[str] | None = None,
    ) -> None:
        self._given = (header_name, field_name, trusted_origins)
        self.header_name = "X-CSRFToken"
        self.field_name = "csrf_token"
        self.trusted_origins: tuple[str, ...] = ()
        self.exempt: frozenset[str] = frozenset()
        self.app: App | None = None

    def install(self, app: App) -> None:
        if self.app is not None:
            raise ConfigurationError("this CSRF() is installed on another app already")
        if app.extensions.get("csrf") is not None:
            raise ConfigurationError("a CSRF battery is installed on this app already")
        require_secret_key(app, "CSRF protection")
        header_name, field_name, trusted = self._given
        settings = app.settings
        self.header_name = header_name or setting(settings, "csrf_header_name", "X-CSRFToken")
        self.field_name = field_name or setting(settings, "csrf_field_name", "csrf_token")
        if trusted is None:
            trusted = setting(settings, "csrf_trusted_origins", [], list[str])
        self.trusted_origins = tuple(_check_origin_pattern(o) for o in trusted)
        from trellis.sessions.battery import Sessions

        if app.installed(Sessions) is None and app.extensions.get("sessions") is None:
            app.install(Sessions())
        self.app = app
        app.extensions["csrf"] = self
        header = self.header_name.lower().encode("latin-1")
        battery = self

        async def csrf_protect(request: Request) -> None:
            scope = request.scope
            if scope["method"] in SAFE_METHODS or scope.get("trellis.auth") == "bearer":
                return
            if scope.get("trellis.route_name") in battery.exempt:
                return
            await battery.check(request, header)

        app.before_request(csrf_protect)
        app.on_ready(self._collect_exempt)
        from trellis.sessions.templating import request_global

        for name, fn in (("csrf_token", get_csrf_token), ("csrf_input", csrf_input)):
            bound = request_global(fn, name=name)
            if bound is not None:
                app.add_template_global(bound, name)

    def _collect_exempt(self, app: App) -> None:
        self.exempt = exempt_routes(app.routes())

    async def check(self, request: Request, header: bytes) -> None:
        """Raise :class:`CSRFError` unless ``request`` passes the origin and token checks."""
        problem = self.origin_problem(request)
        if problem is not None:
            raise CSRFError(problem)
        submitted: str | None = None
        for name, value in request.scope["headers"]:
            if name == header:
                submitted = value.decode("latin-1")
                break
        if submitted is None and request.mimetype in _FORM_TYPES:
            # The parsed form stays cached on the request: the handler reads it again for free.
            value = (await request.form()).get(self.field_name)
            submitted = value if isinstance(value, str) else None
        if not submitted:
            raise CSRFError(REASON_MISSING)
        if _secret(request, create=False) is None:
            raise CSRFError(REASON_NO_SECRET)
        if not csrf_token_is_valid(request, submitted):
            raise CSRFError(REASON_WRONG)

    def origin_problem(self, request: Request) -> str | None:
        """Why the request's Origin (or Referer, on HTTPS) is not this site's, or None."""
        url = request.url
        https = url.scheme in ("https", "wss")
        try:
            host = url.netloc.lower()
        except ValueError:  # a Host header that is not a host ("[bad"): nothing can match it
            host = ""
        origin = request.headers.get("origin")
        if origin is not None:
            if self._same_site(origin, host, https):
                return None
            return REASON_ORIGIN.format(origin=origin[:200])
        if not https:
            return None
        referer = request.headers.get("referer")
        if not referer:
            return REASON_NO_REFERER
        if self._same_site(referer, host, https, require_https=True):
            return None
        try:
            parts = urlsplit(referer)
            where = f"{parts.scheme}://{parts.netloc}"
        except ValueError:
            where = "an unreadable Referer"
        return REASON_ORIGIN.format(origin=where[:200])

    def _same_site(self, url: str, host: str, https: bool, *, require_https: bool = False) -> bool:
        if url == "null":
            return False
        try:
            parts = urlsplit(url.strip())
            netloc = parts.netloc.lower()
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or (require_https and scheme != "https"):
            return False
        # On HTTP a proxy may terminate TLS without telling the app: the host must match.
        if host and netloc == host and (scheme == "https" or not https):
            return True
        return any(_origin_matches(pattern, scheme, netloc) for pattern in self.trusted_origins)

    def __repr__(self) -> str:
        return f"<CSRF header={self.header_name!r} field={self.field_name!r}>"


def _is_exempt(handler: Any) -> bool:
    seen = 0
    while handler is not None and seen < 20:
        if getattr(handler, _EXEMPT_ATTRIBUTE, False) is True:
            return True
        handler = getattr(handler, "__wrapped__", None)
        seen += 1
    return False


def _check_origin_pattern(pattern: str) -> str:
    parts = urlsplit(pattern)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigurationError(
            f"csrf_trusted_origins entry {pattern!r} must be a scheme and host, such as "
            "'https://admin.example.com' or 'https://*.example.com'"
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _origin_matches(pattern: str, scheme: str, netloc: str) -> bool:
    wanted_scheme, _, wanted = pattern.partition("://")
    if scheme != wanted_scheme:
        return False
    if wanted.startswith("*."):
        suffix = wanted[1:]  # ".example.com"
        return netloc.endswith(suffix) or netloc == wanted[2:]
    return netloc == wanted


def exempt_routes(routes: Iterable[Any]) -> frozenset[str]:
    """The names of the routes among ``routes`` marked ``@csrf_exempt`` (or ``csrf_exempt=True``)."""
    return frozenset(
        route.name
        for route in routes
        if route.options.get("csrf_exempt") or _is_exempt(route.handler)
    )
