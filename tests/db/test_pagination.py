"""Pages and their links, then paginate() on every backend with 404s for impossible pages."""

from __future__ import annotations

from typing import Any

import pytest
from tests.db.models_for_tests import Writer

from trellis import App
from trellis.db import Database, Page, Session, select
from trellis.exceptions import NotFound
from trellis.testing import TestClient


def page(number: int, total: int, per_page: int = 10) -> Page[int]:
    return Page(items=[], total=total, page=number, per_page=per_page)


def test_page_numbers_and_neighbours() -> None:
    first = page(1, 95)
    assert (first.pages, first.has_prev, first.has_next) == (10, False, True)
    assert (first.prev_num, first.next_num) == (None, 2)
    last = page(10, 95)
    assert (last.has_next, last.prev_num, last.next_num) == (False, 9, None)
    assert page(1, 0).pages == 1


@pytest.mark.parametrize(
    ("number", "pages", "expected"),
    [
        (1, 3, [1, 2, 3]),
        (1, 20, [1, 2, 3, 4, 5, None, 19, 20]),
        (10, 20, [1, 2, None, 8, 9, 10, 11, 12, 13, 14, None, 19, 20]),
        (20, 20, [1, 2, None, 18, 19, 20]),
        (5, 20, [1, 2, 3, 4, 5, 6, 7, 8, 9, None, 19, 20]),  # a one-page gap shows the page
    ],
)
def test_iter_pages_elides_long_runs(number: int, pages: int, expected: list[int | None]) -> None:
    assert list(page(number, pages * 10).iter_pages()) == expected


@pytest.fixture
def app(make_app: Any, database_url: str) -> App:
    app: App = make_app(database_url)
    with Database.of(app).session() as db:
        db.add_all(Writer(username=f"w{i:02}") for i in range(25))

    @app.get("/writers")
    def writers(db: Session, page: int = 1, per_page: int = 10) -> dict[str, Any]:
        found = db.paginate(select(Writer).order_by(Writer.username), page=page, per_page=per_page)
        return {"names": [w.username for w in found], "pages": found.pages, "total": found.total}

    return app


def test_paginate(app: App) -> None:
    with Database.of(app).session() as db:
        third = db.paginate(select(Writer).order_by(Writer.id), page=3, per_page=10)
        assert [w.username for w in third.items] == ["w20", "w21", "w22", "w23", "w24"]
        assert (third.total, third.pages, third.has_next) == (25, 3, False)
        with pytest.raises(NotFound):
            db.paginate(select(Writer), page=4, per_page=10)
        empty = db.paginate(select(Writer).where(Writer.username == "x"))
        assert (empty.items, empty.total, empty.pages) == ([], 0, 1)
        assert db.get_or_404(Writer, third.items[0].id).username == "w20"
        with pytest.raises(NotFound, match="No Writer with id 999"):
            db.get_or_404(Writer, 999)
        # Past any integer column's range: no row, not a database error.
        for huge in (2**31, 2**63, -(2**70)):
            with pytest.raises(NotFound):
                db.get_or_404(Writer, huge)
        assert db.first_or_404(select(Writer).order_by(Writer.id)).username == "w00"
        with pytest.raises(NotFound):
            db.first_or_404(select(Writer).where(Writer.id < 0))


async def test_async_helpers(app: App) -> None:
    async with Database.of(app).async_session() as db:
        second = await db.paginate(select(Writer).order_by(Writer.id), page=2, per_page=20)
        assert [w.username for w in second] == ["w20", "w21", "w22", "w23", "w24"]
        assert (await db.get_or_404(Writer, second.items[0].id)).username == "w20"
        assert (await db.first_or_404(select(Writer).order_by(Writer.id.desc()))).username == "w24"
        with pytest.raises(NotFound):
            await db.get_or_404(Writer, 999)
        with pytest.raises(NotFound):
            await db.get_or_404(Writer, 2**64)
        with pytest.raises(NotFound):
            await db.first_or_404(select(Writer).where(Writer.id < 0))
    await Database.of(app).dispose()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=2", 200),
        ("page=0", 404),
        ("page=-1", 404),
        ("page=4", 404),
        ("per_page=0", 404),
        ("per_page=1000", 404),
    ],
)
def test_bad_page_numbers_are_404(app: App, query: str, status: int) -> None:
    with TestClient(app) as client:
        assert client.get(f"/writers?{query}").status_code == status
