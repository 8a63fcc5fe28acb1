"""Limit/offset pagination for JSON APIs: the parameters, the page envelope and its links.

``page: LimitOffset`` in a handler (with the :class:`~trellis.api.Pagination` battery installed)
reads ``?limit=&offset=``, refuses bad values with a 422 naming the parameter, and
``page.paginate(source, db)`` returns an :class:`OffsetPage` — the items plus ``count``,
``next`` and ``previous`` — and puts the same links in the response's ``Link`` header
(RFC 8288: ``first``, ``prev``, ``next``, ``last``).  ``source`` is a list (any sequence) or a
SQLAlchemy ``select()`` run on ``db`` (a ``Session``; ``await page.apaginate(stmt, db)`` for an
``AsyncSession``).  The HTML-page paginator is ``db.paginate()`` (``trellis.db``); this one is for
APIs, whose clients follow links instead of drawing page numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Generic, TypeVar, get_args
from urllib.parse import urlencode

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import CoreSchema, core_schema

from trellis.exceptions import ConfigurationError, RequestValidationError
from trellis.http.request import Request

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = [
    "LimitOffset",
    "OffsetEnvelope",
    "OffsetPage",
    "PageOptions",
    "limit_offset",
    "link_header",
]

T = TypeVar("T")
U = TypeVar("U")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")


@dataclass(frozen=True, slots=True)
class PageOptions:
    """The limits and names every paginated handler shares (the battery's options).

    ``max_offset`` keeps a client from asking the database to skip billions of rows (and from
    overflowing its OFFSET type); ``max_cursor_length`` bounds what a cursor may cost to decode.
    ``absolute_links`` builds ``https://host/path?...`` links from the request (trust the Host
    header only behind allowed-hosts checking); by default links are ``/path?...``.
    """

    default_limit: int = 20
    max_limit: int = 100
    max_offset: int = 2**31 - 1
    max_cursor_length: int = 1024
    absolute_links: bool = False
    limit_param: str = "limit"
    offset_param: str = "offset"
    cursor_param: str = "cursor"
    #: Extra per-app state (the cursor signer), filled by the battery.
    extras: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def openapi_parameters(self, *, cursor: bool) -> list[dict[str, Any]]:
        """The query parameters a paginated operation reads, as OpenAPI parameter objects.

        Set as ``__openapi_parameters__`` on the providers, so the openapi battery lists them:
        the values are read from the request inside the provider, where it cannot see them.
        """
        limit = {
            "name": self.limit_param,
            "in": "query",
            "required": False,
            "description": f"How many items per page (at most {self.max_limit}).",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": self.max_limit,
                "default": self.default_limit,
            },
        }
        if cursor:
            position = {
                "name": self.cursor_param,
                "in": "query",
                "required": False,
                "description": "Where the page starts: the cursor of a previous page's link.",
                "schema": {"type": "string", "maxLength": self.max_cursor_length},
            }
        else:
            position = {
                "name": self.offset_param,
                "in": "query",
                "required": False,
                "description": "How many items to skip.",
                "schema": {
                    "type": "integer",
                    "minimum": 0,
                    "maximum": self.max_offset,
                    "default": 0,
                },
            }
        return [limit, position]

    def __post_init__(self) -> None:
        if not 1 <= self.default_limit <= self.max_limit:
            raise ConfigurationError(
                f"pagination needs 1 <= default_limit <= max_limit, got default_limit="
                f"{self.default_limit} and max_limit={self.max_limit}"
            )
        if self.max_offset < 0 or self.max_cursor_length < 16:
            raise ConfigurationError("pagination max_offset must be >= 0, max_cursor_length >= 16")


DEFAULT_OPTIONS = PageOptions()


def make_options(**options: Any) -> PageOptions:
    """PageOptions from the given values (``None`` = default); a ``max_limit`` below the default
    ``default_limit`` lowers it too, so ``max_limit=10`` alone is enough."""
    given = {k: v for k, v in options.items() if v is not None}
    if "default_limit" not in given and "max_limit" in given:
        given["default_limit"] = min(DEFAULT_OPTIONS.default_limit, given["max_limit"])
    return replace(DEFAULT_OPTIONS, **given)


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within ``[low, high]``, or a 422 naming it."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not _INTEGER.fullmatch(text):
        _invalid(name, f"{name} must be a whole number", "int_parsing")
    value = int(text)
    if value < low:
        _invalid(name, f"{name} must be at least {low}", "greater_than_equal")
    if value > high:
        _invalid(name, f"{name} must be at most {high}", "less_than_equal")
    return value


def _invalid(name: str, message: str, kind: str) -> None:
    raise RequestValidationError(
        [{"location": "query", "field": name, "message": message, "type": kind}]
    )


def page_url(request: Request | None, options: PageOptions, **params: Any) -> str:
    """The current URL with the pagination parameters replaced (others, such as filters, kept);
    ``None`` values drop a parameter."""
    names = {options.limit_param, options.offset_param, options.cursor_param}
    kept: list[tuple[str, str]] = []
    path = ""
    if request is not None:
        kept = [(k, v) for k, v in request.query.items(multi=True) if k not in names]
        url = request.url
        path = url.path
        if options.absolute_links and url.netloc:
            path = f"{url.scheme}://{url.netloc}{path}"
    kept.extend((k, str(v)) for k, v in params.items() if v is not None)
    return f"{path}?{urlencode(kept)}" if kept else path or "?"


def link_header(links: dict[str, str]) -> str:
    """``<url>; rel="next", <url>; rel="prev"`` (RFC 8288)."""
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())


def add_link_header(request: Request | None, links: dict[str, str]) -> None:
    """Put ``links`` in the ``Link`` header of the response the handler is about to return."""
    if request is None or not links:
        return
    value = link_header(links)

    async def set_link(response: Any) -> None:
        response.headers.append("Link", value)

    request.before_send(set_link)


class OffsetEnvelope(BaseModel, Generic[T]):
    """The JSON shape of an :class:`OffsetPage` (what OpenAPI documents)."""

    items: list[T]
    count: int | None
    limit: int
    offset: int
    next: str | None
    previous: str | None


def envelope_schema(
    page_class: type, envelope: Any, source: Any, handler: GetCoreSchemaHandler
) -> CoreSchema:
    """A page as a response model: ``-> OffsetPage[BookOut]`` validates and filters each item
    through ``BookOut`` and documents the envelope."""
    args = get_args(source)
    model = envelope[args[0]] if args else envelope

    def to_envelope(value: Any) -> Any:
        to_dict = getattr(value, "to_dict", None) if isinstance(value, page_class) else None
        return to_dict() if to_dict is not None else value

    return core_schema.no_info_before_validator_function(to_envelope, handler(model))


class LinkedPage(Generic[T]):
    """What both page kinds share: the items and the RFC 8288 links to the neighbours."""

    __slots__ = ("items", "links")

    items: list[T]
    links: dict[str, str]

    @property
    def next(self) -> str | None:
        return self.links.get("next")

    @property
    def previous(self) -> str | None:
        return self.links.get("prev")

    def __iter__(self) -> Any:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class OffsetPage(LinkedPage[T]):
    """One page of a limit/offset listing; :meth:`to_dict` is the documented envelope::

        {"items": [...], "count": 42, "limit": 20, "offset": 20,
         "next": "/books?limit=20&offset=40", "previous": "/books?limit=20&offset=0"}

    ``count`` is the total number of results (``None`` when counting was turned off).
    """

    __slots__ = ("count", "limit", "offset")

    def __init__(
        self, items: list[T], *, count: int | None, limit: int, offset: int, links: dict[str, str]
    ) -> None:
        self.items = items
        self.count = count
        self.limit = limit
        self.offset = offset
        self.links = links

    def map(self, fn: Callable[[T], U]) -> OffsetPage[U]:
        """The same page with each item turned into what the client should see."""
        return OffsetPage(
            [fn(item) for item in self.items],
            count=self.count,
            limit=self.limit,
            offset=self.offset,
            links=self.links,
        )

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return envelope_schema(cls, OffsetEnvelope, source, handler)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "count": self.count,
            "limit": self.limit,
            "offset": self.offset,
            "next": self.next,
            "previous": self.previous,
        }

    def __repr__(self) -> str:
        return f"<OffsetPage offset={self.offset} limit={self.limit} of {self.count}>"


class LimitOffset:
    """``?limit=&offset=`` validated; a handler parameter (``page: LimitOffset``)."""

    __slots__ = ("limit", "offset", "options", "request")

    def __init__(
        self,
        limit: int | None = None,
        offset: int = 0,
        *,
        request: Request | None = None,
        options: PageOptions = DEFAULT_OPTIONS,
    ) -> None:
        self.limit = options.default_limit if limit is None else limit
        self.offset = offset
        self.request = request
        self.options = options

    @classmethod
    def from_request(cls, request: Request, options: PageOptions = DEFAULT_OPTIONS) -> LimitOffset:
        limit = query_int(request, options.limit_param, options.default_limit, 1, options.max_limit)
        offset = query_int(request, options.offset_param, 0, 0, options.max_offset)
        return cls(limit, offset, request=request, options=options)

    def paginate(
        self,
        source: Sequence[T] | Select[Any],
        db: Any = None,
        *,
        count: bool = True,
        links: bool = True,
    ) -> OffsetPage[Any]:
        """A page of ``source`` (a sequence, or a ``select()`` run on the sync session ``db``).

        ``count=False`` skips the ``COUNT(*)`` (big tables): ``count`` is then ``None``, there is
        no ``last`` link, and one extra row is fetched to know whether a next page exists.
        ``links=False`` leaves the response's ``Link`` header alone.
        """
        if isinstance(source, Sequence) and not isinstance(source, str | bytes):
            total: int | None = len(source)
            rows = list(source[self.offset : self.offset + self.limit + 1])
        else:
            if db is None:
                raise TypeError("paginate(select(...), db): a query needs the session to run on")
            from trellis.api.keyset import fetch_offset

            rows, total = fetch_offset(db, source, self.offset, self.limit + 1, count)
        return self._page(rows, total if count else None, links)

    async def apaginate(
        self,
        source: Sequence[T] | Select[Any],
        db: Any = None,
        *,
        count: bool = True,
        links: bool = True,
    ) -> OffsetPage[Any]:
        """:meth:`paginate` for an ``AsyncSession`` (the same queries, run through it)."""
        if db is None or isinstance(source, Sequence):
            return self.paginate(source, db, count=count, links=links)
        from trellis.api.keyset import fetch_offset

        rows, total = await db.run_sync(fetch_offset, source, self.offset, self.limit + 1, count)
        return self._page(rows, total if count else None, links)

    def _page(self, rows: list[Any], total: int | None, links: bool) -> OffsetPage[Any]:
        limit, offset = self.limit, self.offset
        has_next = len(rows) > limit
        items = rows[:limit]
        found = self._links(has_next, total)
        if links:
            add_link_header(self.request, found)
        return OffsetPage(items, count=total, limit=limit, offset=offset, links=found)

    def _links(self, has_next: bool, total: int | None) -> dict[str, str]:
        limit, offset, options = self.limit, self.offset, self.options
        names = (options.limit_param, options.offset_param)

        def url(to: int) -> str:
            return page_url(self.request, options, **dict(zip(names, (limit, to), strict=True)))

        found: dict[str, str] = {"first": url(0)}
        if offset > 0:
            found["prev"] = url(max(0, offset - limit))
        if has_next:
            found["next"] = url(offset + limit)
        if total is not None:
            # The last page in the same steps as next/prev from here.
            phase = offset % limit
            last = phase + ((total - 1 - phase) // limit) * limit if total > phase else 0
            found["last"] = url(min(last, options.max_offset))
        return found

    def __repr__(self) -> str:
        return f"LimitOffset(limit={self.limit}, offset={self.offset})"


def limit_offset(
    *, default_limit: int | None = None, max_limit: int | None = None, **options: Any
) -> Callable[[Request], Any]:
    """A dependency for one route with its own limits, without the battery.

    For example::

        def books(page: Annotated[LimitOffset, Depends(limit_offset(max_limit=50))]): ...
    """
    return limit_offset_provider(
        make_options(default_limit=default_limit, max_limit=max_limit, **options)
    )


def limit_offset_provider(options: PageOptions) -> Callable[[Request], Any]:
    """What fills a ``LimitOffset`` parameter under ``options`` (the battery's, or a route's),
    carrying the query parameters it reads for the openapi battery."""

    async def limit_offset_params(request: Request) -> LimitOffset:
        return LimitOffset.from_request(request, options)

    limit_offset_params.__openapi_parameters__ = options.openapi_parameters(  # type: ignore[attr-defined]
        cursor=False
    )
    return limit_offset_params
