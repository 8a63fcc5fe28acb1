"""Logging in and out: authenticate, the session, fixation, password changes, redirects."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select
from tests.auth.conftest import MakeApp
from tests.auth.support import PASSWORD, Browsers, add_user, log_in, site_settings
from tests.support.services import redis_url

from trellis import App
from trellis.auth import Argon2Parameters, CurrentUser, OptionalUser, User, authenticate
from trellis.auth.logins import SESSION_USER_KEY
from trellis.db import AsyncSession, Database, Session
from trellis.sessions import RedisBackend, Sessions
from trellis.testing import TestClient


def with_pages(app: App) -> App:
    @app.get("/me")
    def me(user: CurrentUser) -> dict[str, Any]:
        return {"username": user.username, "last_login": bool(user.last_login)}

    @app.get("/maybe")
    async def maybe(user: OptionalUser) -> dict[str, Any]:
        return {"username": user.username if user else None}

    @app.post("/remember")
    def remember(request: Any, value: str) -> dict[str, str]:
        request.session["cart"] = value
        return {"cart": value}

    @app.get("/remembered")
    def remembered(request: Any) -> dict[str, Any]:
        return {"cart": request.session.get("cart"), "user": str(request.user)}

    return app


# --- authenticate ---------------------------------------------------------------------------


def test_authenticate_sync_and_async(make_app: MakeApp, database_url: str) -> None:
    app = with_pages(make_app(database_url))
    add_user(app, "ann")
    add_user(app, "off", is_active=False)

    @app.get("/sync")
    def check_sync(db: Session, username: str, password: str) -> dict[str, Any]:
        user = authenticate(db, username, password)
        return {"user": user.username if user else None}

    @app.get("/async")
    async def check_async(db: AsyncSession, username: str, password: str) -> dict[str, Any]:
        user = await authenticate(db, username, password)
        return {"user": user.username if user else None}

    with TestClient(app) as client:
        for path in ("/sync", "/async"):

            def ask(username: str, password: str, path: str = path) -> Any:
                return client.get(path, params={"username": username, "password": password}).json()

            assert ask("ann", PASSWORD) == {"user": "ann"}
            assert ask("ann", "nope") == {"user": None}
            assert ask("nobody", PASSWORD) == {"user": None}
            assert ask("off", PASSWORD) == {"user": None}  # inactive accounts cannot log in
            assert ask("ANN", PASSWORD) == {"user": None}


def test_a_login_rehashes_a_password_made_with_older_costs(
    make_app: MakeApp, sqlite_url: str
) -> None:
    site = site_settings(auth_argon2_time_cost=2, auth_argon2_memory_cost=16)
    app = make_app(sqlite_url, site=site)
    old = add_user(app, "ann").password_hash  # made with the suite's cheaper costs
    with TestClient(app) as client:
        log_in(client)
    with Database.of(app).session() as db:
        stored = db.scalars(select(User).where(User.username == "ann")).one()
    assert stored.password_hash != old
    assert stored.password_hash.startswith("$argon2id$v=19$m=16,t=2,p=1$")
    assert stored.last_login is not None
    assert (
        Argon2Parameters(time_cost=2, memory_cost=16, parallelism=1)
        == app.extensions["auth"].hasher.parameters
    )


# --- the login page and the session ---------------------------------------------------------


def test_log_in_see_yourself_log_out(make_app: MakeApp, database_url: str) -> None:
    app = with_pages(make_app(database_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        assert client.get("/maybe").json() == {"username": None}
        assert client.get("/me").status_code == 401
        page = client.get("/auth/login")
        assert page.status_code == 200
        assert 'name="username"' in page.text
        assert 'type="password"' in page.text
        wrong = client.post("/auth/login", data={"username": "ann", "password": "nope"})
        assert wrong.status_code == 200
        assert "Please enter a correct username and password." in wrong.text
        assert 'value="ann"' in wrong.text  # the username is kept, never the password
        assert "nope" not in wrong.text
        assert log_in(client).headers["location"] == "/"
        assert client.get("/me").json() == {"username": "ann", "last_login": True}
        assert client.get("/maybe").json() == {"username": "ann"}
        assert client.get("/auth/logout").status_code == 405  # logging out changes state: POST
        out = client.post("/auth/logout")
        assert (out.status_code, out.headers["location"]) == (303, "/")
        assert client.get("/me").status_code == 401


def test_a_nul_in_the_username_is_a_failed_login_not_a_500(
    make_app: MakeApp, database_url: str
) -> None:
    app = with_pages(make_app(database_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        answer = client.post("/auth/login", data={"username": "ann\x00", "password": "nope"})
        assert answer.status_code == 200
        assert "Please enter a correct username and password." in answer.text


def test_missing_or_oversized_fields_are_a_400(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url, password_max_length=64)
    add_user(app, "ann")
    with TestClient(app) as client:
        empty = client.post("/auth/login", data={"username": "ann"})
        assert empty.status_code == 400
        huge = client.post("/auth/login", data={"username": "ann", "password": "x" * 65})
        assert huge.status_code == 400
        assert "The password must have at most 64 characters." in huge.text


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/blog/new?draft=1", "/blog/new?draft=1"),
        ("https://evil.example/phish", "/welcome"),
        ("//evil.example", "/welcome"),
        ("/\\evil.example", "/welcome"),
        ("javascript:alert(1)", "/welcome"),
        ("", "/welcome"),
    ],
)
def test_next_is_followed_only_on_this_site(
    make_app: MakeApp, sqlite_url: str, next_url: str, expected: str
) -> None:
    app = make_app(sqlite_url, login_redirect="/welcome")
    add_user(app, "ann")
    with TestClient(app) as client:
        data = {"username": "ann", "password": PASSWORD, "next": next_url}
        assert client.post("/auth/login", data=data).headers["location"] == expected


def test_the_login_page_carries_next_into_its_form(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    with TestClient(app) as client:
        page = client.get("/auth/login", params={"next": '/a?b=1&c="2"'})
        assert 'name="next" value="/a?b=1&amp;c=&#34;2&#34;"' in page.text


def test_anonymous_browsers_are_sent_to_the_login_page(make_app: MakeApp, sqlite_url: str) -> None:
    app = with_pages(make_app(sqlite_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        assert client.get("/me?x=1").status_code == 401  # fetch(), curl: no redirect
        api = client.get("/me?x=1", headers={"accept": "application/json"})
        assert api.status_code == 401
        assert api.headers["content-type"].startswith("application/problem+json")
        assert api.json()["detail"] == "Authentication required."
        assert api.headers["www-authenticate"].startswith("Bearer")
        browser = client.get("/me?x=1", headers={"accept": "text/html,*/*;q=0.8"})
        assert (browser.status_code, browser.headers["location"]) == (
            303,
            "/auth/login?next=%2Fme%3Fx%3D1",
        )
        htmx = client.get("/me", headers={"accept": "text/html", "hx-request": "true"})
        assert (htmx.status_code, htmx.headers["hx-redirect"]) == (401, "/auth/login?next=%2Fme")
        # And back where they were going after logging in.
        data = {"username": "ann", "password": PASSWORD, "next": "/me?x=1"}
        assert client.post("/auth/login", data=data).headers["location"] == "/me?x=1"


def test_a_custom_login_url(make_app: MakeApp, sqlite_url: str) -> None:
    app = with_pages(make_app(sqlite_url, login_url="/signin", url_prefix="/accounts"))
    with TestClient(app) as client:
        assert client.get("/accounts/login").status_code == 200
        browser = client.get("/me", headers={"accept": "text/html"})
        assert browser.headers["location"] == "/signin?next=%2Fme"


# --- session fixation -------------------------------------------------------------------------


def test_no_session_fixation_with_server_side_sessions(make_app: MakeApp, sqlite_url: str) -> None:
    """The id a victim's browser holds before logging in (one an attacker may have planted)
    refers to nothing afterwards; the victim keeps their session data under a new id."""
    url = redis_url()
    app = make_app(sqlite_url)
    app.install(Sessions(RedisBackend(url, prefix="trellis-test:auth:fixation:")))
    with_pages(app)
    add_user(app, "ann")
    with TestClient(app) as client:
        browser = Browsers(client)
        victim = browser("victim")
        victim.post("/remember", params={"value": "book"})
        planted = victim.cookies["session"]
        log_in(victim)
        after = victim.cookies["session"]
        assert after != planted
        assert victim.get("/remembered").json() == {"cart": "book", "user": "ann"}
        attacker = browser("attacker")
        attacker.cookies.set("session", planted)
        assert attacker.get("/remembered").json() == {"cart": None, "user": "AnonymousUser"}
        assert attacker.get("/me").status_code == 401


def test_no_session_fixation_with_cookie_sessions(make_app: MakeApp, database_url: str) -> None:
    app = with_pages(make_app(database_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        browser = Browsers(client)
        victim = browser("victim")
        victim.post("/remember", params={"value": "book"})
        planted = victim.cookies["session"]
        log_in(victim)
        assert victim.cookies["session"] != planted
        attacker = browser("attacker")
        attacker.cookies.set("session", planted)
        assert attacker.get("/me").status_code == 401


def test_a_login_over_another_users_session_starts_empty(
    make_app: MakeApp, sqlite_url: str
) -> None:
    app = with_pages(make_app(sqlite_url))
    add_user(app, "ann")
    add_user(app, "bob")
    with TestClient(app) as client:
        log_in(client, "ann")
        client.post("/remember", params={"value": "ann's"})
        log_in(client, "bob")
        assert client.get("/remembered").json() == {"cart": None, "user": "bob"}


# --- password changes log the other sessions out --------------------------------------------


def test_changing_the_password_logs_out_the_other_sessions(
    make_app: MakeApp, database_url: str
) -> None:
    app = with_pages(make_app(database_url))
    add_user(app, "ann")
    new = "a new and better passphrase"
    with TestClient(app) as client:
        browser = Browsers(client)
        log_in(browser("laptop"))
        log_in(browser("phone"))
        laptop = browser("laptop")
        assert laptop.get("/auth/password").status_code == 200
        form = {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        wrong = laptop.post("/auth/password", data={**form, "old_password": "nope"})
        assert "Your old password is not right." in wrong.text
        mismatch = laptop.post("/auth/password", data={**form, "new_password2": "other"})
        assert "The two passwords differ." in mismatch.text
        short = laptop.post(
            "/auth/password", data={**form, "new_password1": "short", "new_password2": "short"}
        )
        assert "at least 8 characters" in short.text
        done = laptop.post("/auth/password", data=form)
        assert done.status_code == 200
        assert "Password changed" in done.text
        assert laptop.get("/me").json()["username"] == "ann"  # this session stays
        phone = browser("phone")
        assert phone.get("/me").status_code == 401  # the other one is out
        assert (
            phone.post("/auth/login", data={"username": "ann", "password": PASSWORD}).status_code
            == 200
        )
        log_in(phone, password=new)


def test_a_deactivated_user_is_logged_out(make_app: MakeApp, sqlite_url: str) -> None:
    app = with_pages(make_app(sqlite_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        log_in(client)
        with Database.of(app).session() as db:
            db.scalars(select(User).where(User.username == "ann")).one().is_active = False
        assert client.get("/me").status_code == 401
        assert "session" not in client.cookies  # the dead session is cleared


def test_the_session_survives_a_key_rotation(make_app: MakeApp, sqlite_url: str) -> None:
    app = with_pages(make_app(sqlite_url))
    add_user(app, "ann")
    with TestClient(app) as client:
        log_in(client)
        old = app.settings.secret_key
        app.settings.secret_key = "rotated-" + "z" * 40  # type: ignore[assignment]
        app.settings.secret_key_fallbacks = [old]  # type: ignore[list-item]
        assert client.get("/me").json()["username"] == "ann"


def test_the_session_holds_only_an_id_and_a_keyed_fingerprint(
    make_app: MakeApp, sqlite_url: str
) -> None:
    app = with_pages(make_app(sqlite_url))
    user = add_user(app, "ann")
    seen: dict[str, Any] = {}

    @app.get("/peek")
    def peek(request: Any) -> dict[str, str]:
        seen.update(request.session)
        return {}

    with TestClient(app) as client:
        log_in(client)
        client.get("/peek")
    assert seen[SESSION_USER_KEY] == user.id
    assert user.password_hash not in repr(seen)
    assert PASSWORD not in repr(seen)


# --- passwords are never logged --------------------------------------------------------------


def test_passwords_never_reach_the_logs(
    make_app: MakeApp, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret, new = "pw-never-logged-7731", "pw-never-logged-new-8842"
    app = with_pages(make_app(sqlite_url, throttle_failures=2))
    add_user(app, "ann", password=secret)
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "trellis"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        with TestClient(app) as client:
            client.post("/auth/login", data={"username": "ann", "password": "wrong-" + secret})
            client.post("/auth/login", data={"username": "nobody", "password": secret})
            log_in(client, password=secret)
            form = {"old_password": secret, "new_password1": new, "new_password2": new}
            client.post("/auth/password", data=form)
            client.post("/auth/logout")
            client.post("/auth/signup", data={"username": "cy", "password1": new, "password2": new})
            for _ in range(3):  # up to the lockout, which logs nothing of the attempt either
                client.post("/auth/login", data={"username": "ann", "password": secret})
    finally:
        for name in ("sqlalchemy.engine", "trellis"):
            logging.getLogger(name).setLevel(logging.NOTSET)
    assert caplog.records  # the SQL of every step was logged
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "INSERT INTO auth_login_failure" in text
    assert secret not in text
    assert new not in text


def test_the_html_pages_stay_out_of_the_openapi_document_and_current_user_is_secured(
    make_app: MakeApp, sqlite_url: str
) -> None:
    from trellis.openapi import OpenAPI

    app = with_pages(make_app(sqlite_url))
    app.install(OpenAPI())

    @app.get("/api/whoami")
    async def whoami(user: CurrentUser) -> dict[str, str]:
        return {"username": user.username}

    with TestClient(app) as client:
        document = client.get("/openapi.json").json()
    assert not any(path.startswith("/auth/") for path in document["paths"])
    security = document["paths"]["/api/whoami"]["get"]["security"]
    assert {name for item in security for name in item} == {"session", "bearer"}
