"""Tutorial step 6: users; only a logged-in writer may publish, under their name."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from app import Settings, create_app

from trellis import App
from trellis.migrations import Migrations
from trellis.testing import TestClient

SECRET_KEY = "tutorial-step-6-kq3V9xPz7LmN2wR8tY5uB1cD4eF6gH0jK"
PASSWORD = "a long and secret sentence"
TRELLIS = str(Path(sys.executable).with_name("trellis"))


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'blog.db'}"


@pytest.fixture
def app(database_url: str) -> App:
    app = create_app(Settings(database_url=database_url, secret_key=SECRET_KEY))
    Migrations(app, "default").upgrade()
    return app


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    """A client, and a superuser named ann."""
    from trellis.auth import User

    with app.db.session() as db:
        ann = User(username="ann", email="ann@example.com", is_superuser=True)
        ann.set_password(PASSWORD)
        db.add(ann)
    with TestClient(app) as client:
        yield client


def log_in(client: TestClient) -> None:
    page = client.get("/auth/login")
    data = {"username": "ann", "password": PASSWORD, "csrf_token": csrf_token(page)}
    assert client.post("/auth/login", data=data).status_code == 303


def test_createuser_as_on_the_page(app: App, database_url: str) -> None:
    env = {
        **os.environ,
        "TRELLIS_DATABASE_URL": database_url,
        "TRELLIS_SECRET_KEY": SECRET_KEY,
        "TRELLIS_CREATEUSER_USERNAME": "bob",
        "TRELLIS_CREATEUSER_EMAIL": "bob@example.com",
        "TRELLIS_CREATEUSER_PASSWORD": PASSWORD,
    }
    argv = [TRELLIS, "createuser", "--superuser", "--noinput"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Superuser 'bob' created." in done.stdout
    from trellis.auth import User

    with app.db.session() as db:
        bob = db.scalars(User.where(username="bob")).one()
        assert bob.is_superuser
        assert bob.check_password(PASSWORD)


def test_the_migrations_match_the_models(app: App) -> None:
    assert Migrations(app, "default").make("nothing") is None


def test_a_visitor_is_sent_to_the_login_page(client: TestClient) -> None:
    response = client.get("/blog/new", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"] == "/auth/login?next=%2Fblog%2Fnew"
    assert "Log in" in client.get("/blog/").text


def test_a_writer_logs_in_and_publishes_under_their_name(client: TestClient) -> None:
    log_in(client)
    assert "Log out ann" in client.get("/blog/").text
    form = client.get("/blog/new")
    data = {"title": "Signed", "body": "By its author.", "csrf_token": csrf_token(form)}
    response = client.post("/blog/new", data=data)
    assert response.status_code == 303
    assert "by ann" in client.get(response.headers["location"]).text


def test_logging_out(client: TestClient) -> None:
    log_in(client)
    page = client.get("/blog/")
    assert client.post("/auth/logout", data={"csrf_token": csrf_token(page)}).status_code == 303
    assert client.get("/blog/new").status_code == 401
