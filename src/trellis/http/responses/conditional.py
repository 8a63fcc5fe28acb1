"""Range requests, conditional requests and Content-Disposition, free of I/O.

Everything here takes plain values (header strings, a file size, a validator) and returns plain
values, so the edge cases of RFC 9110 (suffix ranges, overlapping ranges, weak ETags, bad dates)
are unit-tested without a file or a server.
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
from urllib.parse import quote

__all__ = [
    "MAX_RANGES",
    "content_disposition",
    "etag_matches",
    "evaluate_preconditions",
    "http_date",
    "if_range_matches",
    "parse_http_date",
    "parse_range",
]

#: More range-specs than this and the Range header is ignored: a client asking for hundreds of
#: tiny pieces of one file is more likely an attack than a download manager (RFC 9110 §14.2).
MAX_RANGES = 32
# Past 18 digits a position is past the end of any real file; parsing it whole could even hit
# Python's int-from-str digit limit and raise.
_MAX_DIGITS = 18
_HUGE = 10**_MAX_DIGITS
_DIGITS = re.compile(r"[0-9]+")
_ENTITY_TAG = re.compile(r'\s*(W/)?("[^"]*")\s*(?:,|$)')
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _position(digits: str) -> int:
    return _HUGE if len(digits) > _MAX_DIGITS else int(digits)


def parse_range(header: str, size: int) -> list[tuple[int, int]] | None:
    """Parse a ``Range`` header against a representation of ``size`` bytes.

    Returns inclusive ``(first, last)`` pairs, sorted, with overlapping and adjacent ranges
    merged; ``[]`` when the header is valid but no range is satisfiable (answer 416); ``None``
    when the header is malformed, in another unit or asks too much (ignore it, answer 200).
    """
    unit, equals, spec = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    parts = [part.strip() for part in spec.split(",")]
    parts = [part for part in parts if part]  # RFC 9110 §5.6.1: empty list elements are allowed
    if not parts or len(parts) > MAX_RANGES:
        return None
    ranges: list[tuple[int, int]] = []
    for part in parts:
        first, dash, last = part.partition("-")
        if not dash:
            return None
        if not first:
            if not _DIGITS.fullmatch(last):
                return None
            suffix = _position(last)
            if suffix > 0 and size > 0:
                ranges.append((max(0, size - suffix), size - 1))
            continue
        if not _DIGITS.fullmatch(first) or (last and not _DIGITS.fullmatch(last)):
            return None
        start = _position(first)
        end = _position(last) if last else size - 1
        if last and end < start:
            return None  # "an invalid range-spec" makes the whole header invalid
        if start < size:
            ranges.append((start, min(end, size - 1)))
    return _merge(ranges)


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _entity_tags(header: str) -> list[tuple[bool, str]] | None:
    """``[(weak, opaque_tag), ...]``; None when the list cannot be parsed."""
    tags: list[tuple[bool, str]] = []
    position = 0
    header = header.strip()
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            return None
        tags.append((match.group(1) is not None, match.group(2)))
        position = match.end()
    return tags


def etag_matches(header: str, etag: str, *, weak: bool) -> bool:
    """Whether an If-Match/If-None-Match list names ``etag``.

    ``weak=True`` is the weak comparison of If-None-Match (``W/`` ignored); ``weak=False`` the
    strong one of If-Match and If-Range (both tags strong and equal).  An unparsable list
    matches nothing.
    """
    if header.strip() == "*":
        return True
    own_weak = etag.startswith("W/")
    own = etag[2:] if own_weak else etag
    tags = _entity_tags(header)
    if tags is None:
        return False
    if weak:
        return any(tag == own for _, tag in tags)
    return not own_weak and any(tag == own and not is_weak for is_weak, tag in tags)


def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(value: str) -> int | None:
    """Seconds since the epoch, or None for anything that is not an HTTP date."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return None  # "-0000" or no zone: not a valid HTTP date
    try:
        return int(parsed.timestamp())
    except (OverflowError, OSError, ValueError):
        return None


def evaluate_preconditions(
    headers: dict[str, str], etag: str | None, last_modified: int | None
) -> int | None:
    """RFC 9110 §13.2.2 for a GET or HEAD: 412, 304, or None to go on and answer.

    ``headers`` maps lower-case request header names to values; ``last_modified`` is in whole
    seconds, the precision of an HTTP date.
    """
    if_match = headers.get("if-match")
    if if_match is not None:
        if etag is None or not etag_matches(if_match, etag, weak=False):
            return 412
    elif last_modified is not None and "if-unmodified-since" in headers:
        since = parse_http_date(headers["if-unmodified-since"])
        if since is not None and last_modified > since:
            return 412
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if etag is not None and etag_matches(if_none_match, etag, weak=True):
            return 304
    elif last_modified is not None and "if-modified-since" in headers:
        since = parse_http_date(headers["if-modified-since"])
        if since is not None and last_modified <= since:
            return 304
    return None


def if_range_matches(value: str, etag: str | None, last_modified: int | None) -> bool:
    """Whether the Range header still applies: the client's copy is the current one."""
    value = value.strip()
    if value.startswith(('"', "W/")):
        return etag is not None and etag_matches(value, etag, weak=False)
    since = parse_http_date(value)
    return since is not None and last_modified is not None and since == last_modified


def content_disposition(disposition_type: str, filename: str) -> str:
    """``attachment; filename="..."`` plus ``filename*`` (RFC 6266/8187) for non-ASCII names.

    The ASCII ``filename`` is a fallback for old clients: accents are dropped, other non-ASCII
    and control characters become ``_``, quotes and backslashes are escaped.
    """
    if not _TOKEN.fullmatch(disposition_type):
        raise ValueError(f"invalid content disposition type: {disposition_type!r}")
    fallback = "".join(
        char if " " <= char <= "~" else "_"
        for char in unicodedata.normalize("NFKD", filename)
        if not unicodedata.combining(char)
    )
    escaped = fallback.replace("\\", "\\\\").replace('"', '\\"')
    value = f'{disposition_type}; filename="{escaped}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='!#$&+^`|~')}"
    return value
