"""``static/`` is served with no configuration: install_if_used, directly and through the App."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.staticfiles.helpers import APP_JS, blueprint_with_static

from trellis import App
from trellis.staticfiles import StaticFiles, static
from trellis.staticfiles.convention import install_if_used
from trellis.testing import TestClient


def _app(root: Path) -> App:
    app = App(debug=True)
    app.root_path = root
    return app


def test_installs_when_the_project_has_static(project: Path) -> None:
    app = _app(project)
    install_if_used(app)
    assert isinstance(app.installed(StaticFiles), StaticFiles)


def test_installs_when_only_a_blueprint_has_static(tmp_path: Path) -> None:
    app = _app(tmp_path / "empty")
    app.register(blueprint_with_static(tmp_path / "shop", "shop", {"shop/cart.js": b"cart"}))
    install_if_used(app)
    assert app.installed(StaticFiles) is not None
    assert TestClient(app).get("/static/shop/cart.js").text == "cart"


def test_does_nothing_without_static(tmp_path: Path) -> None:
    app = _app(tmp_path)
    install_if_used(app)
    assert app.installed(StaticFiles) is None
    assert "static" not in app.template_globals


def test_keeps_an_explicit_install(project: Path) -> None:
    app = _app(project)
    mine = app.install(StaticFiles(url_path="/assets"))
    install_if_used(app)
    assert app.batteries == [mine]


def test_runs_through_the_app_at_start_up(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trellis.app as app_module

    monkeypatch.setattr(app_module, "_conventions", lambda: (install_if_used,))
    app = _app(project)
    client = TestClient(app)
    assert client.get("/static/js/app.js").content == APP_JS
    assert static(app, "js/app.js") == "/static/js/app.js"
    assert "static" in app.template_globals


def test_static_before_start_up_lets_the_convention_install(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trellis.app as app_module

    monkeypatch.setattr(app_module, "_conventions", lambda: (install_if_used,))
    app = _app(project)
    assert static(app, "css/site.css") == "/static/css/site.css"
    assert app.started
