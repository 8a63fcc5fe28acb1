"""Every app is protected by convention; a setting switches it off."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trellis import App
from trellis.conf import Settings
from trellis.security import Security
from trellis.security.convention import install_if_used
from trellis.testing import TestClient


def plain_app(settings: Settings | None = None) -> App:
    app = App(settings=settings or Settings())

    @app.get("/")
    def index() -> str:
        return "hi"

    return app


def test_every_app_gets_it() -> None:
    app = plain_app()
    with TestClient(app) as client:
        response = client.get("/")  # Host: testserver, from the test client
        assert response.status_code == 200
        assert response.headers["x-content-type-options"] == "nosniff"
        assert client.get("/", headers={"host": "evil.com"}).status_code == 400
        assert client.get("/", headers={"host": "localhost:8000"}).status_code == 200
    assert isinstance(app.extensions["security"], Security)


def test_switched_off_by_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_SECURITY_ENABLED", "false")
    app = plain_app()
    with TestClient(app) as client:
        response = client.get("/", headers={"host": "evil.com"})
    assert response.status_code == 200
    assert "x-content-type-options" not in response.headers
    assert app.middleware == []  # not a frame more per request


def test_switched_off_by_a_settings_field() -> None:
    class SiteSettings(Settings):
        security_enabled: bool = False

    app = plain_app(SiteSettings())
    install_if_used(app)
    assert "security" not in app.extensions


def test_an_explicit_install_is_kept() -> None:
    app = plain_app(Settings(allowed_hosts=["example.com"]))
    battery = app.install(Security(frame_options="SAMEORIGIN"))
    with TestClient(app) as client:
        response = client.get("/", headers={"host": "example.com"})
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    assert app.batteries.count(battery) == 1
    assert sum(isinstance(b, Security) for b in app.batteries) == 1


def test_the_convention_does_not_import_jinja2_or_the_csrf_module() -> None:
    code = (
        "import sys\n"
        "from trellis import App\n"
        "app = App()\n"
        "app.startup_freeze()\n"
        "assert 'security' in app.extensions\n"
        "print(sorted(m for m in ('jinja2', 'trellis.security.csrf') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_security_middleware_is_outermost() -> None:
    seen: list[str] = []

    class Recorder:
        def __init__(self, app: object) -> None:
            self.app = app

        async def __call__(self, scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
            if scope["type"] == "http":
                seen.append(scope["client"][0])
            await self.app(scope, receive, send)  # type: ignore[operator]

    from trellis.middleware import Middleware

    app = App(
        settings=Settings(allowed_hosts=["example.com"]),
        middleware=[Middleware(Recorder)],
    )
    app.install(Security(trusted_proxies=["10.0.0.1"]))

    @app.get("/")
    def index() -> str:
        return "hi"

    with TestClient(app, client=("10.0.0.1", 1)) as client:
        refused = client.get("/", headers={"host": "evil.com"})
        served = client.get("/", headers={"host": "example.com", "x-forwarded-for": "1.2.3.4"})
    assert (refused.status_code, served.status_code) == (400, 200)
    # the refused request never reached the project's middleware; the other arrived rewritten
    assert seen == ["1.2.3.4"]
