"""Reading the ``Cookie`` header and writing ``Set-Cookie`` lines.

Parsing is lenient on purpose: browsers send whatever other sites and scripts stored, and one
odd cookie must not cost the user a 400.  Serialising is strict: a bad name, a ``;`` in a path or
``SameSite=None`` without ``Secure`` is a programming error, raised as ``ValueError`` at once.

Values that are not plain RFC 6265 cookie octets are double-quoted with backslash and ``\\ooo``
escapes, the scheme Python's ``http.cookies`` reads, so Django and Starlette apps sharing the
cookie decode it the same way.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from typing import Literal

__all__ = ["parse_cookie", "serialize_set_cookie"]

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 6265 cookie-octet: printable ASCII without space, DQUOTE, comma, semicolon and backslash.
_COOKIE_OCTETS = re.compile(r"[!#-+\--:<-\[\]-~]*")
_ESCAPE = re.compile(r"\\(?:([0-3][0-7][0-7])|(.))", re.DOTALL)
_ATTRIBUTE_BREAKERS = re.compile(r"[;\x00-\x1f\x7f]")

SameSite = Literal["lax", "strict", "none", "Lax", "Strict", "None"]


def parse_cookie(header: str) -> dict[str, str]:
    """``"a=1; b=2"`` -> ``{"a": "1", "b": "2"}``; never raises, the first of a repeated name wins.

    The first value wins because browsers send the most specific path first.
    """
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        name, sep, value = chunk.partition("=")
        name = name.strip()
        if not sep or not name:
            continue  # Django reads "a" as the empty-named cookie; nobody can use that
        if name not in cookies:
            cookies[name] = _unquote(value.strip())
    return cookies


def _unquote(value: str) -> str:
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    inner = value[1:-1]
    if "\\" not in inner:
        return inner
    out = bytearray()
    pos = 0
    for match in _ESCAPE.finditer(inner):
        out += inner[pos : match.start()].encode("utf-8", "surrogatepass")
        octal, char = match.groups()
        out += bytes([int(octal, 8)]) if octal else char.encode("utf-8", "surrogatepass")
        pos = match.end()
    out += inner[pos:].encode("utf-8", "surrogatepass")
    return out.decode("utf-8", "replace")


def _quote(value: str) -> str:
    if _COOKIE_OCTETS.fullmatch(value):
        return value
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == " " or (_COOKIE_OCTETS.fullmatch(char) and char.isascii()):
            out.append(char)
        else:
            out.extend(f"\\{b:03o}" for b in char.encode("utf-8", "surrogatepass"))
    out.append('"')
    return "".join(out)


def _format_expires(expires: datetime | int | float | str) -> str:
    if isinstance(expires, str):
        _check_attribute("expires", expires)
        return expires
    if isinstance(expires, datetime):
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=UTC)  # a naive datetime is read as UTC
        return format_datetime(expires.astimezone(UTC), usegmt=True)
    # a number is seconds from now, as Starlette and Flask's max_age-style helpers read it
    return formatdate(time.time() + expires, usegmt=True)


def _check_attribute(name: str, value: str) -> None:
    if _ATTRIBUTE_BREAKERS.search(value):
        raise ValueError(f"cookie {name} must not contain ';' or control characters: {value!r}")


def serialize_set_cookie(
    key: str,
    value: str = "",
    *,
    max_age: int | timedelta | None = None,
    expires: datetime | int | float | str | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: SameSite | None = "lax",
    partitioned: bool = False,
) -> str:
    """Build one ``Set-Cookie`` header value.

    ``expires`` is an aware or UTC-naive ``datetime``, a number of seconds from now, or a string
    already in HTTP date format.  ``samesite=None`` leaves the attribute out (the browser then
    applies its own default); ``samesite="none"`` sends ``SameSite=None`` and needs ``secure``.
    """
    if not _TOKEN.fullmatch(key):
        raise ValueError(f"invalid cookie name {key!r}: it must be an RFC 6265 token")
    parts = [f"{key}={_quote(value)}"]
    if max_age is not None:
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        if isinstance(max_age, bool) or not isinstance(max_age, int):
            raise ValueError(f"max_age must be an int or a timedelta, not {max_age!r}")
        parts.append(f"Max-Age={max_age}")
    if expires is not None:
        parts.append(f"Expires={_format_expires(expires)}")
    if domain is not None:
        _check_attribute("domain", domain)
        parts.append(f"Domain={domain}")
    if path is not None:
        _check_attribute("path", path)
        parts.append(f"Path={path}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if samesite is not None:
        normalized = samesite.lower()
        if normalized not in ("lax", "strict", "none"):
            raise ValueError(f"samesite must be 'lax', 'strict', 'none' or None, not {samesite!r}")
        if normalized == "none" and not secure:
            raise ValueError("SameSite=None needs secure=True: browsers reject it otherwise")
        parts.append(f"SameSite={normalized.capitalize()}")
    if partitioned:
        if not secure:
            raise ValueError("Partitioned cookies need secure=True: browsers reject them otherwise")
        parts.append("Partitioned")
    return "; ".join(parts)
