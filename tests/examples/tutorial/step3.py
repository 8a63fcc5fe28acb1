"""Tutorial step 3: the blog becomes a blueprint."""

from __future__ import annotations

from app import app

from trellis.testing import TestClient


def test_the_home_page_sends_readers_to_the_blog() -> None:
    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 302
    assert response.headers["location"] == "/blog/"


def test_the_blog_pages_live_under_its_prefix() -> None:
    with TestClient(app) as client:
        listing = client.get("/blog/").text
        post = client.get("/blog/2").text
        assert client.get("/blog/3").status_code == 404
    assert '<a href="/blog/2">Blueprints</a>' in listing
    assert "The blog is a part of the site of its own." in post
    assert app.url_for("blog.post", id=1) == "/blog/1"
