"""Tutorial step 2: pages from templates."""

from __future__ import annotations

from app import app

from trellis.testing import TestClient


def test_the_list_links_every_post() -> None:
    with TestClient(app) as client:
        page = client.get("/").text
    assert "<title>My blog</title>" in page  # from base.html, which index.html extends
    assert '<a href="/posts/1">Hello, Trellis</a>' in page
    assert '<a href="/posts/2">Templates</a>' in page


def test_a_post_page_escapes_what_it_shows() -> None:
    with TestClient(app) as client:
        page = client.get("/posts/2").text
    assert "<title>Templates · My blog</title>" in page
    assert "&lt;b&gt;escaped&lt;/b&gt;" in page


def test_a_missing_post_is_a_404() -> None:
    with TestClient(app) as client:
        assert client.get("/posts/3").status_code == 404
        assert client.get("/posts/three").status_code == 404
