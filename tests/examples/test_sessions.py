"""Runs the docs/sessions.md example: on the signed cookie, then on a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from docs.examples.sessions import create_app
from tests.support.services import redis_url

from trellis.conf import Settings
from trellis.sessions import RedisBackend
from trellis.testing import TestClient

KEY = "docs-example-key-0123456789-abcdefghijklmnopqrstuvwxyz"


def max_age_of(response: object) -> str | None:
    line = response.headers["set-cookie"]  # type: ignore[attr-defined]
    found = [p.strip() for p in line.split(";") if p.strip().startswith("Max-Age=")]
    return found[0] if found else None


@pytest.fixture(params=["cookie", "redis"])
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    backend = None
    if request.param == "redis":
        backend = RedisBackend(redis_url(), prefix=f"trellis-test:docs:{uuid.uuid4().hex}:")
    app = create_app(Settings(secret_key=KEY), backend)
    with TestClient(app) as test_client:
        yield test_client


def test_cart_flash_login_and_logout(client: TestClient) -> None:
    assert client.get("/cart").json() == {"user": None, "items": [], "messages": []}
    response = client.post("/cart/3")
    assert response.status_code == 302
    assert max_age_of(response) == "Max-Age=604800"  # a week
    client.post("/cart/5")
    assert client.get("/cart").json() == {
        "user": None,
        "items": [3, 5],
        "messages": [
            ["success", "Item 3 added to your cart"],
            ["success", "Item 5 added to your cart"],
        ],
    }
    assert client.get("/cart").json()["messages"] == []  # shown once

    before = client.cookies["session"]
    login = client.post("/login", data={"username": "ann"})
    assert max_age_of(login) is None  # not remembered: a browser-session cookie
    assert client.cookies["session"] != before
    assert client.get("/cart").json()["user"] == "ann"
    assert client.get("/cart").json()["items"] == [3, 5]  # the data survived the new id

    remembered = client.post("/login", data={"username": "ann", "remember": "true"})
    assert max_age_of(remembered) == "Max-Age=604800"

    client.post("/logout")
    assert client.get("/cart").json() == {
        "user": None,
        "items": [],
        "messages": [["message", "You are logged out"]],
    }
