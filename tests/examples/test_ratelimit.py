"""Runs docs/examples/ratelimit.py with a clock of its own, on memory and on a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from docs.examples.ratelimit import create_app
from tests.support.services import redis_url

from trellis.testing import TestClient


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "memory":
        yield "memory"
        return
    import redis

    url = redis_url()
    prefix = f"trellis-test:example:{uuid.uuid4().hex[:10]}:"
    monkeypatch.setenv("TRELLIS_RATELIMIT_KEY_PREFIX", prefix)
    yield url
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_login_is_limited_and_says_when_to_retry(backend: str) -> None:
    clock = Clock()
    with TestClient(create_app(backend, clock)) as client:
        answers = [client.post("/login") for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert answers[0].headers["ratelimit-limit"] == "5"
        assert answers[4].headers["ratelimit-remaining"] == "0"
        assert int(answers[5].headers["retry-after"]) > 0
        clock.now += 120  # two windows later the sliding window has forgotten them all
        assert client.post("/login").status_code == 200


def test_stacked_limits_and_the_default(backend: str) -> None:
    clock = Clock()
    with TestClient(create_app(backend, clock)) as client:
        first = client.get("/search")
        assert first.headers["ratelimit-policy"] == "2;w=1, 100;w=86400"
        assert first.headers["ratelimit-remaining"] == "1"  # the tighter of 1 and 99
        assert [client.get("/search").status_code for _ in range(2)] == [200, 429]
        clock.now += 1  # sliding: the last second's two requests still weigh fully
        assert client.get("/search").status_code == 429
        clock.now += 1
        assert client.get("/search").headers["ratelimit-remaining"] == "1"
        assert client.get("/").headers["ratelimit-limit"] == "300"
        assert "ratelimit-limit" not in client.get("/health").headers


def test_api_keys_share_a_blueprint_counter(backend: str) -> None:
    clock = Clock()
    with TestClient(create_app(backend, clock)) as client:
        for i in range(60):
            path = "/api/orders" if i % 2 else "/api/products"
            assert client.get(path, headers={"x-api-key": "k1"}).status_code == 200
        assert client.get("/api/orders", headers={"x-api-key": "k1"}).status_code == 429
        assert client.get("/api/orders", headers={"x-api-key": "k2"}).status_code == 200
        monitoring = [
            client.get("/api/orders", headers={"x-api-key": "monitoring"}) for _ in range(70)
        ]
        assert {r.status_code for r in monitoring} == {200}
