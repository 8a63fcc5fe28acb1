"""Sessions in Redis (redis-py's asyncio client): shared by every worker, expired by Redis.

Each session is one string key, ``<prefix><id>``, holding the data as JSON and set with an
expiry of ``max_age`` seconds, so Redis itself removes abandoned sessions.  Needs the ``redis``
extra.  An asyncio client is bound to the event loop it was made on, so one is made per loop
(a server has one; test clients may each have their own) and closed when the app shuts down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from trellis.concurrency import PerLoop
from trellis.conf import setting
from trellis.optional import require
from trellis.sessions.backends.base import SessionBackend

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from trellis.app import App

__all__ = ["RedisBackend"]

DEFAULT_URL = "redis://127.0.0.1:6379/0"
DEFAULT_PREFIX = "trellis:session:"


class RedisBackend(SessionBackend):
    """``RedisBackend(url=None, prefix=None, client=None)``.

    ``url`` defaults to the ``session_redis_url`` setting, then ``redis_url``, then the local
    server; ``prefix`` to ``session_redis_prefix`` (``"trellis:session:"``).  A ``client`` made
    by the project (``redis.asyncio.Redis(...)``) is used as is, and left open.
    """

    name = "redis"

    def __init__(
        self, url: str | None = None, *, prefix: str | None = None, client: Redis | None = None
    ) -> None:
        require("redis", extra="redis", feature="Redis sessions")
        self.url = url
        self.prefix = prefix
        self._given = client
        self._clients: PerLoop[Redis] = PerLoop(self._connect)

    def bind(self, app: App) -> None:
        settings = app.settings
        if self.url is None:
            fallback = setting(settings, "redis_url", DEFAULT_URL)
            self.url = setting(settings, "session_redis_url", fallback)
        if self.prefix is None:
            self.prefix = setting(settings, "session_redis_prefix", DEFAULT_PREFIX)

    @property
    def client(self) -> Redis:
        """The client for the running event loop."""
        if self._given is not None:
            return self._given
        return self._clients.get()

    def _connect(self) -> Redis:
        from redis.asyncio import Redis

        return Redis.from_url(self.url or DEFAULT_URL)

    def _name(self, key: str) -> str:
        return f"{self.prefix or DEFAULT_PREFIX}{key}"

    async def load(self, key: str) -> dict[str, Any] | None:
        raw = await self.client.get(self._name(key))
        if raw is None:
            return None
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        return data if isinstance(data, dict) else None

    async def save(self, key: str, data: dict[str, Any], max_age: int) -> None:
        await self.client.set(self._name(key), orjson.dumps(data), ex=max(1, max_age))

    async def delete(self, key: str) -> None:
        await self.client.delete(self._name(key))

    async def close(self) -> None:
        """Close the client made for the running loop (a client given by the project stays)."""
        client = self._clients.pop()
        if client is not None:
            await client.aclose()

    def __repr__(self) -> str:
        return f"RedisBackend(url={self.url!r}, prefix={self.prefix!r})"
