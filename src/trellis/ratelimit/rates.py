"""Rates and windows: ``"10/minute"`` parsed, and the arithmetic of both strategies, I/O-free.

A backend only stores counters and applies one atomic rule — *add ``cost`` to the current counter
if ``previous * weight + current + cost <= limit``* — so the memory and Redis backends cannot
disagree.  Everything else (which counters, their weight, what to tell the client) is here.

**Fixed window**: one counter per period, aligned on the clock (``10/minute`` counts from
``:00`` to ``:59``); ``weight`` is 0.  Cheap and exact, but a client may spend a whole window's
quota at its end and another at the start of the next: up to twice the rate across a boundary.

**Sliding window counter** (not a sliding log): the current window's counter plus the previous
window's, weighted by how much of it still overlaps the sliding period ending now.  Two integers
per client whatever the rate, no bursts across boundaries; the cost is that it assumes the
previous window's requests were spread evenly, so it can be off by a little in either direction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from trellis.exceptions import ConfigurationError

__all__ = ["Decision", "Rate", "Strategy", "Window", "decide", "parse_rate", "window_for"]

Strategy = Literal["fixed", "sliding"]
STRATEGIES: tuple[Strategy, ...] = ("fixed", "sliding")

_UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*([a-z]+?)s?\s*", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rate:
    """``amount`` requests per ``period`` seconds."""

    amount: int
    period: int

    def __post_init__(self) -> None:
        if self.amount < 1 or self.period < 1:
            raise ConfigurationError(f"a rate needs amount >= 1 and period >= 1 s, got {self!r}")

    def __str__(self) -> str:
        return f"{self.amount}/{self.period}s"


def parse_rate(value: str | Rate) -> Rate:
    """``"10/minute"``, ``"100 per hour"``, ``"5/30 seconds"``, ``"1000/day"`` -> :class:`Rate`."""
    if isinstance(value, Rate):
        return value
    match = _RATE.fullmatch(value) if isinstance(value, str) else None
    unit = _UNITS.get(match.group(3).lower()) if match else None
    if match is None or unit is None:
        raise ConfigurationError(
            f"rate {value!r} is not understood: write '<count>/<unit>' or '<count>/<n> <unit>s' "
            "with a unit of second, minute, hour or day (e.g. '10/minute', '100/15 minutes')"
        )
    return Rate(int(match.group(1)), int(match.group(2) or 1) * unit)


@dataclass(frozen=True, slots=True)
class Window:
    """The counters one hit touches: ``key`` (+ ``previous_key`` weighted by ``weight``)."""

    key: str
    previous_key: str | None
    weight: float
    #: How long the counter at ``key`` must live, in seconds.
    ttl: float
    index: int


def window_for(strategy: Strategy, bucket: str, rate: Rate, now: float) -> Window:
    """Where a hit at ``now`` counts.  ``bucket`` is wrapped in ``{}`` so that both keys of a
    sliding window land in the same Redis Cluster slot."""
    period = rate.period
    index = math.floor(now / period)
    start = index * period
    key = f"{{{bucket}}}:{index}"
    if strategy == "fixed":
        return Window(key, None, 0.0, start + period - now, index)
    weight = (start + period - now) / period
    return Window(key, f"{{{bucket}}}:{index - 1}", weight, start + 2 * period - now, index)


@dataclass(frozen=True, slots=True)
class Decision:
    """What one limit says about one request, and what the client is told.

    ``reset`` is the number of seconds until the whole quota is available again;
    ``retry_after`` (only when refused) until this request would be accepted.
    """

    allowed: bool
    rate: Rate
    remaining: int
    reset: int
    retry_after: int | None = None

    @property
    def limit(self) -> int:
        return self.rate.amount


def decide(
    strategy: Strategy,
    rate: Rate,
    window: Window,
    now: float,
    *,
    allowed: bool,
    current: int,
    previous: int,
    cost: int = 1,
) -> Decision:
    """Turn a backend's answer (``current`` after the hit if allowed) into a :class:`Decision`."""
    period = rate.period
    start = window.index * period
    weighted = previous * window.weight + current
    remaining = max(0, math.floor(rate.amount - weighted + 1e-9))
    if strategy == "fixed":
        reset = start + period - now
    elif current:
        reset = start + 2 * period - now  # the current window still counts during the next
    elif previous:
        reset = start + period - now
    else:
        reset = 0.0
    retry: int | None = None
    if not allowed:
        wait = (
            start + period - now
            if strategy == "fixed"
            else _sliding_wait(rate, start, now, current, previous, cost)
        )
        retry = max(1, math.ceil(wait - 1e-9))
    return Decision(allowed, rate, remaining, max(0, math.ceil(reset - 1e-9)), retry)


def _sliding_wait(
    rate: Rate, start: float, now: float, current: int, previous: int, cost: int
) -> float:
    """Seconds until ``previous * weight(t) + current + cost <= amount``, with no further hits.

    Inside the current window the weight of the previous one falls linearly to 0; if that is
    not enough, the current window becomes the previous one and its weight falls in turn.
    """
    amount, period = rate.amount, rate.period
    room = amount - cost - current
    if room >= 0 and previous > 0:
        elapsed = period * (1 - room / previous)
        if elapsed < period:
            return max(0.0, start + elapsed - now)
    room = amount - cost
    if current <= room:
        return start + period - now
    return start + period + period * (1 - room / current) - now
