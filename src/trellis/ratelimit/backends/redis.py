"""Counters in Redis (``redis.asyncio``): shared by every process and host that uses the server.

The conditional increment is one Lua script, so two workers can never both take the last unit of
a quota.  Keys are ``<prefix>{<bucket>}:<window>`` and expire on their own (``PEXPIRE`` when a
counter is created), so nothing needs cleaning up.  The time comes from the app's clock, not
from Redis, so keep the hosts' clocks in sync (NTP); it is also what lets tests inject a clock.

A client is made per event loop (a redis connection belongs to the loop that opened it) and
closed when the app shuts down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trellis.concurrency import PerLoop
from trellis.optional import require
from trellis.ratelimit.backends.base import Backend, Counts

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

__all__ = ["RedisBackend"]

# KEYS[1] current counter, KEYS[2] previous counter (may be absent)
# ARGV: limit, weight, cost, ttl in milliseconds
_SCRIPT = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local previous = 0
if #KEYS > 1 then previous = tonumber(redis.call('GET', KEYS[2]) or '0') end
local limit = tonumber(ARGV[1])
local weight = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
if previous * weight + current + cost > limit + 1e-9 then
  return {0, current, previous}
end
current = redis.call('INCRBY', KEYS[1], cost)
if current == cost then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return {1, current, previous}
"""


class RedisBackend(Backend):
    """``RedisBackend("redis://host:6379/0", prefix="trellis:rl:")``, or ``client=`` an
    existing ``redis.asyncio.Redis`` (which the backend then never closes)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        prefix: str = "trellis:rl:",
        client: Redis | None = None,
        **client_options: Any,
    ) -> None:
        require("redis.asyncio", extra="redis", feature="The Redis rate-limit backend")
        if url is None and client is None:
            raise ValueError("RedisBackend needs a url or a client")
        self.url = url
        self.prefix = prefix
        self.client_options = client_options
        self._given = client
        self._script: AsyncScript | None = None
        self._clients: PerLoop[Redis] = PerLoop(self._connect)

    def client(self) -> Redis:
        """The client for the running loop (made on first use)."""
        if self._given is not None:
            return self._given
        return self._clients.get()

    def _connect(self) -> Redis:
        from redis.asyncio import Redis

        assert self.url is not None
        return Redis.from_url(self.url, **self.client_options)

    async def increment(
        self,
        key: str,
        previous_key: str | None,
        *,
        weight: float,
        limit: int,
        cost: int,
        ttl: float,
        now: float,
    ) -> Counts:
        keys = [self.prefix + key]
        if previous_key is not None:
            keys.append(self.prefix + previous_key)
        # +1 s: the clock here and Redis's may differ a little; a counter outliving its window
        # is harmless (the next window uses another key), one dying early is not.
        ttl_ms = int(ttl * 1000) + 1000
        client = self.client()
        script = self._script
        if script is None:  # EVALSHA, loading the script again if the server forgot it
            script = self._script = client.register_script(_SCRIPT)
        result = await script(keys=keys, args=[limit, repr(weight), cost, ttl_ms], client=client)
        allowed, current, previous = (int(x) for x in result)
        return Counts(bool(allowed), current, previous)

    async def aclose(self) -> None:
        """Close the client of the running loop (the app's shutdown runs on that loop)."""
        if self._given is not None:
            return
        client = self._clients.pop()
        if client is not None:
            await client.aclose()
