"""The ``db`` and ``app_db`` pytest fixtures: tests in a transaction rolled back afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func
from tests.db.models_for_tests import Writer

from trellis import App
from trellis.db import AsyncSession, Database, Session, select
from trellis.db.testing import rolled_back_session
from trellis.testing import TestClient


@pytest.fixture
def app(make_app: Any, database_url: str) -> App:
    app: App = make_app(database_url)

    @app.post("/writers/<name>")
    def create(name: str, db: Session) -> dict[str, int]:
        db.add(Writer(username=name))
        return {"count": db.scalar(select(func.count()).select_from(Writer)) or 0}

    @app.get("/async-count")
    async def count(db: AsyncSession) -> dict[str, int]:
        return {"count": (await db.scalar(select(func.count()).select_from(Writer))) or 0}

    return app


def committed_names(app: App) -> list[str]:
    with Database.of(app).session() as session:
        return list(session.scalars(select(Writer.username)))


def test_db_work_is_rolled_back_even_when_committed(app: App) -> None:
    database = Database.of(app)
    with rolled_back_session(database, share_with_app=False) as db:
        db.add(Writer(username="temp"))
        db.commit()  # only releases a savepoint
        assert db.scalars(select(Writer.username)).all() == ["temp"]
        db.add(Writer(username="temp"))
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
            db.commit()
        db.rollback()
        assert db.scalars(select(Writer.username)).all() == ["temp"]
    assert committed_names(app) == []


def test_the_db_fixture(db: Session, app: App) -> None:
    db.add(Writer(username="fixture"))
    db.flush()
    assert db.get_or_404(Writer, db.scalars(select(Writer.id)).one()).username == "fixture"


def test_app_db_shares_the_tests_transaction_with_requests(app_db: Session, app: App) -> None:
    app_db.add(Writer(username="from-test"))
    app_db.flush()
    with TestClient(app) as client:
        assert client.post("/writers/from-request").json() == {"count": 2}
        assert client.get("/async-count").json() == {"count": 2}
    assert sorted(app_db.scalars(select(Writer.username))) == ["from-request", "from-test"]


def test_app_db_leaves_nothing_behind(app: App) -> None:
    database = Database.of(app)
    with rolled_back_session(database, share_with_app=True), TestClient(app) as client:
        client.post("/writers/gone")
    assert database.pinned is None
    assert committed_names(app) == []
