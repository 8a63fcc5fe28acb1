"""Where rate-limit counters live: :class:`MemoryBackend` (one process) or :class:`RedisBackend`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports
from trellis.ratelimit.backends.base import Backend, Counts
from trellis.ratelimit.backends.memory import MemoryBackend

if TYPE_CHECKING:
    from trellis.ratelimit.backends.redis import RedisBackend

__all__ = ["Backend", "Counts", "MemoryBackend", "RedisBackend"]

__getattr__ = lazy_exports(__name__, {"RedisBackend": "trellis.ratelimit.backends.redis"})
