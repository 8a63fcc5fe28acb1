"""``request.session`` works once a secret key is set (or in debug), with nothing installed."""

from __future__ import annotations

import logging

import pytest

from trellis import App, Request
from trellis.conf import Settings
from trellis.sessions import SessionMiddleware, Sessions
from trellis.testing import TestClient

from .conftest import KEY


def counter_app(settings: Settings) -> App:
    app = App(settings=settings)

    @app.get("/")
    async def index(request: Request) -> dict[str, int]:
        request.session["n"] = request.session.get("n", 0) + 1
        return {"n": request.session["n"]}

    return app


def test_a_secret_key_is_enough() -> None:
    app = counter_app(Settings(secret_key=KEY))
    with TestClient(app) as client:
        assert [client.get("/").json()["n"] for _ in range(3)] == [1, 2, 3]
    assert isinstance(app.installed(Sessions), Sessions)


def test_debug_without_a_key_uses_a_process_key_and_warns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import trellis.security.secrets as secrets_module

    secrets_module._warned_debug = False
    with caplog.at_level(logging.WARNING, logger="trellis.security"):
        app = counter_app(Settings(debug=True))
        with TestClient(app) as client:
            assert [client.get("/").json()["n"] for _ in range(2)] == [1, 2]
    assert any("random key" in r.getMessage() for r in caplog.records)


def test_without_a_key_outside_debug_there_are_no_sessions() -> None:
    app = counter_app(Settings(debug=False))
    with TestClient(app) as client, pytest.raises(RuntimeError, match="TRELLIS_SECRET_KEY"):
        client.get("/")
    assert app.installed(Sessions) is None
    assert all(m.cls is not SessionMiddleware for m in app.middleware)  # nothing paid for it


def test_an_explicit_install_wins() -> None:
    app = counter_app(Settings(secret_key=KEY))
    mine = app.install(Sessions(cookie_name="mine"))
    with TestClient(app) as client:
        client.get("/")
        assert "mine" in client.cookies
    assert [b for b in app.batteries if isinstance(b, Sessions)] == [mine]


def test_a_placeholder_key_stops_the_app_from_starting() -> None:
    app = counter_app(Settings(secret_key="change-me"))
    with pytest.raises(Exception, match="placeholder"), TestClient(app):
        pass
