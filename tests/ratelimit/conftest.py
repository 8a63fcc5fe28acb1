"""Backends for the rate-limit tests: memory always, a real Redis when reachable (see
tests/support/services.py); each Redis test gets its own key prefix and deletes its keys."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from tests.support.services import redis_url

from trellis.ratelimit import Backend, MemoryBackend


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    url = redis_url()
    prefix = f"trellis-test:rl:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield MemoryBackend()
        return
    from trellis.ratelimit import RedisBackend

    prefix = request.getfixturevalue("redis_prefix")
    made = RedisBackend(redis_url(), prefix=prefix)
    yield made
    await made.aclose()
