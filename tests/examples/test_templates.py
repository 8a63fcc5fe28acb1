"""Exercise docs/examples/templates.py: the page, its htmx fragment, a triggered event, e-mail text."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import orjson
import pytest
from docs.examples import templates as example

from trellis.testing import TestClient

HTMX = {"HX-Request": "true"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    saved = list(example.POSTS)
    with TestClient(example.app) as client:
        yield client
    example.POSTS[:] = saved


def test_full_page_uses_layout_filters_globals_and_processor(client: TestClient) -> None:
    page = client.get("/").text
    assert page.startswith("<!doctype html>")
    assert "<title>Posts · Trellis Blog</title>" in page
    assert f"<footer>Trellis Blog · {datetime.date.today().year}</footer>" in page
    assert "<td>HTMX, TEMPLATES</td>" in page  # the shout filter
    assert "&lt;script&gt;alert(&#39;escaped&#39;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert 'hx-post="/posts"' in page  # url_for


def test_htmx_search_gets_only_the_rows(client: TestClient) -> None:
    response = client.get("/", params={"q": "frag"}, headers=HTMX)
    assert response.text == (
        '<tr id="post-2"><td>Fragments with htmx</td><td>HTMX, TEMPLATES</td></tr>'
    )
    assert response.headers["vary"] == "HX-Request"
    empty = client.get("/", params={"q": "zzz"}, headers=HTMX)
    assert empty.text == "<tr><td>No post matches “zzz”.</td></tr>"


def test_history_restore_gets_the_full_page(client: TestClient) -> None:
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    assert client.get("/", headers=headers).text.startswith("<!doctype html>")


def test_adding_a_post_returns_its_row_and_triggers_an_event(client: TestClient) -> None:
    response = client.post("/posts", data={"title": "New <post>"}, headers=HTMX)
    assert response.text == '<tr id="post-4"><td>New &lt;post&gt;</td><td></td></tr>'
    assert orjson.loads(response.headers["hx-trigger"]) == {"post-added": {"id": 4}}
    assert "New &lt;post&gt;" in client.get("/").text


def test_plain_text_email_is_not_escaped() -> None:
    text = example.welcome_email("Ada & <Bob>")
    assert text.startswith("Hello Ada & <Bob>,")
    assert "welcome to Trellis Blog. Your posts: /" in text
