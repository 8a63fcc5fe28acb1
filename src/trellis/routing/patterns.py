"""Parse ``"/posts/<int:id>"`` into segments, once, at registration.

A pattern is split on ``/``; each segment is either literal text or one whole ``<converter:name>``
parameter (``<name>`` means ``<str:name>``).  A trailing slash is kept as a final empty literal
segment, which is how ``/docs/`` and ``/docs`` stay distinct routes.  Parameters mixed with text
inside a segment (``<name>.txt``) are refused: the trie matches whole segments, which is what keeps
matching cost independent of the number of routes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from trellis.exceptions import ConfigurationError

__all__ = ["Param", "Pattern", "Segment", "Static", "parse_pattern"]


@dataclass(frozen=True, slots=True)
class Static:
    """Literal text of one segment (decoded; the router quotes it when building URLs)."""

    value: str


@dataclass(frozen=True, slots=True)
class Param:
    """A ``<converter:name>`` segment."""

    name: str
    converter: str


Segment = Static | Param


@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed route pattern; ``segments`` follow the leading slash."""

    source: str
    segments: tuple[Segment, ...]

    @property
    def is_static(self) -> bool:
        return all(isinstance(s, Static) for s in self.segments)

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.segments if isinstance(s, Param))

    @property
    def shape(self) -> tuple[tuple[str, str], ...]:
        """The pattern with parameter names erased: two routes of one shape match the same URLs."""
        return tuple(
            ("static", s.value) if isinstance(s, Static) else ("param", s.converter)
            for s in self.segments
        )


def parse_pattern(pattern: str, converters: Collection[str] | None = None) -> Pattern:
    """Parse ``pattern``; with ``converters`` given, also check that each converter name exists.

    Every error is a :class:`ConfigurationError` that quotes the pattern, so a typo points at
    its own line of the URL configuration.
    """
    if not isinstance(pattern, str):
        raise ConfigurationError(f"route pattern must be a string, got {pattern!r}")
    if not pattern.startswith("/"):
        raise _error(pattern, "it must start with '/'")
    raw_segments = pattern[1:].split("/")
    segments: list[Segment] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_segments):
        if "<" not in raw and ">" not in raw:
            if not raw and index != len(raw_segments) - 1:
                raise _error(pattern, "it contains an empty segment ('//')")
            segments.append(Static(raw))
            continue
        param = _parse_param(pattern, raw)
        if converters is not None and param.converter not in converters:
            known = ", ".join(sorted(converters))
            raise _error(
                pattern, f"unknown converter {param.converter!r} (known converters: {known})"
            )
        if param.name in seen:
            raise _error(pattern, f"parameter {param.name!r} appears twice")
        seen.add(param.name)
        segments.append(param)
    return Pattern(pattern, tuple(segments))


def _parse_param(pattern: str, raw: str) -> Param:
    if raw.count("<") != raw.count(">"):
        raise _error(pattern, f"unbalanced '<' or '>' in segment {raw!r}")
    if not (raw.startswith("<") and raw.endswith(">")) or raw.count("<") != 1:
        raise _error(
            pattern,
            f"segment {raw!r} mixes a parameter with text; a parameter must fill a whole segment",
        )
    inner = raw[1:-1]
    converter, sep, name = inner.rpartition(":")
    if not sep:
        converter = "str"
    if not name:
        raise _error(pattern, f"segment {raw!r} has an empty parameter name")
    if not name.isidentifier():
        raise _error(pattern, f"parameter name {name!r} is not a Python identifier")
    if not converter:
        raise _error(pattern, f"segment {raw!r} has an empty converter name")
    return Param(name, converter)


def _error(pattern: str, reason: str) -> ConfigurationError:
    return ConfigurationError(f"invalid route pattern {pattern!r}: {reason}")
