"""The signed-cookie backend: lazy, saved only when modified, secure cookies, forged ones ignored."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import SecretStr

from trellis import App, Request
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.sessions import Sessions, SessionStore
from trellis.sessions.signing import Signer
from trellis.testing import TestClient

from .conftest import KEY, OLD_KEY, settings

COOKIE_SALT = "trellis.sessions.cookie"
MakeApp = Callable[..., App]


def set_cookies(response: Any) -> list[str]:
    return [v for k, v in response.headers.multi_items() if k == "set-cookie"]


def cookie_value(response: Any, name: str = "session") -> str:
    (line,) = set_cookies(response)
    assert line.startswith(f"{name}=")
    return line.split(";", 1)[0].split("=", 1)[1]


def test_values_survive_between_requests(make_app: MakeApp) -> None:
    with TestClient(make_app()) as client:
        assert client.get("/set", params={"k": "a", "v": "1"}).json() == {"a": "1"}
        assert client.get("/set", params={"k": "b", "v": "2"}).json() == {"a": "1", "b": "2"}
        assert client.get("/get").json() == {"a": "1", "b": "2"}
        assert client.get("/del", params={"k": "a"}).json() == {"b": "2"}
        assert client.get("/get").json() == {"b": "2"}


def test_a_session_never_read_is_never_decoded_or_sent(make_app: MakeApp) -> None:
    app = make_app()
    seen: list[SessionStore] = []

    @app.get("/ignore")
    async def ignore(request: Request) -> str:
        seen.append(request.session)
        return "ok"

    with TestClient(app) as client:
        client.get("/set", params={"k": "a", "v": "1"})
        response = client.get("/ignore")
    assert not seen[0].loaded  # the cookie was never verified
    assert set_cookies(response) == []
    assert "vary" not in response.headers


def test_reading_does_not_save_but_varies_on_cookie(make_app: MakeApp) -> None:
    with TestClient(make_app()) as client:
        client.get("/set", params={"k": "a", "v": "1"})
        response = client.get("/get")
        assert response.json() == {"a": "1"}
        assert set_cookies(response) == []
        assert response.headers["vary"] == "Cookie"
        fresh = client.get("/touch")  # no cookie change for a read
        assert set_cookies(fresh) == []


def test_a_new_session_that_stays_empty_sets_no_cookie(make_app: MakeApp) -> None:
    with TestClient(make_app()) as client:
        response = client.get("/touch")
    assert response.json() == {"has": False}
    assert set_cookies(response) == []


def test_secure_defaults_on_http_and_https(make_app: MakeApp) -> None:
    app = make_app()
    with TestClient(app) as client:
        line = set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
    assert "HttpOnly" in line
    assert "SameSite=Lax" in line
    assert "Max-Age=1209600" in line  # 14 days, a persistent cookie
    assert "Path=/" in line
    assert "Secure" not in line  # plain HTTP
    with TestClient(app, base_url="https://testserver") as client:
        line = set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
    assert "Secure" in line


def test_every_cookie_option(make_app: MakeApp) -> None:
    app = make_app(
        cookie_name="sid",
        domain="example.com",
        path="/app",
        max_age=600,
        samesite="strict",
        secure=True,
        httponly=False,
    )
    with TestClient(app) as client:
        line = set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
    assert line.startswith("sid=")
    for part in ("Domain=example.com", "Path=/app", "Max-Age=600", "SameSite=Strict", "Secure"):
        assert part in line
    assert "HttpOnly" not in line


def test_options_come_from_settings_and_the_environment(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    class SiteSettings(Settings):
        session_cookie_name: str = "site_session"
        session_max_age: int = 60

    monkeypatch.setenv("TRELLIS_SESSION_SAMESITE", "strict")
    monkeypatch.setenv("TRELLIS_SESSION_SECURE", "true")
    app = make_app(app_settings=SiteSettings(secret_key=KEY))
    with TestClient(app) as client:
        line = set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
    assert line.startswith("site_session=")
    assert "Max-Age=60" in line
    assert "SameSite=Strict" in line
    assert "Secure" in line


def test_browser_session_cookies_have_no_max_age(make_app: MakeApp) -> None:
    app = make_app(permanent=False)

    @app.get("/remember")
    async def remember(request: Request) -> str:
        request.session.permanent = True  # "remember me" for this one session
        return "ok"

    with TestClient(app) as client:
        assert "Max-Age" not in set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
        assert "Max-Age=1209600" in set_cookies(client.get("/remember"))[0]
        # the choice is kept in the session: later saves keep the persistent cookie
        assert "Max-Age=1209600" in set_cookies(client.get("/set", params={"k": "b", "v": "2"}))[0]


@pytest.mark.parametrize(
    "forge",
    [
        lambda good: good[:-3],  # truncated
        lambda good: good[:10],
        lambda good: good.replace(good[5], "A" if good[5] != "A" else "B", 1),  # tampered
        lambda good: Signer(["an-attacker-key-that-is-long-enough-000"], COOKIE_SALT).dumps(
            {"user": "admin"}
        ),  # forged with another key
        lambda good: Signer([KEY], "another.purpose").dumps({"user": "admin"}),
        lambda good: Signer([KEY], COOKIE_SALT).dumps(["not", "a", "dict"]),
        lambda good: "garbage",
    ],
)
def test_bad_cookies_give_an_empty_session_and_are_removed(make_app: MakeApp, forge: Any) -> None:
    app = make_app()
    with TestClient(app) as client:
        good = cookie_value(client.get("/set", params={"k": "user", "v": "ann"}))
    with TestClient(app, cookies={"session": forge(good)}) as client:
        response = client.get("/get")
    assert response.status_code == 200
    assert response.json() == {}
    (line,) = set_cookies(response)  # the useless cookie is deleted
    assert line.startswith(('session="";', "session=;"))
    assert "Max-Age=0" in line


def test_an_expired_cookie_gives_an_empty_session(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(max_age=3600)
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: 1_000_000.0)
        old = Signer([KEY], COOKIE_SALT).dumps({"user": "ann"})
    with TestClient(app, cookies={"session": old}) as client:
        assert client.get("/get").json() == {}
    fresh = Signer([KEY], COOKIE_SALT).dumps({"user": "ann"})
    with TestClient(app, cookies={"session": fresh}) as client:
        assert client.get("/get").json() == {"user": "ann"}


def test_rotation_reads_old_cookies_and_re_signs_them(make_app: MakeApp) -> None:
    old_app = make_app(app_settings=settings(secret_key=OLD_KEY))
    with TestClient(old_app) as client:
        old_cookie = cookie_value(client.get("/set", params={"k": "user", "v": "ann"}))

    rotated = make_app(app_settings=settings(secret_key_fallbacks=[SecretStr(OLD_KEY)]))
    with TestClient(rotated, cookies={"session": old_cookie}) as client:
        response = client.get("/get")
        assert response.json() == {"user": "ann"}
        new_cookie = cookie_value(response)  # re-signed although nothing changed
    assert new_cookie != old_cookie
    assert Signer([KEY], COOKIE_SALT).loads(new_cookie)[0] == {"user": "ann"}

    without_fallback = make_app()  # the old key retired completely
    with TestClient(without_fallback, cookies={"session": old_cookie}) as client:
        assert client.get("/get").json() == {}


def test_flush_deletes_the_cookie(make_app: MakeApp) -> None:
    with TestClient(make_app()) as client:
        client.get("/set", params={"k": "user", "v": "ann"})
        (line,) = set_cookies(client.get("/logout"))
        assert "Max-Age=0" in line
        assert client.get("/get").json() == {}


def test_cycle_key_keeps_the_data_and_renews_the_cookie(make_app: MakeApp) -> None:
    with TestClient(make_app()) as client:
        first = cookie_value(client.get("/set", params={"k": "cart", "v": "3"}))
        response = client.get("/login")
        assert response.json() == {"key": None}  # a cookie session has no server-side id
        assert cookie_value(response) != first
        assert client.get("/get").json() == {"cart": "3", "user": "ann"}


def test_a_server_error_saves_nothing(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/boom")
    async def boom(request: Request) -> str:
        request.session["half"] = "written"
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
        assert response.status_code == 500
        assert set_cookies(response) == []


def test_an_error_answer_below_500_still_saves(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/missing")
    async def missing(request: Request) -> tuple[str, int]:
        request.session["seen"] = "yes"
        return "not here", 404

    with TestClient(app) as client:
        assert client.get("/missing").status_code == 404
        assert client.get("/get").json() == {"seen": "yes"}


def test_handlers_may_ask_for_the_session_by_type(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/typed")
    def typed(session: SessionStore) -> dict[str, Any]:  # a plain def, in the thread pool
        session["typed"] = "yes"
        return dict(session)

    with TestClient(app) as client:
        assert client.get("/typed").json() == {"typed": "yes"}
        assert client.get("/get").json() == {"typed": "yes"}


def test_nested_changes_need_modified(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/append")
    async def append(request: Request, mark: bool = False) -> list[str]:
        items = request.session.setdefault("items", [])
        items.append("x")
        if mark:
            request.session.modified = True
        return list(items)

    with TestClient(app) as client:
        client.get("/append")  # setdefault stored the list: saved with one item
        client.get("/append")  # changed in place, not marked: not saved
        assert client.get("/get").json() == {"items": ["x"]}
        client.get("/append", params={"mark": True})
        assert client.get("/get").json() == {"items": ["x", "x"]}


def test_websockets_read_the_session(make_app: MakeApp) -> None:
    app = make_app()

    @app.websocket("/ws")
    async def ws(websocket: Any) -> None:
        await websocket.accept()
        await websocket.send_json(dict(websocket.session))
        await websocket.close()

    with TestClient(app) as client:
        client.get("/set", params={"k": "user", "v": "ann"})
        with client.websocket_connect("/ws") as connection:
            assert connection.receive_json() == {"user": "ann"}


def test_refresh_each_request_re_sends_a_read_session(make_app: MakeApp) -> None:
    with TestClient(make_app(refresh_each_request=True)) as client:
        client.get("/set", params={"k": "a", "v": "1"})
        assert len(set_cookies(client.get("/get"))) == 1
        assert set_cookies(client.get("/key")) == []  # not read: nothing to refresh


def test_a_session_too_large_for_a_cookie_is_logged(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    import secrets

    with TestClient(make_app()) as client:
        client.get("/set", params={"k": "big", "v": secrets.token_hex(4000)})
    assert any("browsers drop cookies" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_age": 0}, "max_age must be positive"),
        ({"samesite": "sometimes"}, "samesite"),
        ({"cookie_name": "bad name"}, "cookie name"),
        ({"path": "/a;b"}, "path"),
        ({"backend": "memcached"}, "unknown session backend"),
    ],
)
def test_bad_options_fail_at_install(
    make_app: MakeApp, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        make_app(**options)


def test_samesite_none_always_marks_the_cookie_secure(make_app: MakeApp) -> None:
    with TestClient(make_app(samesite="none")) as client:
        line = set_cookies(client.get("/set", params={"k": "a", "v": "1"}))[0]
    assert "SameSite=None" in line
    assert "Secure" in line


def test_one_battery_object_per_app(make_app: MakeApp) -> None:
    app = make_app()
    with pytest.raises(ConfigurationError, match="installed on this app already"):
        app.install(Sessions())
    shared = Sessions()
    App(settings=settings()).install(shared)
    with pytest.raises(ConfigurationError, match="another app"):
        App(settings=settings()).install(shared)
