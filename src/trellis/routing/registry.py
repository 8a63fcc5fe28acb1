"""The decorator surface shared by the App and Blueprint, recording plain data only.

A :class:`RouteCollector` remembers routes, hooks, error handlers, converters and nested
collectors in declaration order.  Nothing is compiled here: when the app starts it walks the tree
with :meth:`RouteCollector.iter_routes` (prefixes joined, names dotted) and builds its router once,
then calls :meth:`RouteCollector.freeze` so that a late registration fails loudly instead of being
silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from trellis.exceptions import ConfigurationError
from trellis.routing.converters import Converter
from trellis.routing.patterns import parse_pattern
from trellis.routing.router import WEBSOCKET_METHOD, Router
from trellis.routing.views import is_view_class

__all__ = [
    "ROUTE_OPTIONS",
    "ErrorKey",
    "Include",
    "ResolvedRoute",
    "RouteCollector",
    "RouteDef",
    "check_options",
    "make_route",
]

H = TypeVar("H", bound=Callable[..., Any])
T = TypeVar("T")
Hook = Callable[..., Any]
ErrorKey = int | type[BaseException]


#: The route options the core and the openapi battery read (batteries may read others):
#: ``status_code`` and ``response_model`` change the answer; the rest only describe it.
ROUTE_OPTIONS: dict[str, str] = {
    "status_code": "an HTTP status such as 201",
    "response_model": "a type the answer is validated and filtered by (None: none)",
    "tags": "a list of strings",
    "summary": "a string",
    "description": "a string",
    "operation_id": "a string",
    "include_in_schema": "True or False",
    "deprecated": "True or False",
    "responses": "a dict of status -> description, model or response object",
    "security": 'a list of scheme names or {"scheme": [scopes]} dicts ([] = public)',
    "openapi_extra": "a dict merged into the operation's OpenAPI object",
}


def _valid_option(name: str, value: Any) -> bool:
    if name == "status_code":
        return isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599
    if name == "tags":
        return isinstance(value, list | tuple) and all(isinstance(t, str) for t in value)
    if name in ("summary", "description", "operation_id"):
        return isinstance(value, str)
    if name in ("include_in_schema", "deprecated"):
        return isinstance(value, bool)
    if name in ("responses", "openapi_extra"):
        return isinstance(value, Mapping)
    if name == "security":
        return isinstance(value, list | tuple) and all(
            isinstance(item, str | Mapping) for item in value
        )
    return True


def check_options(options: Mapping[str, Any], where: str) -> None:
    """Refuse a known route option given a value of the wrong kind, at declaration time."""
    for name, value in options.items():
        if name in ROUTE_OPTIONS and not _valid_option(name, value):
            raise ConfigurationError(
                f"{where}: option {name}={value!r} must be {ROUTE_OPTIONS[name]}"
            )


@dataclass(frozen=True, slots=True)
class RouteDef:
    """One route as declared, relative to its collector (what ``path()`` returns)."""

    path: str
    handler: Any
    methods: frozenset[str]
    name: str
    websocket: bool = False
    options: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Include:
    """``include(prefix, target, name)``: a blueprint, or a list of routes, under a prefix."""

    prefix: str
    target: RouteCollector | tuple[RouteDef | Include, ...]
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedRoute:
    """A route with its collector chain applied: full path, full dotted name, scopes.

    ``scopes`` runs from the outermost collector (the app) to the one that declared the route,
    so the app can gather hooks outermost-first and error handlers innermost-first.
    """

    path: str
    handler: Any
    methods: frozenset[str]
    name: str
    websocket: bool
    options: dict[str, Any] = field(hash=False)
    scopes: tuple[RouteCollector, ...] = ()


@dataclass(frozen=True, slots=True)
class _Registration:
    collector: RouteCollector
    url_prefix: str | None
    name: str | None


def make_route(
    path: str,
    handler: Any,
    methods: Iterable[str] | None = None,
    name: str | None = None,
    *,
    websocket: bool = False,
    options: Mapping[str, Any] | None = None,
) -> RouteDef:
    """Validate one declaration and fill its defaults (methods, name) from the handler."""
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise ConfigurationError(
            f"route path {path!r} must start with '/' (or be '' under a prefix)"
        )
    if path:
        parse_pattern(path)  # syntax errors point at the declaration, not at start-up
    if not callable(handler):
        raise ConfigurationError(f"handler for {path!r} is not callable: {handler!r}")
    if options:
        check_options(options, f"route {path!r}")
    if websocket:
        if is_view_class(handler):
            raise ConfigurationError(f"websocket route {path!r} needs a function, not a View")
        verbs = frozenset({WEBSOCKET_METHOD})
    else:
        verbs = _resolve_methods(path, handler, methods)
    return RouteDef(
        path=path,
        handler=handler,
        methods=verbs,
        name=_resolve_name(path, handler, name),
        websocket=websocket,
        options=dict(options or {}),
    )


def _resolve_methods(path: str, handler: Any, methods: Iterable[str] | None) -> frozenset[str]:
    view = is_view_class(handler)
    if methods is None:
        verbs = frozenset(handler.allowed_methods()) if view else frozenset({"GET"})
        if not verbs:
            raise ConfigurationError(
                f"View {handler.__name__} at {path!r} defines no method (get, post, ...)"
            )
        return verbs
    if isinstance(methods, str):
        raise ConfigurationError(
            f"methods for {path!r} must be a list such as ['GET', 'POST'], got {methods!r}"
        )
    verbs = frozenset(str(m).upper() for m in methods)
    if not verbs:
        raise ConfigurationError(f"route {path!r} answers no method; give methods=['GET', ...]")
    if view:
        defined = set(handler.allowed_methods())
        implied = {"OPTIONS"} | ({"HEAD"} if "GET" in defined else set())
        missing = verbs - defined - implied
        if missing:
            raise ConfigurationError(
                f"View {handler.__name__} at {path!r} has no method for "
                f"{', '.join(sorted(missing))}; it defines {', '.join(sorted(defined))}"
            )
    return verbs


def _resolve_name(path: str, handler: Any, name: str | None) -> str:
    if name is None:
        name = getattr(handler, "__name__", None)
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"route {path!r}: {handler!r} has no __name__; pass name=...")
    if not isinstance(name, str) or not name:
        raise ConfigurationError(f"route {path!r}: name must be a non-empty string, got {name!r}")
    if "." in name:
        raise ConfigurationError(
            f"route name {name!r} ({path!r}) may not contain '.': dots separate blueprint names"
        )
    return name


def normalize_prefix(prefix: str | None) -> str:
    """``"/blog/"`` -> ``"/blog"``; ``None``, ``""`` and ``"/"`` mean no prefix."""
    if prefix is None:
        return ""
    if not isinstance(prefix, str) or (prefix and not prefix.startswith("/")):
        raise ConfigurationError(f"url_prefix {prefix!r} must start with '/'")
    if prefix:
        parse_pattern(prefix)
    return prefix.rstrip("/")


def _check_collector_name(name: str | None) -> None:
    if name is not None and (not isinstance(name, str) or not name or "." in name):
        raise ConfigurationError(f"name {name!r} must be a non-empty string without dots")


class RouteCollector:
    """Routes, hooks and nested collectors, recorded in declaration order."""

    #: Prepended to this collector's routes unless ``register(..., url_prefix=)`` overrides it.
    url_prefix: str = ""

    def __init__(self) -> None:
        self._entries: list[RouteDef | _Registration] = []
        self._registered_on: list[tuple[RouteCollector, str | None]] = []
        self._frozen = False
        self.before_request_hooks: list[Hook] = []
        self.after_request_hooks: list[Hook] = []
        self.error_handlers: dict[ErrorKey, Hook] = {}
        self.startup_hooks: list[Hook] = []
        self.shutdown_hooks: list[Hook] = []
        self.converters: dict[str, type[Converter]] = {}
        #: Template filters, tests, globals and context processors, recorded here for whichever
        #: template engine is installed (the templates battery reads them at start-up).
        self.template_filters: dict[str, Callable[..., Any]] = {}
        self.template_tests: dict[str, Callable[..., Any]] = {}
        self.template_globals: dict[str, Any] = {}
        self.context_processors: list[Hook] = []

    # -- routes ---------------------------------------------------------------------------

    def route(
        self,
        path: str,
        methods: Iterable[str] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> Callable[[H], H]:
        """Register the decorated function or View for ``path`` (default methods: GET)."""

        def decorator(handler: H) -> H:
            self.add_route(path, handler, methods, name, **options)
            return handler

        return decorator

    def get(self, path: str, name: str | None = None, **options: Any) -> Callable[[H], H]:
        return self.route(path, ["GET"], name, **options)

    def post(self, path: str, name: str | None = None, **options: Any) -> Callable[[H], H]:
        return self.route(path, ["POST"], name, **options)

    def put(self, path: str, name: str | None = None, **options: Any) -> Callable[[H], H]:
        return self.route(path, ["PUT"], name, **options)

    def patch(self, path: str, name: str | None = None, **options: Any) -> Callable[[H], H]:
        return self.route(path, ["PATCH"], name, **options)

    def delete(self, path: str, name: str | None = None, **options: Any) -> Callable[[H], H]:
        return self.route(path, ["DELETE"], name, **options)

    def websocket(self, path: str, name: str | None = None) -> Callable[[H], H]:
        def decorator(handler: H) -> H:
            self.add_websocket_route(path, handler, name)
            return handler

        return decorator

    def add_route(
        self,
        path: str,
        handler: Any,
        methods: Iterable[str] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> None:
        self._check_open("add routes")
        self._entries.append(make_route(path, handler, methods, name, options=options))

    def add_websocket_route(self, path: str, handler: Any, name: str | None = None) -> None:
        self._check_open("add routes")
        self._entries.append(make_route(path, handler, name=name, websocket=True))

    def add_routes(self, items: Iterable[RouteDef | Include]) -> None:
        """Add a Django-style list of ``path(...)`` and ``include(...)`` items."""
        self._check_open("add routes")
        for item in items:
            if isinstance(item, RouteDef):
                self._entries.append(item)
            elif isinstance(item, Include):
                target = item.target
                if isinstance(target, RouteCollector):
                    self.register(target, url_prefix=item.prefix, name=item.name)
                else:
                    group = RouteCollector()
                    group.add_routes(target)
                    self.register(group, url_prefix=item.prefix, name=item.name)
            else:
                raise ConfigurationError(
                    f"routes lists hold path(...) and include(...) items, got {item!r}"
                )

    def register(
        self, blueprint: RouteCollector, url_prefix: str | None = None, name: str | None = None
    ) -> None:
        """Nest ``blueprint``; ``url_prefix`` and ``name`` override its own for this mount."""
        self._check_open("register blueprints")
        if not isinstance(blueprint, RouteCollector):
            raise ConfigurationError(f"register() needs a Blueprint, got {blueprint!r}")
        if blueprint is self or self in blueprint.iter_collectors():
            raise ConfigurationError(f"registering {blueprint!r} here would make a cycle")
        prefix = None if url_prefix is None else normalize_prefix(url_prefix)
        mount_name = name if name is not None else getattr(blueprint, "name", None)
        _check_collector_name(mount_name)
        for entry in self._entries:
            if (
                isinstance(entry, _Registration)
                and entry.collector is blueprint
                and entry.name == mount_name
            ):
                raise ConfigurationError(
                    f"{blueprint!r} is already registered here as {mount_name!r}; "
                    "pass name=... to register it a second time"
                )
        self._entries.append(_Registration(blueprint, prefix, mount_name))
        blueprint._registered_on.append((self, mount_name))
        blueprint.on_registered(self)

    def on_registered(self, parent: RouteCollector) -> None:
        """Called when this collector is registered on ``parent``; nothing by default."""

    def add_converter(self, name: str, cls: type[Converter]) -> None:
        """Make ``<name:param>`` available to every route of the app."""
        self._check_open("add converters")
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigurationError(f"converter name {name!r} must be a Python identifier")
        if not (isinstance(cls, type) and issubclass(cls, Converter)):
            raise ConfigurationError(
                f"converter {name!r} must be a subclass of trellis.routing.Converter, got {cls!r}"
            )
        self.converters[name] = cls

    # -- template registrations -----------------------------------------------------------

    def template_filter(self, name: str | None = None) -> Callable[[H], H]:
        """Register the decorated function as a template filter (named after it by default)."""

        def decorator(fn: H) -> H:
            self.add_template_filter(fn, name)
            return fn

        return decorator

    def add_template_filter(self, fn: Callable[..., Any], name: str | None = None) -> None:
        self._check_open("add a template filter")
        self.template_filters[name or fn.__name__] = fn

    def template_test(self, name: str | None = None) -> Callable[[H], H]:
        """Register the decorated function as a template test (``{% if x is name %}``)."""

        def decorator(fn: H) -> H:
            self.add_template_test(fn, name)
            return fn

        return decorator

    def add_template_test(self, fn: Callable[..., Any], name: str | None = None) -> None:
        self._check_open("add a template test")
        self.template_tests[name or fn.__name__] = fn

    def template_global(self, name: str | None = None) -> Callable[[H], H]:
        """Make the decorated function callable from every template."""

        def decorator(fn: H) -> H:
            self.add_template_global(fn, name)
            return fn

        return decorator

    def add_template_global(self, value: Any, name: str | None = None) -> None:
        """Add a global to every template; batteries use it (``csrf_input``, ``static`` ...)."""
        self._check_open("add a template global")
        key = name or getattr(value, "__name__", None)
        if not key:
            raise ConfigurationError(f"template global {value!r} needs a name=")
        self.template_globals[key] = value

    def context_processor(self, fn: H) -> H:
        """Register a function whose returned dict is merged into every template's context.

        It is filled like a handler (it may ask for ``request: Request``).
        """
        self._add_hook(self.context_processors, fn, "context_processor")
        return fn

    # -- hooks ----------------------------------------------------------------------------

    def before_request(self, fn: H) -> H:
        self._add_hook(self.before_request_hooks, fn, "before_request")
        return fn

    def after_request(self, fn: H) -> H:
        self._add_hook(self.after_request_hooks, fn, "after_request")
        return fn

    def on_startup(self, fn: H) -> H:
        self._add_hook(self.startup_hooks, fn, "on_startup")
        return fn

    def on_shutdown(self, fn: H) -> H:
        self._add_hook(self.shutdown_hooks, fn, "on_shutdown")
        return fn

    def errorhandler(self, key: ErrorKey) -> Callable[[H], H]:
        """Handle an HTTP status (``404``) or an exception class (``ValueError``) here."""

        def decorator(fn: H) -> H:
            self.register_error_handler(key, fn)
            return fn

        return decorator

    def register_error_handler(self, key: ErrorKey, fn: Hook) -> None:
        self._check_open("add error handlers")
        if isinstance(key, bool) or not (
            (isinstance(key, int) and 400 <= key <= 599)
            or (isinstance(key, type) and issubclass(key, BaseException))
        ):
            raise ConfigurationError(
                f"errorhandler() takes an HTTP error status (400-599) or an exception class, "
                f"got {key!r}"
            )
        if not callable(fn):
            raise ConfigurationError(f"error handler for {key!r} is not callable: {fn!r}")
        self.error_handlers[key] = fn

    def _add_hook(self, hooks: list[Hook], fn: Hook, kind: str) -> None:
        self._check_open(f"add a {kind} hook")
        if not callable(fn):
            raise ConfigurationError(f"{kind} hook is not callable: {fn!r}")
        hooks.append(fn)

    # -- start-up -------------------------------------------------------------------------

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self) -> None:
        """Refuse further registrations here and in every nested collector."""
        for collector in self.iter_collectors():
            collector._frozen = True

    def _check_open(self, what: str) -> None:
        if self._frozen:
            raise ConfigurationError(
                f"cannot {what} after the app started; register everything at import time, "
                "before the app serves its first request"
            )

    def iter_collectors(self) -> Iterator[RouteCollector]:
        """This collector and every nested one, each once, outermost first."""
        seen: set[int] = set()
        stack: list[RouteCollector] = [self]
        while stack:
            collector = stack.pop()
            if id(collector) in seen:
                continue
            seen.add(id(collector))
            yield collector
            nested = [e.collector for e in collector._entries if isinstance(e, _Registration)]
            stack.extend(reversed(nested))

    def iter_routes(self) -> Iterator[ResolvedRoute]:
        """Every route of the tree with prefixes joined and names dotted, in declaration order."""
        return self._walk("", (), (self,))

    def _walk(
        self, prefix: str, names: tuple[str, ...], scopes: tuple[RouteCollector, ...]
    ) -> Iterator[ResolvedRoute]:
        for entry in self._entries:
            if isinstance(entry, RouteDef):
                yield ResolvedRoute(
                    path=prefix + entry.path or "/",
                    handler=entry.handler,
                    methods=entry.methods,
                    name=".".join((*names, entry.name)),
                    websocket=entry.websocket,
                    options=dict(entry.options),
                    scopes=scopes,
                )
                continue
            child = entry.collector
            own = entry.url_prefix if entry.url_prefix is not None else child.url_prefix
            child_names = (*names, entry.name) if entry.name else names
            yield from child._walk(prefix + own, child_names, (*scopes, child))

    def all_converters(self) -> dict[str, type[Converter]]:
        """Converters added anywhere in the tree; one name may not mean two classes."""
        merged: dict[str, type[Converter]] = {}
        for collector in self.iter_collectors():
            for name, cls in collector.converters.items():
                if merged.setdefault(name, cls) is not cls:
                    raise ConfigurationError(
                        f"converter {name!r} is registered as both {merged[name]!r} and {cls!r}"
                    )
        return merged

    def build_router(self, make_target: Callable[[ResolvedRoute], T]) -> Router[T]:
        """A router holding ``make_target(route)`` for every route; the caller freezes it."""
        router: Router[T] = Router(self.all_converters())
        for route in self.iter_routes():
            target = make_target(route)
            router.add(route.path, route.methods, target, route.name, websocket=route.websocket)
        return router
