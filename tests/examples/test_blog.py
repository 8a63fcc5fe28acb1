"""The example blog (examples/blog) through the TestClient: pages, the htmx fragment, static files."""

import re
from collections.abc import Iterator

import pytest
from examples.blog.app import app
from examples.blog.data import POSTS

from trellis.testing import TestClient

# As `make run` serves it: in debug, where static/ is served from the source folders (production
# serves the collectstatic output instead).  Set before the app's first request, when it starts.
app.debug = True


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


def test_home_redirects_to_the_post_list(client: TestClient) -> None:
    response = client.get("/")
    assert (response.status_code, response.headers["location"]) == (302, "/blog/")


def test_list_page_renders_the_layout_and_first_rows(client: TestClient) -> None:
    page = client.get("/blog/")
    assert page.status_code == 200
    html = page.text
    assert html.startswith("<!doctype html>")
    assert "<title>Posts · Trellis blog</title>" in html  # three levels: base <- layout <- index
    assert html.count('class="post-row"') == 10
    assert POSTS[0].title in html
    assert 'hx-get="/blog/?page=2"' in html
    stylesheet = re.search(r'href="(/static/css/site[^"]*\.css)"', html)
    assert stylesheet is not None
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_htmx_request_gets_only_the_rows_block(client: TestClient) -> None:
    fragment = client.get("/blog/?page=2", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.text.strip()
    assert text.startswith('<tr class="post-row">')
    assert "<html" not in text
    assert "<table" not in text
    assert text.count('class="post-row"') == 10
    assert POSTS[10].title in text
    assert 'hx-get="/blog/?page=3"' in text
    assert "HX-Request" in fragment.headers.get("vary", "")


def test_last_page_has_no_load_more_button_and_past_it_is_404(client: TestClient) -> None:
    last = client.get("/blog/?page=5", headers={"HX-Request": "true"})
    assert last.text.count('class="post-row"') == 5
    assert "load-more" not in last.text
    assert client.get("/blog/?page=6").status_code == 404
    assert client.get("/blog/?page=0").status_code == 422


def test_detail_page_escapes_the_body(client: TestClient) -> None:
    post = POSTS[3]
    page = client.get(f"/blog/{post.id}/{post.slug}")
    assert page.status_code == 200
    assert f"<h1>{post.title}</h1>" in page.text
    assert "&lt;Markup&gt; &amp; such" in page.text
    assert client.get(f"/blog/{post.id}/wrong-slug").status_code == 404
