"""The example blog (examples/blog) through the TestClient, on its real migrations and demo data.

The module gets one fresh SQLite file: migrated with the committed migrations (so a model change
without a migration fails here) and filled by the demo loader ``make run`` uses.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from examples.blog.app import Settings, create_app
from examples.blog.demo import POST_COUNT, load_demo
from examples.blog.models import Comment, Post, Tag

from trellis import App
from trellis.db import Database, func, select
from trellis.migrations import Migrations
from trellis.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def blog_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    url = f"sqlite:///{tmp_path_factory.mktemp('blog') / 'blog.db'}"
    # As `make run` serves it: in debug, where static/ is served from the source folders
    # (production serves the collectstatic output instead).
    app = create_app(Settings(database_url=url, debug=True))
    Migrations(app).upgrade()
    with Database.of(app).session() as db:
        assert load_demo(db) == POST_COUNT
    yield app
    Database.of(app).engines().dispose_sync()


@pytest.fixture(scope="module")
def client(blog_app: App) -> Iterator[TestClient]:
    with TestClient(blog_app) as client:
        yield client


@pytest.fixture(scope="module")
def posts(blog_app: App) -> list[Post]:
    """Every post, newest first: the order of the list page."""
    with Database.of(blog_app).session() as db:
        query = select(Post).order_by(Post.published.desc(), Post.id.desc())
        return list(db.scalars(query))


def comment_count(app: App, post_id: int) -> int:
    with Database.of(app).session() as db:
        count: int = db.scalar(select(func.count()).where(Comment.post_id == post_id)) or 0
        return count


def test_demo_data_loads_once(blog_app: App) -> None:
    with Database.of(blog_app).session() as db:
        assert load_demo(db) == 0  # idempotent: `make run` twice keeps one copy
        assert db.scalar(select(func.count()).select_from(Post)) == POST_COUNT
        assert sorted(db.scalars(select(Tag.name))) == [
            "asgi",
            "handlers",
            "htmx",
            "performance",
            "routing",
            "static-files",
            "templates",
        ]


def test_the_committed_migrations_match_the_models(blog_app: App) -> None:
    # In a child process, where only the blog's models are loaded (this one holds other tests').
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_APP"}
    env["TRELLIS_DATABASE_URL"] = Database.of(blog_app).url().render_as_string()
    command = ["check", "--app", "examples.blog.app:app"]
    done = subprocess.run(
        [sys.executable, "-c", "from trellis.cli import main; main()", *command],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "migrations." not in done.stdout + done.stderr  # W001: models changed, no migration


def test_home_redirects_to_the_post_list(client: TestClient) -> None:
    response = client.get("/")
    assert (response.status_code, response.headers["location"]) == (302, "/blog/")


def test_list_page_renders_the_layout_and_first_rows(client: TestClient, posts: list[Post]) -> None:
    page = client.get("/blog/")
    assert page.status_code == 200
    html = page.text
    assert html.startswith("<!doctype html>")
    assert "<title>Posts · Trellis blog</title>" in html  # three levels: base <- layout <- index
    assert html.count('class="post-row"') == 10
    assert posts[0].title in html
    assert f'href="/blog/{posts[0].id}/{posts[0].slug}"' in html
    assert posts[10].title not in html
    assert 'hx-get="/blog/?page=2"' in html
    stylesheet = re.search(r'href="(/static/css/site[^"]*\.css)"', html)
    assert stylesheet is not None
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_htmx_request_gets_only_the_rows_block(client: TestClient, posts: list[Post]) -> None:
    fragment = client.get("/blog/?page=2", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    text = fragment.text.strip()
    assert text.startswith('<tr class="post-row">')
    assert "<html" not in text
    assert "<table" not in text
    assert text.count('class="post-row"') == 10
    assert posts[10].title in text
    assert posts[9].title not in text
    assert 'hx-get="/blog/?page=3"' in text
    assert "HX-Request" in fragment.headers.get("vary", "")


def test_last_page_has_no_load_more_button_and_past_it_is_404(
    client: TestClient, posts: list[Post]
) -> None:
    last = client.get("/blog/?page=5", headers={"HX-Request": "true"})
    assert last.text.count('class="post-row"') == 5
    assert posts[-1].title in last.text
    assert "load-more" not in last.text
    assert client.get("/blog/?page=6").status_code == 404
    assert client.get("/blog/?page=0").status_code == 422


def test_detail_page_escapes_the_body(client: TestClient, posts: list[Post]) -> None:
    post = posts[3]
    page = client.get(f"/blog/{post.id}/{post.slug}")
    assert page.status_code == 200
    assert f"<h1>{post.title}</h1>" in page.text
    assert "&lt;Markup&gt; &amp; such" in page.text
    assert client.get(f"/blog/{post.id}/wrong-slug").status_code == 404
    assert client.get(f"/blog/{len(posts) + 100}/{post.slug}").status_code == 404


def test_detail_page_shows_tags_and_comments(client: TestClient, posts: list[Post]) -> None:
    # Post 5 of the demo: "Pure ASGI middleware", tagged asgi and performance, two comments.
    post = next(p for p in posts if p.id == 5)
    html = client.get(f"/blog/{post.id}/{post.slug}").text
    tags = re.findall(r'<a class="tag" href="(/blog/tags/[^"]+)">([^<]+)</a>', html)
    assert tags == [("/blog/tags/asgi", "asgi"), ("/blog/tags/performance", "performance")]
    assert "<h2>2 comments</h2>" in html
    assert html.count('class="comment"') == 2
    assert html.index("Comment 1 on post 5.") < html.index("Comment 2 on post 5.")
    assert 'action="/blog/5/comments"' in html


def test_tag_page_lists_its_posts(client: TestClient, posts: list[Post]) -> None:
    page = client.get("/blog/tags/htmx")
    assert page.status_code == 200
    assert "Posts tagged “htmx”" in page.text
    titles = re.findall(r'<a href="/blog/\d+/[^"]+">([^<]+)</a>', page.text)
    expected = [p.title for p in posts if p.title.startswith("Templates that grow")]
    assert titles == expected  # newest first, each post once
    assert len(titles) == 9
    assert client.get("/blog/tags/no-such-tag").status_code == 404


def test_a_posted_comment_is_committed_and_shown(
    blog_app: App, client: TestClient, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 3)  # every third demo post has no comments
    assert comment_count(blog_app, post.id) == 0
    response = client.post(
        f"/blog/{post.id}/comments",
        data={"author": "  Ann  ", "body": "<script>alert(1)</script> & thanks"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/blog/{post.id}/{post.slug}#comments"
    # Seen from another session: the request's unit of work was committed.
    with Database.of(blog_app).session() as db:
        saved = db.scalars(select(Comment).where(Comment.post_id == post.id)).one()
        assert (saved.author, saved.body) == ("Ann", "<script>alert(1)</script> & thanks")
    html = client.get(response.headers["location"].partition("#")[0]).text
    assert "<h2>1 comment</h2>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks" in html
    assert "<script>alert(1)" not in html


def test_an_invalid_comment_answers_422_and_writes_nothing(
    blog_app: App, client: TestClient, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 6)
    before = comment_count(blog_app, post.id)
    response = client.post(f"/blog/{post.id}/comments", data={"author": "   ", "body": "Kept <b>"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert '<p class="error">Name:' in response.text
    assert '<p class="error">Comment:' not in response.text  # the body was fine
    assert "Kept &lt;b&gt;</textarea>" in response.text  # the reader's text comes back
    assert client.post(f"/blog/{post.id}/comments", data={}).status_code == 422
    assert comment_count(blog_app, post.id) == before
    assert client.post("/blog/999/comments", data={"author": "A", "body": "B"}).status_code == 404
