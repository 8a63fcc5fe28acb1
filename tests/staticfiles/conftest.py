"""Fixtures: a small project on disk and apps serving it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.staticfiles.helpers import APP_JS, LOGO, SITE_CSS, MakeApp

from trellis import App, Blueprint
from trellis.staticfiles import StaticFiles


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``<tmp>/project`` with ``static/`` (css, js, image, a dotfile) and a secret beside it."""
    root = tmp_path / "project"
    static = root / "static"
    (static / "css").mkdir(parents=True)
    (static / "img").mkdir()
    (static / "js").mkdir()
    (static / "css" / "site.css").write_bytes(SITE_CSS)
    (static / "js" / "app.js").write_bytes(APP_JS)
    (static / "img" / "logo.png").write_bytes(LOGO)
    (static / ".env").write_text("SECRET=1\n")
    (root / "secret.txt").write_text("not public\n")
    return root


@pytest.fixture
def make_app(project: Path) -> MakeApp:
    def make(*, debug: bool = True, blueprints: tuple[Blueprint, ...] = (), **options: Any) -> App:
        app = App(debug=debug)
        app.root_path = project
        for blueprint in blueprints:
            app.register(blueprint)
        app.install(StaticFiles(**options))
        return app

    return make
