"""``@rate_limit(...)`` on a handler, a View or a Blueprint, and ``@rate_limit_exempt``.

Why a handler's limit costs nothing to the other routes: instead of a middleware or an app-wide
hook that every request would pass through, the decorator gives the handler itself one more
dependency, placed *first* in its signature, so it is resolved before the body is read and
before the other dependencies run.  The wrapper presents the handler's own signature plus that
parameter (``__signature__``) and drops the argument before calling the handler, which is
otherwise called as it would have been (``def`` handlers still run in the thread pool).  A
Blueprint's limit is a ``before_request`` hook on that blueprint: only its routes run it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

from trellis.exceptions import ConfigurationError
from trellis.http.request import Request
from trellis.params import Depends
from trellis.ratelimit.battery import RateLimit
from trellis.ratelimit.keys import KeyFunction
from trellis.ratelimit.rates import Rate, Strategy
from trellis.ratelimit.rules import EXEMPT_ATTR, RULES_ATTR, Rule, make_rule
from trellis.routing import RouteCollector

__all__ = ["rate_limit", "rate_limit_exempt"]

T = TypeVar("T")
_PARAM = "trellis_rate_limit_"


def rate_limit(
    limit: str | Rate,
    *,
    key: KeyFunction | str | None = None,
    scope: str | None = None,
    cost: int = 1,
    methods: Iterable[str] | None = None,
    strategy: Strategy | None = None,
) -> Callable[[T], T]:
    """Limit a handler, a View class or a Blueprint to ``limit`` (``"10/minute"``).

    ``key`` says who is counted (``"address"``, ``"user"`` or ``(request) -> str | None``;
    default: the battery's).  A handler's or View's counter is per route unless ``scope`` names
    a counter to share; a Blueprint's counter is shared by all its routes (``scope`` defaults to
    ``"blueprint:<name>"``).  ``cost`` is how many units one request takes; ``methods`` limits
    only those verbs.  Stack decorators for several limits (``10/second`` and ``1000/day``).
    """
    rule = make_rule(limit, key=key, scope=scope, cost=cost, methods=methods, strategy=strategy)

    def decorate(target: T) -> T:
        if isinstance(target, RouteCollector):
            _limit_collector(target, rule)
            return target
        if isinstance(target, type):
            _limit_view(target, rule)
            return target
        if not callable(target):
            raise ConfigurationError(
                f"rate_limit() decorates handlers and blueprints, not {target!r}"
            )
        return _limit_function(target, rule, method=False)  # type: ignore[return-value]

    return decorate


def rate_limit_exempt(target: T) -> T:
    """Keep a handler, View or Blueprint out of the battery-wide limits (``RateLimit(default=...,
    limits=...)``).  Limits declared on it with ``@rate_limit`` still apply."""
    setattr(target, EXEMPT_ATTR, True)
    return target


def _limit_collector(collector: RouteCollector, rule: Rule) -> None:
    rules: list[Rule] | None = collector.__dict__.get(RULES_ATTR)
    if rules is not None:
        _add(rules, _with_scope(rule, collector))
        return
    rules = [_with_scope(rule, collector)]
    setattr(collector, RULES_ATTR, rules)

    async def blueprint_rate_limit(request: Request) -> None:
        await RateLimit.of(request.scope["app"]).check(request, rules)

    collector.before_request(blueprint_rate_limit)


def _add(rules: list[Rule], rule: Rule) -> None:
    """Shortest periods first: a burst is refused before it spends a daily budget."""
    rules.append(rule)
    rules.sort(key=lambda r: r.rate.period)


def _with_scope(rule: Rule, collector: RouteCollector) -> Rule:
    if rule.scope is not None:
        return rule
    name = getattr(collector, "name", None) or f"collector-{id(collector):x}"
    return Rule(rule.rate, rule.key, f"blueprint:{name}", rule.cost, rule.methods, rule.strategy)


def _limit_view(view: type, rule: Rule) -> None:
    names = getattr(view, "http_method_names", None)
    if names is None:
        raise ConfigurationError(f"rate_limit() decorates View classes, not {view!r}")
    limited = False
    for name in names:
        if rule.methods is not None and name.upper() not in rule.methods:
            continue
        method = getattr(view, name, None)
        if callable(method):
            setattr(view, name, _limit_function(method, rule, method=True))
            limited = True
    if not limited:
        raise ConfigurationError(f"rate_limit() on {view.__name__}: it has no method to limit")


def _limit_function(fn: Callable[..., Any], rule: Rule, *, method: bool) -> Callable[..., Any]:
    existing: list[Rule] | None = getattr(fn, "__dict__", {}).get(RULES_ATTR)
    if existing is not None:  # already limited: one more rule, same single dependency
        _add(existing, rule)
        return fn
    rules = [rule]

    async def check_rate_limit(request: Request) -> None:
        await RateLimit.of(request.scope["app"]).check(request, rules)

    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(
            f"rate_limit() cannot read the signature of {fn!r}: {exc}"
        ) from exc
    params = list(signature.parameters.values())
    if _PARAM in signature.parameters:
        raise ConfigurationError(f"{fn!r} has a parameter named {_PARAM!r}, which rate_limit uses")
    hidden = inspect.Parameter(
        _PARAM,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=Annotated[None, Depends(check_rate_limit)],
    )
    params.insert(1 if method and params else 0, hidden)
    wrapper = _wrap(fn)
    functools.update_wrapper(wrapper, fn)
    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    setattr(wrapper, RULES_ATTR, rules)
    return wrapper


def _wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
    """A function of the same kind as ``fn`` (the app runs ``def`` ones in the thread pool)."""
    if inspect.iscoroutinefunction(fn):

        async def limited_async(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(_PARAM, None)
            return await fn(*args, **kwargs)

        return limited_async
    if inspect.isasyncgenfunction(fn):

        async def limited_stream(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop(_PARAM, None)
            return fn(*args, **kwargs)  # the async generator itself: a streamed body

        return limited_stream

    def limited(*args: Any, **kwargs: Any) -> Any:
        kwargs.pop(_PARAM, None)
        return fn(*args, **kwargs)

    return limited
