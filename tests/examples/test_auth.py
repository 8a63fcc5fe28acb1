"""Runs the docs/auth.md example: sign up, a permission granted through a group, API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from docs.examples.auth import Memo, Settings, create_app
from pydantic import SecretStr
from sqlalchemy import select
from tests.auth.support import AUTH_TABLES, FAST, SECRET

from trellis import App
from trellis.auth import Group, Permission, User
from trellis.db import Database, Model
from trellis.testing import TestClient

PASSWORD = "a passphrase for memos"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("TRELLIS_AUTH_ARGON2_TIME_COST", str(FAST.time_cost))
    monkeypatch.setenv("TRELLIS_AUTH_ARGON2_MEMORY_COST", str(FAST.memory_cost))
    monkeypatch.setenv("TRELLIS_AUTH_ARGON2_PARALLELISM", str(FAST.parallelism))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'memos.db'}", secret_key=SecretStr(SECRET)
    )
    app = create_app(settings)
    database = Database.of(app)
    tables = [*AUTH_TABLES, Memo.__table__]  # type: ignore[attr-defined]
    Model.metadata.create_all(database.sync_engine(), tables=tables)
    yield app
    database.engines().dispose_sync()


def grant_add_memo(app: App, username: str) -> None:
    with Database.of(app).session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        add_memo = db.scalars(
            select(Permission).where(Permission.codename == "memos.add_memo")
        ).one()
        user.groups.append(Group(name="writers", permissions=[add_memo]))


def test_memos_for_logged_in_users_with_permission(app: App) -> None:
    with TestClient(app) as client:  # starting creates the permissions of every model
        assert client.get("/").text == "Hello, stranger"
        assert client.get("/memos").status_code == 401
        assert client.get("/memos", headers={"accept": "text/html"}).headers["location"] == (
            "/auth/login?next=%2Fmemos"
        )
        form = {
            "username": "ada",
            "email": "ada@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        }
        assert client.post("/auth/signup", data=form).headers["location"] == "/memos"
        assert client.get("/").text == "Hello, ada"
        assert client.post("/memos", params={"text": "first"}).status_code == 403
        grant_add_memo(app, "ada")
        assert client.post("/memos", params={"text": "first"}).json() == {"added": "first"}
        assert client.get("/memos").json() == ["first"]
        assert client.post("/auth/logout").status_code == 303
        assert client.get("/memos").status_code == 401


def test_api_tokens(app: App) -> None:
    with TestClient(app) as client:
        form = {"username": "bob", "password1": PASSWORD, "password2": PASSWORD}
        client.post("/auth/signup", data=form)
        token = client.post("/tokens", params={"name": "script"}).json()["token"]
        client.post("/auth/logout")
        bearer = {"authorization": f"Bearer {token}"}
        assert client.get("/api/memos", headers=bearer).json() == {"user": "bob"}
        assert client.get("/api/memos").status_code == 401
        assert client.post("/memos", params={"text": "x"}, headers=bearer).status_code == 403
