"""The small value types every request and response passes around.

They are built for the hot path: ``Headers`` wraps the ASGI header list without copying it and
only builds its lookup table when first asked, ``URL`` splits itself on first use, and nothing
here does I/O except :class:`UploadFile`, whose disk work goes to the thread pool.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator, Mapping
from os import PathLike
from tempfile import SpooledTemporaryFile, TemporaryFile
from typing import IO, Any, NamedTuple, TypeVar
from urllib.parse import SplitResult, urlencode, urlsplit

from trellis.concurrency import run_sync

__all__ = [
    "URL",
    "Address",
    "FormData",
    "Headers",
    "MultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
]

V = TypeVar("V")
RawHeaders = list[tuple[bytes, bytes]]


class Address(NamedTuple):
    host: str
    port: int


class Headers(Mapping[str, str]):
    """Case-insensitive, multi-valued, read-only view over ASGI ``[(name, value), ...]`` bytes.

    ``headers[name]`` and ``get`` give the first value; ``getlist`` gives all of them; ``items()``
    gives every line in order, repeats included, because that is what a proxy or a test wants.
    """

    __slots__ = ("_index", "_raw")

    def __init__(
        self,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        *,
        raw: RawHeaders | None = None,
    ) -> None:
        if raw is not None:
            self._raw = raw  # shared, not copied: constructing from a scope costs nothing
        elif headers is None:
            self._raw = []
        else:
            pairs = headers.items() if isinstance(headers, Mapping) else headers
            self._raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]
        self._index: dict[str, list[str]] | None = None

    @property
    def raw(self) -> RawHeaders:
        return self._raw

    def _lookup(self) -> dict[str, list[str]]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self._raw:
                index.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
            self._index = index
        return index

    def __getitem__(self, key: str) -> str:
        return self._lookup()[key.lower()][0]

    def get(self, key: str, default: Any = None) -> Any:
        values = self._lookup().get(key.lower())
        return values[0] if values else default

    def getlist(self, key: str) -> list[str]:
        return list(self._lookup().get(key.lower(), ()))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._lookup()

    def __iter__(self) -> Iterator[str]:
        return iter(self._lookup())

    def __len__(self) -> int:
        return len(self._lookup())

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._raw]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return sorted(self.items()) == sorted(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.items()!r})"


class MutableHeaders(Headers):
    """A view that edits a raw header list in place, so a response can hand it to ASGI as is.

    It never caches a lookup table: the list it wraps may also be changed directly by its owner.
    """

    __slots__ = ()

    def _lookup(self) -> dict[str, list[str]]:
        index: dict[str, list[str]] = {}
        for name, value in self._raw:
            index.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        return index

    def __getitem__(self, key: str) -> str:
        wanted = key.lower().encode("latin-1")
        for name, value in self._raw:
            if name.lower() == wanted:
                return value.decode("latin-1")
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        wanted = key.lower().encode("latin-1")
        return any(name.lower() == wanted for name, _ in self._raw)

    def __setitem__(self, key: str, value: str) -> None:
        """Replace every line called ``key`` with one line, kept where the first one was."""
        name = _encode_name(key)
        encoded = _encode_value(value)
        position = None
        for i in reversed(range(len(self._raw))):
            if self._raw[i][0].lower() == name:
                del self._raw[i]
                position = i
        if position is None:
            self._raw.append((name, encoded))
        else:
            self._raw.insert(position, (name, encoded))

    def __delitem__(self, key: str) -> None:
        name = key.lower().encode("latin-1")
        kept = [item for item in self._raw if item[0].lower() != name]
        if len(kept) == len(self._raw):
            raise KeyError(key)
        self._raw[:] = kept

    def append(self, key: str, value: str) -> None:
        self._raw.append((_encode_name(key), _encode_value(value)))

    def setdefault(self, key: str, value: str) -> str:
        existing: str | None = self.get(key)
        if existing is not None:
            return existing
        self.append(key, value)
        return value

    def update(self, other: Mapping[str, str] | Iterable[tuple[str, str]] = (), /) -> None:
        pairs = other.items() if isinstance(other, Mapping) else other
        for key, value in pairs:
            self[key] = value


def _encode_name(key: str) -> bytes:
    name = key.lower().encode("latin-1")
    if not name or any(c in name for c in b" \t\r\n:"):
        raise ValueError(f"invalid header name: {key!r}")
    return name


def _encode_value(value: str) -> bytes:
    if "\r" in value or "\n" in value or "\0" in value:
        # a newline in a header value would let a caller inject headers into the response
        raise ValueError(f"header values must not contain CR, LF or NUL: {value!r}")
    return value.encode("latin-1")


class MultiDict(Mapping[str, V]):
    """An immutable mapping where a key may repeat: ``[key]`` gives the first value."""

    __slots__ = ("_dict", "_list")

    def __init__(self, items: Mapping[str, V] | Iterable[tuple[str, V]] | None = None) -> None:
        if items is None:
            pairs: list[tuple[str, V]] = []
        elif isinstance(items, MultiDict):
            pairs = items.items(multi=True)
        elif isinstance(items, Mapping):
            pairs = list(items.items())
        else:
            pairs = list(items)
        self._list = pairs
        first: dict[str, V] = {}
        for key, value in pairs:
            first.setdefault(key, value)
        self._dict = first

    def __getitem__(self, key: str) -> V:
        return self._dict[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def getlist(self, key: str) -> list[V]:
        return [v for k, v in self._list if k == key]

    def items(self, multi: bool = False) -> list[tuple[str, V]]:  # type: ignore[override]
        """Pairs of (key, first value), or every pair in order with ``multi=True``."""
        return list(self._list) if multi else list(self._dict.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MultiDict):
            return NotImplemented
        return sorted(self._list, key=_first) == sorted(other._list, key=_first)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


class QueryParams(MultiDict[str]):
    """The query string; a ``str`` or ``bytes`` argument is parsed strictly (400 on bad bytes)."""

    __slots__ = ()

    def __init__(
        self,
        items: str | bytes | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        if isinstance(items, str | bytes):
            from trellis.http.query import parse_query

            items = parse_query(items)
        super().__init__(items)

    def __str__(self) -> str:
        return urlencode(self._list)


class UploadFile:
    """An uploaded file: in memory up to ``spool_max_size``, then in a temporary file on disk.

    ``filename`` is what the client sent, reduced to its last path component; never use it as a
    path on the server without cleaning it for your own purpose.
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        filename: str | None = None,
        content_type: str | None = None,
        headers: Headers | None = None,
        size: int = 0,
    ) -> None:
        self.file = file
        self.filename = filename
        self.content_type = content_type
        self.headers = headers if headers is not None else Headers()
        self.size = size

    @classmethod
    def spooled(cls, spool_max_size: int, **kwargs: Any) -> UploadFile:
        """A new, empty upload; ``spool_max_size <= 0`` means straight to disk."""
        if spool_max_size <= 0:
            # SpooledTemporaryFile reads max_size=0 as "never roll over", the opposite of intent
            return cls(TemporaryFile(), **kwargs)
        return cls(SpooledTemporaryFile(max_size=spool_max_size), **kwargs)

    @property
    def _in_memory(self) -> bool:
        # SpooledTemporaryFile exposes no public flag; a plain file is treated as on disk.
        return not getattr(self.file, "_rolled", True)

    async def write(self, data: bytes) -> None:
        self.size += len(data)
        limit = _max_size(self.file)
        if self._in_memory and (not limit or self.file.tell() + len(data) <= limit):
            self.file.write(data)
        else:
            await run_sync(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        if self._in_memory:
            return self.file.read(size)
        return await run_sync(self.file.read, size)

    async def seek(self, offset: int) -> None:
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_sync(self.file.seek, offset)

    async def close(self) -> None:
        if self._in_memory:
            self.file.close()
        else:
            await run_sync(self.file.close)

    def save(self, destination: str | PathLike[str] | IO[bytes]) -> None:
        """Copy the whole upload to a path or an open binary file (blocking; see ``asave``)."""
        self.file.seek(0)
        if isinstance(destination, str | PathLike):
            with open(destination, "wb") as out:
                shutil.copyfileobj(self.file, out)
        else:
            shutil.copyfileobj(self.file, destination)
        self.file.seek(0)

    async def asave(self, destination: str | PathLike[str] | IO[bytes]) -> None:
        await run_sync(self.save, destination)

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, content_type={self.content_type!r}, "
            f"size={self.size})"
        )


