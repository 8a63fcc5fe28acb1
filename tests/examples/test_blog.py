"""The example blog (examples/blog) through the TestClient, on its real migrations and demo data.

Each app gets a fresh SQLite file, migrated with the committed migrations (so a model change
without a migration fails here) and filled by the demo loader ``make run`` uses.  ``blog_app``
serves the reading tests and comments; ``site`` the tests that write, edit and delete posts, so
that the list pages keep the demo's 45 posts whatever order the tests run in.  People log in
through the real login page, with the CSRF token a browser would send.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from examples.blog.app import DEVELOPMENT_SECRET_KEY, Settings, create_app
from examples.blog.demo import DEMO_USERS, POST_COUNT, load_demo
from examples.blog.models import Comment, Post, Tag
from pydantic import SecretStr

from trellis import App
from trellis.auth import User
from trellis.db import Database, func, select, selectinload
from trellis.exceptions import ConfigurationError
from trellis.mail import capture_mail
from trellis.migrations import Migrations
from trellis.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
PASSWORDS = {demo.username: demo.password for demo in DEMO_USERS}
HTML = {"Accept": "text/html"}


def fresh_blog(tmp_path_factory: pytest.TempPathFactory) -> App:
    url = f"sqlite:///{tmp_path_factory.mktemp('blog') / 'blog.db'}"
    # As `make run` serves it: in debug, where static/ is served from the source folders
    # (production serves the collectstatic output instead).
    app = create_app(Settings(database_url=url, debug=True))
    Migrations(app).upgrade()
    with Database.of(app).session() as db:
        assert load_demo(db) == POST_COUNT
    return app


class Browsers:
    """Several people (cookie jars) on one TestClient: ``browsers("alice").get(...)``."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.jars: dict[str, httpx.Cookies] = {}
        self.current = ""

    def __call__(self, name: str) -> TestClient:
        if name != self.current:
            self.jars[self.current] = httpx.Cookies(self.client.cookies)
            self.client.cookies = self.jars.get(name, httpx.Cookies())
            self.current = name
        return self.client


def token_in(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]* value="([^"]+)"', html)
    assert found is not None, "no CSRF token on the page"
    return found.group(1)


def log_in(client: TestClient, username: str) -> None:
    page = client.get("/auth/login")
    form = {
        "username": username,
        "password": PASSWORDS[username],
        "csrf_token": token_in(page.text),
    }
    response = client.post("/auth/login", data=form)
    assert (response.status_code, response.headers["location"]) == (303, "/blog/")


@pytest.fixture(scope="module")
def blog_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = fresh_blog(tmp_path_factory)
    yield app
    Database.of(app).engines().dispose_sync()


@pytest.fixture(scope="module")
def browsers(blog_app: App) -> Iterator[Browsers]:
    with TestClient(blog_app) as client:
        people = Browsers(client)
        for username in PASSWORDS:
            log_in(people(username), username)
        yield people


@pytest.fixture
def client(browsers: Browsers) -> TestClient:
    """Someone who is not logged in."""
    return browsers("anonymous")


@pytest.fixture(scope="module")
def posts(blog_app: App) -> list[Post]:
    """Every post, newest first: the order of the list page."""
    with Database.of(blog_app).session() as db:
        query = select(Post).options(selectinload(Post.author))
        return list(db.scalars(query.order_by(Post.published.desc(), Post.id.desc())))


def comment_count(app: App, post_id: int) -> int:
    with Database.of(app).session() as db:
        count: int = db.scalar(select(func.count()).where(Comment.post_id == post_id)) or 0
        return count


# --- start-up, data, migrations ------------------------------------------------------------------


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
        users = {user.username: user for user in db.scalars(select(User))}
        assert sorted(users) == ["alice", "bob", "editor"]
        assert [name for name, user in sorted(users.items()) if user.is_staff] == ["editor"]
        assert users["alice"].check_password("wonderland-2026")
        assert users["alice"].password_hash.startswith("$argon2id$")
        authors = db.execute(select(Post.id, Post.author_id).order_by(Post.id).limit(2)).all()
        assert authors == [(1, users["alice"].id), (2, users["bob"].id)]


