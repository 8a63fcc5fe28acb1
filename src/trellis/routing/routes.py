"""Django-style URL lists: the same router, declared from one place.

``App(routes=[path("/", index, name="home"), include("/blog", blog)])`` is equivalent to the
decorators: each item becomes a route or a nested collector when the list is added with
:meth:`RouteCollector.add_routes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.exceptions import ConfigurationError
from trellis.routing.registry import Include, RouteCollector, RouteDef, make_route, normalize_prefix

__all__ = ["include", "path"]


def path(
    route: str,
    handler: Any,
    methods: Iterable[str] | None = None,
    name: str | None = None,
    **options: Any,
) -> RouteDef:
    """One route: ``path("/posts/<int:id>", show, name="post")`` (default methods: GET).

    A :class:`~trellis.routing.View` subclass answers the verbs it defines.
    """
    return make_route(route, handler, methods, name, options=options)


def include(
    prefix: str,
    target: RouteCollector | Iterable[RouteDef | Include],
    name: str | None = None,
) -> Include:
    """Mount a blueprint, or a list of ``path``/``include`` items, under ``prefix``.

    For a blueprint, ``prefix`` replaces its own ``url_prefix`` and ``name`` (default: the
    blueprint's) prefixes its route names.  For a list, ``name`` is an optional namespace:
    ``include("/api", [path("/users", users)], name="api")`` names the route ``"api.users"``.
    """
    normalize_prefix(prefix)
    if isinstance(target, RouteCollector):
        return Include(prefix, target, name)
    if isinstance(target, str | bytes) or not isinstance(target, Iterable):
        raise ConfigurationError(
            f"include({prefix!r}, ...) takes a Blueprint or a list of path()/include(), "
            f"got {target!r}"
        )
    items = tuple(target)
    for item in items:
        if not isinstance(item, RouteDef | Include):
            raise ConfigurationError(
                f"include({prefix!r}, [...]) holds path(...) and include(...) items, got {item!r}"
            )
    return Include(prefix, items, name)