def _max_size(file: IO[bytes]) -> int:
    return int(getattr(file, "_max_size", 0))


class FormData(MultiDict[str | UploadFile]):
    """A parsed form: text fields as ``str``, files as :class:`UploadFile`."""

    __slots__ = ()

    async def close(self) -> None:
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


class URL:
    """A URL string that splits itself into parts on first use."""

    __slots__ = ("_parts", "_url")

    def __init__(self, url: str = "") -> None:
        self._url = url
        self._parts: SplitResult | None = None

    @classmethod
    def from_scope(cls, scope: Mapping[str, Any]) -> URL:
        scheme = scope.get("scheme", "http")
        root_path: str = scope.get("root_path", "")
        path: str = scope["path"]
        if root_path and not path.startswith(root_path):
            path = root_path + path
        query: bytes = scope.get("query_string", b"")
        host = None
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
                break
        if host is None:
            server = scope.get("server")
            if server is None:
                return cls(path + ("?" + query.decode("latin-1") if query else ""))
            host_name, port = server
            default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
            host = host_name if port == default else f"{host_name}:{port}"
        url = f"{scheme}://{host}{_quote_path(path)}"
        if query:
            url += "?" + query.decode("latin-1")
        return cls(url)

    @property
    def _split(self) -> SplitResult:
        if self._parts is None:
            self._parts = urlsplit(self._url)
        return self._parts

    @property
    def scheme(self) -> str:
        return self._split.scheme

    @property
    def netloc(self) -> str:
        return self._split.netloc

    @property
    def path(self) -> str:
        return self._split.path

    @property
    def query(self) -> str:
        return self._split.query

    @property
    def fragment(self) -> str:
        return self._split.fragment

    @property
    def hostname(self) -> str | None:
        return self._split.hostname

    @property
    def port(self) -> int | None:
        try:
            return self._split.port
        except ValueError:  # a client-sent Host like "example.com:abc"
            return None

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **parts: str) -> URL:
        """A copy with some of ``scheme``, ``netloc``, ``path``, ``query``, ``fragment`` changed."""
        return URL(self._split._replace(**parts).geturl())

    def include_query_params(self, **params: Any) -> URL:
        """A copy whose query has ``params`` set, replacing any values those keys had."""
        kept = [(k, v) for k, v in QueryParams(self.query).items(multi=True) if k not in params]
        kept += [(k, str(v)) for k, v in params.items()]
        return self.replace(query=urlencode(kept))

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        return f"URL({self._url!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)


_SAFE_PATH = frozenset(
    b"/!$&'()*+,;=:@-._~abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)


def _quote_path(path: str) -> str:
    if path.isascii() and all(ord(c) in _SAFE_PATH for c in path):
        return path
    return "".join(
        chr(b) if b in _SAFE_PATH else f"%{b:02X}" for b in path.encode("utf-8", "surrogateescape")
    )


class State:
    """An attribute bag for per-request values set by middleware, hooks and batteries."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        object.__setattr__(self, "_values", dict(values or {}))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"'State' has no attribute {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self._values[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._values[name]
        except KeyError:
            raise AttributeError(f"'State' has no attribute {name!r}") from None

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        return self._values.get(name, default)

    def __repr__(self) -> str:
        return f"State({self._values!r})"
