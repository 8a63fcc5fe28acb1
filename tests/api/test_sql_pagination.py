"""Both paginators over SQLAlchemy selects on SQLite, PostgreSQL and MariaDB, sync and async."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.api.models import FeedEvent

from trellis import App
from trellis.api import CursorParams, LimitOffset
from trellis.api.keyset import sort_keys
from trellis.db import AsyncSession, Database, Session, select
from trellis.exceptions import ConfigurationError
from trellis.testing import TestClient

START = dt.datetime(2024, 3, 1, 9, 0, 0)
NEWEST_FIRST = (FeedEvent.created.desc(), FeedEvent.id.desc())


def seed(app: App, count: int = 10) -> None:
    """Events 1..count, two per minute, so the created time alone does not order them."""
    with Database.of(app).session() as db:
        db.add_all(
            FeedEvent(created=START + dt.timedelta(minutes=i // 2), title=f"e{i}")
            for i in range(1, count + 1)
        )


def routes(app: App) -> None:
    @app.get("/offset")
    def offset(db: Session, page: LimitOffset) -> dict[str, Any]:
        stmt = select(FeedEvent).order_by(FeedEvent.id)
        return page.paginate(stmt, db).map(lambda e: e.title).to_dict()

    @app.get("/offset-newest")
    def offset_newest(db: Session, page: LimitOffset) -> dict[str, Any]:
        stmt = select(FeedEvent).order_by(*NEWEST_FIRST)
        return page.paginate(stmt, db).map(lambda e: e.title).to_dict()

    @app.get("/offset-async")
    async def offset_async(db: AsyncSession, page: LimitOffset) -> dict[str, Any]:
        stmt = select(FeedEvent).order_by(FeedEvent.id)
        return (await page.apaginate(stmt, db, count=False)).map(lambda e: e.title).to_dict()

    @app.get("/feed")
    def feed(db: Session, page: CursorParams) -> dict[str, Any]:
        found = page.paginate(select(FeedEvent), db, order_by=NEWEST_FIRST)
        return found.map(lambda e: e.title).to_dict()

    @app.get("/feed-async")
    async def feed_async(db: AsyncSession, page: CursorParams) -> dict[str, Any]:
        found = await page.apaginate(select(FeedEvent), db, order_by=NEWEST_FIRST)
        return found.map(lambda e: e.title).to_dict()

    @app.get("/rows")
    def rows(db: Session, page: CursorParams) -> dict[str, Any]:
        stmt = select(FeedEvent.id, FeedEvent.title).where(FeedEvent.title != "e3")
        found = page.paginate(stmt, db, order_by=(FeedEvent.id,))
        return found.map(lambda row: row.title).to_dict()


@pytest.fixture
def app(make_app: Callable[[], App]) -> App:
    app = make_app()
    seed(app)
    routes(app)
    return app


def titles(client: TestClient, url: str, direction: str = "next") -> list[list[str]]:
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        url = response.json()[direction]
    return pages


def test_limit_offset_counts_and_links(app: App) -> None:
    with TestClient(app) as client:
        response = client.get("/offset?limit=3&offset=3")
        body = response.json()
        assert body["items"] == ["e4", "e5", "e6"]
        assert body["count"] == 10
        assert body["next"] == "/offset?limit=3&offset=6"
        assert 'rel="last"' in response.headers["link"]
        assert titles(client, "/offset-async?limit=4") == [
            ["e1", "e2", "e3", "e4"],
            ["e5", "e6", "e7", "e8"],
            ["e9", "e10"],
        ]
        assert client.get("/offset-async").json()["count"] is None


@pytest.mark.parametrize("path", ["/feed", "/feed-async"])
def test_cursor_walks_both_ways_with_ties_on_the_first_key(app: App, path: str) -> None:
    newest_first = [f"e{i}" for i in range(10, 0, -1)]
    with TestClient(app) as client:
        forward = titles(client, path)
        assert forward == [newest_first[0:4], newest_first[4:8], newest_first[8:]]
        last_link = client.get(path).headers["link"].split(", ")[-1]
        backward = titles(client, last_link.split(";")[0].strip("<>"), "previous")
    assert backward == [newest_first[6:], newest_first[2:6], newest_first[:2]]


def test_cursor_pages_are_stable_under_inserts(app: App) -> None:
    with TestClient(app) as client:
        first_cursor = client.get("/feed").json()
        first_offset = client.get("/offset-newest").json()
        assert first_cursor["items"] == first_offset["items"] == ["e10", "e9", "e8", "e7"]
        # newer events arrive at the top of the feed
        with Database.of(app).session() as db:
            db.add_all(
                FeedEvent(created=START + dt.timedelta(hours=1, minutes=i), title=f"new{i}")
                for i in range(3)
            )
        second_cursor = client.get(first_cursor["next"]).json()["items"]
        assert second_cursor == ["e6", "e5", "e4", "e3"]  # right after e7, as if nothing came
        # the offset listing shows three of the first page again: the rows moved under it
        assert client.get(first_offset["next"]).json()["items"] == ["e9", "e8", "e7", "e6"]


def test_a_select_of_columns_gives_rows(app: App) -> None:
    with TestClient(app) as client:
        pages = titles(client, "/rows?limit=4")
    assert pages == [["e1", "e2", "e4", "e5"], ["e6", "e7", "e8", "e9"], ["e10"]]


def test_bad_cursors_on_sql_listings_are_400(app: App) -> None:
    with TestClient(app) as client:
        rows_cursor = client.get("/rows").json()["next_cursor"]
        assert client.get("/feed", params={"cursor": rows_cursor}).status_code == 400
        assert client.get("/feed", params={"cursor": "garbage"}).status_code == 400


def test_orders_a_cursor_cannot_continue_from_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="unique"):
        sort_keys((FeedEvent.created.desc(),))
    with pytest.raises(ConfigurationError, match="table columns"):
        sort_keys((FeedEvent.created + dt.timedelta(1),))
    with pytest.raises(ConfigurationError, match="needs order_by"):
        sort_keys(())
    assert [k.descending for k in sort_keys((FeedEvent.title, FeedEvent.id.desc()))] == [
        False,
        True,
    ]


def test_a_null_sort_key_is_a_configuration_error(app: App) -> None:
    with Database.of(app).session() as db:
        db.add(FeedEvent(created=START, title="x", note=None))
    with Database.of(app).session() as db:
        page = CursorParams(limit=2)
        with pytest.raises(ConfigurationError, match="NULL"):
            page.paginate(select(FeedEvent), db, order_by=(FeedEvent.note, FeedEvent.id))
