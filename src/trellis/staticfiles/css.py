"""Rewrite the references inside a stylesheet to the hashed names of their targets.

A stylesheet's ``url(../img/logo.png)`` must point at ``../img/logo.<hash>.png`` once the
stylesheet itself is served with a year of caching, or an old image would stay in browsers.
Handled: ``url(...)`` (quoted or not), ``@import "..."``, and ``/*# sourceMappingURL=... */``;
relative paths (resolved against the stylesheet's folder) and absolute ones under the static
URL; ``?query`` and ``#fragment`` kept as written.  Left alone: ``data:`` URIs, other schemes,
protocol-relative URLs, fragment-only references (``url(#gradient)`` in SVG filters), absolute
paths outside the static URL, and ``url(...)`` inside other comments.  A reference to a file
that does not exist is reported and left unchanged.  Pure functions: text in, text out.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

__all__ = ["css_references", "rewrite_css"]

_REFERENCES = re.compile(
    r"""(?P<comment>/\*.*?\*/)"""
    r"""|\burl\(\s*(?P<quote>["'])(?P<quoted>.*?)(?P=quote)\s*\)"""
    r"""|\burl\(\s*(?P<bare>[^"'\s()][^\s()]*)\s*\)"""
    r"""|@import\s+(?P<iquote>["'])(?P<imported>.*?)(?P=iquote)""",
    re.IGNORECASE | re.DOTALL,
)
_SOURCE_MAP = re.compile(r"^(/\*[#@]\s*sourceMappingURL=)(?P<ref>[^\s*]+)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True, slots=True)
class _Reference:
    target: str  # the static name it points at
    path: str  # the path part as written
    rest: str  # ``?query#fragment`` as written


def _parse(ref: str, css_name: str, url_path: str) -> _Reference | str | None:
    """A reference to a static file; a warning when it points nowhere sensible; None to skip."""
    if not ref or ref.startswith(("#", "//")) or _SCHEME.match(ref):
        return None  # data:, http:, fragment-only, protocol-relative: not ours
    cut = min((i for i in (ref.find("?"), ref.find("#")) if i >= 0), default=len(ref))
    path, rest = ref[:cut], ref[cut:]
    if not path:
        return None
    decoded = unquote(path)
    if decoded.startswith("/"):
        prefix = url_path.rstrip("/") + "/"
        if not decoded.startswith(prefix):
            return None  # another part of the site, not a static file
        target = posixpath.normpath(decoded[len(prefix) :])
    else:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(css_name), decoded))
    if target == ".." or target.startswith("../") or target in (".", ""):
        return f"{css_name}: {ref!r} points outside the static files; left unchanged"
    return _Reference(target, path, rest)


def _each(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, reference)`` for each reference in ``text``, in order."""
    found: list[tuple[int, int, str]] = []
    for match in _REFERENCES.finditer(text):
        if match["comment"] is not None:
            source_map = _SOURCE_MAP.match(match["comment"])
            if source_map is not None:
                start = match.start() + source_map.start("ref")
                found.append((start, start + len(source_map["ref"]), source_map["ref"]))
            continue
        for group in ("quoted", "bare", "imported"):
            if match[group] is not None:
                found.append((match.start(group), match.end(group), match[group]))
                break
    return found


def css_references(text: str, css_name: str, url_path: str) -> list[str]:
    """The static names a stylesheet refers to (so those are hashed before it)."""
    names = []
    for _, _, ref in _each(text):
        parsed = _parse(ref.strip(), css_name, url_path)
        if isinstance(parsed, _Reference):
            names.append(parsed.target)
    return names


def rewrite_css(
    text: str, css_name: str, url_path: str, hashed: Callable[[str], str | None]
) -> tuple[str, list[str]]:
    """``text`` with each reference pointing at ``hashed(target)``, and the warnings.

    ``hashed`` returns the hashed name of a static name, or None when there is no such file.
    """
    warnings: list[str] = []
    pieces: list[str] = []
    position = 0
    for start, end, raw in _each(text):
        parsed = _parse(raw.strip(), css_name, url_path)
        if parsed is None:
            continue
        if isinstance(parsed, str):
            warnings.append(parsed)
            continue
        new_name = hashed(parsed.target)
        if new_name is None:
            warnings.append(
                f"{css_name}: {raw.strip()!r} names {parsed.target}, which is not a static file; "
                "left unchanged"
            )
            continue
        written_last = parsed.path.rsplit("/", 1)[-1]
        new_last = posixpath.basename(new_name)
        if unquote(written_last) != written_last:
            new_last = quote(new_last)
        pieces.append(text[position:start])
        pieces.append(parsed.path[: len(parsed.path) - len(written_last)] + new_last + parsed.rest)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), warnings
