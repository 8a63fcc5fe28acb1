"""Converters turn one URL segment (or, for ``path``, several) into a Python value and back.

A converter is asked twice: ``to_python`` while matching a request, where refusing (``ValueError``)
makes the router try the next candidate, and ``to_url`` while building a URL, where refusing
becomes a :class:`~trellis.exceptions.URLBuildError`.  Converters never see percent-escapes:
the router matches the decoded path (ASGI ``scope["path"]``) and quotes what ``to_url`` returns.

``weight`` orders siblings at one position of the trie: lower is tried first, so the narrow
converters (``int``, ``uuid``, ``float``) win over ``slug``, then ``str``, then ``path``.
"""

from __future__ import annotations

import math
import re
import uuid
from decimal import Decimal
from typing import Any, ClassVar

__all__ = [
    "DEFAULT_CONVERTERS",
    "Converter",
    "FloatConverter",
    "IntConverter",
    "PathConverter",
    "SlugConverter",
    "StringConverter",
    "UUIDConverter",
]

_DIGITS = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Converter:
    """Base class for converters; subclass it and register the class by name.

    The base accepts any non-empty segment and returns it unchanged, so a subclass overrides
    only what it narrows.  Both methods raise ``ValueError`` to refuse a value.
    """

    #: Siblings at one trie position are tried in ascending weight (ties: registration order).
    weight: ClassVar[int] = 50
    #: True when the converter may swallow several segments, slashes included (``path``).
    spans_segments: ClassVar[bool] = False

    def to_python(self, value: str) -> Any:
        if not value:
            raise ValueError("empty segment")
        return value

    def to_url(self, value: Any) -> str:
        text = str(value)
        if not text or "/" in text:
            raise ValueError(f"{value!r} is not a single non-empty path segment")
        return text


class StringConverter(Converter):
    """``<name>`` or ``<str:name>``: one non-empty segment, no slash."""

    weight = 100

    def to_url(self, value: Any) -> str:
        if value is None:
            raise ValueError("None is not a path segment")
        return super().to_url(value)


class IntConverter(Converter):
    """Non-negative decimal digits, no sign: ``/posts/-1`` and ``/posts/+1`` do not match."""

    weight = 10

    def to_python(self, value: str) -> int:
        if not _DIGITS.fullmatch(value):
            raise ValueError(f"{value!r} is not a non-negative integer")
        return int(value)

    def to_url(self, value: Any) -> str:
        if isinstance(value, bool):
            raise ValueError("a bool is not an integer path parameter")
        if isinstance(value, int):
            if value < 0:
                raise ValueError(f"{value} is negative")
            return str(value)
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            return value
        raise ValueError(f"{value!r} is not a non-negative integer")


class FloatConverter(Converter):
    """Non-negative decimals such as ``3`` or ``2.5``; no sign, exponent, ``nan`` or ``inf``."""

    weight = 20

    def to_python(self, value: str) -> float:
        if not _DECIMAL.fullmatch(value):
            raise ValueError(f"{value!r} is not a non-negative decimal number")
        number = float(value)
        if not math.isfinite(number):  # 400 digits overflow to inf
            raise ValueError(f"{value!r} is too large")
        return number

    def to_url(self, value: Any) -> str:
        if isinstance(value, str):
            if _DECIMAL.fullmatch(value):
                return value
            raise ValueError(f"{value!r} is not a non-negative decimal number")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{value!r} is not a number")
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite non-negative number")
        if isinstance(value, int):
            return str(value)
        # repr() is the shortest round-tripping form; Decimal spells "1e+20" out as digits.
        return format(Decimal(repr(value)), "f")


class SlugConverter(Converter):
    """ASCII letters, digits, hyphens and underscores, as Django's ``slug``."""

    weight = 60

    def to_python(self, value: str) -> str:
        if not _SLUG.fullmatch(value):
            raise ValueError(f"{value!r} is not a slug")
        return value

    def to_url(self, value: Any) -> str:
        if not isinstance(value, str) or not _SLUG.fullmatch(value):
            raise ValueError(f"{value!r} is not a slug")
        return value


class UUIDConverter(Converter):
    """The canonical 8-4-4-4-12 hex form (any case); gives a :class:`uuid.UUID`."""

    weight = 10

    def to_python(self, value: str) -> uuid.UUID:
        if not _UUID.fullmatch(value):
            raise ValueError(f"{value!r} is not a UUID")
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, str) and _UUID.fullmatch(value):
            return value.lower()
        raise ValueError(f"{value!r} is not a UUID")


class PathConverter(Converter):
    """The rest of a path, slashes included: one or more segments, the first non-empty."""

    weight = 1000
    spans_segments = True

    def to_python(self, value: str) -> str:
        if not value or value.startswith("/"):
            raise ValueError(f"{value!r} is not a relative path")
        return value

    def to_url(self, value: Any) -> str:
        text = str(value) if value is not None else ""
        if not text or text.startswith("/"):
            raise ValueError(f"{value!r} is not a non-empty relative path")
        return text


DEFAULT_CONVERTERS: dict[str, type[Converter]] = {
    "str": StringConverter,
    "int": IntConverter,
    "float": FloatConverter,
    "slug": SlugConverter,
    "uuid": UUIDConverter,
    "path": PathConverter,
}
