"""Rate limiting: ``@rate_limit("10/minute")`` on handlers, Views and Blueprints, and the
``RateLimit`` battery (memory or Redis counters, fixed or sliding windows, 429 with
``Retry-After`` and ``RateLimit-*`` headers).  See ``docs/ratelimit.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.ratelimit.backends import Backend, Counts, MemoryBackend, RedisBackend
    from trellis.ratelimit.battery import RateLimit, TooManyRequests
    from trellis.ratelimit.decorators import rate_limit, rate_limit_exempt
    from trellis.ratelimit.keys import KeyFunction, client_address, user_or_address
    from trellis.ratelimit.rates import Decision, Rate, parse_rate
    from trellis.ratelimit.rules import Rule

__all__ = [
    "Backend",
    "Counts",
    "Decision",
    "KeyFunction",
    "MemoryBackend",
    "Rate",
    "RateLimit",
    "RedisBackend",
    "Rule",
    "TooManyRequests",
    "client_address",
    "parse_rate",
    "rate_limit",
    "rate_limit_exempt",
    "user_or_address",
]

_WHERE = {
    "Backend": "trellis.ratelimit.backends",
    "Counts": "trellis.ratelimit.backends",
    "MemoryBackend": "trellis.ratelimit.backends",
    "RedisBackend": "trellis.ratelimit.backends.redis",
    "RateLimit": "trellis.ratelimit.battery",
    "TooManyRequests": "trellis.ratelimit.battery",
    "rate_limit": "trellis.ratelimit.decorators",
    "rate_limit_exempt": "trellis.ratelimit.decorators",
    "KeyFunction": "trellis.ratelimit.keys",
    "client_address": "trellis.ratelimit.keys",
    "user_or_address": "trellis.ratelimit.keys",
    "Decision": "trellis.ratelimit.rates",
    "Rate": "trellis.ratelimit.rates",
    "parse_rate": "trellis.ratelimit.rates",
    "Rule": "trellis.ratelimit.rules",
}

__getattr__ = lazy_exports(__name__, _WHERE)
