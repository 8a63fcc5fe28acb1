"""The blog's tests: pytest finds the client, app_db and settings fixtures in Trellis' plugin."""

import re

from trellis.auth import User

from blog.models import Post


def csrf_token(page):
    """The token of the form on ``page`` (every form of the site carries one)."""
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page.text).group(1)


def log_in(client, app_db, username="ann", password="a long and secret sentence"):
    user = User(username=username, email=f"{username}@example.com")
    user.set_password(password)
    app_db.add(user)
    app_db.flush()
    page = client.get("/auth/login")
    data = {"username": username, "password": password, "csrf_token": csrf_token(page)}
    assert client.post("/auth/login", data=data).status_code == 303


def test_the_blog_lists_the_posts(client, app_db):
    app_db.add(Post(title="Hello, tests", body="Every test starts from an empty blog."))
    app_db.flush()
    page = client.get("/blog/")
    assert page.status_code == 200
    assert "Hello, tests" in page.text


def test_a_missing_post_is_a_404(client):
    assert client.get("/blog/42").status_code == 404


def test_writing_needs_a_login(client):
    response = client.get("/blog/new", headers={"Accept": "text/html"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/auth/login")


def test_a_writer_publishes_a_post(client, app_db):
    log_in(client, app_db)
    form = client.get("/blog/new")
    data = {"title": "Tested", "body": "It works.", "csrf_token": csrf_token(form)}
    response = client.post("/blog/new", data=data)
    assert response.status_code == 303
    assert "by ann" in client.get(response.headers["location"]).text


def test_an_empty_title_is_refused(client, app_db):
    log_in(client, app_db)
    form = client.get("/blog/new")
    data = {"title": "", "body": "No title.", "csrf_token": csrf_token(form)}
    assert client.post("/blog/new", data=data).status_code == 422
    assert app_db.query(Post).count() == 0
