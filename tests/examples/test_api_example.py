"""The example JSON API (examples/api) through the TestClient, on SQLite, PostgreSQL and MariaDB.

Each backend gets one fresh database for the module (on the servers, one created for the run and
dropped afterwards), migrated with the committed migrations, so a model changed without its
migration fails here.  Tests make their own users and tokens, so they share the database
without depending on one another's data.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from examples.api.app import Settings, create_app
from examples.api.demo import DEMO_USERNAME, LINK_COUNT, demo_token, load_demo
from examples.api.models import Link
from PIL import Image as PILImage
from sqlalchemy import create_engine, make_url, text
from tests.db.conftest import require_server
from tests.images.samples import encoded, png_bomb, with_exif

from trellis import App
from trellis.auth import User, create_token
from trellis.db import Database, func, select
from trellis.migrations import Migrations
from trellis.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
SECRET = "api-example-tests-" + "k3y" * 12
JSON = {"accept": "application/json"}
PASSWORD = "a long enough password"
CHECK = ["check", "--app", "examples.api.app:app"]
LEAKS = ("password_hash", "token_hash", "argon2", "lookup", "image_width")

# Cheap argon2 for the tests: the costs are settings, and a login's cost is not what is tested.
FAST_HASHING: dict[str, Any] = {
    "auth_argon2_time_cost": 1,
    "auth_argon2_memory_cost": 1024,
    "auth_argon2_parallelism": 1,
}


def settings_for(url: str, media: Path) -> Settings:
    return Settings(database_url=url, storage_root=str(media), secret_key=SECRET, **FAST_HASHING)


@dataclass
class Api:
    app: App
    client: TestClient
    media: Path
    names: Iterator[int]

    def user(self, prefix: str = "user") -> str:
        """A new user (password ``PASSWORD``); its username."""
        username = f"{prefix}{next(self.names)}"
        with Database.of(self.app).session() as db:
            user = User(username=username, email=f"{username}@example.com")
            user.set_password(PASSWORD)
            db.add(user)
        return username

    def token(self, username: str, *scopes: str) -> dict[str, str]:
        """Headers carrying a new token of ``username`` with ``scopes`` (default both)."""
        with Database.of(self.app).session() as db:
            user = db.scalars(select(User).where(User.username == username)).one()
            _, plaintext = create_token(db, user, "tests", scopes or ("read", "write"))
        return {**JSON, "authorization": f"Bearer {plaintext}"}

    def new_link(self, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
        body = {"url": "https://example.com/", "title": "Example", **fields}
        response = self.client.post("/links/", json=body, headers=headers)
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created


def _server_database(backend: str) -> Iterator[str]:
    """A database of this module's own on the ``backend`` server, dropped afterwards."""
    server = make_url(require_server(backend))
    name = f"trellis_api_{uuid.uuid4().hex[:10]}"
    if backend == "postgresql":
        admin_url = server.set(drivername="postgresql+psycopg")
        create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE "{name}" WITH (FORCE)'
    else:
        admin_url = server.set(drivername="mysql+pymysql")
        create, drop = f"CREATE DATABASE `{name}`", f"DROP DATABASE `{name}`"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(create))
        try:
            yield server.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(drop))
    finally:
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql", "mysql"])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp(f"api-{request.param}")
    if request.param == "sqlite":
        made = None
        url = f"sqlite:///{folder / 'api.db'}"
    else:
        made = _server_database(request.param)
        url = next(made)
    app = create_app(settings_for(url, folder / "media"))
    try:
        Migrations(app).upgrade()
        with TestClient(app) as client:
            yield Api(app, client, folder / "media", itertools.count(1))
    finally:
        Database.of(app).engines().dispose_sync()
        if made is not None:
            next(made, None)


def assert_no_leaks(response: httpx.Response) -> None:
    for secret in LEAKS:
        assert secret not in response.text


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The RFC 9457 body of an error answer, checked for its shape."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail", "instance", "request_id"} <= set(body)
    return body


# --- CRUD --------------------------------------------------------------------------------------


