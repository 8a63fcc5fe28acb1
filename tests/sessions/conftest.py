"""Apps with sessions for the tests, and the server-side backends on real services.

``backend`` runs a test on Redis and on a database table in SQLite, PostgreSQL and MariaDB (each
skipped when its server is down, failed instead under ``TRELLIS_REQUIRE_SERVICES=1``).  Every
backend gets names of its own (a Redis key prefix, a table name), so runs sharing a server never
see each other's sessions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData
from tests.db.conftest import require_server
from tests.support.services import redis_url

from trellis import App, Request
from trellis.conf import Settings
from trellis.db import Database
from trellis.sessions import Sessions
from trellis.sessions.backends.base import SessionBackend
from trellis.sessions.backends.database import DatabaseBackend
from trellis.sessions.backends.redis import RedisBackend

KEY = "test-key-0123456789-abcdefghijklmnopqrstuvwxyz"
OLD_KEY = "old-key-9876543210-ZYXWVUTSRQPONMLKJIHGFEDCBA"


def settings(**values: Any) -> Settings:
    values.setdefault("secret_key", KEY)
    return Settings(**values)


def add_session_routes(app: App) -> None:
    """``/get``, ``/set?k=&v=``, ``/del?k=``, ``/login`` (cycle_key), ``/logout`` (flush),
    ``/key`` (the session id), ``/touch`` (reads, never writes)."""

    @app.get("/get")
    async def get(request: Request) -> dict[str, Any]:
        return dict(request.session)

    @app.get("/set")
    async def set_(request: Request, k: str, v: str) -> dict[str, Any]:
        request.session[k] = v
        return dict(request.session)

    @app.get("/del")
    async def delete(request: Request, k: str) -> dict[str, Any]:
        request.session.pop(k, None)
        return dict(request.session)

    @app.get("/login")
    async def login(request: Request) -> dict[str, Any]:
        request.session.cycle_key()
        request.session["user"] = "ann"
        return {"key": request.session.session_key}

    @app.get("/logout")
    async def logout(request: Request) -> dict[str, Any]:
        request.session.flush()
        return {}

    @app.get("/key")
    async def key(request: Request) -> dict[str, Any]:
        return {"key": request.session.session_key}

    @app.get("/touch")
    async def touch(request: Request) -> dict[str, Any]:
        return {"has": "k" in request.session}


@pytest.fixture
def make_app() -> Callable[..., App]:
    """``make_app(backend=None, settings=..., **Sessions options)`` with the routes above."""

    def make(backend: Any = None, app_settings: Settings | None = None, **options: Any) -> App:
        app = App(settings=app_settings or settings())
        app.install(Sessions(backend, **options))
        add_session_routes(app)
        return app

    return make


def _cleanup_redis(prefix: str, url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        for name in client.scan_iter(f"{prefix}*"):
            client.delete(name)
    finally:
        client.close()


class DatabaseCase:
    """A Database on one backend and a DatabaseBackend whose table exists there."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.metadata = MetaData()
        self.table_name = f"trellis_session_{uuid.uuid4().hex[:10]}"

    def install(self, app: App) -> DatabaseBackend:
        database = app.installed(Database) or app.install(Database(self.url))
        backend = DatabaseBackend(table_name=self.table_name, metadata=self.metadata)
        self.database = database
        return backend

    def create(self, backend: DatabaseBackend) -> None:
        assert backend.table is not None
        backend.table.create(self.database.sync_engine(), checkfirst=True)

    def drop(self) -> None:
        table = self.metadata.tables.get(self.table_name)
        if table is not None:
            table.drop(self.database.sync_engine(), checkfirst=True)
        self.database.engines().dispose_sync()


@pytest.fixture(params=["redis", "sqlite", "postgresql", "mysql"])
def server_app(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[App, SessionBackend]]:
    """An app with sessions on each server-side backend, and that backend."""
    kind = request.param
    app = App(settings=settings())
    if kind == "redis":
        url = redis_url()
        prefix = f"trellis-test:sessions:{uuid.uuid4().hex}:"
        backend: SessionBackend = RedisBackend(url, prefix=prefix)
        app.install(Sessions(backend))
        add_session_routes(app)
        yield app, backend
        _cleanup_redis(prefix, url)
        return
    url = f"sqlite:///{tmp_path / 'sessions.db'}" if kind == "sqlite" else require_server(kind)
    case = DatabaseCase(url)
    db_backend = case.install(app)
    app.install(Sessions(db_backend))
    add_session_routes(app)
    case.create(db_backend)
    try:
        yield app, db_backend
    finally:
        case.drop()
