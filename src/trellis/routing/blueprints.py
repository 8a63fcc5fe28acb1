"""Blueprints: a named group of routes and hooks, Flask's blueprint and Django's "app" in one.

A blueprint records what it is given, like the app does (both are :class:`RouteCollector`\\ s),
and is mounted with ``app.register(blueprint)`` or ``include("/blog", blog)``.  Its routes are
named ``"<blueprint>.<route>"``; nesting adds one dotted level per blueprint.  ``root_path`` is
the folder of the module that created it, where its ``templates/`` and ``static/`` live.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from trellis.exceptions import ConfigurationError
from trellis.routing.registry import RouteCollector, normalize_prefix

__all__ = ["Blueprint", "get_root_path", "resolve_endpoint_name"]


class Blueprint(RouteCollector):
    """``Blueprint("blog", __name__, url_prefix="/blog")``."""

    def __init__(
        self, name: str, import_name: str | None = None, *, url_prefix: str | None = None
    ) -> None:
        if not isinstance(name, str) or not name or "." in name:
            raise ConfigurationError(
                f"blueprint name {name!r} must be a non-empty string without dots "
                "(dots separate nested blueprint names in route names)"
            )
        super().__init__()
        self.name = name
        self.import_name = import_name
        self.url_prefix = normalize_prefix(url_prefix)
        self.root_path: Path = get_root_path(import_name)

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"

    @property
    def full_name(self) -> str:
        """The dotted name this blueprint's routes carry (``"admin.users"`` when nested)."""
        return ".".join(self._chain()[1])

    def url_for(self, name: str, /, **params: Any) -> str:
        """Build a URL through the app this blueprint is registered on.

        ``"index"`` and ``".index"`` name this blueprint's own route; a name with a dot inside
        (``"shop.cart"``) is absolute.  When the blueprint is registered more than once, the
        first registration decides.
        """
        root, names = self._chain()
        build = getattr(root, "url_for", None)
        if isinstance(root, Blueprint) or not callable(build):
            raise RuntimeError(
                f"blueprint {self.name!r} is registered on {root!r}, which is not an app; "
                "register the outermost blueprint on the app first"
            )
        full_name = resolve_endpoint_name(name, ".".join(names), bare_is_relative=True)
        result: str = build(full_name, **params)
        return result

    def _chain(self) -> tuple[RouteCollector, list[str]]:
        """Follow first registrations upwards: (the outermost collector, mount names from it)."""
        if not self._registered_on:
            raise RuntimeError(
                f"blueprint {self.name!r} is not registered on an app yet; "
                "call app.register(blueprint) (or include it in App(routes=...)) first"
            )
        names: list[str] = []
        node: RouteCollector = self
        while node._registered_on:
            parent, mount_name = node._registered_on[0]
            if mount_name:
                names.append(mount_name)
            node = parent
        names.reverse()
        return node, names


def resolve_endpoint_name(
    name: str, current_blueprint_name: str | None, *, bare_is_relative: bool = False
) -> str:
    """Turn a possibly relative route name into the full one.

    ``".index"`` is relative to ``current_blueprint_name`` (or top-level when it is None).
    A bare ``"index"`` is absolute, as in Flask, unless ``bare_is_relative`` (what
    :meth:`Blueprint.url_for` uses: inside a blueprint's own namespace, bare names are its own).
    A name with a dot inside is always absolute.
    """
    if name.startswith("."):
        rest = name[1:]
        return f"{current_blueprint_name}.{rest}" if current_blueprint_name else rest
    if bare_is_relative and current_blueprint_name and "." not in name:
        return f"{current_blueprint_name}.{name}"
    return name


def get_root_path(import_name: str | None) -> Path:
    """The folder of module ``import_name`` (``__name__``); the current directory without one."""
    if import_name is None:
        return Path.cwd()
    module = sys.modules.get(import_name)
    if module is not None:
        location = getattr(module, "__file__", None)
        if location is None:
            search = list(getattr(module, "__path__", ()) or ())
            return Path(search[0]).resolve() if search else Path.cwd()
        return Path(location).resolve().parent
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        raise ConfigurationError(
            f"cannot find module {import_name!r} to locate its templates/ and static/; "
            "pass __name__ as import_name"
        )
    if spec.origin and spec.has_location:
        return Path(spec.origin).resolve().parent
    search = list(spec.submodule_search_locations or ())
    return Path(search[0]).resolve() if search else Path.cwd()
