"""Redis and database sessions, on real servers: only an id in the cookie, no fixation."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from pydantic import SecretStr

from trellis import App
from trellis.sessions import Sessions
from trellis.sessions.backends.base import SessionBackend
from trellis.sessions.backends.database import DatabaseBackend
from trellis.sessions.backends.redis import RedisBackend
from trellis.sessions.signing import Signer
from trellis.testing import TestClient

from .conftest import KEY, OLD_KEY, add_session_routes, settings

ID_SALT = "trellis.sessions.id"
ServerApp = tuple[App, SessionBackend]


def cookie_of(response: Any) -> str | None:
    for name, value in response.headers.multi_items():
        if name == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0].split("=", 1)[1].strip('"')
    return None


def stored(app: App, backend: SessionBackend, key: str) -> dict[str, Any] | None:
    """What the store holds under ``key``, read directly (not through the backend)."""
    if isinstance(backend, RedisBackend):
        import redis

        client = redis.Redis.from_url(backend.url or "")
        try:
            raw = client.get(f"{backend.prefix}{key}")
        finally:
            client.close()
        return None if raw is None else orjson.loads(raw)  # type: ignore[arg-type]
    assert isinstance(backend, DatabaseBackend)
    from sqlalchemy import select

    from trellis.db import Database

    table = backend.table
    assert table is not None
    with Database.of(app).sync_engine().connect() as connection:
        row = connection.execute(select(table.c.data).where(table.c.session_key == key)).first()
    return None if row is None else orjson.loads(row.data)


def test_the_cookie_holds_a_signed_id_and_the_data_stays_on_the_server(
    server_app: ServerApp,
) -> None:
    app, backend = server_app
    with TestClient(app) as client:
        response = client.get("/set", params={"k": "secret", "v": "s3cr3t-value"})
        cookie = cookie_of(response)
        assert cookie is not None
        assert "s3cr3t" not in cookie
        key = client.get("/key").json()["key"]
        assert Signer([KEY], ID_SALT).unsign(cookie)[0] == key
        assert client.get("/get").json() == {"secret": "s3cr3t-value"}
        assert client.get("/set", params={"k": "b", "v": "2"}).json() == {
            "secret": "s3cr3t-value",
            "b": "2",
        }
        assert client.get("/key").json()["key"] == key  # a change keeps the id
    assert stored(app, backend, key) == {"secret": "s3cr3t-value", "b": "2"}


def test_reading_without_a_cookie_touches_nothing(server_app: ServerApp) -> None:
    app, _ = server_app
    with TestClient(app) as client:
        response = client.get("/touch")
        assert cookie_of(response) is None
        assert client.get("/key").json() == {"key": None}


def test_an_unknown_id_is_never_adopted(server_app: ServerApp) -> None:
    """Session fixation: an attacker plants an id; the server starts a session of its own."""
    app, backend = server_app
    planted = "attacker-chosen-id-000000000000000000000000"
    forged = Signer([KEY], ID_SALT).sign(planted)  # even correctly signed (a leaked key)
    for value in (forged, planted, "garbage"):
        with TestClient(app, cookies={"session": value}) as client:
            response = client.get("/set", params={"k": "user", "v": "ann"})
        assert response.json() == {"user": "ann"}
        cookie = cookie_of(response)
        assert cookie is not None
        new_key = Signer([KEY], ID_SALT).unsign(cookie)[0]
        assert new_key != planted
        assert stored(app, backend, planted) is None
        assert stored(app, backend, new_key) == {"user": "ann"}


def test_cycle_key_on_login_gives_a_new_id_and_deletes_the_old_one(
    server_app: ServerApp,
) -> None:
    app, backend = server_app
    with TestClient(app) as client:
        client.get("/set", params={"k": "cart", "v": "3"})
        before = client.get("/key").json()["key"]
        old_cookie = client.cookies["session"]
        after = client.get("/login").json()["key"]
        assert after not in (None, before)
        assert client.get("/key").json()["key"] == after
        assert client.get("/get").json() == {"cart": "3", "user": "ann"}
    assert stored(app, backend, before) is None
    with TestClient(app, cookies={"session": old_cookie}) as attacker:
        assert attacker.get("/get").json() == {}  # the pre-login id leads nowhere


def test_flush_on_logout_deletes_the_record_and_the_cookie(server_app: ServerApp) -> None:
    app, backend = server_app
    with TestClient(app) as client:
        client.get("/login")
        key = client.get("/key").json()["key"]
        response = client.get("/logout")
        line = next(v for k, v in response.headers.multi_items() if k == "set-cookie")
        assert "Max-Age=0" in line
        assert client.get("/get").json() == {}
    assert stored(app, backend, key) is None


def test_an_expired_signed_id_gives_an_empty_session(
    server_app: ServerApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = server_app
    with TestClient(app) as client:
        client.get("/set", params={"k": "user", "v": "ann"})
        key = client.get("/key").json()["key"]
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: 1_000_000.0)
        old = Signer([KEY], ID_SALT).sign(key)  # the right id, signed 14 days+ ago
    with TestClient(app, cookies={"session": old}) as client:
        assert client.get("/get").json() == {}


def test_rotation_re_signs_the_id_cookie(server_app: ServerApp) -> None:
    app, _backend = server_app
    with TestClient(app) as client:
        client.get("/set", params={"k": "user", "v": "ann"})
        key = client.get("/key").json()["key"]
    old_cookie = Signer([OLD_KEY], ID_SALT).sign(key)
    app.settings.secret_key_fallbacks = [SecretStr(OLD_KEY)]
    with TestClient(app, cookies={"session": old_cookie}) as client:
        response = client.get("/get")
        assert response.json() == {"user": "ann"}
        renewed = cookie_of(response)
    assert renewed is not None
    assert Signer([KEY], ID_SALT).unsign(renewed)[0] == key


def test_two_workers_share_sessions(server_app: ServerApp) -> None:
    """A second app process (same settings, same store) sees what the first saved."""
    app, backend = server_app
    other = App(settings=settings())
    if isinstance(backend, RedisBackend):
        twin: SessionBackend = RedisBackend(backend.url, prefix=backend.prefix)
    else:
        assert isinstance(backend, DatabaseBackend)
        from trellis.db import Database

        other.install(Database(Database.of(app).configs["default"].primary))
        twin = DatabaseBackend(table_name=backend.table_name, metadata=backend.metadata)
    other.install(Sessions(twin))
    add_session_routes(other)
    with TestClient(app) as first:
        first.get("/set", params={"k": "user", "v": "ann"})
        cookie = first.cookies["session"]
    try:
        with TestClient(other, cookies={"session": cookie}) as second:
            assert second.get("/get").json() == {"user": "ann"}
    finally:
        if "db" in other.extensions:
            other.extensions["db"].engines().dispose_sync()


def test_redis_keys_expire_with_the_session() -> None:
    import uuid

    import redis
    from tests.support.services import redis_url

    url = redis_url()
    prefix = f"trellis-test:sessions:{uuid.uuid4().hex}:"
    app = App(settings=settings())
    app.install(Sessions(RedisBackend(url, prefix=prefix), max_age=600))
    add_session_routes(app)
    with TestClient(app) as client:
        client.get("/set", params={"k": "user", "v": "ann"})
        key = client.get("/key").json()["key"]
    client_ = redis.Redis.from_url(url)
    try:
        ttl = client_.ttl(f"{prefix}{key}")
        assert 590 <= ttl <= 600  # type: ignore[operator]
        client_.delete(f"{prefix}{key}")  # what Redis does when the time is up
    finally:
        client_.close()
    with TestClient(app, cookies={"session": Signer([KEY], ID_SALT).sign(key)}) as client:
        assert client.get("/get").json() == {}


def test_backends_are_chosen_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SESSION_BACKEND", "redis")
    monkeypatch.setenv("TRELLIS_SESSION_REDIS_URL", "redis://example.invalid:6379/3")
    app = App(settings=settings())
    sessions = app.install(Sessions())
    assert isinstance(sessions.backend, RedisBackend)
    assert sessions.backend.url == "redis://example.invalid:6379/3"
    assert sessions.backend.prefix == "trellis:session:"
    monkeypatch.setenv("TRELLIS_SESSION_BACKEND", "database")
    monkeypatch.setenv("TRELLIS_SESSION_TABLE", "web_sessions")
    other = App(settings=settings())
    chosen = other.install(Sessions()).backend
    assert isinstance(chosen, DatabaseBackend)
    assert chosen.table is not None
    assert chosen.table.name == "web_sessions"
    chosen.table.metadata.remove(chosen.table)  # leave the shared model base as it was
