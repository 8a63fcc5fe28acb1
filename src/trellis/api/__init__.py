"""Tools for JSON APIs: limit/offset and cursor pagination with ``Link`` headers.

``app.install(Pagination())`` lets handlers ask for ``page: LimitOffset`` or
``page: CursorParams`` and return ``page.paginate(select(...), db)``.  See ``docs/pagination.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.api.battery import Pagination
    from trellis.api.cursor import Cursor, CursorEnvelope, CursorPage, CursorParams, cursor_params
    from trellis.api.pagination import (
        LimitOffset,
        OffsetEnvelope,
        OffsetPage,
        PageOptions,
        limit_offset,
        link_header,
    )

__all__ = [
    "Cursor",
    "CursorEnvelope",
    "CursorPage",
    "CursorParams",
    "LimitOffset",
    "OffsetEnvelope",
    "OffsetPage",
    "PageOptions",
    "Pagination",
    "cursor_params",
    "limit_offset",
    "link_header",
]

_WHERE = {
    "Pagination": "trellis.api.battery",
    "Cursor": "trellis.api.cursor",
    "CursorEnvelope": "trellis.api.cursor",
    "CursorPage": "trellis.api.cursor",
    "CursorParams": "trellis.api.cursor",
    "cursor_params": "trellis.api.cursor",
    "LimitOffset": "trellis.api.pagination",
    "OffsetEnvelope": "trellis.api.pagination",
    "OffsetPage": "trellis.api.pagination",
    "PageOptions": "trellis.api.pagination",
    "limit_offset": "trellis.api.pagination",
    "link_header": "trellis.api.pagination",
}

__getattr__ = lazy_exports(__name__, _WHERE)
