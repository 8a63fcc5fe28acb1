"""Runs docs/examples/cors.py: preflights, credentialed answers, preview origins, other paths."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docs.examples.cors import create_app

from trellis.testing import TestClient

SHOP = "https://shop.example.com"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as client:
        yield client


def test_preflight_for_a_put_with_the_csrf_header(client: TestClient) -> None:
    response = client.options(
        "/api/cart",
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-csrftoken, content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["access-control-max-age"] == "3600"
    assert "x-csrftoken" in response.headers["access-control-allow-headers"]


def test_credentialed_calls_and_preview_origins(client: TestClient) -> None:
    shop = client.put("/api/cart", headers={"Origin": SHOP})
    assert shop.headers["access-control-allow-origin"] == SHOP
    assert shop.headers["access-control-expose-headers"] == "X-Request-ID"
    assert shop.headers["vary"] == "Origin"
    preview = "https://pr-42.preview.example.com"
    assert (
        client.get("/api/status", headers={"Origin": preview}).headers[
            "access-control-allow-origin"
        ]
        == preview
    )
    stranger = client.get("/api/status", headers={"Origin": "https://evil.example"})
    assert stranger.status_code == 200
    assert "access-control-allow-origin" not in stranger.headers


def test_refused_preflights_and_paths_outside_the_api(client: TestClient) -> None:
    refused = client.options(
        "/api/cart", headers={"Origin": SHOP, "Access-Control-Request-Method": "PATCH"}
    )
    assert (refused.status_code, refused.text) == (400, "Disallowed CORS method")
    outside = client.options(
        "/elsewhere", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
    )
    assert outside.status_code == 404  # not under /api: the app answers, no CORS
    assert "access-control-allow-origin" not in outside.headers
