"""Cursor pagination for JSON APIs: opaque, signed cursors over a keyset.

A cursor is the sort key of the last (or first) row a client saw, so the next page starts right
after it however many rows were inserted or deleted before it — which limit/offset cannot do on
a busy table — and costs an index seek instead of skipping rows.

The cursor is URL-safe base64 of JSON (``{"v": [typed values], "d": "n"|"p", "f": ordering}``)
signed with itsdangerous: with the app's ``secret_key`` (and its fallbacks, so keys rotate),
tampering is detected; without one a fixed key is used, which still catches corruption and
hand-edits but not a forger who reads this source.  Any bad cursor is a 400, never a 500.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from itsdangerous import BadData, URLSafeSerializer
from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import CoreSchema

from trellis.api.pagination import (
    DEFAULT_OPTIONS,
    LinkedPage,
    PageOptions,
    add_link_header,
    envelope_schema,
    make_options,
    page_url,
    query_int,
)
from trellis.exceptions import BadRequest
from trellis.http.request import Request

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = ["Cursor", "CursorEnvelope", "CursorPage", "CursorParams", "cursor_params"]

T = TypeVar("T")
U = TypeVar("U")
_SALT = "trellis.api.cursor"
_UNSIGNED_KEY = "trellis-cursor-without-secret-key"
_SIGNER = "pagination.cursor_signer"


class Cursor(NamedTuple):
    """A decoded cursor: ``values`` of the sort key (None: from the end), which way to go, and
    the fingerprint of the ordering it was made for."""

    values: tuple[Any, ...] | None
    forward: bool
    ordering: str


def signer_for(app: Any) -> URLSafeSerializer:
    """The app's cursor serializer, made once from its secret key and fallbacks."""
    serializer: URLSafeSerializer | None = app.extensions.get(_SIGNER) if app else None
    if serializer is None:
        settings = getattr(app, "settings", None)
        key = getattr(settings, "secret_key", None)
        keys = [k.get_secret_value() for k in getattr(settings, "secret_key_fallbacks", [])]
        keys.append(key.get_secret_value() if key is not None else _UNSIGNED_KEY)
        serializer = URLSafeSerializer(keys, salt=_SALT)
        if app is not None:
            app.extensions[_SIGNER] = serializer
    return serializer


def _encode_value(value: Any) -> list[Any]:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        return ["f", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, dt.date):
        return ["d", value.isoformat()]
    if isinstance(value, dt.time):
        return ["t", value.isoformat()]
    if isinstance(value, Decimal):
        return ["n", str(value)]
    if isinstance(value, uuid.UUID):
        return ["u", str(value)]
    raise TypeError(f"cursor pagination cannot put a {type(value).__name__} sort key in a cursor")


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "b": lambda v: v if isinstance(v, bool) else _bad(),
    "i": lambda v: v if isinstance(v, int) and not isinstance(v, bool) else _bad(),
    "f": lambda v: float(v) if isinstance(v, int | float) else _bad(),
    "s": lambda v: v if isinstance(v, str) else _bad(),
    "dt": dt.datetime.fromisoformat,
    "d": dt.date.fromisoformat,
    "t": dt.time.fromisoformat,
    "n": Decimal,
    "u": uuid.UUID,
}


def _bad() -> Any:
    raise ValueError("bad cursor value")


def encode_cursor(
    serializer: URLSafeSerializer, values: tuple[Any, ...] | None, forward: bool, ordering: str
) -> str:
    payload = {
        "v": None if values is None else [_encode_value(v) for v in values],
        "d": "n" if forward else "p",
        "f": ordering,
    }
    return str(serializer.dumps(payload))


