"""Login throttling: after N failures per account, or M per client address, within a window,
logins are refused with 429 and ``Retry-After`` for a lockout period.

The state is shared by every worker and host: in Redis when ``auth_throttle_redis_url`` is set,
else in two tables of the app's database.  Keys are SHA-256 digests, so neither store holds
usernames or addresses in clear.  A lockout refuses the right password too: that is what makes
guessing pointless.  A successful login clears its account's failures (not its address's: an
attacker who owns one account must not reset the count for the others).

When the store itself fails (Redis down), logins go on unthrottled and the error is logged:
refusing every login during an outage would be worse than a few unthrottled guesses.
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from trellis.auth.models import LoginFailure, LoginLockout
from trellis.concurrency import PerLoop
from trellis.db.models import utcnow
from trellis.exceptions import TooManyRequests

__all__ = [
    "DatabaseThrottle",
    "LoginThrottle",
    "LoginThrottled",
    "RedisThrottle",
    "ThrottleOptions",
]

logger = logging.getLogger("trellis.auth")

Keyed = Sequence[tuple[str, int]]


@dataclass(frozen=True)
class ThrottleOptions:
    """Limits of the login throttle; 0 failures switches a limit off."""

    failures: int = 5
    address_failures: int = 20
    window: int = 900
    lockout: int = 900
    key_prefix: str = "trellis:auth:"


class LoginThrottled(TooManyRequests):
    """429: too many failed logins for this account or address; ``retry_after`` in seconds."""

    retry_after: int

    def __init__(self, retry_after: int) -> None:
        minutes = math.ceil(max(1, int(retry_after)) / 60)
        detail = (
            "Too many failed login attempts. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
        super().__init__(detail, retry_after=max(1, int(retry_after)))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


class LoginThrottle(ABC):
    """Counts failed logins per account and per address; subclasses keep the counts."""

    def __init__(self, options: ThrottleOptions | None = None) -> None:
        self.options = options or ThrottleOptions()

    def bind(self, app: Any) -> None:  # noqa: B027 - optional for subclasses
        """Called once by the Auth battery with its app (the database throttle needs it)."""

    def keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        """``[(key, limit)]`` for the account and the address whose limits are switched on."""
        prefix, options = self.options.key_prefix, self.options
        found = []
        if options.failures > 0:
            found.append((f"{prefix}user:{_digest(username.casefold())}", options.failures))
        if options.address_failures > 0 and address:
            found.append((f"{prefix}addr:{_digest(address)}", options.address_failures))
        return found

    async def check(self, username: str, address: str | None) -> None:
        """Raise :class:`LoginThrottled` while the account or the address is locked out."""
        keyed = self.keys(username, address)
        if not keyed:
            return
        try:
            remaining = await self.locked_for([key for key, _ in keyed])
        except Exception:
            logger.exception("Login throttle unavailable (%r); not throttling", self)
            return
        if remaining > 0:
            raise LoginThrottled(remaining)

    async def failed(self, username: str, address: str | None) -> int:
        """Count a failed login; the lockout in seconds when this failure started one, else 0."""
        keyed = self.keys(username, address)
        if not keyed:
            return 0
        try:
            return await self.record(keyed)
        except Exception:
            logger.exception("Login throttle unavailable (%r); failure not counted", self)
            return 0

    async def succeeded(self, username: str) -> None:
        """Forget the account's failures after a successful login."""
        keyed = self.keys(username, None)
        if keyed and self.options.failures > 0:
            try:
                await self.clear(keyed[0][0])
            except Exception:
                logger.exception("Login throttle unavailable (%r)", self)

    @abstractmethod
    async def locked_for(self, keys: Sequence[str]) -> int:
        """Seconds until the last of ``keys``' lockouts ends (0 when none is locked)."""

    @abstractmethod
    async def record(self, keyed: Keyed) -> int:
        """Add a failure to each key; lock those that reached their limit; return the lockout."""

    @abstractmethod
    async def clear(self, key: str) -> None:
        """Forget ``key``'s failures."""

    async def close(self) -> None:  # noqa: B027 - optional for subclasses
        """Release connections (at app shut-down)."""


