"""Tutorial step 5: a form to write posts, protected against cross-site forgery."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from app import Settings, create_app

from trellis.migrations import Migrations
from trellis.testing import TestClient

SECRET_KEY = "tutorial-step-5-kq3V9xPz7LmN2wR8tY5uB1cD4eF6gH0jK"


def csrf_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path / 'blog.db'}", secret_key=SECRET_KEY)
    )
    Migrations(app, "default").upgrade()
    with TestClient(app) as client:
        yield client


def test_a_post_written_in_the_form_is_published(client: TestClient) -> None:
    form = client.get("/blog/new")
    assert form.status_code == 200
    data = {"title": "Forms", "body": "Checked on the server.", "csrf_token": csrf_token(form)}
    response = client.post("/blog/new", data=data)
    assert response.status_code == 303
    page = client.get(response.headers["location"]).text
    assert "<h1>Forms</h1>" in page
    assert "Your post is published." in page  # the flashed message, shown once
    assert "Your post is published." not in client.get("/blog/").text


def test_a_form_with_errors_comes_back_with_them(client: TestClient) -> None:
    form = client.get("/blog/new")
    response = client.post(
        "/blog/new", data={"title": "", "body": "x", "csrf_token": csrf_token(form)}
    )
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert "No posts yet." in client.get("/blog/").text


def test_a_post_without_the_token_is_refused(client: TestClient) -> None:
    response = client.post("/blog/new", data={"title": "Forged", "body": "From another site."})
    assert response.status_code == 403
    assert "Forged" not in client.get("/blog/").text