def test_create_read_update_delete(api: Api) -> None:
    ann = api.user("ann")
    headers = api.token(ann)
    created = api.client.post(
        "/links/",
        json={
            "url": "https://example.com",
            "title": "  Café ☕ — Ünïcode 🐍  ",
            "notes": "Line one\nline two",
            "tags": ["python", "http", "python"],
        },
        headers=headers,
    )
    assert created.status_code == 201
    link = created.json()
    assert created.headers["location"] == f"/links/{link['id']}"
    assert link["url"] == "https://example.com/"  # normalised
    assert link["title"] == "Café ☕ — Ünïcode 🐍"  # trimmed, every character kept
    assert link["tags"] == ["http", "python"]  # once each, sorted
    assert (link["owner"], link["image"]) == (ann, None)
    assert set(link) == {
        "id",
        "url",
        "title",
        "notes",
        "tags",
        "owner",
        "image",
        "created",
        "updated",
    }
    assert_no_leaks(created)

    read = api.client.get(created.headers["location"], headers=headers)
    assert read.json() == link  # committed, and read back the same

    patched = api.client.patch(
        f"/links/{link['id']}", json={"title": "Renamed", "tags": ["rfc"]}, headers=headers
    )
    assert patched.status_code == 200
    after = patched.json()
    assert (after["title"], after["tags"]) == ("Renamed", ["rfc"])
    assert (after["url"], after["notes"]) == (link["url"], link["notes"])  # left out: kept
    assert after["updated"] > link["updated"]
    assert api.client.get(f"/links/{link['id']}", headers=headers).json() == after

    deleted = api.client.delete(f"/links/{link['id']}", headers=headers)
    assert (deleted.status_code, deleted.content) == (204, b"")
    gone = problem(api.client.get(f"/links/{link['id']}", headers=headers), 404)
    assert gone["detail"] == f"No link {link['id']}"
    assert gone["instance"] == f"/links/{link['id']}"
    problem(api.client.delete(f"/links/{link['id']}", headers=headers), 404)


def test_ids_past_the_columns_are_422_not_a_database_error(api: Api) -> None:
    headers = api.token(api.user())
    for url in ("/links/2147483648", "/links/99999999999999999999", "/links/0"):
        error = problem(api.client.get(url, headers=headers), 422)["errors"][0]
        assert (error["location"], error["field"]) == ("path", "id")
    problem(api.client.delete("/tokens/99999999999999999999", headers=headers), 422)
    problem(api.client.get("/links/2147483647", headers=headers), 404)


def test_an_empty_patch_changes_nothing(api: Api) -> None:
    headers = api.token(api.user())
    link = api.new_link(headers, notes="kept")
    same = api.client.patch(f"/links/{link['id']}", json={}, headers=headers)
    assert same.status_code == 200
    assert same.json()["notes"] == "kept"


# --- tokens and who may do what ----------------------------------------------------------------


