"""Strict parsing of query strings and ``application/x-www-form-urlencoded`` bodies.

The standard library's ``parse_qsl`` quietly keeps a broken ``%zz`` and replaces bad UTF-8, so a
handler may see a value the client never meant.  Here both are a 400, and the caller may cap the
number of fields and the size of each value (413), which is what a form body needs.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from trellis.exceptions import BadRequest, PayloadTooLarge

__all__ = ["decode_component", "parse_query"]

_BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")


def decode_component(data: bytes, *, plus_as_space: bool = True, what: str = "query string") -> str:
    """Percent-decode one name or value, refusing malformed escapes and invalid UTF-8."""
    if plus_as_space and b"+" in data:
        data = data.replace(b"+", b" ")
    if b"%" in data:
        if _BAD_ESCAPE.search(data):
            raise BadRequest(detail=f"Invalid percent-encoding in the {what}")
        data = unquote_to_bytes(data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(detail=f"Invalid UTF-8 in the {what}") from None


def parse_query(
    data: bytes | str,
    *,
    max_fields: int | None = None,
    max_field_size: int | None = None,
    what: str = "query string",
) -> list[tuple[str, str]]:
    """Split ``a=1&b=2&a=3`` into ordered pairs; a name without ``=`` gets the empty value.

    Empty pieces (``a=1&&b=2``) are skipped.  ``max_fields`` and ``max_field_size`` (bytes of the
    encoded value) raise :class:`PayloadTooLarge` when passed.
    """
    if isinstance(data, str):
        try:
            data = data.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates from a lenient server decoding
            raise BadRequest(detail=f"Invalid UTF-8 in the {what}") from None
    pairs: list[tuple[str, str]] = []
    if not data:
        return pairs
    for piece in data.split(b"&"):
        if not piece:
            continue
        if max_fields is not None and len(pairs) >= max_fields:
            raise PayloadTooLarge(detail=f"Too many fields in the {what} (limit {max_fields})")
        name, _, value = piece.partition(b"=")
        if max_field_size is not None and len(value) > max_field_size:
            raise PayloadTooLarge(
                detail=f"A field in the {what} is larger than {max_field_size} bytes"
            )
        pairs.append((decode_component(name, what=what), decode_component(value, what=what)))
    return pairs
