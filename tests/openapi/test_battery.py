"""The OpenAPI battery: its routes, the docs page's settings, local assets and start-up checks."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from trellis import App
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.openapi import OpenAPI, openapi_document
from trellis.openapi.docs_page import CDN_CSS, CDN_JS
from trellis.testing import TestClient


def make_app(settings: Settings | None = None, **options: Any) -> App:
    app = App(settings=settings)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        """Answer pong."""
        return {"ping": "pong"}

    app.install(OpenAPI(**options))
    return app


def test_the_document_is_served_as_json_and_built_once() -> None:
    app = make_app(title="Ping", version="3")
    client = TestClient(app)
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    served = response.json()
    assert served == openapi_document(app)
    assert served["info"] == {"title": "Ping", "version": "3"}
    assert list(served["paths"]) == ["/ping"]
    battery = app.installed(OpenAPI)
    assert battery is not None
    assert battery.document() is battery.document()


def test_the_docs_page_loads_the_ui_from_the_cdn_by_default() -> None:
    page = TestClient(make_app(title="Ping <&>")).get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert f'<script src="{CDN_JS}"></script>' in page.text
    assert f'<link rel="stylesheet" href="{CDN_CSS}">' in page.text
    assert "<title>Ping &lt;&amp;&gt; - API docs</title>" in page.text
    config = json.loads(re.search(r"SwaggerUIBundle\((.*)\);</script>", page.text).group(1))  # type: ignore[union-attr]
    assert config["url"] == "/openapi.json"
    assert config["dom_id"] == "#swagger-ui"


def test_asset_urls_urls_and_ui_parameters_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_OPENAPI_DOCS_JS_URL", "https://cdn.example.com/ui.js")
    monkeypatch.setenv("TRELLIS_OPENAPI_DOCS_CSS_URL", "https://cdn.example.com/ui.css")
    monkeypatch.setenv("TRELLIS_OPENAPI_DOCS_URL", "/api/docs")
    monkeypatch.setenv("TRELLIS_OPENAPI_OPENAPI_URL", "/api/schema.json")
    monkeypatch.setenv("TRELLIS_OPENAPI_TITLE", "From env")

    class SiteSettings(Settings):
        openapi_docs_parameters: dict[str, Any] = {"tryItOutEnabled": True}

    client = TestClient(make_app(SiteSettings()))
    assert client.get("/docs").status_code == 404
    page = client.get("/api/docs").text
    assert '<script src="https://cdn.example.com/ui.js">' in page
    assert 'href="https://cdn.example.com/ui.css"' in page
    assert '"tryItOutEnabled": true' in page
    assert '"url": "/api/schema.json"' in page
    assert client.get("/api/schema.json").json()["info"]["title"] == "From env"


def test_constructor_options_win_over_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRELLIS_OPENAPI_TITLE", "From env")
    client = TestClient(make_app(title="Given"))
    assert client.get("/openapi.json").json()["info"]["title"] == "Given"


def test_a_local_assets_folder_serves_the_ui_offline(tmp_path: Path) -> None:
    (tmp_path / "swagger-ui-bundle.js").write_text("window.loaded = true;")
    (tmp_path / "swagger-ui.css").write_text("body { color: red }")
    (tmp_path.parent / "secret.txt").write_text("no")
    client = TestClient(make_app(docs_assets_dir=tmp_path))
    page = client.get("/docs").text
    assert '<script src="/docs/assets/swagger-ui-bundle.js">' in page
    assert 'href="/docs/assets/swagger-ui.css"' in page
    js = client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.text == "window.loaded = true;"
    assert "javascript" in js.headers["content-type"]
    assert client.get("/docs/assets/swagger-ui.css").headers["content-type"].startswith("text/css")
    assert client.get("/docs/assets/../secret.txt").status_code == 404
    assert client.get("/docs/assets/%2e%2e/secret.txt").status_code in (400, 404)
    assert client.get("/docs/assets/missing.js").status_code == 404


def test_a_missing_assets_folder_fails_at_install(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="docs_assets_dir"):
        make_app(docs_assets_dir=tmp_path / "nope")


def test_urls_can_be_turned_off() -> None:
    no_page = TestClient(make_app(docs_url=""))
    assert no_page.get("/docs").status_code == 404
    assert no_page.get("/openapi.json").status_code == 200
    private = TestClient(make_app(openapi_url=""))
    assert private.get("/openapi.json").status_code == 404
    assert private.get("/docs").status_code == 404


def test_bad_options_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown option"):
        OpenAPI(titel="x")  # type: ignore[call-arg]
    with pytest.raises(ConfigurationError, match="must start with '/'"):
        make_app(docs_url="docs")


def test_the_page_follows_a_mount_point_and_carries_the_csp_nonce() -> None:
    app = make_app()

    @app.before_request
    async def nonce(request: Any) -> None:
        request.state.csp_nonce = "n0nce"

    client = TestClient(app, root_path="/api")
    page = client.get("/docs").text
    assert '"url": "/api/openapi.json"' in page
    assert '<script nonce="n0nce">' in page


def test_a_broken_document_stops_the_start_up() -> None:
    app = make_app()

    @app.get("/secret", security=["nope"])
    async def secret() -> None: ...

    with pytest.raises(ConfigurationError, match="'nope' is not defined"), TestClient(app):
        pass
