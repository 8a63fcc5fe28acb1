from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from trellis.testing import TestClient

# Loaded by path under its own name: "requests" must not shadow the library of that name.
_SPEC = importlib.util.spec_from_file_location(
    "trellis_docs_examples_requests",
    Path(__file__).resolve().parents[2] / "docs" / "examples" / "requests.py",
)
assert _SPEC is not None
assert _SPEC.loader is not None
example = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(example)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


def test_search_reads_query_headers_and_cookies(client: TestClient) -> None:
    client.cookies.set("theme", "dark")
    response = client.get("/search?q=caf%C3%A9&tag=a&tag=b", headers={"User-Agent": "pytest"})
    assert response.status_code == 200
    assert response.json() == {
        "q": "café",
        "tags": ["a", "b"],
        "agent": "pytest",
        "theme": "dark",
        "path": "/search",
    }


def test_bad_query_encoding_is_400(client: TestClient) -> None:
    assert client.get("/search?q=%zz").status_code == 400


def test_json_created(client: TestClient) -> None:
    response = client.post("/api/items", json={"name": "lamp"})
    assert response.status_code == 201
    assert response.json() == {"created": {"name": "lamp"}}


def test_malformed_json_names_the_position(client: TestClient) -> None:
    response = client.post(
        "/api/items", content=b'{"name": }', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "line 1, column 10" in response.text


def test_body_over_the_limit_is_413(client: TestClient) -> None:
    response = client.post("/api/items", content=b"[" + b"1," * 40_000 + b"1]")
    assert response.status_code == 413


def test_urlencoded_form(client: TestClient) -> None:
    response = client.post("/contact", data={"name": "Ann", "topic": ["a", "b"]})
    assert response.json() == {"name": "Ann", "topics": ["a", "b"]}


def test_upload(client: TestClient) -> None:
    files = {"avatar": ("../../me.png", b"\x89PNG fake", "image/png")}
    response = client.post("/avatar", files=files)
    assert response.json() == {"filename": "me.png", "size": 9, "type": "image/png"}
    with open(os.path.join(example.UPLOAD_DIR, "avatar.bin"), "rb") as saved:
        assert saved.read() == b"\x89PNG fake"


def test_upload_missing_file(client: TestClient) -> None:
    assert client.post("/avatar", data={"other": "x"}).json() == {"error": "no file"}


def test_streamed_checksum(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"hello "
        yield b"world"

    response = client.post("/checksum", content=chunks())
    assert response.json() == {
        "sha256": hashlib.sha256(b"hello world").hexdigest(),
        "size": 11,
    }