def test_a_password_buys_a_token_shown_once(api: Api) -> None:
    bob = api.user("bob")
    answer = api.client.post(
        "/tokens/",
        json={"username": bob, "password": PASSWORD, "name": "laptop", "scopes": ["read"]},
        headers=JSON,
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    assert made["scopes"] == ["read"]
    assert made["expires"] is not None
    assert re.fullmatch(r"trellis_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", made["token"])
    headers = {**JSON, "authorization": f"Bearer {made['token']}"}

    me = api.client.get("/me", headers=headers)
    assert me.json()["username"] == bob
    assert me.json()["token"]["id"] == made["id"]
    listed = api.client.get("/tokens/", headers=headers)
    assert [t["name"] for t in listed.json()] == ["laptop"]
    assert "token" not in listed.json()[0]  # the secret is never shown again
    assert made["token"] not in listed.text
    assert_no_leaks(me)
    assert_no_leaks(listed)

    # Revoking needs the write scope; with it, the token stops working at once.
    problem(api.client.delete(f"/tokens/{made['id']}", headers=headers), 403)
    writer = api.token(bob, "write")
    assert api.client.delete(f"/tokens/{made['id']}", headers=writer).status_code == 204
    refused = problem(api.client.get("/me", headers=headers), 401)
    assert refused["detail"] == "The bearer token is not valid."


def test_wrong_credentials_are_401_then_throttled(api: Api) -> None:
    carol = api.user("carol")
    wrong = {"username": carol, "password": "not the password"}
    unknown = {"username": "nobody-at-all", "password": PASSWORD}
    for attempt in (wrong, unknown):
        body = problem(api.client.post("/tokens/", json=attempt, headers=JSON), 401)
        assert body["detail"] == "Wrong username or password"  # whichever part was wrong
    # A NUL character would make PostgreSQL fail the lookup: refused before it gets there.
    nul = {"username": "car\u0000ol", "password": PASSWORD}
    assert (
        problem(api.client.post("/tokens/", json=nul, headers=JSON), 422)["errors"][0]["field"]
        == "username"
    )
    for _ in range(4):  # five failures in all for this account
        problem(api.client.post("/tokens/", json=wrong, headers=JSON), 401)
    locked = api.client.post(
        "/tokens/", json={"username": carol, "password": PASSWORD}, headers=JSON
    )
    problem(locked, 429)  # even with the right password, for a while
    assert int(locked.headers["retry-after"]) > 0


def test_without_a_valid_token_nothing_is_reachable(api: Api) -> None:
    link = api.new_link(api.token(api.user()))
    missing = api.client.get(f"/links/{link['id']}", headers=JSON)
    assert problem(missing, 401)["detail"] == "Authentication required."
    assert missing.headers["www-authenticate"] == 'Bearer realm="api"'
    forged = {**JSON, "authorization": "Bearer trellis_0123456789ab_" + "x" * 43}
    refused = api.client.post(
        "/links/", json={"url": "https://a.example", "title": "A"}, headers=forged
    )
    problem(refused, 401)
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert problem(api.client.get("/tokens/", headers=JSON), 401)
    assert problem(api.client.get("/links/", headers=JSON), 401)


def test_scopes_limit_what_a_token_does(api: Api) -> None:
    dave = api.user("dave")
    reader, writer = api.token(dave, "read"), api.token(dave, "write")
    refused = api.client.post(
        "/links/", json={"url": "https://a.example", "title": "A"}, headers=reader
    )
    assert problem(refused, 403)["detail"] == "This token lacks the scope write."
    assert 'error="insufficient_scope"' in refused.headers["www-authenticate"]
    link = api.new_link(writer)
    assert problem(api.client.get(f"/links/{link['id']}", headers=writer), 403)
    assert api.client.get(f"/links/{link['id']}", headers=reader).status_code == 200
    problem(api.client.patch(f"/links/{link['id']}", json={"title": "B"}, headers=reader), 403)
    problem(api.client.delete(f"/links/{link['id']}", headers=reader), 403)


def test_only_the_owner_changes_a_link(api: Api) -> None:
    owner, other = api.user("owner"), api.user("other")
    mine, theirs = api.token(owner), api.token(other)
    link = api.new_link(mine, title="Mine")
    assert api.client.get(f"/links/{link['id']}", headers=theirs).json() == link  # all may read
    changed = api.client.patch(f"/links/{link['id']}", json={"title": "Theirs"}, headers=theirs)
    assert problem(changed, 403)["detail"] == (
        f"Link {link['id']} belongs to {owner}; only they may change it"
    )
    problem(api.client.delete(f"/links/{link['id']}", headers=theirs), 403)
    png = {"image": ("a.png", encoded("PNG"), "image/png")}
    problem(api.client.put(f"/links/{link['id']}/image", files=png, headers=theirs), 403)
    problem(api.client.delete(f"/links/{link['id']}/image", headers=theirs), 403)
    problem(api.client.delete(f"/tokens/{_token_id(api, mine)}", headers=theirs), 404)
    assert api.client.get(f"/links/{link['id']}", headers=mine).json() == link  # untouched


def _token_id(api: Api, headers: dict[str, str]) -> int:
    token_id: int = api.client.get("/me", headers=headers).json()["token"]["id"]
    return token_id


# --- listing -------------------------------------------------------------------------------------


def links_header(response: httpx.Response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


def test_pages_follow_their_link_headers(api: Api) -> None:
    headers = api.token(api.user())
    tag = f"paged-{next(api.names)}"
    made = [api.new_link(headers, title=f"Paged {n}", tags=[tag])["id"] for n in range(7)]
    first = api.client.get(f"/links/?tag={tag}&limit=3", headers=headers)
    assert first.status_code == 200
    page = first.json()
    assert (page["count"], page["limit"], page["offset"], page["previous"]) == (7, 3, 0, None)
    rels = links_header(first)
    assert rels == {
        "first": f"/links/?tag={tag}&limit=3&offset=0",
        "next": f"/links/?tag={tag}&limit=3&offset=3",
        "last": f"/links/?tag={tag}&limit=3&offset=6",
    }
    assert page["next"] == rels["next"]
    seen = [item["id"] for item in page["items"]]
    url = page["next"]
    while url:
        response = api.client.get(url, headers=headers)
        seen += [item["id"] for item in response.json()["items"]]
        assert links_header(response)["prev"] == response.json()["previous"]
        url = response.json()["next"]
    assert seen == sorted(made, reverse=True)  # newest first, each once
    beyond = api.client.get(f"/links/?tag={tag}&offset=50", headers=headers).json()
    assert (beyond["items"], beyond["count"]) == ([], 7)


def test_filters_and_orders(api: Api) -> None:
    erin, fred = api.user("erin"), api.user("fred")
    e, f = api.token(erin), api.token(fred)
    tag = f"filter-{next(api.names)}"
    api.new_link(e, title="Banana 100% bread", url="https://bread.example/", tags=[tag])
    api.new_link(e, title="apple pie", url="https://pie.example/recipe", tags=[tag, f"{tag}-other"])
    api.new_link(f, title="Cherry jam", url="https://jam.example/", tags=[tag])

    def titles(query: str, headers: dict[str, str] = e) -> list[str]:
        if not query.startswith("tag="):
            query = f"tag={tag}&{query}"
        response = api.client.get(f"/links/?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["title"] for item in response.json()["items"]]

    assert titles("order=newest") == ["Cherry jam", "apple pie", "Banana 100% bread"]
    assert titles("order=oldest") == ["Banana 100% bread", "apple pie", "Cherry jam"]
    assert titles("q=BREAD") == ["Banana 100% bread"]  # any case
    assert titles("q=100%25") == ["Banana 100% bread"]  # % is a character, not a wildcard
    assert titles("q=_") == []
    assert titles("q=recipe") == ["apple pie"]  # in the URL
    assert titles(f"owner={fred}") == ["Cherry jam"]
    assert titles("mine=true") == ["apple pie", "Banana 100% bread"]
    assert titles("mine=true", f) == ["Cherry jam"]
    assert titles(f"tag={tag}-other&tag=nothing-here") == ["apple pie"]  # any of the tags
    assert titles("owner=nobody") == []


def test_bad_list_parameters_are_422(api: Api) -> None:
    headers = api.token(api.user())
    for query, field in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("offset=-1", "offset"),
        ("tag=Not%20A%20Slug", "tag"),
        ("order=random", "order"),
        ("q=nul%00byte", "q"),
        ("mine=perhaps", "mine"),
    ]:
        body = problem(api.client.get(f"/links/?{query}", headers=headers), 422)
        assert [(e["location"], e["field"]) for e in body["errors"]] == [("query", field)], query


# --- validation ------------------------------------------------------------------------------------


def test_invalid_bodies_are_422_problems_listing_each_field(api: Api) -> None:
    headers = api.token(api.user())
    body = problem(
        api.client.post(
            "/links/",
            json={"url": "ftp://files.example", "title": "", "tags": ["Bad Tag"], "extra": 1},
            headers=headers,
        ),
        422,
    )
    errors = {(e["location"], e["field"]): e for e in body["errors"]}
    assert set(errors) == {
        ("body", "url"),
        ("body", "title"),
        ("body", "tags.0"),
        ("body", "extra"),
    }
    assert errors[("body", "title")]["type"] == "string_too_short"
    assert all(e["message"] for e in body["errors"])
    assert body["detail"] == "4 invalid values in the request"

    # PostgreSQL refuses NUL characters: they are a 422 here, never a database error.
    nul = api.client.post(
        "/links/", json={"url": "https://a.example", "title": "a\u0000b"}, headers=headers
    )
    assert problem(nul, 422)["errors"][0]["field"] == "title"
    long_url = "https://example.com/" + "a" * 2000
    problem(api.client.post("/links/", json={"url": long_url, "title": "A"}, headers=headers), 422)
    link = api.new_link(headers)
    nulled = api.client.patch(f"/links/{link['id']}", json={"title": None}, headers=headers)
    assert problem(nulled, 422)["errors"][0]["field"] == "title"  # left out is fine, null is not
    broken = api.client.post(
        "/links/",
        content=b'{"url": ',
        headers={**headers, "content-type": "application/json"},
    )
    assert "line 1" in problem(broken, 400)["detail"]


# --- pictures --------------------------------------------------------------------------------------


def stored_files(api: Api) -> set[str]:
    return {str(p.relative_to(api.media)) for p in api.media.rglob("*") if p.is_file()}


def test_a_real_picture_is_stored_and_served_without_metadata(api: Api) -> None:
    headers = api.token(api.user())
    link = api.new_link(headers)
    before = stored_files(api)
    photo = with_exif("JPEG", (800, 600))
    answer = api.client.put(
        f"/links/{link['id']}/image",
        files={"image": ("../../holiday.png", photo, "image/png")},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    image = answer.json()["image"]
    assert (image["width"], image["height"]) == (800, 600)
    assert image["url"].startswith("/media/links/")
    assert image["url"].endswith(".jpg")
    assert "holiday" not in image["url"]
    original = api.client.get(image["url"])
    assert original.headers["content-type"] == "image/jpeg"
    assert b"SpyCam" not in original.content  # the camera's EXIF is gone
    thumb = api.client.get(image["thumbnail"])
    assert thumb.headers["content-type"] == "image/webp"
    small = PILImage.open(io.BytesIO(thumb.content))
    assert small.size == (320, 240)
    assert api.client.get(f"/links/{link['id']}", headers=headers).json()["image"] == image
    assert len(stored_files(api) - before) == 2

    # A new picture replaces the old one, whose files are removed once that is committed.
    png = encoded("PNG", (100, 50))
    replaced = api.client.put(
        f"/links/{link['id']}/image", files={"image": ("b.png", png, "image/png")}, headers=headers
    )
    assert replaced.json()["image"]["url"].endswith(".png")
    after = stored_files(api)
    assert image["url"].removeprefix("/media/") not in after
    assert len(after - before) == 2

    assert api.client.delete(f"/links/{link['id']}/image", headers=headers).status_code == 204
    assert api.client.get(f"/links/{link['id']}", headers=headers).json()["image"] is None
    assert stored_files(api) == before


def test_what_is_not_a_picture_is_refused(api: Api) -> None:
    headers = api.token(api.user())
    link = api.new_link(headers)
    url = f"/links/{link['id']}/image"
    fake = api.client.put(
        url,
        files={"image": ("fake.png", b"\x89PNG\r\n\x1a\n not really", "image/png")},
        headers=headers,
    )
    error = problem(fake, 422)["errors"][0]
    assert (error["location"], error["field"], error["type"]) == ("file", "image", "image_format")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    problem(
        api.client.put(url, files={"image": ("a.svg", svg, "image/svg+xml")}, headers=headers), 422
    )
    bomb = api.client.put(
        url, files={"image": ("bomb.png", png_bomb(8_000, 8_000), "image/png")}, headers=headers
    )
    problem(bomb, 413)
    missing = api.client.put(url, data={"image": "text"}, headers=headers)
    assert problem(missing, 422)["errors"][0]["field"] == "image"
    assert api.client.get(f"/links/{link['id']}", headers=headers).json()["image"] is None


def test_deleting_a_link_removes_its_picture(api: Api) -> None:
    headers = api.token(api.user())
    link = api.new_link(headers)
    before = stored_files(api)
    png = {"image": ("a.png", encoded("PNG"), "image/png")}
    assert (
        api.client.put(f"/links/{link['id']}/image", files=png, headers=headers).status_code == 200
    )
    assert len(stored_files(api)) == len(before) + 2
    assert api.client.delete(f"/links/{link['id']}", headers=headers).status_code == 204
    assert stored_files(api) == before


# --- the demo data and the migrations -------------------------------------------------------------


def test_demo_data_loads_once_and_its_token_works(tmp_path: Path) -> None:
    app = create_app(settings_for(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "media"))
    Migrations(app).upgrade()
    database = Database.of(app)
    try:
        with database.session() as db:
            assert load_demo(db, "demo password") == LINK_COUNT
            assert load_demo(db) == 0
            assert db.scalar(select(func.count()).select_from(Link)) == LINK_COUNT
            token = demo_token(db)
        with TestClient(app) as client:
            headers = {**JSON, "authorization": f"Bearer {token}"}
            page = client.get("/links/?limit=5&mine=true", headers=headers).json()
            assert page["count"] == LINK_COUNT
            assert {item["owner"] for item in page["items"]} == {DEMO_USERNAME}
            login = {"username": DEMO_USERNAME, "password": "demo password"}
            assert client.post("/tokens/", json=login, headers=JSON).status_code == 201
    finally:
        database.engines().dispose_sync()


def test_the_committed_migrations_match_the_models(tmp_path: Path) -> None:
    # In a child process, where only the example's models are loaded (this one holds others').
    url = f"sqlite:///{tmp_path / 'check.db'}"
    app = create_app(settings_for(url, tmp_path / "media"))
    Migrations(app).upgrade()
    Database.of(app).engines().dispose_sync()
    env = {k: v for k, v in os.environ.items() if k != "TRELLIS_APP"}
    env.update(TRELLIS_DATABASE_URL=url, TRELLIS_SECRET_KEY=SECRET, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", "from trellis.cli import main; main()", *CHECK],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "migrations." not in done.stdout + done.stderr  # W001: models changed, no migration
