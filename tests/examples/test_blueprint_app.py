"""Runs docs/blueprints-as-apps.md's example: the guestbook package in a project.

The folder ``docs/examples/blueprint_app`` goes on ``sys.path`` first, as ``pip install`` of the
package would put it, so ``guestbook`` is imported by its own name.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from trellis import App
from trellis.checks import run_checks
from trellis.cli import cli
from trellis.db import Database, Model, func, select
from trellis.routing.blueprints import load_blueprints, prepare_blueprints
from trellis.testing import TestClient

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "blueprint_app"

if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))

import guestbook  # noqa: E402
from guestbook.models import Signature  # noqa: E402
from guestbook_site import Settings, create_app  # noqa: E402


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'site.db'}", debug=True))
    database = Database.of(app)
    Model.metadata.create_all(database.sync_engine(), tables=[Signature.__table__])  # type: ignore[attr-defined]
    yield app
    database.engines().dispose_sync()


def count(app: App) -> int:
    with Database.of(app).session() as db:
        return db.scalar(select(func.count()).select_from(Signature)) or 0


def test_pages_templates_and_static_files_come_with_the_package(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="guestbook"), TestClient(app) as client:
        assert "the guestbook is open" in caplog.messages  # the blueprint's start-up hook
        page = client.get("/guestbook/")
        assert page.status_code == 200
        assert "Be the first to sign." in page.text
        assert 'href="/static/guestbook/guestbook.css"' in page.text
        css = client.get("/static/guestbook/guestbook.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        signed = client.post("/guestbook/", data={"name": "Ada", "message": "Lovely site"})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/guestbook/"
        assert "Lovely site <cite>Ada</cite>" in client.get("/guestbook/").text
        blank = client.post("/guestbook/", data={"name": "  ", "message": "x"})
        assert blank.status_code == 422
    assert count(app) == 1


def test_the_project_overrides_the_packages_templates(app: App, tmp_path: Path) -> None:
    # The project's templates/ come first: its guestbook/layout.html restyles every page.
    (tmp_path / "templates" / "guestbook").mkdir(parents=True)
    (tmp_path / "templates" / "guestbook" / "layout.html").write_text(
        "<main class=project>{% block content %}{% endblock %}</main>"
    )
    app.root_path = tmp_path
    with TestClient(app) as client:
        assert client.get("/guestbook/").text.startswith("<main class=project>")


def test_the_command_runs_on_the_discovered_app(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = str(Database.of(app).url())
    with Database.of(app).session() as db:
        db.add_all(Signature(name=f"n{i}", message="m") for i in range(5))
    monkeypatch.setenv("TRELLIS_APP", "guestbook_site:create_app()")
    monkeypatch.setenv("TRELLIS_DATABASE_URL", url)
    result = CliRunner().invoke(cli, ["guestbook", "prune", "--keep", "2"])
    assert result.exit_code == 0, result.output
    assert result.output == "Deleted 3 signature(s), kept 2.\n"
    assert count(app) == 2
    helped = CliRunner().invoke(cli, ["guestbook", "--help"])
    assert "Look after the guestbook." in helped.output


def test_the_check_joins_the_apps_checks() -> None:
    bare = App()
    bare.register(guestbook.blueprint)
    prepare_blueprints(bare)  # what the app does with its blueprints when it starts
    assert [m.id for m in run_checks(bare) if m.id.startswith("guestbook.")] == ["guestbook.E001"]


def test_installed_by_the_blueprints_setting(tmp_path: Path) -> None:
    app = App(settings=Settings(database_url=f"sqlite:///{tmp_path / 'setting.db'}"))
    app.install(Database())
    assert load_blueprints(app, ["guestbook"]) == [guestbook.blueprint]
    assert [r.name for r in app.routes()] == ["guestbook.index", "guestbook.sign"]
    assert [m.id for m in run_checks(app) if m.id.startswith("guestbook.")] == []
