"""The conditional increment on both backends, then what only one of them does."""

from __future__ import annotations

import pytest
from tests.support.services import redis_url

from trellis.ratelimit import Backend, MemoryBackend, Rate
from trellis.ratelimit.rates import decide, window_for


async def increment(
    backend: Backend, key: str, *, limit: int = 3, cost: int = 1, ttl: float = 60, now: float = 0
) -> tuple[bool, int, int]:
    counts = await backend.increment(
        key, None, weight=0.0, limit=limit, cost=cost, ttl=ttl, now=now
    )
    return counts.allowed, counts.current, counts.previous


async def test_counts_up_to_the_limit_and_refuses_without_counting(backend: Backend) -> None:
    assert await increment(backend, "a") == (True, 1, 0)
    assert await increment(backend, "a", cost=2) == (True, 3, 0)
    assert await increment(backend, "a") == (False, 3, 0)
    assert await increment(backend, "a") == (False, 3, 0)  # still 3: refusals are free
    assert await increment(backend, "b") == (True, 1, 0)  # keys are independent


async def test_the_previous_counter_is_weighted(backend: Backend) -> None:
    for _ in range(4):
        await increment(backend, "prev", limit=4)
    counts = await backend.increment(
        "cur", "prev", weight=0.5, limit=4, cost=1, ttl=60, now=0
    )  # 4 * 0.5 + 0 + 1 <= 4
    assert tuple(counts) == (True, 1, 4)
    counts = await backend.increment("cur", "prev", weight=0.5, limit=4, cost=2, ttl=60, now=0)
    assert tuple(counts) == (False, 1, 4)  # 2 + 1 + 2 > 4


async def test_sliding_semantics_match_on_every_backend(backend: Backend) -> None:
    rate = Rate(5, 60)
    outcomes = []
    for now in [10.0] * 6 + [61.0, 72.0, 72.0, 84.0]:
        window = window_for("sliding", "client", rate, now)
        counts = await backend.increment(
            window.key,
            window.previous_key,
            weight=window.weight,
            limit=5,
            cost=1,
            ttl=window.ttl,
            now=now,
        )
        outcomes.append(
            decide(
                "sliding",
                rate,
                window,
                now,
                allowed=counts.allowed,
                current=counts.current,
                previous=counts.previous,
            ).allowed
        )
    # 5 in the first window; at 61 s 59/60 of them count (4.9 + 1 > 5); at 72 s 4 + 1 fits
    # once; at 84 s 5 * 36/60 + 1 + 1 = 5 fits again
    assert outcomes == [True] * 5 + [False, False, True, False, True]


async def test_memory_counters_expire_on_the_given_clock() -> None:
    backend = MemoryBackend()
    assert await increment(backend, "k", limit=1, ttl=10, now=100) == (True, 1, 0)
    assert await increment(backend, "k", limit=1, ttl=10, now=109.9) == (False, 1, 0)
    assert await increment(backend, "k", limit=1, ttl=10, now=110) == (True, 1, 0)


async def test_memory_never_holds_more_than_max_keys() -> None:
    backend = MemoryBackend(max_keys=50)
    for i in range(500):
        assert await increment(backend, f"client-{i}", limit=1) == (True, 1, 0)
        assert len(backend) <= 50
    # the oldest counters made room; the newest are still counting
    assert await increment(backend, "client-0", limit=1) == (True, 1, 0)
    assert await increment(backend, "client-499", limit=1) == (False, 1, 0)
    assert not backend.shared()
    with pytest.raises(ValueError, match="max_keys"):
        MemoryBackend(max_keys=0)


async def test_redis_keys_carry_the_prefix_and_expire(redis_prefix: str) -> None:
    import redis.asyncio

    from trellis.ratelimit import RedisBackend

    backend = RedisBackend(redis_url(), prefix=redis_prefix)
    try:
        assert await increment(backend, "{bucket}:7", ttl=30) == (True, 1, 0)
        client = backend.client()
        assert isinstance(client, redis.asyncio.Redis)
        keys = [k.decode() async for k in client.scan_iter(match=redis_prefix + "*")]
        assert keys == [redis_prefix + "{bucket}:7"]
        ttl = await client.pttl(keys[0])
        assert 29_000 < ttl <= 31_000  # the window's rest plus one second of slack
        # a second hit does not extend the window
        await increment(backend, "{bucket}:7", ttl=3000)
        assert await client.pttl(keys[0]) <= 31_000
        assert backend.shared()
    finally:
        await backend.aclose()


async def test_two_redis_backends_share_counters(redis_prefix: str) -> None:
    from trellis.ratelimit import RedisBackend

    first = RedisBackend(redis_url(), prefix=redis_prefix)
    second = RedisBackend(redis_url(), prefix=redis_prefix)
    try:
        assert (await increment(first, "shared", limit=2))[0] is True
        assert (await increment(second, "shared", limit=2))[:2] == (True, 2)
        assert (await increment(first, "shared", limit=2))[0] is False
    finally:
        await first.aclose()
        await second.aclose()