def decode_cursor(serializer: URLSafeSerializer, text: str, max_length: int) -> Cursor:
    """The cursor in ``text``; a 400 for anything this app did not make."""
    if len(text) > max_length:
        raise BadRequest(f"Invalid cursor: longer than {max_length} characters")
    try:
        payload = serializer.loads(text)
        raw = payload["v"]
        values = None if raw is None else tuple(_DECODERS[tag](value) for tag, value in raw)
        direction, ordering = payload["d"], payload["f"]
        if direction not in ("n", "p") or not isinstance(ordering, str):
            raise ValueError(direction)
    except (BadData, KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise BadRequest("Invalid cursor: use the next or previous link as given") from exc
    return Cursor(values, direction == "n", ordering)


class CursorEnvelope(BaseModel, Generic[T]):
    """The JSON shape of a :class:`CursorPage` (what OpenAPI documents)."""

    items: list[T]
    limit: int
    next: str | None
    previous: str | None
    next_cursor: str | None
    previous_cursor: str | None


class CursorPage(LinkedPage[T]):
    """One page of a cursor listing.

    :meth:`to_dict` is the documented envelope::

        {"items": [...], "limit": 20,
         "next": "/events?limit=20&cursor=eyJ2...", "previous": null,
         "next_cursor": "eyJ2...", "previous_cursor": null}
    """

    __slots__ = ("limit", "next_cursor", "previous_cursor")

    def __init__(
        self,
        items: list[T],
        *,
        limit: int,
        next_cursor: str | None,
        previous_cursor: str | None,
        links: dict[str, str],
    ) -> None:
        self.items = items
        self.limit = limit
        self.next_cursor = next_cursor
        self.previous_cursor = previous_cursor
        self.links = links

    def map(self, fn: Callable[[T], U]) -> CursorPage[U]:
        return CursorPage(
            [fn(item) for item in self.items],
            limit=self.limit,
            next_cursor=self.next_cursor,
            previous_cursor=self.previous_cursor,
            links=self.links,
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return envelope_schema(cls, CursorEnvelope, source, handler)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "limit": self.limit,
            "next": self.next,
            "previous": self.previous,
            "next_cursor": self.next_cursor,
            "previous_cursor": self.previous_cursor,
        }


class CursorParams:
    """``?limit=&cursor=`` validated; a handler parameter (``page: CursorParams``)."""

    __slots__ = ("cursor", "limit", "options", "request", "serializer")

    def __init__(
        self,
        limit: int | None = None,
        cursor: Cursor | None = None,
        *,
        request: Request | None = None,
        options: PageOptions = DEFAULT_OPTIONS,
    ) -> None:
        self.limit = options.default_limit if limit is None else limit
        self.cursor = cursor
        self.request = request
        self.options = options
        self.serializer = signer_for(request.scope.get("app") if request is not None else None)

    @classmethod
    def from_request(cls, request: Request, options: PageOptions = DEFAULT_OPTIONS) -> CursorParams:
        limit = query_int(request, options.limit_param, options.default_limit, 1, options.max_limit)
        raw = request.query.get(options.cursor_param)
        params = cls(limit, None, request=request, options=options)
        if raw:
            params.cursor = decode_cursor(params.serializer, raw, options.max_cursor_length)
        return params

    def paginate(
        self,
        source: Sequence[T] | Select[Any],
        db: Any = None,
        *,
        order_by: Any = None,
        key: Callable[[T], Any] | None = None,
        descending: bool = False,
        links: bool = True,
    ) -> CursorPage[Any]:
        """A page of ``source``: a ``select()`` run on the sync session ``db`` in the order
        ``order_by`` (columns, ``.desc()`` allowed, unique as a whole, e.g.
        ``(Post.created.desc(), Post.id.desc())``), or a sequence already sorted by ``key(item)``
        (a tuple), ``descending`` if so."""
        if isinstance(source, Sequence) and not isinstance(source, str | bytes):
            if key is None:
                raise TypeError("paginate(items, key=...): a list needs the key it is sorted by")
            return self._from_list(source, key, descending, links)
        if db is None or order_by is None:
            raise TypeError("paginate(select(...), db, order_by=(...)) needs the session and order")
        from trellis.api.keyset import fetch_cursor, fingerprint, key_values, sort_keys

        keys = sort_keys(order_by)
        values, forward = self._position(fingerprint(keys))
        rows = fetch_cursor(db, source, keys, values, forward, self.limit + 1)
        return self._page(rows, lambda item: key_values(item, keys), fingerprint(keys), links)

    async def apaginate(
        self, source: Select[Any], db: Any, *, order_by: Any, links: bool = True
    ) -> CursorPage[Any]:
        """:meth:`paginate` for an ``AsyncSession``."""
        from trellis.api.keyset import fetch_cursor, fingerprint, key_values, sort_keys

        keys = sort_keys(order_by)
        values, forward = self._position(fingerprint(keys))
        rows = await db.run_sync(fetch_cursor, source, keys, values, forward, self.limit + 1)
        return self._page(rows, lambda item: key_values(item, keys), fingerprint(keys), links)

    def _position(self, ordering: str) -> tuple[tuple[Any, ...] | None, bool]:
        cursor = self.cursor
        if cursor is None:
            return None, True
        if cursor.ordering != ordering:
            raise BadRequest("Invalid cursor: it was made for another listing")
        return cursor.values, cursor.forward

    def _from_list(
        self, items: Sequence[T], key: Callable[[T], Any], descending: bool, links: bool
    ) -> CursorPage[Any]:
        ordering = f"list:{'desc' if descending else 'asc'}"
        values, forward = self._position(ordering)
        keyed = [(tuple(_as_tuple(key(item))), item) for item in items]
        if values is not None:
            try:
                after = forward != descending
                keyed = [(k, i) for k, i in keyed if (k > values if after else k < values)]
            except TypeError as exc:  # a cursor whose values do not compare with these keys
                raise BadRequest("Invalid cursor: it was made for another listing") from exc
        if not forward:
            keyed = keyed[-(self.limit + 1) :]
        rows = [item for _, item in keyed[: self.limit + 1]]
        return self._page(rows, lambda item: _as_tuple(key(item)), ordering, links)

    def _page(
        self,
        rows: list[Any],
        values_of: Callable[[Any], tuple[Any, ...]],
        ordering: str,
        links: bool,
    ) -> CursorPage[Any]:
        limit, cursor = self.limit, self.cursor
        forward = cursor is None or cursor.forward
        more = len(rows) > limit
        if forward:
            items = rows[:limit]
            has_next, has_prev = more, cursor is not None
        else:
            items = rows[-limit:] if more else rows
            has_next, has_prev = cursor is not None and cursor.values is not None, more
        encode = self.serializer
        next_cursor = (
            encode_cursor(encode, values_of(items[-1]), True, ordering)
            if has_next and items
            else None
        )
        prev_cursor = (
            encode_cursor(encode, values_of(items[0]), False, ordering)
            if has_prev and items
            else None
        )
        found = self._links(next_cursor, prev_cursor, has_next, ordering)
        if links:
            add_link_header(self.request, found)
        return CursorPage(
            items, limit=limit, next_cursor=next_cursor, previous_cursor=prev_cursor, links=found
        )

    def _links(
        self, next_cursor: str | None, prev_cursor: str | None, has_next: bool, ordering: str
    ) -> dict[str, str]:
        options, limit = self.options, self.limit
        limit_name, cursor_name = options.limit_param, options.cursor_param

        def url(cursor: str | None) -> str:
            return page_url(self.request, options, **{limit_name: limit, cursor_name: cursor})

        found = {"first": url(None)}
        if prev_cursor is not None:
            found["prev"] = url(prev_cursor)
        if next_cursor is not None:
            found["next"] = url(next_cursor)
        if has_next:  # the last page: backwards from the end
            found["last"] = url(encode_cursor(self.serializer, None, False, ordering))
        return found

    def __repr__(self) -> str:
        return f"CursorParams(limit={self.limit}, cursor={self.cursor!r})"


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)


def cursor_params(
    *, default_limit: int | None = None, max_limit: int | None = None, **options: Any
) -> Callable[[Request], Any]:
    """A dependency for one route with its own limits, without the battery."""
    return cursor_provider(
        make_options(default_limit=default_limit, max_limit=max_limit, **options)
    )


def cursor_provider(options: PageOptions) -> Callable[[Request], Any]:
    """What fills a ``CursorParams`` parameter under ``options`` (the battery's, or a route's),
    carrying the query parameters it reads for the openapi battery."""

    async def cursor_page_params(request: Request) -> CursorParams:
        return CursorParams.from_request(request, options)

    cursor_page_params.__openapi_parameters__ = options.openapi_parameters(  # type: ignore[attr-defined]
        cursor=True
    )
    return cursor_page_params
