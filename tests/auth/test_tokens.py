"""API tokens: shown once, stored hashed, ``Authorization: Bearer``, scopes, revocation, CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from tests.auth.conftest import MakeApp
from tests.auth.support import add_user, log_in

from trellis import App
from trellis.auth import (
    ApiToken,
    CurrentToken,
    CurrentUser,
    User,
    create_token,
    login_required,
    scopes_required,
)
from trellis.db import Database
from trellis.db.models import utcnow
from trellis.security import CSRF
from trellis.testing import TestClient


def make_token(app: App, username: str = "ann", **options: Any) -> tuple[int, str]:
    with Database.of(app).session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        token, plaintext = create_token(db, user, "laptop", **options)
        db.flush()
        return token.id, plaintext


def bearer(plaintext: str) -> dict[str, str]:
    return {"authorization": f"Bearer {plaintext}", "accept": "application/json"}


def stored(app: App, token_id: int) -> ApiToken:
    with Database.of(app).session() as db:
        found = db.get(ApiToken, token_id)
        assert found is not None
        return found


@pytest.fixture
def app(make_app: MakeApp, database_url: str) -> App:
    app = make_app(database_url)
    add_user(app, "ann")

    @app.get("/me")
    async def me(user: CurrentUser, token: CurrentToken) -> dict[str, Any]:
        return {"user": user.username, "token": token.name if token else None}

    @app.post("/posts")
    @scopes_required("posts:write")
    def write(title: str) -> dict[str, str]:
        return {"created": title}

    @app.get("/posts")
    @login_required
    async def read() -> list[str]:
        return ["a post"]

    return app


def test_a_token_is_shown_once_and_stored_hashed(app: App) -> None:
    token_id, plaintext = make_token(app, scopes=["posts:write", "posts:read"])
    assert plaintext.startswith("trellis_")
    assert len(plaintext) == len("trellis_") + 12 + 1 + 43
    row = stored(app, token_id)
    assert row.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    # the secret part (which may itself hold "_") is nowhere
    assert plaintext.split("_", 2)[2] not in repr(vars(row))
    assert row.lookup == plaintext.split("_")[1]
    assert row.scopes == "posts:read posts:write"
    assert row.last_used is None


def test_bearer_requests_are_authenticated_and_recorded(app: App) -> None:
    token_id, plaintext = make_token(app)
    with TestClient(app) as client:
        before = utcnow()
        assert client.get("/me", headers=bearer(plaintext)).json() == {
            "user": "ann",
            "token": "laptop",
        }
        used = stored(app, token_id).last_used
        assert used is not None
        assert used >= before - timedelta(seconds=1)
        assert client.get("/me", headers=bearer(plaintext)).status_code == 200
        assert stored(app, token_id).last_used == used  # not rewritten within a minute


@pytest.mark.parametrize(
    "header",
    [
        "Bearer trellis_000000000000_" + "A" * 43,  # well-formed, unknown
        "Bearer nonsense",
        "Bearer " + "x" * 5000,
        "bearer trellis_",
    ],
)
def test_bad_tokens_get_401_with_a_challenge(app: App, header: str) -> None:
    with TestClient(app) as client:
        response = client.get("/me", headers={"authorization": header, "accept": "text/html"})
    assert response.status_code == 401  # never a redirect: an API client sent it
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


def test_a_tampered_secret_is_refused(app: App) -> None:
    _, plaintext = make_token(app)
    forged = plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")
    with TestClient(app) as client:
        assert client.get("/me", headers=bearer(forged)).status_code == 401


def test_revoked_and_expired_tokens_stop_working(app: App) -> None:
    token_id, plaintext = make_token(app)
    _, short_lived = make_token(app, expires=timedelta(seconds=-1))
    with TestClient(app) as client:
        assert client.get("/me", headers=bearer(plaintext)).status_code == 200
        assert client.get("/me", headers=bearer(short_lived)).status_code == 401
        with Database.of(app).session() as db:
            token = db.get(ApiToken, token_id)
            assert token is not None
            token.revoke()
        assert client.get("/me", headers=bearer(plaintext)).status_code == 401


def test_a_deactivated_users_tokens_stop_working(app: App) -> None:
    _, plaintext = make_token(app)
    with Database.of(app).session() as db:
        db.scalars(select(User).where(User.username == "ann")).one().is_active = False
    with TestClient(app) as client:
        assert client.get("/me", headers=bearer(plaintext)).status_code == 401


def test_scopes(app: App) -> None:
    _, writer = make_token(app, scopes=["posts:write"])
    _, reader = make_token(app, scopes=["posts:read"])
    with TestClient(app) as client:
        assert client.post("/posts?title=t", headers=bearer(writer)).json() == {"created": "t"}
        refused = client.post("/posts?title=t", headers=bearer(reader))
        assert refused.status_code == 403
        assert (
            'error="insufficient_scope", scope="posts:write"' in refused.headers["www-authenticate"]
        )
        assert "posts:write" in refused.json()["detail"]
        assert client.get("/posts", headers=bearer(reader)).status_code == 200  # no scope needed
        log_in(client)  # a person logged in through the session is not limited by scopes
        assert client.post("/posts?title=s").json() == {"created": "s"}


def test_a_bearer_request_ignores_the_session_and_skips_csrf(
    make_app: MakeApp, sqlite_url: str
) -> None:
    app = make_app(sqlite_url)
    app.install(CSRF())
    add_user(app, "ann")
    add_user(app, "bob")

    @app.post("/whoami")
    async def whoami(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    _, bobs = make_token(app, "bob")
    with TestClient(app) as client:
        page = client.get("/auth/login")
        csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {"username": "ann", "password": "correct horse battery staple", "csrf_token": csrf}
        assert client.post("/auth/login", data=data).status_code == 303  # the form carries it
        assert client.post("/whoami").status_code == 403  # cookie-authenticated, no token
        # Same browser cookies, but the bearer token decides who this is, and CSRF is skipped.
        assert client.post("/whoami", headers=bearer(bobs)).json() == {"user": "bob"}
        bad = client.post("/whoami", headers=bearer(bobs + "x"))
        assert bad.status_code == 401  # an invalid token never falls back to the session


def test_creating_a_token_checks_its_input(app: App) -> None:
    with pytest.raises(ValueError, match="no id yet"):
        create_token(None, User(username="new"), "x")
    with Database.of(app).session() as db:
        ann = db.scalars(select(User).where(User.username == "ann")).one()
        with pytest.raises(ValueError, match="invalid scope"):
            create_token(db, ann, "x", scopes=["has space"])
