from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples import responses as example

from trellis.testing import TestClient

CSV = "month,total\n1,100\n2,200\n3,300\n"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(example.app) as client:
        yield client


def test_html_with_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.text == "<h1>Welcome</h1>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "max-age=60"
    assert response.headers["content-length"] == "16"


def test_head_has_length_but_no_body(client: TestClient) -> None:
    response = client.head("/")
    assert response.headers["content-length"] == "16"
    assert response.content == b""


def test_json(client: TestClient) -> None:
    response = client.get("/api/books")
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"books": [{"title": "Dune", "published": "1965-08-01"}], "count": 1}


def test_redirect_sets_and_deletes_a_cookie(client: TestClient) -> None:
    response = client.post("/login")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=opaque-token;")
    assert "HttpOnly" in cookie
    assert "Secure" in cookie
    assert "Max-Age=3600" in cookie
    logout = client.post("/logout")
    assert "Max-Age=0" in logout.headers["set-cookie"]


def test_streamed_csv(client: TestClient) -> None:
    example.export_log.clear()
    response = client.get("/export.csv")
    assert response.text == "id,name\n1,item 1\n2,item 2\n3,item 3\n"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "content-length" not in response.headers
    assert example.export_log == ["export closed"]


def test_server_sent_events(client: TestClient) -> None:
    response = client.get("/clock?count=2")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.text == (
        ": clock stream\nretry: 5000\n\n"
        'id: 0\nevent: tick\ndata: {"n":0}\n\n'
        'id: 1\nevent: tick\ndata: {"n":1}\n\n'
        "data: bye\n\n"
    )


def test_file_download_with_validators(client: TestClient) -> None:
    response = client.get("/reports/q1.csv")
    assert response.status_code == 200
    assert response.text == CSV
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Rapport trimestriel _ q1.csv"; '
        "filename*=UTF-8''Rapport%20trimestriel%20%E2%80%93%20q1.csv"
    )
    etag = response.headers["etag"]
    assert client.get("/reports/q1.csv", headers={"If-None-Match": etag}).status_code == 304


def test_file_ranges(client: TestClient) -> None:
    partial = client.get("/reports/q1.csv", headers={"Range": "bytes=0-4"})
    assert partial.status_code == 206
    assert partial.text == "month"
    assert partial.headers["content-range"] == f"bytes 0-4/{len(CSV)}"
    tail = client.get("/reports/q1.csv", headers={"Range": "bytes=-4"})
    assert tail.text == "300\n"
    beyond = client.get("/reports/q1.csv", headers={"Range": "bytes=999-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(CSV)}"


def test_missing_file_is_404(client: TestClient) -> None:
    assert client.get("/reports/nope.csv").status_code == 404
