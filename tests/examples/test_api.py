"""docs/examples/api.py, as docs/api.md walks through it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples import api

from trellis.testing import TestClient

JSON = {"Accept": "application/json"}


@pytest.fixture
def client() -> Iterator[TestClient]:
    saved = dict(api.STORE)
    with TestClient(api.app) as client:
        yield client
    api.STORE.clear()
    api.STORE.update(saved)


def test_list_filters_with_a_query_model(client: TestClient) -> None:
    everything = client.get("/books/").json()
    assert everything["total"] == 2
    assert set(everything["items"][0]) == {"id", "title", "author", "year", "tags"}
    assert client.get("/books/?tag=sf").json()["items"][0]["title"] == "Dune"
    assert client.get("/books/?author=Jane%20Austen&limit=1").json()["total"] == 1
    refused = client.get("/books/?limit=500")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "limit"


def test_create_answers_201_without_the_buying_price(client: TestClient) -> None:
    created = client.post(
        "/books/", json={"title": "Ulysses", "author": "James Joyce", "year": 1922}
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": 3,
        "title": "Ulysses",
        "author": "James Joyce",
        "year": 1922,
        "tags": [],
    }
    assert api.STORE[3].buying_price == 0.0
    assert "buying_price" not in client.get("/books/3").text


def test_bad_bodies_answer_problem_details_listing_every_field(client: TestClient) -> None:
    refused = client.post("/books/", json={"title": "", "year": 99, "tags": ["x"] * 11})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    body = refused.json()
    assert body["type"] == "about:blank"
    assert body["instance"] == "/books/"
    assert {(e["location"], e["field"], e["type"]) for e in body["errors"]} == {
        ("body", "title", "string_too_short"),
        ("body", "author", "missing"),
        ("body", "year", "greater_than_equal"),
        ("body", "tags", "too_long"),
    }
    malformed = client.post(
        "/books/", content=b'{"title": ', headers={**JSON, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert "line 1" in malformed.json()["detail"]


def test_the_view_reads_replaces_and_deletes(client: TestClient) -> None:
    assert client.get("/books/1").json()["title"] == "Dune"
    replaced = client.put(
        "/books/1", json={"title": "Dune Messiah", "author": "Frank Herbert", "year": 1969}
    )
    assert replaced.json()["title"] == "Dune Messiah"
    assert api.STORE[1].buying_price == 4.5
    deleted = client.delete("/books/1")
    assert (deleted.status_code, deleted.content) == (204, b"")
    missing = client.get("/books/1", headers=JSON)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No book 1"
    page = client.get("/books/1")
    assert page.headers["content-type"].startswith("text/html")
    assert "No book 1" in page.text


def test_query_header_and_cookie_parameters(client: TestClient) -> None:
    client.cookies.set("theme", "dark")
    hello = client.get("/greeting?name=Ann", headers={"Accept-Language": "fr"})
    assert hello.json() == {"greeting": "Bonjour, Ann!", "theme": "dark"}
    refused = client.get("/greeting?name=", headers={"Accept-Language": "de"})
    assert {(e["location"], e["field"]) for e in refused.json()["errors"]} == {
        ("query", "name"),
        ("header", "accept-language"),
    }


def test_form_fields(client: TestClient) -> None:
    done = client.post("/subscribe", data={"email": "ann@example.com", "weekly": "on"})
    assert (done.status_code, done.json()) == (201, {"email": "ann@example.com", "weekly": True})
    refused = client.post("/subscribe", data={"email": "not an address"})
    assert refused.json()["errors"][0]["location"] == "form"


def test_a_problem_type_of_the_api(client: TestClient) -> None:
    conflict = client.post("/books/2/buy", headers=JSON)
    assert conflict.status_code == 409
    assert conflict.json() == {
        "type": "https://example.com/problems/out-of-stock",
        "title": "Conflict",
        "status": 409,
        "detail": "Emma is out of stock",
        "instance": "/books/2/buy",
        "request_id": conflict.headers["x-request-id"],
        "book": "Emma",
    }
