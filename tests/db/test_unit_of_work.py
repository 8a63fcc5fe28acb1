"""One unit of work per request, on every backend: commit, rollback, failed commits, savepoints."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from sqlalchemy import orm as sa_orm
from tests.db.models_for_tests import Article, Writer

from trellis import App, Depends, HTTPException, JSONResponse, Request
from trellis.db import AsyncSession, Database, IntegrityError, Session, select, text, using
from trellis.testing import TestClient


def helper(db: Session) -> Session:
    return db


def count(app: App, model: type) -> int:
    with Database.of(app).session() as db:
        return len(db.scalars(select(model)).all())


def routes(app: App) -> None:
    @app.post("/sync/<title>")
    def create_sync(title: str, db: Session, fail: str = "") -> Any:
        db.add(Article(title=title))
        db.flush()
        if fail == "raise":
            raise HTTPException(409, "no")
        if fail == "status":
            return {"error": True}, 422
        return {"ok": True}

    @app.post("/async/<title>")
    async def create_async(title: str, db: AsyncSession, fail: str = "") -> Any:
        db.add(Article(title=title))
        await db.flush()
        if fail == "raise":
            raise HTTPException(409, "no")
        if fail == "status":
            return {"error": True}, 422
        return {"ok": True}

    @app.post("/writers/<name>")
    def create_writer(name: str, db: Session) -> dict[str, str]:
        db.add(Writer(username=name))  # a duplicate fails at commit, after the handler
        return {"created": name}

    @app.post("/async-writers/<name>")
    async def create_writer_async(name: str, db: AsyncSession) -> dict[str, str]:
        db.add(Writer(username=name))
        return {"created": name}

    @app.errorhandler(IntegrityError)
    def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        return JSONResponse({"error": "duplicate"}, status_code=409)


@pytest.fixture
def app(make_app: Any, database_url: str) -> App:
    built: App = make_app(database_url)
    routes(built)
    return built


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_success_commits_and_errors_roll_back(app: App, kind: str) -> None:
    with TestClient(app) as client:
        assert client.post(f"/{kind}/kept").status_code == 200
        assert client.post(f"/{kind}/raised", params={"fail": "raise"}).status_code == 409
        assert client.post(f"/{kind}/status", params={"fail": "status"}).status_code == 422
    with Database.of(app).session() as db:
        assert db.scalars(select(Article.title)).all() == ["kept"]


@pytest.mark.parametrize("path", ["/writers", "/async-writers"])
def test_a_failed_commit_becomes_the_error_handlers_answer(app: App, path: str) -> None:
    with TestClient(app) as client:
        assert client.post(f"{path}/ann").status_code == 200
        response = client.post(f"{path}/ann")
        assert response.status_code == 409
        assert response.json() == {"error": "duplicate"}
    assert count(app, Writer) == 1


def test_a_failed_commit_without_handler_is_a_500(make_app: Any, database_url: str) -> None:
    app = make_app(database_url)

    @app.post("/w/<name>")
    def create(name: str, db: Session) -> str:
        db.add(Writer(username=name))
        return "ok"

    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/w/bo").status_code == 200
        assert client.post("/w/bo").status_code == 500
    assert count(app, Writer) == 1


def test_savepoints_undo_part_of_the_work(app: App) -> None:
    @app.post("/nested")
    def nested(db: Session) -> dict[str, int]:
        db.add(Writer(username="first"))
        try:
            with db.begin_nested():
                db.add(Writer(username="first"))  # duplicate: only the savepoint is undone
        except IntegrityError:
            pass
        db.add(Writer(username="second"))
        return {"ok": 1}

    with TestClient(app) as client:
        assert client.post("/nested").status_code == 200
    with Database.of(app).session() as db:
        assert sorted(db.scalars(select(Writer.username))) == ["first", "second"]


def test_sqlalchemy_session_annotations_and_dependencies_share_one_session(app: App) -> None:
    @app.get("/same")
    def same(db: sa_orm.Session, other: Annotated[Session, Depends(helper)]) -> dict[str, bool]:
        return {"same": db is other, "routed": isinstance(db, Session)}

    with TestClient(app) as client:
        assert client.get("/same").json() == {"same": True, "routed": True}


def test_sessions_outside_requests(app: App) -> None:
    database = Database.of(app)
    with database.session() as db:
        db.add(Writer(username="cli"))

    def fail() -> None:
        with database.session() as db:
            db.add(Writer(username="lost"))
            db.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert count(app, Writer) == 1


async def test_async_sessions_outside_requests(app: App) -> None:
    database = Database.of(app)
    async with database.async_session() as db:
        db.add(Writer(username="job"))

    async def fail() -> None:
        async with database.async_session() as db:
            db.add(Writer(username="lost"))
            await db.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail()
    async with database.async_session() as db:
        assert (await db.scalars(select(Writer.username))).all() == ["job"]
    await database.dispose()


def test_using_names_a_database(make_app: Any, tmp_path: Any) -> None:
    app = make_app(
        {"default": f"sqlite:///{tmp_path / 'a.db'}", "analytics": f"sqlite:///{tmp_path / 'b.db'}"}
    )

    @app.get("/where")
    def where(
        default: Session, analytics: Annotated[Session, using("analytics")]
    ) -> dict[str, str]:
        return {
            "default": default.execute(text("PRAGMA database_list")).all()[0][2],
            "analytics": analytics.execute(text("PRAGMA database_list")).all()[0][2],
        }

    @app.get("/where-async")
    async def where_async(
        analytics: Annotated[AsyncSession, using("analytics", AsyncSession)],
    ) -> dict[str, str]:
        rows = (await analytics.execute(text("PRAGMA database_list"))).all()
        return {"analytics": rows[0][2]}

    with TestClient(app) as client:
        body = client.get("/where").json()
        assert body["default"].endswith("a.db")
        assert body["analytics"].endswith("b.db")
        assert client.get("/where-async").json()["analytics"].endswith("b.db")
