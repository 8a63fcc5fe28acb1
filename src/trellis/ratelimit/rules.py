"""A limit as declared (:class:`Rule`), and where declarations are recorded on handlers and
blueprints so the battery can tell, at start-up, which routes are limited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trellis.exceptions import ConfigurationError
from trellis.ratelimit.keys import KeyFunction, resolve_key
from trellis.ratelimit.rates import STRATEGIES, Rate, Strategy, parse_rate

__all__ = ["EXEMPT_ATTR", "RULES_ATTR", "Rule", "is_exempt", "make_rule", "rules_of"]

#: On a limited handler function (the wrapper) or blueprint: the list of its rules.
RULES_ATTR = "__trellis_rate_limits__"
#: On a handler, View class or blueprint that the battery-wide limits must skip.
EXEMPT_ATTR = "__trellis_rate_limit_exempt__"


@dataclass(frozen=True, slots=True)
class Rule:
    """One limit: ``rate`` per ``key``, counted in the bucket ``scope``.

    ``scope=None`` counts per route (the route's name); a string shares one counter between
    every route that names it.  ``key=None`` and ``strategy=None`` take the battery's.
    ``methods`` limits only those verbs (HEAD counts as GET).
    """

    rate: Rate
    key: KeyFunction | None = None
    scope: str | None = None
    cost: int = 1
    methods: frozenset[str] | None = None
    strategy: Strategy | None = None


def make_rule(
    limit: str | Rate,
    *,
    key: KeyFunction | str | None = None,
    scope: str | None = None,
    cost: int = 1,
    methods: Iterable[str] | None = None,
    strategy: Strategy | None = None,
) -> Rule:
    """Check a declaration where it is written, so a typo fails at import, not per request."""
    rate = parse_rate(limit)
    if isinstance(cost, bool) or not isinstance(cost, int) or not 1 <= cost <= rate.amount:
        raise ConfigurationError(
            f"rate limit cost must be a whole number from 1 to {rate.amount} for {limit!r}, "
            f"got {cost!r}"
        )
    if strategy is not None and strategy not in STRATEGIES:
        raise ConfigurationError(
            f"rate limit strategy must be 'fixed' or 'sliding', not {strategy!r}"
        )
    if isinstance(methods, str):
        raise ConfigurationError(f"methods must be a list such as ['POST'], not {methods!r}")
    verbs = frozenset(m.upper() for m in methods) if methods is not None else None
    if verbs is not None and "HEAD" in verbs:
        verbs = verbs | {"GET"}
    return Rule(
        rate,
        resolve_key(key) if key is not None else None,
        scope,
        cost,
        verbs,
        strategy,
    )


def rules_of(target: Any) -> list[Rule]:
    """The rules recorded on a handler, a View class (any of its methods) or a blueprint."""
    found = list(getattr(target, "__dict__", {}).get(RULES_ATTR, ()))
    if isinstance(target, type):
        for name in getattr(target, "http_method_names", ()):
            method = getattr(target, name, None)
            found.extend(getattr(method, "__dict__", {}).get(RULES_ATTR, ()))
    return found


def is_exempt(target: Any) -> bool:
    return bool(getattr(target, "__dict__", {}).get(EXEMPT_ATTR, False))
