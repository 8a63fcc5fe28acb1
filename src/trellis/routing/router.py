"""The router: a dict for static paths, a segment trie for dynamic ones.

Both structures are filled while the app starts; a request then costs one dict probe and, on a
miss, a walk down the trie whose work depends on the path's depth and on the few converters
that sit at each position, never on how many routes exist.  At one position the walk tries the
literal segment first, then converters in ascending ``weight``, and backtracks when a deeper
match fails, so ``/u/me/edit`` can still reach ``/u/<name>/edit`` after ``/u/me`` led nowhere.

The router is generic over its target: the app decides what it stores per method (a handler plan,
an endpoint object ...), the router only matches, converts and builds URLs.

Conflicts are refused as soon as they are added: two routes of one shape (same literals, same
converters at the same positions) must use the same parameter names and disjoint methods.
"""

from __future__ import annotations

import difflib
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

from trellis.exceptions import ConfigurationError, URLBuildError
from trellis.routing.converters import DEFAULT_CONVERTERS, Converter
from trellis.routing.patterns import Param, Pattern, Segment, Static, parse_pattern

__all__ = ["RouteEntry", "Router"]

T = TypeVar("T")

_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 3986 ``pchar`` minus what ``quote`` already keeps (letters, digits, ``_.-~``).
_SEGMENT_SAFE = "!$&'()*+,;=:@"
_FRAGMENT_SAFE = _SEGMENT_SAFE + "/?"
_UNBOUNDED = sys.maxsize
#: A websocket handshake is a GET request; websocket routes keep their target under that key.
WEBSOCKET_METHOD = "GET"


@dataclass(frozen=True, slots=True, eq=False)
class RouteEntry(Generic[T]):
    """One added route, as the router keeps it (for URL building, listings and error messages)."""

    name: str
    pattern: Pattern
    methods: frozenset[str]
    target: T
    websocket: bool

    @property
    def path(self) -> str:
        return self.pattern.source

    def describe(self) -> str:
        verbs = "WEBSOCKET" if self.websocket else ",".join(sorted(self.methods))
        return f"{self.name!r} ({verbs} {self.pattern.source})"


class _Leaf(Generic[T]):
    """Where one route shape ends: the method table shared by the routes of that shape."""

    __slots__ = ("entries", "methods", "param_names")

    def __init__(self, param_names: tuple[str, ...]) -> None:
        self.methods: dict[str, T] = {}
        self.param_names = param_names
        self.entries: list[RouteEntry[T]] = []


class _Node(Generic[T]):
    __slots__ = ("edges", "leaf", "max_rest", "min_rest", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node[T]] = {}
        self.edges: list[_Edge[T]] = []
        self.leaf: _Leaf[T] | None = None
        # Bounds on how many path segments may remain below this node; they cap how many
        # splits a ``path`` parameter tries, so a long hostile path cannot cost quadratic time.
        self.min_rest = _UNBOUNDED
        self.max_rest = 0


class _Edge(Generic[T]):
    __slots__ = ("converter", "key", "node")

    def __init__(self, key: str, converter: Converter) -> None:
        self.key = key
        self.converter = converter
        self.node: _Node[T] = _Node()


