"""The ``Pagination`` battery: ``page: LimitOffset`` and ``page: CursorParams`` in handlers.

It provides both parameter types (read from the query string, checked against the limits), and
teaches the app to return an :class:`OffsetPage` or :class:`CursorPage` as its JSON envelope.
Options left ``None`` come from settings ``pagination_<option>``
(``TRELLIS_PAGINATION_MAX_LIMIT=500``), else the defaults of :class:`PageOptions`.
"""

from __future__ import annotations

from typing import Any

from trellis.api.cursor import CursorPage, CursorParams, cursor_provider
from trellis.api.pagination import (
    DEFAULT_OPTIONS,
    LimitOffset,
    OffsetPage,
    limit_offset_provider,
    make_options,
)
from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.http.responses import JSONResponse

__all__ = ["Pagination"]

_OPTIONS = ("default_limit", "max_limit", "max_offset", "max_cursor_length", "absolute_links")


class Pagination:
    """``app.install(Pagination(default_limit=20, max_limit=100))``.

    Options: ``default_limit`` (20), ``max_limit`` (100: a larger ``?limit=`` is a 422),
    ``max_offset`` (2**31 - 1), ``max_cursor_length`` (1024), ``absolute_links`` (False:
    links are ``/path?query``), and the query parameter names ``limit_param``,
    ``offset_param``, ``cursor_param``.
    """

    def __init__(
        self,
        *,
        default_limit: int | None = None,
        max_limit: int | None = None,
        max_offset: int | None = None,
        max_cursor_length: int | None = None,
        absolute_links: bool | None = None,
        limit_param: str | None = None,
        offset_param: str | None = None,
        cursor_param: str | None = None,
    ) -> None:
        self._given: dict[str, Any] = {
            "default_limit": default_limit,
            "max_limit": max_limit,
            "max_offset": max_offset,
            "max_cursor_length": max_cursor_length,
            "absolute_links": absolute_links,
            "limit_param": limit_param,
            "offset_param": offset_param,
            "cursor_param": cursor_param,
        }
        self.options = DEFAULT_OPTIONS

    def install(self, app: Any) -> None:
        if app.extensions.get("pagination") is not None:
            raise ConfigurationError("Pagination is installed twice on this app; install it once")
        values = dict(self._given)
        for name in _OPTIONS:
            if values[name] is None:
                default = getattr(DEFAULT_OPTIONS, name)
                values[name] = setting(
                    app.settings, f"pagination_{name}", None, type(default) | None
                )
        self.options = options = make_options(**values)
        app.extensions["pagination"] = self

        app.provide(LimitOffset, limit_offset_provider(options))
        app.provide(CursorParams, cursor_provider(options))
        app.add_response_converter(OffsetPage, _envelope)
        app.add_response_converter(CursorPage, _envelope)


def _envelope(page: OffsetPage[Any] | CursorPage[Any], request: Any) -> JSONResponse:
    return JSONResponse(page.to_dict())
