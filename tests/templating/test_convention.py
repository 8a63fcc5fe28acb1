"""``return Template(...)`` works with no configuration when a templates/ folder exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from trellis import App, Blueprint, Template
from trellis.templates import Templates
from trellis.templates.convention import install_if_used
from trellis.testing import TestClient

from .conftest import WriteTemplates


def test_installs_templates_when_the_app_has_a_templates_folder(
    tmp_path: Path, write: WriteTemplates
) -> None:
    write({"a.html": "hi"})
    app = App()
    app.root_path = tmp_path
    battery = install_if_used(app)
    assert isinstance(battery, Templates)
    assert app.installed(Templates) is battery
    assert install_if_used(app) is None  # already there: nothing more


def test_a_blueprints_folder_is_enough(tmp_path: Path, write: WriteTemplates) -> None:
    write({"b.html": "from the blueprint"}, "bp/templates")
    app = App()
    app.root_path = tmp_path / "no-templates-here"
    bp = Blueprint("bp")
    bp.root_path = tmp_path / "bp"
    app.register(bp)
    assert isinstance(install_if_used(app), Templates)


def test_nothing_without_a_folder_or_with_a_renderer_installed(
    tmp_path: Path, write: WriteTemplates
) -> None:
    app = App()
    app.root_path = tmp_path
    assert install_if_used(app) is None
    assert app.batteries == []
    write({"a.html": "x"})
    configured = App()
    configured.root_path = tmp_path
    mine = configured.install(Templates(auto_reload=True))
    assert install_if_used(configured) is None
    assert configured.batteries == [mine]


def test_runs_as_an_app_convention_at_start_up(
    tmp_path: Path, write: WriteTemplates, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trellis.app as app_module

    write({"index.html": "<h1>{{ title }}</h1>"})
    monkeypatch.setattr(app_module, "_conventions", lambda: (install_if_used,))
    app = App()
    app.root_path = tmp_path

    @app.get("/")
    async def index() -> Template:
        return Template("index.html", title="By convention")

    assert TestClient(app).get("/").text == "<h1>By convention</h1>"
