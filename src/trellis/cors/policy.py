"""What a CORS policy allows, decided from plain values: no I/O, no ASGI.

The middleware asks two questions of a :class:`CORSPolicy`: the answer to a preflight
(``OPTIONS`` with ``Access-Control-Request-Method``) and the headers an actual response gets.
Both take strings and return header lists, so every rule here is unit-tested without a server.

Two rules that differ from a naive reading of the options:

* ``allow_origins="*"`` with ``allow_credentials=True`` never sends ``*``: browsers refuse a
  wildcard on a credentialed request, so the request's own origin is reflected (with
  ``Vary: Origin``).  The ``null`` origin (sandboxed frames, ``file:`` pages) is then *not*
  reflected unless listed explicitly, since anyone can make a page whose origin is ``null``.
* The CORS-safelisted methods (GET, HEAD, POST) and request headers (Accept, Accept-Language,
  Content-Language, Content-Type) are always allowed for an allowed origin, as browsers never ask
  permission for the first and JSON clients would otherwise need ``Content-Type`` listed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from trellis.exceptions import ConfigurationError

__all__ = ["SAFELISTED_HEADERS", "SAFELISTED_METHODS", "CORSPolicy", "Preflight"]

Header = tuple[bytes, bytes]
OriginRule = str | re.Pattern[str]

SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
_ORIGIN = re.compile(r"[a-z][a-z0-9+.\-]*://[^/?#\s]+")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True, slots=True)
class Preflight:
    """The answer to a preflight: a status (204, or 400 with ``reason``) and its headers."""

    status: int
    headers: list[Header]
    reason: str = ""


class CORSPolicy:
    """One set of CORS options, normalised and checked once, then consulted per request."""

    def __init__(
        self,
        allow_origins: Sequence[OriginRule] | OriginRule = (),
        *,
        allow_origin_regex: str | None = None,
        allow_methods: Iterable[str] = ("GET", "HEAD", "POST"),
        allow_headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        allow_credentials: bool = False,
        max_age: int = 600,
    ) -> None:
        if isinstance(allow_origins, str | re.Pattern):
            allow_origins = [allow_origins]
        self.allow_all_origins = False
        self.origins: frozenset[str] = frozenset()
        self.origin_patterns: tuple[re.Pattern[str], ...] = ()
        exact: set[str] = set()
        patterns: list[re.Pattern[str]] = []
        for rule in allow_origins:
            if isinstance(rule, re.Pattern):
                patterns.append(rule)
            elif rule == "*":
                self.allow_all_origins = True
            else:
                exact.add(_normalise_origin(rule))
        if allow_origin_regex:
            try:
                patterns.append(re.compile(allow_origin_regex))
            except re.error as exc:
                raise ConfigurationError(
                    f"CORS allow_origin_regex {allow_origin_regex!r} is not a valid regular "
                    f"expression: {exc}"
                ) from None
        self.origins = frozenset(exact)
        self.origin_patterns = tuple(patterns)
        methods = [_token(m, "allow_methods").upper() for m in allow_methods]
        self.allow_all_methods = "*" in methods
        self.methods = frozenset(m for m in methods if m != "*") | SAFELISTED_METHODS
        headers = [_token(h, "allow_headers").lower() for h in allow_headers]
        self.allow_all_headers = "*" in headers
        self.headers = frozenset(h for h in headers if h != "*") | SAFELISTED_HEADERS
        self.expose_headers = tuple(_token(h, "expose_headers") for h in expose_headers)
        if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
            raise ConfigurationError(f"CORS max_age must be a whole number >= 0, got {max_age!r}")
        self.allow_credentials = bool(allow_credentials)
        self.max_age = max_age
        #: Whether responses differ by Origin (then every response carries ``Vary: Origin``,
        #: so a shared cache never hands one origin's answer to another).
        self.varies = not (self.allow_all_origins and not self.allow_credentials)
        self._methods_value = ", ".join(sorted(self.methods)).encode("latin-1")
        self._headers_value = ", ".join(sorted(self.headers)).encode("latin-1")
        self._expose_value = ", ".join(self.expose_headers).encode("latin-1")

    @property
    def active(self) -> bool:
        """False when no origin is allowed: the middleware is then not installed at all."""
        return self.allow_all_origins or bool(self.origins) or bool(self.origin_patterns)

    def origin_allowed(self, origin: str) -> bool:
        if origin in self.origins:
            return True
        if any(p.fullmatch(origin) for p in self.origin_patterns):
            return True
        if self.allow_all_origins:
            # A credentialed wildcard reflects the origin; "null" is anyone's origin.
            return not (self.allow_credentials and origin == "null")
        return False

    def _allow_origin(self, origin: str) -> bytes:
        if self.allow_all_origins and not self.allow_credentials:
            return b"*"
        return origin.encode("latin-1")

    def response_headers(self, origin: str | None) -> list[Header]:
        """Headers for an actual (non-preflight) response to a request from ``origin``."""
        headers: list[Header] = []
        if origin is not None and self.origin_allowed(origin):
            headers.append((b"access-control-allow-origin", self._allow_origin(origin)))
            if self.allow_credentials:
                headers.append((b"access-control-allow-credentials", b"true"))
            if self.expose_headers:
                headers.append((b"access-control-expose-headers", self._expose_value))
        return headers

    def preflight(self, origin: str, method: str, request_headers: str) -> Preflight:
        """The answer to ``OPTIONS`` with ``Access-Control-Request-Method: method``."""
        refused: list[str] = []
        if not self.origin_allowed(origin):
            refused.append("origin")
        method = method.strip().upper()
        if not _TOKEN.fullmatch(method) or not (self.allow_all_methods or method in self.methods):
            refused.append("method")
        requested = [h.strip().lower() for h in request_headers.split(",") if h.strip()]
        if any(
            not _TOKEN.fullmatch(h) or not (self.allow_all_headers or h in self.headers)
            for h in requested
        ):
            refused.append("headers")
        vary = [(b"vary", b"Origin")] if self.varies else []
        if refused:
            return Preflight(400, vary, "Disallowed CORS " + ", ".join(refused))
        headers = [
            (b"access-control-allow-origin", self._allow_origin(origin)),
            (
                b"access-control-allow-methods",
                method.encode("latin-1") if self.allow_all_methods else self._methods_value,
            ),
            (b"access-control-max-age", str(self.max_age).encode("latin-1")),
        ]
        if self.allow_all_headers:
            if requested:
                value = ", ".join(requested).encode("latin-1")
                headers.append((b"access-control-allow-headers", value))
        else:
            headers.append((b"access-control-allow-headers", self._headers_value))
        if self.allow_credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return Preflight(204, headers + vary)


def _normalise_origin(origin: str) -> str:
    """``"https://Example.com/"`` -> ``"https://example.com"``; a path or a bare host is refused."""
    if not isinstance(origin, str):
        raise ConfigurationError(f"CORS origin {origin!r} must be a string or a compiled regex")
    value = origin.strip().rstrip("/").lower()
    if value == "null" or _ORIGIN.fullmatch(value):
        return value
    raise ConfigurationError(
        f"CORS origin {origin!r} is not an origin: write scheme://host[:port] with no path "
        "(e.g. 'https://app.example.com'), '*' for any origin, or a regex via "
        "allow_origin_regex for families of origins"
    )


def _token(value: str, option: str) -> str:
    if not isinstance(value, str) or not (value == "*" or _TOKEN.fullmatch(value.strip())):
        raise ConfigurationError(f"CORS {option} entry {value!r} is not a header or method name")
    return value.strip()
