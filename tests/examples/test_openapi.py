"""docs/examples/openapi.py, as docs/openapi.md walks through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples import openapi as example
from openapi_spec_validator import validate

from trellis.testing import TestClient

TOKEN = {"Authorization": "Bearer demo-token"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    saved = dict(example.NOTES)
    with TestClient(example.app) as client:
        yield client
    example.NOTES.clear()
    example.NOTES.update(saved)


def test_the_document_is_valid_and_describes_the_notes_api(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    validate(doc)
    assert doc["info"]["title"] == "Notes"
    assert doc["info"]["contact"]["email"] == "notes@example.com"
    assert set(doc["paths"]) == {"/notes/", "/notes/{id}", "/feedback"}
    listing = doc["paths"]["/notes/"]["get"]
    assert listing["summary"] == "List your notes."
    assert listing["tags"] == ["notes"]
    assert listing["security"] == [{"bearer": []}]
    assert {p["name"] for p in listing["parameters"]} == {"pinned", "colour", "limit"}
    assert doc["paths"]["/notes/{id}"]["delete"]["summary"] == "Delete a note"
    assert doc["paths"]["/feedback"]["post"]["security"] == []
    note_in = doc["components"]["schemas"]["NoteIn"]
    assert note_in["examples"] == [{"text": "Buy milk", "pinned": True}]
    assert "ip_address" not in doc["components"]["schemas"]["NoteOut"]["properties"]


def test_the_docs_page(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text
    assert '"url": "/openapi.json"' in page.text


def test_the_api_behaves_as_documented(client: TestClient) -> None:
    assert client.get("/notes/").status_code == 401
    created = client.post("/notes/", json={"text": "Call Bo", "colour": "green"}, headers=TOKEN)
    assert created.status_code == 201
    assert set(created.json()) == {"id", "text", "pinned", "colour"}
    listed = client.get("/notes/?colour=green&colour=blue", headers=TOKEN).json()
    assert [n["text"] for n in listed] == ["Welcome to your notes", "Call Bo"]
    note_id = created.json()["id"]
    assert client.delete(f"/notes/{note_id}", headers=TOKEN).status_code == 204
    assert client.get(f"/notes/{note_id}", headers=TOKEN).status_code == 404
    thanks = client.post("/feedback", data={"message": "Nice", "rating": "4"})
    assert thanks.json() == {"received": 4, "rating": 4, "client": None, "theme": "light"}
    assert client.get("/health").json() == {"status": "ok"}
