"""static(): plain and hashed URLs, unknown names, mounted apps, settings and the template global."""

from __future__ import annotations

import logging
from pathlib import Path

import jinja2
import pytest
from tests.staticfiles.helpers import MakeApp

from trellis import App, Request, Template
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.staticfiles import StaticFileNotFound, StaticFiles, static
from trellis.testing import TestClient


def test_plain_url_without_manifest(make_app: MakeApp) -> None:
    app = make_app()
    assert static(app, "css/site.css") == "/static/css/site.css"
    assert static(app, "/css/site.css") == "/static/css/site.css"
    assert static(app, "fonts/a b.woff2") == "/static/fonts/a%20b.woff2"
    assert app.url_for("static", path="css/site.css") == "/static/css/site.css"


def test_hashed_url_with_manifest_and_it_follows_content(make_app: MakeApp, project: Path) -> None:
    make_app().extensions["staticfiles"].collect()
    first = static(make_app(debug=False), "js/app.js")
    assert first.startswith("/static/js/app.")
    assert first != "/static/js/app.js"
    (project / "static" / "js" / "app.js").write_text("changed")
    make_app().extensions["staticfiles"].collect()
    second = static(make_app(debug=False), "js/app.js")
    assert second != first
    client = TestClient(make_app(debug=False))
    assert client.get(second).text == "changed"


def test_unknown_name_with_manifest_raises_in_debug(make_app: MakeApp) -> None:
    make_app().extensions["staticfiles"].collect()
    with pytest.raises(StaticFileNotFound, match="collectstatic"):
        static(make_app(debug=True), "css/typo.css")


def test_unknown_name_with_manifest_falls_back_outside_debug(
    make_app: MakeApp, caplog: pytest.LogCaptureFixture
) -> None:
    make_app().extensions["staticfiles"].collect()
    app = make_app(debug=False)
    with caplog.at_level(logging.WARNING, logger="trellis.staticfiles"):
        assert static(app, "css/typo.css") == "/static/css/typo.css"
        assert static(app, "css/typo.css") == "/static/css/typo.css"
    assert len([r for r in caplog.records if "typo.css" in r.getMessage()]) == 1


def test_request_root_path_is_respected(make_app: MakeApp) -> None:
    app = make_app()

    @app.get("/page")
    def page(request: Request) -> str:
        return static(request, "css/site.css")

    client = TestClient(app, root_path="/mounted")
    url = client.get("/page").text
    assert url == "/mounted/static/css/site.css"
    assert client.get("/static/css/site.css").status_code == 200


def test_remote_url_path_builds_urls_and_serves_nothing(make_app: MakeApp) -> None:
    app = make_app(url_path="https://cdn.example.com/assets")
    assert static(app, "js/app.js") == "https://cdn.example.com/assets/js/app.js"
    assert TestClient(app).get("/assets/js/app.js").status_code == 404
    with pytest.raises(ConfigurationError, match="another site"):
        make_app(url_path="https://cdn.example.com/assets", serve=True)


def test_bad_url_path_is_refused(make_app: MakeApp) -> None:
    with pytest.raises(ConfigurationError, match="url_path"):
        make_app(url_path="static")


def test_defaults_come_from_settings(project: Path) -> None:
    class SiteSettings(Settings):
        static_url: str = "/assets"
        static_root: str = "public"
        static_max_age: int = 30

    app = App(settings=SiteSettings(debug=True))
    app.root_path = project
    battery = app.install(StaticFiles())
    assert battery.root == (project / "public").resolve()
    client = TestClient(app)
    response = client.get("/assets/js/app.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=30"
    assert static(app, "js/app.js") == "/assets/js/app.js"


def test_installed_twice_is_refused(make_app: MakeApp) -> None:
    app = make_app()
    with pytest.raises(ConfigurationError, match="twice"):
        app.install(StaticFiles())


def test_static_without_the_battery_says_how_to_install_it() -> None:
    app = App()
    app.root_path = Path("/nonexistent-project")
    with pytest.raises(ConfigurationError, match="StaticFiles"):
        static(app, "css/site.css")


def test_template_global_in_jinja(make_app: MakeApp) -> None:
    """Rendered with Jinja2 directly, as the templates battery does with every template global."""
    make_app().extensions["staticfiles"].collect()
    app = make_app(debug=False)
    app.startup_freeze()
    environment = jinja2.Environment(autoescape=True)
    environment.globals.update(app.template_globals)
    template = environment.from_string("<link href=\"{{ static('css/site.css') }}\">")
    hashed = static(app, "css/site.css")
    assert hashed != "/static/css/site.css"
    assert template.render() == f'<link href="{hashed}">'


def test_template_global_reads_root_path_from_the_request(make_app: MakeApp) -> None:
    app = make_app()
    environment = jinja2.Environment(autoescape=True)
    environment.globals.update(app.template_globals)
    template = environment.from_string("{{ static('js/app.js') }}")

    @app.get("/page")
    def page(request: Request) -> str:
        return template.render(request=request)

    client = TestClient(app, root_path="/shop")
    assert client.get("/page").text == "/shop/static/js/app.js"


def test_template_global_through_the_templates_battery(make_app: MakeApp, project: Path) -> None:
    from trellis.templates import Templates

    (project / "templates").mkdir()
    (project / "templates" / "page.html").write_text("<link href=\"{{ static('css/site.css') }}\">")
    make_app().extensions["staticfiles"].collect()
    app = make_app(debug=False)
    app.install(Templates())

    @app.get("/page")
    def page() -> Template:
        return Template("page.html")

    client = TestClient(app, root_path="/shop")
    hashed = static(app, "css/site.css")
    assert hashed.startswith("/static/css/site.")
    assert client.get("/page").text == f'<link href="/shop{hashed}">'
