"""Safe redirects: send a user back to ``?next=`` only when it stays on this site.

A login view that redirects to whatever ``next`` says is an open redirect: a link to
``/login?next=https://evil.example`` borrows the site's name for a phishing page.  Browsers
are lenient in ways ``urllib.parse`` is not (``/\\evil.example`` and ``\\\\evil.example`` are
scheme-relative URLs to Chrome, tabs and newlines are dropped anywhere, leading control
characters and spaces are skipped), so the test here is strict: a URL is safe only when it is a
relative path, or an ``http``/``https`` URL whose host is the request's own host or one of
``allowed_hosts``, read both as written and with every backslash as a slash.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from trellis.security.hosts import HostMatcher, split_host

__all__ = ["safe_next", "url_is_safe"]

_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def url_is_safe(
    url: str | None,
    request: Any,
    allowed_hosts: Iterable[str] | None = None,
    *,
    require_https: bool | None = None,
) -> bool:
    """True when redirecting to ``url`` keeps the user on this site.

    ``allowed_hosts`` adds other hosts (``"accounts.example.com"``, ``".example.com"`` for
    every subdomain) to the request's own.  ``require_https`` (default: the request is HTTPS)
    refuses ``http://`` URLs, so a redirect never downgrades the connection.
    """
    if not isinstance(url, str):
        return False
    url = _trim(url)
    if not url:
        return False
    if any(unicodedata.category(char)[0] == "C" for char in url):
        return False  # tabs, newlines, NUL, bidi marks: browsers drop or misread them
    if unicodedata.category(url[0])[0] == "Z":
        return False
    own = _request_host(request)
    secure = _request_scheme(request) == "https" if require_https is None else require_https
    matcher = HostMatcher(allowed_hosts) if allowed_hosts else None
    return _is_safe(url, own, matcher, secure) and _is_safe(
        url.replace("\\", "/"), own, matcher, secure
    )


def _trim(url: str) -> str:
    """What a browser's URL parser removes first: leading and trailing C0 controls and spaces."""
    return url.strip(_C0_AND_SPACE)


def _is_safe(url: str, own: str | None, matcher: HostMatcher | None, secure: bool) -> bool:
    if url.startswith("///"):
        return False  # browsers read three slashes or more as scheme-relative
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises
    except ValueError:
        return False
    scheme, netloc = parts.scheme, parts.netloc
    if scheme and not netloc:
        return False  # "https:evil.example", "javascript:...", "http:/evil.example"
    if not netloc:
        return True  # a path on this site
    if scheme not in ("", "http", "https"):
        return False
    if secure and scheme == "http":
        return False
    if "@" in netloc:
        return False  # "user@host" tricks the eye; no redirect needs credentials in the URL
    if split_host(netloc) is None:
        return False
    host = netloc.lower()
    if own is not None and host == own:
        return True
    return matcher is not None and matcher.allows(host)


def _request_host(request: Any) -> str | None:
    headers = getattr(request, "headers", None)
    host = headers.get("host") if headers is not None else None
    if not host:
        return None
    return str(host).lower()


def _request_scheme(request: Any) -> str:
    scope = getattr(request, "scope", None)
    if isinstance(scope, dict):
        return str(scope.get("scheme", "http"))
    return "http"


def safe_next(
    request: Any,
    default: str = "/",
    *,
    url: str | None = None,
    param: str = "next",
    allowed_hosts: Iterable[str] | None = None,
) -> str:
    """Where to send the user after a login (or any form): ``?next=`` when safe, else ``default``.

    ``url`` is the candidate when it comes from somewhere else (a form field); otherwise the
    query parameter ``param`` is read.  ``default`` is trusted as the developer wrote it.
    """
    candidate = url if url is not None else request.query.get(param)
    if candidate and url_is_safe(candidate, request, allowed_hosts):
        return _trim(str(candidate))
    return default
