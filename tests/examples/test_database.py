"""Runs the docs/database.md example app against SQLite, with the plugin's fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docs.examples.database import Author, Post, create_app

from trellis import App
from trellis.db import Database, Model, Session, select
from trellis.testing import TestClient


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    app = create_app(f"sqlite:///{tmp_path / 'blog.db'}")
    database = Database.of(app)
    Model.metadata.create_all(
        database.sync_engine(),
        tables=[Author.__table__, Post.__table__],  # type: ignore[attr-defined]
    )
    yield app
    database.engines().dispose_sync()


def test_a_blog_end_to_end(client: TestClient) -> None:
    assert client.post("/authors/ann").json() == {"created": "ann"}
    assert client.post("/authors/ann").status_code == 409  # the failed commit is answered
    for title in ("Hello", "Second post", "Hello again"):
        assert client.post("/authors/ann/posts", params={"title": title}).status_code == 200
    assert client.post("/authors/nobody/posts", params={"title": "x"}).status_code == 404
    first = client.get("/posts").json()
    assert first == {"titles": ["Hello", "Second post"], "page": 1, "pages": 2, "links": [1, 2]}
    assert client.get("/posts", params={"q": "E", "page": 2}).json()["titles"] == ["Hello again"]
    assert client.get("/posts", params={"page": 3}).status_code == 404
    assert client.get("/by/ann").json() == ["Hello", "Second post", "Hello again"]
    assert client.post("/posts/1/retitle", params={"title": "Hi"}).json() == {"title": "Hi"}
    assert client.post("/posts/99/retitle", params={"title": "x"}).status_code == 404


def test_app_db_sees_what_requests_wrote_and_undoes_it(app_db: Session, app: App) -> None:
    app_db.add(Author(username="seeded"))
    app_db.flush()
    with TestClient(app) as client:
        assert client.post("/authors/seeded/posts", params={"title": "T"}).status_code == 200
    assert app_db.scalars(select(Post.title)).all() == ["T"]


def test_db_is_rolled_back_after_each_test(db: Session) -> None:
    assert db.scalars(select(Author)).all() == []  # the previous tests left nothing
    db.add(Author(username="temp"))
    db.commit()
