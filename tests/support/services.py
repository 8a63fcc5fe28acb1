"""The non-database services tests talk to (Redis), found the way tests/db/conftest.py finds databases.

``redis_url()`` returns ``TRELLIS_TEST_REDIS_URL`` (default: the local server, database 0) when a
PING answers; otherwise it skips, or fails under ``TRELLIS_REQUIRE_SERVICES=1`` so CI cannot pass by
testing nothing.  Each battery's tests use their own key prefix, so they may share the database.
"""

from __future__ import annotations

import functools
import os

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@functools.cache
def _redis_unreachable(url: str) -> str | None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return None


def redis_url() -> str:
    url = os.environ.get("TRELLIS_TEST_REDIS_URL") or DEFAULT_REDIS_URL
    reason = _redis_unreachable(url)
    if reason is not None:
        message = f"Redis at {url} is unreachable ({reason}); set TRELLIS_TEST_REDIS_URL"
        if os.environ.get("TRELLIS_REQUIRE_SERVICES") == "1":
            pytest.fail(f"TRELLIS_REQUIRE_SERVICES=1 but {message}", pytrace=False)
        pytest.skip(message)
    return url
