"""Runs docs/examples/pagination.py on SQLite: offset pages, a cursor feed, a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs.examples.pagination import Bookmark, create_app

from trellis.db import Database, Model
from trellis.testing import TestClient

NOON = dt.datetime(2024, 6, 1, 12, 0, 0)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(f"sqlite:///{tmp_path / 'bookmarks.db'}")
    database = Database.of(app)
    Model.metadata.create_all(database.sync_engine(), tables=[Bookmark.__table__])  # type: ignore[attr-defined]
    with database.session() as db:
        db.add_all(
            Bookmark(url=f"https://example.com/{i}", saved=NOON + dt.timedelta(seconds=i // 2))
            for i in range(1, 26)
        )
    with TestClient(app) as client:
        yield client
    database.engines().dispose_sync()


def test_offset_pages_with_links(client: TestClient) -> None:
    response = client.get("/bookmarks", params={"limit": 10, "offset": 10})
    body = response.json()
    assert [b["id"] for b in body["items"]] == list(range(11, 21))
    assert body["count"] == 25
    assert body["next"] == "/bookmarks?limit=10&offset=20"
    assert body["previous"] == "/bookmarks?limit=10&offset=0"
    assert '</bookmarks?limit=10&offset=20>; rel="last"' in response.headers["link"]
    too_many = client.get("/bookmarks?limit=51", headers={"accept": "application/json"})
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["message"] == "limit must be at most 50"


def test_the_cursor_feed_newest_first(client: TestClient) -> None:
    seen: list[int] = []
    url: str | None = "/feed?limit=7"
    while url:
        body = client.get(url).json()
        seen.extend(b["id"] for b in body["items"])
        url = body["next"]
    assert seen == list(range(25, 0, -1))
    assert client.get("/feed?cursor=tampered").status_code == 400


def test_a_list(client: TestClient) -> None:
    body = client.get("/tags?limit=4&offset=8").json()
    assert body == {
        "items": ["sql"],
        "count": 9,
        "limit": 4,
        "offset": 8,
        "next": None,
        "previous": "/tags?limit=4&offset=4",
    }
