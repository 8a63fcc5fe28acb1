"""CORS through a real App: preflights answered outermost, headers on every response."""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App, JSONResponse, Middleware
from trellis.conf import Settings
from trellis.cors import CORS
from trellis.testing import TestClient

ORIGIN = "https://app.example.com"


class Refuse401:
    """An inner middleware that answers 401 to everything (an auth layer, say)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await JSONResponse({"error": "login"}, status_code=401)(scope, receive, send)


def make_app(cors: CORS, **app_options: Any) -> tuple[App, list[str]]:
    app = App(**app_options)
    calls: list[str] = []

    @app.before_request
    def seen(request: Any) -> None:
        calls.append(request.method)

    @app.route("/items", methods=["GET", "PUT"])
    def items() -> Any:
        return JSONResponse({"ok": True}, headers={"Vary": "Accept-Encoding"})

    app.install(cors)
    return app, calls


def test_preflight_is_answered_without_reaching_the_app() -> None:
    app, calls = make_app(CORS([ORIGIN], allow_methods=["PUT"], max_age=120))
    with TestClient(app) as client:
        response = client.options(
            "/items",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": "PUT"},
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-max-age"] == "120"
    assert response.content == b""
    assert calls == []


def test_refused_preflight_is_a_400_with_the_reason() -> None:
    app, calls = make_app(CORS([ORIGIN]))
    with TestClient(app) as client:
        response = client.options(
            "/items",
            headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "DELETE"},
        )
    assert response.status_code == 400
    assert response.text == "Disallowed CORS origin, method"
    assert "access-control-allow-origin" not in response.headers
    assert calls == []


def test_actual_requests_get_the_origin_and_vary_is_merged() -> None:
    app, _ = make_app(CORS([ORIGIN], allow_credentials=True, expose_headers=["X-Total"]))
    with TestClient(app) as client:
        allowed = client.get("/items", headers={"Origin": ORIGIN})
        refused = client.get("/items", headers={"Origin": "https://evil.test"})
        plain = client.get("/items")
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert allowed.headers["access-control-allow-credentials"] == "true"
    assert allowed.headers["access-control-expose-headers"] == "X-Total"
    assert allowed.headers["vary"] == "Accept-Encoding, Origin"
    for response in (refused, plain):
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
        # the answer depends on Origin, so caches must know it even when none was sent
        assert response.headers["vary"] == "Accept-Encoding, Origin"


def test_an_options_request_that_is_not_a_preflight_reaches_the_app() -> None:
    app, _ = make_app(CORS("*"))
    with TestClient(app) as client:
        response = client.options("/items", headers={"Origin": ORIGIN})
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, PUT"
    assert response.headers["access-control-allow-origin"] == "*"


def test_errors_from_the_app_and_from_inner_middleware_carry_cors_headers() -> None:
    app, _ = make_app(CORS([ORIGIN]))
    with TestClient(app) as client:
        missing = client.get("/nope", headers={"Origin": ORIGIN})
    assert missing.status_code == 404
    assert missing.headers["access-control-allow-origin"] == ORIGIN

    # installed after App(middleware=[...]) yet outermost: the preflight skips the 401 layer
    guarded, _ = make_app(CORS([ORIGIN]), middleware=[Middleware(Refuse401)])
    with TestClient(guarded) as client:
        preflight = client.options(
            "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        )
        refused = client.get("/items", headers={"Origin": ORIGIN})
    assert preflight.status_code == 204
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == ORIGIN


def test_paths_give_parts_of_a_site_their_own_policy() -> None:
    app = App()

    @app.get("/api/things")
    def things() -> dict[str, int]:
        return {"n": 1}

    @app.get("/apiary")
    def apiary() -> str:
        return "bees"

    app.install(CORS("*", paths=["/api"]))
    app.install(CORS(["https://admin.test"], paths=["/admin"]))
    with TestClient(app) as client:
        assert (
            client.get("/api/things", headers={"Origin": ORIGIN}).headers[
                "access-control-allow-origin"
            ]
            == "*"
        )
        apiary_response = client.get("/apiary", headers={"Origin": ORIGIN})
        admin = client.options(
            "/admin/x", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        )
    assert "access-control-allow-origin" not in apiary_response.headers
    assert "vary" not in apiary_response.headers
    assert admin.status_code == 400


def test_options_come_from_settings_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_CORS_ALLOW_ORIGINS", f'["{ORIGIN}"]')
    monkeypatch.setenv("TRELLIS_CORS_MAX_AGE", "33")
    cors = CORS()
    app, _ = make_app(cors)
    with TestClient(app) as client:
        response = client.options(
            "/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
        )
    assert response.headers["access-control-max-age"] == "33"
    monkeypatch.delenv("TRELLIS_CORS_ALLOW_ORIGINS")  # it would fill the field below as well

    class SiteSettings(Settings):
        cors_allow_origins: list[str] = ["https://site.test"]
        cors_allow_credentials: bool = True

    from_settings, _ = make_app(CORS(), settings=SiteSettings())
    with TestClient(from_settings) as client:
        response = client.get("/items", headers={"Origin": "https://site.test"})
    assert response.headers["access-control-allow-origin"] == "https://site.test"
    assert response.headers["access-control-allow-credentials"] == "true"


def test_no_allowed_origin_installs_nothing() -> None:
    app, _ = make_app(CORS())
    assert app.middleware == []
    with TestClient(app) as client:
        response = client.get("/items", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
