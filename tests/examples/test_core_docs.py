"""The examples of docs/quickstart.md, handlers.md, errors.md, middleware.md and settings.md run."""

from __future__ import annotations

import importlib

import pytest

from trellis.testing import TestClient


def load(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"docs.examples.{name}")


def test_quickstart() -> None:
    client = TestClient(load("quickstart").app)
    assert client.get("/").text == "Hello, World!"
    assert client.get("/users/3?verbose=1").json() == {"id": 3, "verbose": True}
    assert client.get("/users/x").status_code == 404


def test_handlers() -> None:
    client = TestClient(load("handlers").app)
    client.cookies.set("theme", "dark")
    posts = client.get("/posts?page=3&per_page=10&tag=a&tag=b", headers={"User-Agent": "docs"})
    assert posts.json() == {
        "paging": {"offset": 20, "limit": 10},
        "tags": ["a", "b"],
        "agent": "docs",
        "theme": "dark",
    }
    assert client.get("/posts?page=0").status_code == 422
    created = client.post("/posts", json={"title": "Hi", "body": "text"})
    assert created.status_code == 201
    assert created.json() == {
        "created": "2026-11-25T10:00:00Z",
        "title": "Hi",
        "body": "text",
        "tags": [],
    }
    invalid = client.post("/posts", json={"title": "", "body": "x"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["field"] == "title"
    assert client.get("/whoami").json()["path"] == "/whoami"


def test_errors() -> None:
    client = TestClient(load("errors").app)
    assert client.get("/books/1").json() == {"id": 1, "title": "Dune"}
    missing = client.get("/books/9")
    assert missing.status_code == 404
    assert "No book 9" in missing.text
    assert "Nothing at /books/9" in missing.text
    conflict = client.get("/api/buy/2")
    assert (conflict.status_code, conflict.json()) == (
        409,
        {"error": "out of stock", "title": "Emma"},
    )


def test_middleware() -> None:
    response = TestClient(load("middleware").app).get("/")
    assert response.text == "timed"
    assert response.headers["server-timing"].startswith("total;dur=")


def test_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load("settings")
    monkeypatch.setenv("TRELLIS_SITE_NAME", "Docs site")
    monkeypatch.setenv("TRELLIS_ITEMS_PER_PAGE", "5")
    client = TestClient(module.create_app())
    assert client.get("/").json() == {"site": "Docs site", "per_page": 5, "debug": False}
    monkeypatch.setenv("TRELLIS_ITEMS_PER_PAGE", "many")
    with pytest.raises(ValueError, match="items_per_page"):
        module.create_app()
