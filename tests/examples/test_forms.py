"""Runs docs/examples/forms.py: the contact form (CSRF, an upload) and the entry model form."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs.examples import forms as example
from tests.forms.support import parse, settings

from trellis import App
from trellis.db import Database, Session, select
from trellis.testing import TestClient


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    app = example.create_app(f"sqlite:///{tmp_path / 'forms.db'}", settings=settings())
    example.create_tables(app)
    with Database.of(app).session() as db:
        db.add_all([example.Blogger(name="Ada"), example.Blogger(name="Grace")])
        db.add(example.Entry(title="Taken", slug="taken", blogger_id=1))
    yield app
    Database.of(app).engines().dispose_sync()
    example.INBOX.clear()


def token(html: str) -> str:
    return parse(html).find("input", name="csrf_token").attrs["value"] or ""


def test_contact_form(client: TestClient) -> None:
    page = client.get("/contact")
    assert page.status_code == 200
    form = parse(page.text).find("form")
    assert form.attrs["enctype"] == "multipart/form-data"  # it has a file field
    assert client.post("/contact", data={"email": "a@b.c"}).status_code == 403  # no token

    csrf = token(page.text)
    empty = client.post("/contact", data={"csrf_token": csrf, "email": "a@example.com"})
    assert empty.status_code == 422
    assert parse(empty.text).find("ul", id="message-errors").text == "This field is required."

    wrong = {"attachment": ("run.exe", b"MZ", "application/octet-stream")}
    data = {"csrf_token": csrf, "email": "a@example.com", "message": "Hello there"}
    refused = client.post("/contact", data=data, files=wrong)
    assert refused.status_code == 422
    assert "Allowed files: .pdf, .txt." in refused.text

    sent = client.post(
        "/contact", data=data, files={"attachment": ("note.txt", b"hi", "text/plain")}
    )
    assert sent.status_code == 303
    assert example.INBOX == [
        {"email": "a@example.com", "message": "Hello there", "attachment": "note.txt"}
    ]
    assert "Messages received: 1" in client.get("/contact").text


def test_an_entry_is_written_once_its_slug_is_free(client: TestClient) -> None:
    page = client.get("/entries/new")
    select_ = parse(page.text).find("select", id="blogger_id")
    assert [o.text for o in select_.find_all("option")] == ["---------", "Ada", "Grace"]

    data = {"csrf_token": token(page.text), "title": "Hi", "slug": "taken", "blogger_id": "2"}
    clash = client.post("/entries/new", data=data)
    assert clash.status_code == 422
    slug = parse(clash.text).find("input", id="slug")
    assert slug.attrs["aria-invalid"] == "true"
    assert slug.attrs["value"] == "taken"
    assert parse(clash.text).find("ul", id="slug-errors").text == "This value is already taken."

    created = client.post("/entries/new", data={**data, "slug": "hi"})
    assert created.status_code == 303
    shown = client.get(created.headers["location"])
    assert "<h1>Hi</h1>" in shown.text


def test_editing_keeps_the_entrys_own_slug(client: TestClient, app: App) -> None:
    page = client.get("/entries/1/edit")
    assert parse(page.text).find("input", id="title").attrs["value"] == "Taken"
    data = {"csrf_token": token(page.text), "title": "Renamed", "slug": "taken", "blogger_id": "1"}
    assert client.post("/entries/1/edit", data=data).status_code == 303
    with Database.of(app).session() as db:
        assert db.scalars(select(example.Entry.title)).all() == ["Renamed"]


def test_forms_read_what_the_app_db_fixture_wrote(app_db: Session, app: App) -> None:
    app_db.add(example.Entry(title="Seeded", slug="seeded", blogger_id=2))
    app_db.flush()
    with TestClient(app) as client:
        page = client.get("/entries/new")
        data = {"csrf_token": token(page.text), "title": "X", "slug": "seeded", "blogger_id": "1"}
        response = client.post("/entries/new", data=data)
    assert response.status_code == 422
    assert re.search(r"already taken", response.text)
