"""API pagination, from docs/pagination.md: limit/offset and cursors, SQL and lists."""

from __future__ import annotations

import datetime as dt
from typing import Any

from trellis import App
from trellis.api import CursorPage, CursorParams, LimitOffset, OffsetPage, Pagination
from trellis.db import (
    AsyncSession,
    Database,
    DateTime,
    Mapped,
    Model,
    Session,
    String,
    mapped_column,
    select,
)


class Bookmark(Model):  # table "bookmark"
    url: Mapped[str] = mapped_column(String(200))
    saved: Mapped[dt.datetime] = mapped_column(DateTime)


def as_json(bookmark: Bookmark) -> dict[str, Any]:
    return {"id": bookmark.id, "url": bookmark.url, "saved": bookmark.saved.isoformat()}


TAGS = sorted(["python", "asgi", "sql", "http", "cors", "redis", "css", "html", "json"])


def create_app(url: str = "sqlite:///bookmarks.db") -> App:
    app = App()
    app.install(Database(url))
    app.install(Pagination(default_limit=10, max_limit=50))

    @app.get("/bookmarks")
    def bookmarks(db: Session, page: LimitOffset) -> OffsetPage[dict[str, Any]]:
        # ?limit=10&offset=20 -> {"items", "count", "limit", "offset", "next", "previous"}
        return page.paginate(select(Bookmark).order_by(Bookmark.id), db).map(as_json)

    @app.get("/feed")
    async def feed(db: AsyncSession, page: CursorParams) -> CursorPage[dict[str, Any]]:
        # newest first; the id breaks ties between bookmarks saved in the same second
        order = (Bookmark.saved.desc(), Bookmark.id.desc())
        found = await page.apaginate(select(Bookmark), db, order_by=order)
        return found.map(as_json)

    @app.get("/tags")
    def tags(page: LimitOffset) -> dict[str, Any]:
        return page.paginate(TAGS).to_dict()  # a plain dict works as well

    return app
