"""Tutorial step 4: posts in a database, its schema in migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from app import Settings, create_app

from trellis import App
from trellis.migrations import Migrations
from trellis.testing import TestClient

TRELLIS = str(Path(sys.executable).with_name("trellis"))


@pytest.fixture
def app(tmp_path: Path) -> App:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'blog.db'}"))
    Migrations(app, "default").upgrade()
    return app


def test_the_migrations_match_the_models(app: App) -> None:
    assert Migrations(app, "default").make("nothing") is None


def test_posts_come_from_the_database_newest_first(app: App) -> None:
    from blog.models import Post

    with app.db.session() as db:
        db.add_all([Post(title="Older", body="First."), Post(title="Newer", body="Second.")])
    with TestClient(app) as client:
        listing = client.get("/blog/").text
        post = client.get("/blog/1").text
        assert client.get("/blog/3").status_code == 404
    assert listing.index("Newer") < listing.index("Older")
    assert "<h1>Older</h1>" in post


def test_the_commands_of_the_page(tmp_path: Path) -> None:
    """trellis db migrate, then a post added from trellis shell, as the page does it."""
    env = {**os.environ, "TRELLIS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def trellis(*args: str) -> str:
        done = subprocess.run([TRELLIS, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "Applied 0001_posts" in trellis("db", "migrate")
    trellis("shell", "-c", 'db.add(Post(title="Hello, database", body="Kept in blog.db."))')
    app = create_app(Settings(database_url=env["TRELLIS_DATABASE_URL"]))
    with TestClient(app) as client:
        assert "Hello, database" in client.get("/blog/").text