def test_the_committed_migrations_match_the_models(blog_app: App) -> None:
    # In a child process, where only the blog's models are loaded (this one holds other tests').
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_APP"}
    env["TRELLIS_DATABASE_URL"] = Database.of(blog_app).url().render_as_string()
    env["TRELLIS_DEBUG"] = "1"  # as `make run`: the development key signs
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


def test_the_development_key_is_for_debug_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'blog.db'}"
    debug = create_app(Settings(database_url=url, debug=True))
    assert debug.settings.secret_key == SecretStr(DEVELOPMENT_SECRET_KEY)
    with pytest.raises(ConfigurationError, match="no secret key is set"):
        create_app(Settings(database_url=url, debug=False))
    key = SecretStr("k" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2)
    production = create_app(Settings(database_url=url, debug=False, secret_key=key))
    assert production.settings.secret_key == key  # a key that is set is used as it is


def test_health_reports_the_database_and_its_migrations(client: TestClient) -> None:
    assert client.get("/health/live").json() == {"status": "ok"}
    ready = client.get("/health/ready")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database:default"]["ok"]
    assert checks["migrations:default"]["ok"]


# --- reading -------------------------------------------------------------------------------------


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
    assert posts[0].author is not None
    assert f'<td class="author">{posts[0].author.username}</td>' in html
    assert posts[10].title not in html
    assert 'hx-get="/blog/?page=2"' in html
    stylesheet = re.search(r'href="(/static/css/site[^"]*\.css)"', html)
    assert stylesheet is not None
    css = client.get(stylesheet.group(1))
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_anonymous_pages_offer_login_and_signup(client: TestClient, posts: list[Post]) -> None:
    html = client.get(f"/blog/{posts[0].id}/{posts[0].slug}").text
    assert f'href="/auth/login?next=%2Fblog%2F{posts[0].id}%2F{posts[0].slug}"' in html
    assert 'href="/auth/signup"' in html
    assert "New post" not in html
    assert "Log out" not in html
    assert "Edit this post" not in html
    assert '<form class="comment-form"' not in html
    assert "to leave a comment" in html
    # Debug only: the footer lists the demo accounts.
    assert "<code>alice</code> / <code>wonderland-2026</code>" in html


def test_reading_sets_no_cookie(browsers: Browsers, posts: list[Post]) -> None:
    reader = browsers("first visit")  # an empty cookie jar
    for path in ("/blog/", f"/blog/{posts[0].id}/{posts[0].slug}", "/blog/tags/htmx"):
        page = reader.get(path)
        assert page.status_code == 200
        assert "set-cookie" not in page.headers, path
        assert "hx-headers" not in page.text
    assert "hx-headers" in browsers("alice").get("/blog/").text


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
    # Post 5 of the demo: "Pure ASGI middleware", by alice, tagged asgi and performance, two
    # comments.
    post = next(p for p in posts if p.id == 5)
    html = client.get(f"/blog/{post.id}/{post.slug}").text
    assert 'by <span class="author">alice</span>' in html
    tags = re.findall(r'<a class="tag" href="(/blog/tags/[^"]+)">([^<]+)</a>', html)
    assert tags == [("/blog/tags/asgi", "asgi"), ("/blog/tags/performance", "performance")]
    assert "<h2>2 comments</h2>" in html
    assert html.count('class="comment"') == 2
    assert html.index("Comment 1 on post 5.") < html.index("Comment 2 on post 5.")


