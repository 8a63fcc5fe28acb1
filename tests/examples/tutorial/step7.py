"""Tutorial step 7: a stylesheet and htmx from static/, and a "More posts" button."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app import Settings, create_app

from trellis.migrations import Migrations
from trellis.testing import TestClient

SECRET_KEY = "tutorial-step-7-kq3V9xPz7LmN2wR8tY5uB1cD4eF6gH0jK"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'blog.db'}", secret_key=SECRET_KEY, debug=True
    )
    app = create_app(settings)  # debug, as under trellis run: static/ is served by the app
    Migrations(app, "default").upgrade()
    from blog.models import Post

    with app.db.session() as db:
        db.add_all(Post(title=f"Post {n}", body=f"Text {n}.") for n in range(1, 8))
    with TestClient(app) as client:
        yield client


def test_the_static_files_are_linked_and_served(client: TestClient) -> None:
    page = client.get("/blog/").text
    assert '<link rel="stylesheet" href="/static/css/site.css">' in page
    assert '<script src="/static/js/htmx.min.js" defer></script>' in page
    css = client.get("/static/css/site.css")
    assert css.status_code == 200
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/static/js/htmx.min.js").text.startswith("var htmx=")


def test_the_first_page_shows_five_posts_and_a_button_for_more(client: TestClient) -> None:
    page = client.get("/blog/").text
    assert page.count("<article>") == 5
    assert "Post 7" in page
    assert "Post 3" in page
    assert "Post 2" not in page
    assert 'hx-get="/blog/?page=2"' in page


def test_htmx_gets_the_next_posts_alone(client: TestClient) -> None:
    response = client.get("/blog/?page=2", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text  # the "posts" block only, swapped in for the button
    assert response.text.count("<article>") == 2
    assert "hx-get" not in response.text  # the last page has no button
    assert "HX-Request" in response.headers["vary"]  # caches keep the two answers apart


def test_a_page_past_the_last_is_a_404(client: TestClient) -> None:
    assert client.get("/blog/?page=3").status_code == 404