class Router(Generic[T]):
    """Match decoded request paths to method tables, and build URLs from route names."""

    def __init__(self, converters: Mapping[str, type[Converter]] | None = None) -> None:
        self._converters: dict[str, Converter] = {}
        self._used_converters: set[str] = set()
        self._frozen = False
        self._static: dict[bool, dict[str, _Leaf[T]]] = {False: {}, True: {}}
        self._roots: dict[bool, _Node[T]] = {False: _Node(), True: _Node()}
        self._names: dict[str, RouteEntry[T]] = {}
        for name, cls in {**DEFAULT_CONVERTERS, **(converters or {})}.items():
            self.add_converter(name, cls)

    # -- building -------------------------------------------------------------------------

    @property
    def frozen(self) -> bool:
        return self._frozen

    def add_converter(self, name: str, cls: type[Converter]) -> None:
        """Register a converter class under ``name``; call it before adding routes that use it."""
        self._check_open(f"add converter {name!r}")
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigurationError(f"converter name {name!r} must be a Python identifier")
        if not (isinstance(cls, type) and issubclass(cls, Converter)):
            raise ConfigurationError(
                f"converter {name!r} must be a subclass of trellis.routing.Converter, got {cls!r}"
            )
        if name in self._used_converters:
            raise ConfigurationError(
                f"converter {name!r} is already used by routes; register converters before routes"
            )
        self._converters[name] = cls()

    def add(
        self,
        pattern: str,
        methods: Iterable[str],
        target: T,
        name: str,
        *,
        websocket: bool = False,
    ) -> RouteEntry[T]:
        """Add a route; conflicts with earlier routes raise :class:`ConfigurationError` here."""
        self._check_open(f"add route {name!r} ({pattern})")
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"route {pattern!r} needs a non-empty name, got {name!r}")
        parsed = parse_pattern(pattern, self._converters)
        verbs = frozenset({WEBSOCKET_METHOD}) if websocket else _normalize_methods(methods, pattern)
        entry = RouteEntry(name, parsed, verbs, target, websocket)
        previous = self._names.get(name)
        if previous is not None:
            raise ConfigurationError(
                f"route name {name!r} is used twice: by {previous.describe()} and by "
                f"{entry.describe()}; give one of them another name=..."
            )
        if parsed.is_static:
            leaf = self._static[websocket].setdefault(pattern, _Leaf(()))
        else:
            leaf = self._insert(self._roots[websocket], parsed)
        _attach(leaf, entry)
        self._names[name] = entry
        self._used_converters.update(s.converter for s in parsed.segments if isinstance(s, Param))
        return entry

    def freeze(self) -> None:
        """Refuse further changes: the tables are complete once the app has started."""
        self._frozen = True

    def _check_open(self, what: str) -> None:
        if self._frozen:
            raise ConfigurationError(
                f"cannot {what}: the router is frozen (the app has started); "
                "register routes and converters before start-up"
            )

    def _insert(self, root: _Node[T], pattern: Pattern) -> _Leaf[T]:
        node = root
        segments = pattern.segments
        for index, segment in enumerate(segments):
            self._note_rest(node, segments[index:])
            if isinstance(segment, Static):
                node = node.static.setdefault(segment.value, _Node())
                continue
            edge = next((e for e in node.edges if e.key == segment.converter), None)
            if edge is None:
                edge = _Edge(segment.converter, self._converters[segment.converter])
                node.edges.append(edge)
                node.edges.sort(key=lambda e: e.converter.weight)  # stable: ties keep order
            node = edge.node
        self._note_rest(node, ())
        if node.leaf is None:
            node.leaf = _Leaf(pattern.param_names)
        return node.leaf

    def _note_rest(self, node: _Node[T], rest: tuple[Segment, ...]) -> None:
        spans = any(
            isinstance(s, Param) and self._converters[s.converter].spans_segments for s in rest
        )
        node.min_rest = min(node.min_rest, len(rest))
        node.max_rest = _UNBOUNDED if spans else max(node.max_rest, len(rest))

    # -- matching -------------------------------------------------------------------------

    def lookup(
        self, path: str, websocket: bool = False
    ) -> tuple[Mapping[str, T], dict[str, Any]] | None:
        """Match a decoded path (ASGI ``scope["path"]``): ``(method table, params)`` or None.

        The method table is the router's own mapping: read it, do not change it.  A table
        without the request's method is the app's 405; ``None`` is its 404 (or its 308 when
        :meth:`redirect_for` has an answer).
        """
        leaf = self._static[websocket].get(path)
        if leaf is not None:
            return leaf.methods, {}
        if not path.startswith("/"):
            return None
        values: list[Any] = []
        leaf = _match(self._roots[websocket], path[1:].split("/"), 0, values)
        if leaf is None:
            return None
        return leaf.methods, dict(zip(leaf.param_names, values, strict=True))

    def redirect_for(self, path: str, websocket: bool = False) -> str | None:
        """The path to redirect to (308) when only its trailing-slash form is a route, as Flask.

        A route declared ``/docs/`` answers ``/docs`` with a redirect; one declared ``/docs``
        does not answer ``/docs/``.  The caller re-appends the query string.
        """
        if path.endswith("/") or self.lookup(path, websocket) is not None:
            return None
        candidate = path + "/"
        return candidate if self.lookup(candidate, websocket) is not None else None

    # -- building URLs --------------------------------------------------------------------

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build the path of route ``name``; extra params go to the query string.

        ``_anchor`` becomes the fragment; a list value repeats its query key; ``None`` values
        are left out of the query string.
        """
        entry = self._names.get(name)
        if entry is None:
            close = difflib.get_close_matches(name, list(self._names), n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise URLBuildError(f"no route named {name!r}{hint}")
        anchor = params.pop("_anchor", None)
        parts: list[str] = []
        for segment in entry.pattern.segments:
            if isinstance(segment, Static):
                parts.append(quote(segment.value, safe=_SEGMENT_SAFE))
                continue
            if segment.name not in params:
                raise URLBuildError(
                    f"cannot build {entry.describe()}: missing parameter {segment.name!r}"
                )
            converter = self._converters[segment.converter]
            raw = _to_url(entry, segment, converter, params.pop(segment.name))
            safe = _SEGMENT_SAFE + "/" if converter.spans_segments else _SEGMENT_SAFE
            parts.append(quote(raw, safe=safe))
        url = "/" + "/".join(parts)
        query = _query_pairs(params)
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        if anchor is not None:
            url += "#" + quote(str(anchor), safe=_FRAGMENT_SAFE)
        return url

    # -- introspection --------------------------------------------------------------------

    def __iter__(self) -> Iterator[RouteEntry[T]]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names


def _normalize_methods(methods: Iterable[str], pattern: str) -> frozenset[str]:
    if isinstance(methods, str):
        raise ConfigurationError(
            f"methods for {pattern!r} must be a list of strings such as ['GET'], got {methods!r}"
        )
    verbs = frozenset(str(m).upper() for m in methods)
    if not verbs:
        raise ConfigurationError(f"route {pattern!r} answers no method; give methods=['GET', ...]")
    for verb in verbs:
        if not _METHOD.fullmatch(verb):
            raise ConfigurationError(f"route {pattern!r}: {verb!r} is not an HTTP method")
    return verbs


def _attach(leaf: _Leaf[T], entry: RouteEntry[T]) -> None:
    names = entry.pattern.param_names
    for other in leaf.entries:
        if other.pattern.param_names != names:
            raise ConfigurationError(
                f"routes {other.describe()} and {entry.describe()} match the same URLs but "
                f"name their parameters differently ({', '.join(other.pattern.param_names)} vs "
                f"{', '.join(names)}); use the same names in both patterns"
            )
        overlap = other.methods & entry.methods
        if overlap:
            raise ConfigurationError(
                f"duplicate route: {other.describe()} and {entry.describe()} both answer "
                f"{', '.join(sorted(overlap))} on the same URLs; remove one or split the methods"
            )
    leaf.entries.append(entry)
    leaf.param_names = names
    for verb in entry.methods:
        leaf.methods[verb] = entry.target


def _match(node: _Node[T], segments: list[str], index: int, values: list[Any]) -> _Leaf[T] | None:
    if index == len(segments):
        return node.leaf
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        found = _match(child, segments, index + 1, values)
        if found is not None:
            return found
    for edge in node.edges:
        converter = edge.converter
        if not converter.spans_segments:
            try:
                value = converter.to_python(segment)
            except ValueError:
                continue
            values.append(value)
            found = _match(edge.node, segments, index + 1, values)
            if found is not None:
                return found
            values.pop()
            continue
        found = _match_span(edge, segments, index, values)
        if found is not None:
            return found
    return None


def _match_span(
    edge: _Edge[T], segments: list[str], index: int, values: list[Any]
) -> _Leaf[T] | None:
    """Let a multi-segment converter take the shortest run of segments the rest can follow."""
    total = len(segments)
    below = edge.node
    first = max(index + 1, total - below.max_rest)  # _UNBOUNDED makes this index + 1
    last = total - below.min_rest
    for end in range(first, last + 1):
        try:
            value = edge.converter.to_python("/".join(segments[index:end]))
        except ValueError:
            continue
        values.append(value)
        found = _match(below, segments, end, values)
        if found is not None:
            return found
        values.pop()
    return None


def _to_url(entry: RouteEntry[Any], segment: Param, converter: Converter, value: Any) -> str:
    try:
        raw = converter.to_url(value)
        converter.to_python(raw)  # a URL the router would not match back is no URL at all
    except (ValueError, TypeError) as exc:
        raise URLBuildError(
            f"cannot build {entry.describe()}: the {segment.converter!r} converter refuses "
            f"{segment.name}={value!r} ({exc})"
        ) from exc
    pieces = raw.split("/")
    if not converter.spans_segments and len(pieces) > 1:
        raise URLBuildError(
            f"cannot build {entry.describe()}: {segment.name}={value!r} contains '/'"
        )
    if any(piece in {".", ".."} for piece in pieces):
        raise URLBuildError(
            f"cannot build {entry.describe()}: {segment.name}={value!r} is a dot segment "
            "that clients would normalise away"
        )
    return raw


def _query_pairs(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        items = value if isinstance(value, list | tuple) else (value,)
        pairs.extend((key, str(item)) for item in items if item is not None)
    return pairs