def test_tag_page_lists_its_posts(client: TestClient, posts: list[Post]) -> None:
    page = client.get("/blog/tags/htmx")
    assert page.status_code == 200
    assert "Posts tagged “htmx”" in page.text
    titles = re.findall(r'<a href="/blog/\d+/[^"]+">([^<]+)</a>', page.text)
    expected = [p.title for p in posts if p.title.startswith("Templates that grow")]
    assert titles == expected  # newest first, each post once
    assert len(titles) == 9
    assert client.get("/blog/tags/no-such-tag").status_code == 404


# --- comments ------------------------------------------------------------------------------------


def test_a_posted_comment_is_committed_and_shown(
    blog_app: App, browsers: Browsers, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 3)  # every third demo post has no comments
    assert comment_count(blog_app, post.id) == 0
    bob = browsers("bob")
    page = bob.get(f"/blog/{post.id}/{post.slug}")
    assert 'action="/blog/3/comments"' in page.text
    body = "  <script>alert(1)</script> & thanks  "
    response = bob.post(
        f"/blog/{post.id}/comments", data={"body": body, "csrf_token": token_in(page.text)}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/blog/{post.id}/{post.slug}#comments"
    # Seen from another session: the request's unit of work was committed.
    with Database.of(blog_app).session() as db:
        saved = db.scalars(select(Comment).where(Comment.post_id == post.id)).one()
        bob_id = db.scalars(select(User.id).where(User.username == "bob")).one()
        assert (saved.author, saved.user_id) == ("bob", bob_id)
        assert saved.body == "<script>alert(1)</script> & thanks"
    html = bob.get(response.headers["location"].partition("#")[0]).text
    assert '<p class="flash success" role="status">Your comment is posted.</p>' in html
    assert "<h2>1 comment</h2>" in html
    assert "bob · " in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; thanks" in html
    assert "<script>alert(1)" not in html
    assert "Your comment is posted." not in bob.get(f"/blog/{post.id}/{post.slug}").text  # once


def test_an_invalid_comment_answers_422_and_writes_nothing(
    blog_app: App, browsers: Browsers, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 6)
    before = comment_count(blog_app, post.id)
    alice = browsers("alice")
    token = token_in(alice.get(f"/blog/{post.id}/{post.slug}").text)
    response = alice.post(f"/blog/{post.id}/comments", data={"body": "   ", "csrf_token": token})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert '<ul class="field-errors" id="body-errors">' in response.text
    assert 'aria-invalid="true"' in response.text
    too_long = {"body": "x" * 5001, "csrf_token": token}
    assert alice.post(f"/blog/{post.id}/comments", data=too_long).status_code == 422
    assert comment_count(blog_app, post.id) == before
    missing = alice.post("/blog/999/comments", data={"body": "B", "csrf_token": token})
    assert missing.status_code == 404


def test_htmx_posts_a_comment_with_the_token_in_the_header(
    blog_app: App, browsers: Browsers, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 9)  # no comments in the demo
    editor = browsers("editor")
    token = token_in(editor.get(f"/blog/{post.id}/{post.slug}").text)
    htmx = {"HX-Request": "true", "X-CSRFToken": token}
    # No csrf_token field: the header alone, as htmx sends it (hx-headers on <body>).
    answer = editor.post(f"/blog/{post.id}/comments", data={"body": "Via htmx"}, headers=htmx)
    assert answer.status_code == 200
    fragment = answer.text.strip()
    assert fragment.startswith('<section id="comments" class="comments">')
    assert "<html" not in fragment
    assert "<h2>1 comment</h2>" in fragment
    assert "<p>Via htmx</p>" in fragment
    assert re.search(r'name="body"[^>]*>\s*</textarea>', fragment)  # empty, for the next one
    assert comment_count(blog_app, post.id) == 1
    refused = editor.post(f"/blog/{post.id}/comments", data={"body": " "}, headers=htmx)
    assert refused.status_code == 422  # swapped all the same: the page's htmx-config says so
    assert refused.text.strip().startswith('<section id="comments"')
    assert 'id="body-errors"' in refused.text
    assert comment_count(blog_app, post.id) == 1


def test_anonymous_comments_are_sent_to_the_login_page(
    blog_app: App, client: TestClient, posts: list[Post]
) -> None:
    post = posts[0]
    before = comment_count(blog_app, post.id)
    token = token_in(client.get("/auth/login").text)
    form = {"body": "Hello", "csrf_token": token}
    browser = client.post(f"/blog/{post.id}/comments", data=form, headers=HTML)
    assert browser.status_code == 303
    assert browser.headers["location"] == f"/auth/login?next=%2Fblog%2F{post.id}%2Fcomments"
    api = client.post(f"/blog/{post.id}/comments", data=form)
    assert api.status_code == 401
    htmx = client.post(f"/blog/{post.id}/comments", data=form, headers={**HTML, "HX-Request": "1"})
    assert htmx.headers["HX-Redirect"].startswith("/auth/login?next=")
    # After logging in, the login page's next leads back to the post.
    back = client.get(f"/blog/{post.id}/comments")
    assert back.headers["location"] == f"/blog/{post.id}/{post.slug}#comments"
    assert comment_count(blog_app, post.id) == before


def test_csrf_refuses_forms_without_a_valid_token(
    blog_app: App, browsers: Browsers, posts: list[Post]
) -> None:
    post = next(p for p in posts if p.id == 12)  # no comments in the demo
    alice = browsers("alice")
    missing = alice.post(f"/blog/{post.id}/comments", data={"body": "Forged"})
    assert missing.status_code == 403
    assert "carries no CSRF token" in missing.text
    forged = {"body": "Forged", "csrf_token": "A" * 86}
    wrong = alice.post(f"/blog/{post.id}/comments", data=forged)
    assert wrong.status_code == 403
    # Another person's token is no good either.
    bobs = token_in(browsers("bob").get(f"/blog/{post.id}/{post.slug}").text)
    alice = browsers("alice")
    stolen = alice.post(f"/blog/{post.id}/comments", data={"body": "Forged", "csrf_token": bobs})
    assert stolen.status_code == 403
    from_elsewhere = {"Origin": "https://attacker.example"}
    token = token_in(alice.get(f"/blog/{post.id}/{post.slug}").text)
    cross_site = alice.post(
        f"/blog/{post.id}/comments",
        data={"body": "Forged", "csrf_token": token},
        headers=from_elsewhere,
    )
    assert cross_site.status_code == 403
    assert comment_count(blog_app, post.id) == 0
    assert alice.post("/auth/logout").status_code == 403  # logging someone out needs it too
    assert "Log out" in alice.get("/blog/").text


def test_password_reset_links_are_mailed(client: TestClient) -> None:
    token = token_in(client.get("/auth/password-reset").text)
    with capture_mail() as outbox:
        sent = client.post(
            "/auth/password-reset", data={"email": "alice@example.com", "csrf_token": token}
        )
    assert sent.status_code == 200
    assert [message.to for message in outbox] == [["alice@example.com"]]
    assert "/auth/password-reset/" in outbox[0].body


# --- writing, editing and deleting posts (on a blog of their own) --------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    app = fresh_blog(tmp_path_factory)
    yield app
    Database.of(app).engines().dispose_sync()


@pytest.fixture(scope="module")
def people(site: App) -> Iterator[Browsers]:
    with TestClient(site) as client:
        people = Browsers(client)
        for username in PASSWORDS:
            log_in(people(username), username)
        yield people


def saved_post(app: App, id: int) -> Post | None:
    with Database.of(app).session() as db:
        query = select(Post).where(Post.id == id)
        return db.scalars(query.options(selectinload(Post.tags), selectinload(Post.author))).first()


def publish(client: TestClient, **fields: str) -> httpx.Response:
    token = token_in(client.get("/blog/new").text)
    return client.post("/blog/new", data={"csrf_token": token, **fields})


def post_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/blog/(\d+)/[-a-z0-9]+", response.headers["location"])
    assert found is not None, response.headers["location"]
    return int(found.group(1))


def test_anonymous_visitors_are_sent_to_log_in_before_writing(site: App, people: Browsers) -> None:
    anonymous = people("anonymous")
    page = anonymous.get("/blog/new", headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == "/auth/login?next=%2Fblog%2Fnew"
    assert anonymous.get("/blog/new").status_code == 401  # not a browser: no redirect
    token = token_in(anonymous.get("/auth/login").text)
    sent = anonymous.post("/blog/new", data={"csrf_token": token, "title": "T", "body": "B"})
    assert sent.status_code == 401
    for path in ("/blog/1/edit", "/blog/1/delete"):
        assert anonymous.post(path, data={"csrf_token": token}).status_code == 401
    assert anonymous.get("/blog/1/edit", headers=HTML).status_code == 303
    assert saved_post(site, 1) is not None


def test_a_logged_in_user_publishes_a_post(site: App, people: Browsers) -> None:
    alice = people("alice")
    form = alice.get("/blog/new")
    assert form.status_code == 200
    assert '<form method="post" action="/blog/new" class="post-form">' in form.text
    assert 'name="csrf_token"' in form.text
    assert '<a href="/blog/new">New post</a>' in form.text
    response = publish(
        alice,
        title="  Hello, <Trellis>!  ",
        summary="First words",
        body="One.\n\nTwo & three.",
        tag_names="Static Files, htmx, brand new,htmx",
    )
    saved = saved_post(site, post_id(response))
    assert saved is not None
    assert (saved.title, saved.slug, saved.summary) == (
        "Hello, <Trellis>!",
        "hello-trellis",
        "First words",
    )
    assert saved.author is not None
    assert saved.author.username == "alice"
    assert [tag.name for tag in saved.tags] == ["brand-new", "htmx", "static-files"]
    page = alice.get(response.headers["location"]).text
    assert '<p class="flash success" role="status">Your post is published.</p>' in page
    assert "<h1>Hello, &lt;Trellis&gt;!</h1>" in page
    assert "<p>Two &amp; three.</p>" in page
    assert 'by <span class="author">alice</span>' in page
    assert f'href="/blog/{saved.id}/edit"' in page
    # The same title again gets an address of its own.
    again = saved_post(site, post_id(publish(alice, title="Hello, Trellis", body="Again")))
    assert again is not None
    assert again.slug == "hello-trellis-2"


def test_an_invalid_post_answers_422_and_writes_nothing(site: App, people: Browsers) -> None:
    with Database.of(site).session() as db:
        before = db.scalar(select(func.count()).select_from(Post))
    bob = people("bob")
    refused = publish(bob, title="   ", body="", tag_names="a, b, c, d, e, f")
    assert refused.status_code == 422
    assert '<ul class="field-errors" id="title-errors">' in refused.text
    assert '<ul class="field-errors" id="body-errors">' in refused.text
    assert "At most 5 tags." in refused.text
    long_tag = publish(bob, title="T", body="B", tag_names="x" * 51)
    assert long_tag.status_code == 422
    assert "A tag has at most 50 characters." in long_tag.text
    assert publish(bob, title="T" * 201, body="B").status_code == 422
    with Database.of(site).session() as db:
        assert db.scalar(select(func.count()).select_from(Post)) == before


def test_the_author_edits_a_post(site: App, people: Browsers) -> None:
    alice = people("alice")
    id = post_id(publish(alice, title="Draft", summary="S", body="Text", tag_names="routing"))
    form = alice.get(f"/blog/{id}/edit")
    assert form.status_code == 200
    assert 'value="Draft"' in form.text
    assert 'name="tag_names" type="text" value="routing"' in form.text
    assert f'action="/blog/{id}/delete"' in form.text
    changes = {"title": "Final", "summary": "", "body": "New text", "tag_names": "asgi"}
    saved = alice.post(f"/blog/{id}/edit", data={**changes, "csrf_token": token_in(form.text)})
    assert (saved.status_code, saved.headers["location"]) == (303, f"/blog/{id}/draft")
    post = saved_post(site, id)
    assert post is not None
    assert (post.title, post.summary, post.body, post.slug) == ("Final", "", "New text", "draft")
    assert [tag.name for tag in post.tags] == ["asgi"]
    assert "Your changes are saved." in alice.get(saved.headers["location"]).text
    refused = alice.post(
        f"/blog/{id}/edit", data={"title": "", "body": "x", "csrf_token": token_in(form.text)}
    )
    assert refused.status_code == 422
    unchanged = saved_post(site, id)
    assert unchanged is not None
    assert unchanged.title == "Final"


def test_another_user_may_not_edit_or_delete(site: App, people: Browsers) -> None:
    published = publish(people("alice"), title="Alice's", body="Mine")
    id = post_id(published)
    bob = people("bob")
    page = bob.get(published.headers["location"])
    assert page.status_code == 200
    assert "Edit this post" not in page.text  # the link is hidden...
    assert bob.get(f"/blog/{id}/edit").status_code == 403  # ...and the page refused
    token = token_in(page.text)
    edit = bob.post(f"/blog/{id}/edit", data={"title": "Bob's", "body": "x", "csrf_token": token})
    assert edit.status_code == 403
    assert "Only the author of this post or a staff member may change it." in edit.text
    assert bob.post(f"/blog/{id}/delete", data={"csrf_token": token}).status_code == 403
    post = saved_post(site, id)
    assert post is not None
    assert post.title == "Alice's"
    assert bob.get("/blog/99999/edit").status_code == 404


def test_staff_may_edit_and_delete_any_post(site: App, people: Browsers) -> None:
    published = publish(people("bob"), title="Bob's", body="His")
    id = post_id(published)
    editor = people("editor")
    page = editor.get(published.headers["location"])
    assert f'href="/blog/{id}/edit"' in page.text
    form = editor.get(f"/blog/{id}/edit")
    assert form.status_code == 200
    fixed = {"title": "Bob's, edited", "body": "His", "csrf_token": token_in(form.text)}
    assert editor.post(f"/blog/{id}/edit", data=fixed).status_code == 303
    post = saved_post(site, id)
    assert post is not None
    assert post.title == "Bob's, edited"
    assert post.author is not None
    assert post.author.username == "bob"
    deleted = editor.post(f"/blog/{id}/delete", data={"csrf_token": token_in(form.text)})
    assert (deleted.status_code, deleted.headers["location"]) == (303, "/blog/")
    assert saved_post(site, id) is None


def test_the_author_deletes_a_post_with_its_comments(site: App, people: Browsers) -> None:
    bob = people("bob")
    id = post_id(publish(bob, title="Short-lived", body="Soon gone"))
    page = bob.get(f"/blog/{id}/short-lived").text
    commented = bob.post(f"/blog/{id}/comments", data={"body": "Hi", "csrf_token": token_in(page)})
    assert commented.status_code == 303
    deleted = bob.post(f"/blog/{id}/delete", data={"csrf_token": token_in(page)})
    assert deleted.status_code == 303
    assert "“Short-lived” is deleted." in bob.get("/blog/").text
    assert bob.get(f"/blog/{id}/short-lived").status_code == 404
    assert saved_post(site, id) is None
    assert comment_count(site, id) == 0


def test_logging_out_ends_the_session(site: App, people: Browsers) -> None:
    carol = people("carol")
    log_in(carol, "bob")
    page = carol.get("/blog/")
    assert '<span class="who">bob</span>' in page.text
    out = carol.post("/auth/logout", data={"csrf_token": token_in(page.text)})
    assert (out.status_code, out.headers["location"]) == (303, "/blog/")
    assert carol.get("/blog/new", headers=HTML).status_code == 303
    assert "Log in" in carol.get("/blog/").text