class RedisThrottle(LoginThrottle):
    """Failures in a sorted set per key (a sliding window), lockouts as keys that expire."""

    def __init__(self, url: str, options: ThrottleOptions | None = None) -> None:
        super().__init__(options)
        self.url = url
        # redis.asyncio connections belong to the loop that opened them; a test client or a
        # server worker may run the app on several loops, each gets its own client.
        self._clients: PerLoop[Any] = PerLoop(self._connect)

    def _connect(self) -> Any:
        from trellis.optional import require

        redis_asyncio = require("redis.asyncio", extra="redis", feature="Redis login throttle")
        return redis_asyncio.Redis.from_url(self.url)

    def _client(self) -> Any:
        return self._clients.get()

    async def locked_for(self, keys: Sequence[str]) -> int:
        async with self._client().pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.pttl(f"{key}:lock")
            remaining = await pipe.execute()
        longest = max((int(ms) for ms in remaining if int(ms) > 0), default=0)
        return math.ceil(longest / 1000)

    async def record(self, keyed: Keyed) -> int:
        client = self._client()
        window, lockout = self.options.window, self.options.lockout
        now = time.time()
        async with client.pipeline(transaction=True) as pipe:
            for key, _ in keyed:
                fails = f"{key}:fails"
                pipe.zadd(fails, {f"{now:.6f}:{secrets.token_hex(4)}": now})
                pipe.zremrangebyscore(fails, "-inf", now - window)
                pipe.zcard(fails)
                pipe.expire(fails, window)
            results = await pipe.execute()
        reached = [
            key for (key, limit), count in zip(keyed, results[2::4], strict=True) if count >= limit
        ]
        if not reached:
            return 0
        async with client.pipeline(transaction=True) as pipe:
            for key in reached:
                pipe.set(f"{key}:lock", b"1", ex=lockout)
                pipe.delete(f"{key}:fails")
            await pipe.execute()
        return lockout

    async def clear(self, key: str) -> None:
        await self._client().delete(f"{key}:fails")

    async def close(self) -> None:
        client = self._clients.pop()
        if client is not None:
            await client.aclose()

    def __repr__(self) -> str:
        return f"<RedisThrottle {self.url.split('@')[-1]!r}>"


class DatabaseThrottle(LoginThrottle):
    """Failures and lockouts in the ``auth_login_failure`` / ``auth_login_lockout`` tables."""

    def __init__(self, options: ThrottleOptions | None = None) -> None:
        super().__init__(options)
        self.database: Any = None
        self._pruned = 0.0

    def bind(self, app: Any) -> None:
        from trellis.db.database import Database

        self.database = Database.of(app)

    async def locked_for(self, keys: Sequence[str]) -> int:
        now = utcnow()
        async with self.database.async_session() as db:
            query = select(LoginLockout.until).where(
                LoginLockout.key.in_(keys), LoginLockout.until > now
            )
            untils = (await db.scalars(query)).all()
        longest = max(((until - now).total_seconds() for until in untils), default=0.0)
        return math.ceil(longest)

    async def record(self, keyed: Keyed) -> int:
        options = self.options
        now = utcnow()
        cutoff = now - timedelta(seconds=options.window)
        keys = [key for key, _ in keyed]
        reached: list[str] = []
        try:
            async with self.database.async_session() as db:
                db.add_all(LoginFailure(key=key, created=now) for key in keys)
                await db.flush()
                counted = select(LoginFailure.key, func.count()).where(
                    LoginFailure.key.in_(keys), LoginFailure.created >= cutoff
                )
                rows = (await db.execute(counted.group_by(LoginFailure.key))).all()
                counts = dict(rows)
                reached = [key for key, limit in keyed if counts.get(key, 0) >= limit]
                if reached:
                    await db.execute(delete(LoginLockout).where(LoginLockout.key.in_(reached)))
                    await db.execute(delete(LoginFailure).where(LoginFailure.key.in_(reached)))
                    until = now + timedelta(seconds=options.lockout)
                    db.add_all(LoginLockout(key=key, until=until) for key in reached)
                if time.monotonic() - self._pruned > options.window:
                    # Failures that no longer count and ended lockouts, for every key.
                    self._pruned = time.monotonic()
                    await db.execute(delete(LoginFailure).where(LoginFailure.created < cutoff))
                    await db.execute(delete(LoginLockout).where(LoginLockout.until <= now))
        except IntegrityError:
            # Another worker locked the same key at the same moment: it is locked either way.
            logger.debug("lockout inserted concurrently for %s", reached)
        return options.lockout if reached else 0

    async def clear(self, key: str) -> None:
        async with self.database.async_session() as db:
            await db.execute(delete(LoginFailure).where(LoginFailure.key == key))

    def __repr__(self) -> str:
        return f"<DatabaseThrottle {self.database!r}>"
