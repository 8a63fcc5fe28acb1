"""The ``RateLimit`` battery: options, the backend, and the check every limited request runs.

Limits come from three places, and a route pays only for its own:

* ``@rate_limit(...)`` on a handler or View: a dependency of that handler (see ``decorators``);
* ``@rate_limit(...)`` on a Blueprint: a ``before_request`` hook of that blueprint;
* the battery's ``default`` and ``limits`` options (settings ``ratelimit_default`` and
  ``ratelimit_limits``, so a deployment can set them from the environment): one app-wide hook,
  added only when they are set, which looks the route's name up in a table built at start-up.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from trellis import exceptions
from trellis.checks import CheckMessage
from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.http.request import Request
from trellis.ratelimit.backends import Backend, MemoryBackend
from trellis.ratelimit.keys import KeyFunction, call_key, resolve_key
from trellis.ratelimit.rates import STRATEGIES, Decision, Strategy, decide, window_for
from trellis.ratelimit.rules import Rule, is_exempt, make_rule, rules_of

__all__ = ["RateLimit", "TooManyRequests"]

logger = logging.getLogger("trellis.ratelimit")
_DECISIONS = "trellis.ratelimit.decisions"
_MAX_BUCKET = 200
LimitSpec = str | Sequence[str]


class TooManyRequests(exceptions.TooManyRequests):
    """429, with ``Retry-After`` and the ``RateLimit-*`` headers of the limit that refused."""

    def __init__(self, decision: Decision, headers: Mapping[str, str] | None = None) -> None:
        self.decision = decision
        retry = decision.retry_after or 1
        detail = (
            f"Too many requests: the limit is {decision.limit} per {_period(decision.rate.period)}."
            f" Try again in {retry} second{'s' if retry != 1 else ''}."
        )
        super().__init__(detail, headers, retry_after=retry)


class RateLimit:
    """Rate limiting: ``app.install(RateLimit(backend="redis://...", strategy="sliding"))``.

    Options left ``None`` come from settings ``ratelimit_<option>`` (``TRELLIS_RATELIMIT_...``):

    * ``default``: a limit (``"1000/hour"``, or a list) for every route without one of its own;
      counted per route.
    * ``limits``: ``{"api": "100/minute", "auth.login": "5/minute"}`` by route name or blueprint
      name (its routes' dotted prefix); each entry is one counter shared by the routes it names.
    * ``backend``: ``"memory"`` (default), a ``redis://`` URL, or a :class:`Backend`.
    * ``strategy``: ``"fixed"`` (default) or ``"sliding"`` (sliding window counter).
    * ``key``: ``"address"`` (default), ``"user"``, or ``(request) -> str | None``.
    * ``key_prefix`` (Redis keys, default ``"trellis:rl:"``), ``headers`` (send ``RateLimit-*``
      on success too, default on), ``enabled`` (default on), ``fail_open`` (let requests through
      and log when the backend fails, default on), ``memory_max_keys`` (default 100 000).

    ``clock`` (seconds, default :func:`time.time`) is for tests.
    """

    def __init__(
        self,
        *,
        default: LimitSpec | None = None,
        limits: Mapping[str, LimitSpec] | None = None,
        backend: str | Backend | None = None,
        strategy: Strategy | None = None,
        key: KeyFunction | str | None = None,
        key_prefix: str | None = None,
        headers: bool | None = None,
        enabled: bool | None = None,
        fail_open: bool | None = None,
        memory_max_keys: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._options: dict[str, Any] = {
            "default": default,
            "limits": limits,
            "backend": backend,
            "strategy": strategy,
            "key": key,
            "key_prefix": key_prefix,
            "headers": headers,
            "enabled": enabled,
            "fail_open": fail_open,
            "memory_max_keys": memory_max_keys,
        }
        self.clock = clock
        self.backend: Backend = MemoryBackend()
        self.strategy: Strategy = "fixed"
        self.key: KeyFunction = resolve_key("address")
        self.headers = True
        self.enabled = True
        self.fail_open = True
        self.default_rules: tuple[Rule, ...] = ()
        self.named_rules: dict[str, tuple[Rule, ...]] = {}
        #: Route name -> the battery-wide rules that apply to it (built at start-up).
        self.by_route: dict[str, tuple[Rule, ...]] = {}

    # --- set-up -----------------------------------------------------------------------------

    @classmethod
    def of(cls, app: Any) -> RateLimit:
        """The app's limiter; decorated routes in an app without the battery get a default one
        configured from the settings."""
        limiter: RateLimit | None = app.extensions.get("ratelimit")
        if limiter is None:
            limiter = cls()
            limiter.configure(app)
            app.extensions["ratelimit"] = limiter
        return limiter

    def configure(self, app: Any) -> None:
        """Settle every option from the constructor, the settings and the defaults."""
        settings, opts = app.settings, self._options

        def option(name: str, default: Any, type_: Any = None) -> Any:
            value = opts[name]
            if value is None:
                value = setting(settings, f"ratelimit_{name}", default, type_)
            return value

        strategy = option("strategy", "fixed", str)
        if strategy not in STRATEGIES:
            raise ConfigurationError(
                f"ratelimit strategy must be 'fixed' or 'sliding', not {strategy!r}"
            )
        self.strategy = strategy
        self.key = resolve_key(option("key", "address", str))
        self.headers = bool(option("headers", True, bool))
        self.enabled = bool(option("enabled", True, bool))
        self.fail_open = bool(option("fail_open", True, bool))
        self.backend = _backend(
            option("backend", "memory", str),
            option("key_prefix", "trellis:rl:", str),
            option("memory_max_keys", 100_000, int),
        )
        default = option("default", None, str | list[str] | None)
        self.default_rules = tuple(make_rule(r) for r in _as_list(default))
        limits = option("limits", {}, dict[str, str | list[str]])
        self.named_rules = {
            name: tuple(
                sorted(
                    (make_rule(r, scope=f"limits:{name}") for r in _as_list(spec)),
                    key=lambda rule: rule.rate.period,
                )
            )
            for name, spec in limits.items()
        }

    def install(self, app: Any) -> None:
        if app.extensions.get("ratelimit") is not None:
            raise ConfigurationError(
                "RateLimit is installed twice (or after a rate-limited "
                "request was served); install it once, before serving"
            )
        self.configure(app)
        app.extensions["ratelimit"] = self
        app.on_shutdown(self.backend.aclose)
        app.add_check(self._checks)
        if self.default_rules or self.named_rules:
            app.on_ready(self._build_table)
            app.before_request(self._app_limits)

    def _build_table(self, app: Any) -> None:
        unmatched = set(self.named_rules)
        table: dict[str, tuple[Rule, ...]] = {}
        for route in app.routes():
            if route.websocket:
                continue
            exempt = is_exempt(route.handler) or any(is_exempt(s) for s in route.scopes)
            own = rules_of(route.handler) or any(rules_of(s) for s in route.scopes)
            rules: list[Rule] = []
            for name, named in self.named_rules.items():
                if route.name == name or route.name.startswith(name + "."):
                    unmatched.discard(name)
                    if not exempt:
                        rules.extend(named)
            if not rules and not own and not exempt:
                rules.extend(self.default_rules)
            if rules:
                table[route.name] = tuple(rules)
        if unmatched:
            names = sorted(r.name for r in app.routes())[:20]
            raise ConfigurationError(
                f"ratelimit limits name {sorted(unmatched)}, which match no route or blueprint; "
                f"route names are: {', '.join(names)}"
            )
        self.by_route = table

    async def _app_limits(self, request: Request) -> None:
        rules = self.by_route.get(request.scope.get("trellis.route_name", ""))
        if rules:
            await self.check(request, rules)

    # --- per request ------------------------------------------------------------------------

    async def check(self, request: Request, rules: Sequence[Rule]) -> None:
        """Count this request against ``rules``; raise :class:`TooManyRequests` past one."""
        if not self.enabled:
            return
        scope = request.scope
        method = scope.get("method", "GET")
        if method == "HEAD":
            method = "GET"
        route = scope.get("trellis.route_name", "")
        for rule in rules:
            if rule.methods is not None and method not in rule.methods:
                continue
            who = await call_key(rule.key or self.key, request)
            if who is None:
                continue
            decision = await self.hit(f"{rule.scope or route}|{rule.rate.period}|{who}", rule)
            if decision is None:
                continue
            decisions = scope.get(_DECISIONS)
            if not decision.allowed:
                raise TooManyRequests(decision, self._headers([*(decisions or ()), decision]))
            if self.headers:
                if decisions is None:
                    decisions = scope[_DECISIONS] = []
                    request.before_send(self._add_headers(decisions))
                decisions.append(decision)

    async def hit(self, bucket: str, rule: Rule) -> Decision | None:
        """Count one hit of ``rule`` in ``bucket``; None when the backend failed (fail open)."""
        if len(bucket) > _MAX_BUCKET:
            bucket = hashlib.sha256(bucket.encode()).hexdigest()
        strategy = rule.strategy or self.strategy
        now = self.clock()
        window = window_for(strategy, bucket, rule.rate, now)
        try:
            counts = await self.backend.increment(
                window.key,
                window.previous_key,
                weight=window.weight,
                limit=rule.rate.amount,
                cost=rule.cost,
                ttl=window.ttl,
                now=now,
            )
        except Exception:
            if not self.fail_open:
                raise
            logger.exception("rate-limit backend failed; letting the request through")
            return None
        return decide(
            strategy,
            rule.rate,
            window,
            now,
            allowed=counts.allowed,
            current=counts.current,
            previous=counts.previous,
            cost=rule.cost,
        )

    def _headers(self, decisions: Sequence[Decision]) -> dict[str, str]:
        """draft-ietf-httpapi-ratelimit-headers-06: the tightest limit in RateLimit-Limit,
        -Remaining and -Reset; every limit that applied in RateLimit-Policy."""
        if not self.headers or not decisions:
            return {}
        refused = [d for d in decisions if not d.allowed]
        tightest = refused[0] if refused else min(decisions, key=lambda d: (d.remaining, -d.reset))
        policies = dict.fromkeys(f"{d.limit};w={d.rate.period}" for d in decisions)
        return {
            "RateLimit-Limit": str(tightest.limit),
            "RateLimit-Remaining": str(tightest.remaining),
            "RateLimit-Reset": str(tightest.reset),
            "RateLimit-Policy": ", ".join(policies),
        }

    def _add_headers(self, decisions: list[Decision]) -> Callable[[Any], Any]:
        async def add_rate_limit_headers(response: Any) -> None:
            for name, value in self._headers(decisions).items():
                response.headers[name] = value

        return add_rate_limit_headers

    def _checks(self, app: Any, deploy: bool) -> list[CheckMessage]:
        if deploy and self.enabled and not self.backend.shared():
            return [
                CheckMessage(
                    "ratelimit.W001",
                    "warning",
                    "rate limits are counted in memory, per process: with several workers or "
                    "hosts each one lets the full rate through",
                    "set TRELLIS_RATELIMIT_BACKEND=redis://host:6379/0 (or RateLimit(backend=...))",
                )
            ]
        return []


def _backend(spec: str | Backend, prefix: str, max_keys: int) -> Backend:
    if isinstance(spec, Backend):
        return spec
    if spec == "memory":
        return MemoryBackend(max_keys)
    if isinstance(spec, str) and spec.startswith(("redis://", "rediss://", "unix://")):
        from trellis.ratelimit.backends.redis import RedisBackend

        return RedisBackend(spec, prefix=prefix)
    raise ConfigurationError(
        f"ratelimit backend {spec!r} is unknown: use 'memory', a redis:// URL or a Backend"
    )


def _as_list(spec: LimitSpec | None) -> list[str]:
    if spec is None:
        return []
    if isinstance(spec, str):
        return [part for part in (p.strip() for p in spec.split(";")) if part]
    return list(spec)


def _period(seconds: int) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return "second" if seconds == 1 else f"{seconds} seconds"
