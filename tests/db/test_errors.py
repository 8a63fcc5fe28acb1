"""Database failures: 503 while a database is down, recovery when it is back, and retries."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

import pytest
from tests.db.conftest import require_server
from tests.db.models_for_tests import Counter

from trellis import App
from trellis.db import (
    AsyncSession,
    Database,
    IntegrityError,
    OperationalError,
    Session,
    is_retryable,
    select,
    text,
    transaction,
)
from trellis.testing import TestClient


def _app(url: str) -> App:
    app = App()
    app.install(Database(url))

    @app.get("/sync")
    def sync_view(db: Session) -> str:
        return str(db.execute(text("SELECT 1")).scalar_one())

    @app.get("/async")
    async def async_view(db: AsyncSession) -> str:
        return str((await db.execute(text("SELECT 1"))).scalar_one())

    return app


def test_a_database_that_is_down_answers_503_then_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "not-yet"
    app = _app(f"sqlite:///{folder / 'app.db'}")
    with caplog.at_level(logging.ERROR, logger="trellis.db"), TestClient(app) as client:
        assert "'default' is unreachable" in caplog.text  # the app started anyway
        for path in ("/sync", "/async"):
            response = client.get(path, headers={"accept": "application/json"})
            assert response.status_code == 503
            assert response.headers["retry-after"] == "5"
            assert "unavailable" in response.json()["detail"]
        folder.mkdir()
        assert client.get("/sync").text == "1"
        assert client.get("/async").text == "1"
    Database.of(app).engines().dispose_sync()


def test_a_postgresql_server_that_refuses_connections_answers_503() -> None:
    app = _app("postgresql://postgres@127.0.0.1:1/test")
    with TestClient(app) as client:
        assert client.get("/sync").status_code == 503
        assert client.get("/async").status_code == 503


async def test_ping_reports_each_database(tmp_path: Path) -> None:
    app = App()
    db = app.install(
        Database(
            {"default": f"sqlite:///{tmp_path / 'ok.db'}", "gone": f"sqlite:///{tmp_path}/x/y.db"}
        )
    )
    assert await db.ping() is True
    assert await db.ping_all() == {"default": True, "gone": False}
    await db.dispose()


def test_other_database_errors_stay_500s(tmp_path: Path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'app.db'}")

    @app.get("/bad")
    def bad(db: Session) -> Any:
        from sqlalchemy.exc import DBAPIError

        raise DBAPIError("SELECT x", {}, Exception("driver says no"))

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/bad").status_code == 500


def test_is_retryable_knows_deadlocks_and_serialization_failures() -> None:
    class Orig(Exception):
        sqlstate = "40001"

    assert is_retryable(OperationalError("UPDATE", {}, Orig()))
    assert is_retryable(OperationalError("UPDATE", {}, Exception(1213, "Deadlock found")))
    assert not is_retryable(IntegrityError("INSERT", {}, Exception(1062, "Duplicate")))
    assert not is_retryable(ValueError("no"))


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_transaction_retries_a_serialization_failure(backend: str, make_app: Any) -> None:
    app = make_app(require_server(backend))
    database = Database.of(app)
    with database.session() as db:
        db.add(Counter(name="hits", value=0))
    both_read = threading.Barrier(2, timeout=10)
    attempts: list[str] = []

    @transaction(retries=3, isolation_level="SERIALIZABLE", backoff=0.001)
    def bump(db: Session) -> dict[str, int]:
        counter = db.scalars(select(Counter).where(Counter.name == "hits")).one()
        first = threading.current_thread().name not in attempts
        attempts.append(threading.current_thread().name)
        if first:
            both_read.wait()  # both transactions have read before either writes
        counter.value += 1
        db.flush()
        return {"value": counter.value}

    def worker() -> None:
        session = database.make_session()
        try:
            bump(db=session)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, name=f"w{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with database.session() as db:
        assert db.get(Counter, "hits").value == 2  # type: ignore[union-attr]
    assert len(attempts) == 3  # one of the two ran again


def test_transaction_does_not_retry_other_errors(tmp_path: Path, make_app: Any) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'app.db'}")
    calls = []

    @transaction(retries=3)
    def fails(db: Session) -> None:
        calls.append(1)
        db.add(Counter(name="a"))
        db.add(Counter(name="a"))

    with pytest.raises(IntegrityError), Database.of(app).session() as db:
        fails(db=db)
    assert calls == [1]


def test_transaction_in_a_route_commits_and_rolls_back_error_statuses(
    tmp_path: Path, make_app: Any
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'app.db'}")

    @app.post("/counters/<name>")
    @transaction()
    async def add(name: str, db: AsyncSession, refuse: bool = False) -> Any:
        db.add(Counter(name=name))
        await db.flush()
        return ({"refused": name}, 400) if refuse else {"added": name}

    with TestClient(app) as client:
        assert client.post("/counters/a").status_code == 200
        assert client.post("/counters/b", params={"refuse": "true"}).status_code == 400
    with Database.of(app).session() as db:
        assert db.scalars(select(Counter.name)).all() == ["a"]
