"""Counters in a dict: one process, no dependency, the default.

Expired counters are dropped as the dict is used, and the dict never holds more than
``max_keys`` counters (the oldest go first), so a flood of distinct client addresses cannot
grow the process without bound.  Every worker process counts on its own: with N workers a
client gets up to N times the rate.  Use Redis when serving with several processes.
"""

from __future__ import annotations

import threading

from trellis.ratelimit.backends.base import Backend, Counts

__all__ = ["MemoryBackend"]

_SWEEP_EVERY = 1000
_EPSILON = 1e-9  # the weighted sum is a float: 8.000000000000002 is 8


class MemoryBackend(Backend):
    def __init__(self, max_keys: int = 100_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.max_keys = max_keys
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        # Hits are counted on the event loop, but one app may serve from several loops (the
        # WSGI adapter, test clients): the lock keeps read-compare-write atomic across them.
        self._lock = threading.Lock()
        self._since_sweep = 0

    def __len__(self) -> int:
        return len(self._counters)

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
        with self._lock:
            current = self._get(key, now)
            previous = self._get(previous_key, now) if previous_key is not None else 0
            if previous * weight + current + cost > limit + _EPSILON:
                return Counts(False, current, previous)
            entry = self._counters.get(key)
            expires = entry[1] if entry is not None and entry[1] > now else now + ttl
            self._counters[key] = (current + cost, expires)
            self._since_sweep += 1
            if self._since_sweep >= _SWEEP_EVERY or len(self._counters) > self.max_keys:
                self._sweep(now)
            return Counts(True, current + cost, previous)

    def _get(self, key: str, now: float) -> int:
        entry = self._counters.get(key)
        if entry is None:
            return 0
        if entry[1] <= now:
            del self._counters[key]
            return 0
        return entry[0]

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        counters = self._counters
        for key in [k for k, (_, expires) in counters.items() if expires <= now]:
            del counters[key]
        excess = len(counters) - self.max_keys
        if excess > 0:
            for key in list(counters)[:excess]:  # insertion order: the oldest first
                del counters[key]

    def clear(self) -> None:
        """Forget every counter (tests, or an operator lifting all limits at once)."""
        with self._lock:
            self._counters.clear()

    def shared(self) -> bool:
        return False
