"""What a rate-limit backend implements: one atomic, conditional increment.

The rule (see :mod:`trellis.ratelimit.rates`): add ``cost`` to the counter at ``key`` only if
``previous * weight + current + cost <= limit`` (within 1e-9: the weighted sum is a float),
where ``previous`` is the counter at ``previous_key`` (0 when there is none).  A refused hit is not counted, so a client that keeps
knocking is let in again as soon as its rate allows, not punished for every refusal.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

__all__ = ["Backend", "Counts"]


class Counts(NamedTuple):
    """A backend's answer: whether the hit was counted, the current counter (after the hit
    when counted) and the previous window's counter."""

    allowed: bool
    current: int
    previous: int


class Backend(ABC):
    """Storage for counters; the strategies' arithmetic lives outside it."""

    @abstractmethod
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
        """Apply the rule atomically; a new counter expires ``ttl`` seconds after ``now``."""

    async def aclose(self) -> None:  # noqa: B027 - optional: only backends with connections
        """Release connections; called when the app shuts down."""

    def shared(self) -> bool:
        """Whether several processes see the same counters (``trellis check --deploy`` asks)."""
        return True
