"""The App: an ASGI callable made of a router, handler plans, hooks, error handlers and middleware.

Everything that can be decided before the first request is decided in :meth:`App.startup_freeze`
(called on ASGI lifespan start-up, or on the first request when a server sends no lifespan): the
routes are flattened and compiled into the router's dict and trie, each handler's signature becomes a
plan, hooks and error handlers are collected per route, and the middleware stack is built.  The
per-request path then does a dict (or trie) lookup, calls the plan and sends the response; it does not
grow with the number of routes or with features that are not used.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from trellis.concurrency import configure_thread_pool
from trellis.conf import Settings, setting
from trellis.dispatch import Dispatcher
from trellis.exceptions import ConfigurationError
from trellis.handlers import FamilyProvider
from trellis.http.datastructures import State
from trellis.middleware import ASGIApp, Edge, Middleware
from trellis.results import ResponseConverter
from trellis.routing import RouteCollector, Router
from trellis.routing.blueprints import load_blueprints, prepare_blueprints

if TYPE_CHECKING:
    from trellis.checks import CheckFunction
    from trellis.probes import Probe
    from trellis.routing import ResolvedRoute
    from trellis.wsgi import WSGIAdapter

__all__ = ["App"]

T = TypeVar("T")
logger = logging.getLogger("trellis")


class App(RouteCollector):
    """A Trellis application.

    ``App(__name__)`` finds ``templates/`` and ``static/`` beside the calling module, as Flask does;
    without an import name, in the current directory.
    """

    def __init__(
        self,
        import_name: str | None = None,
        *,
        settings: Settings | None = None,
        routes: Sequence[Any] | None = None,
        middleware: Sequence[Middleware] | None = None,
        debug: bool | None = None,
    ) -> None:
        super().__init__()
        self.import_name = import_name
        self.root_path = _root_path_of(import_name)
        self.settings = settings if settings is not None else Settings()
        if debug is not None:
            self.settings.debug = debug
        self.middleware: list[Middleware] = list(middleware or ())
        self.edges: list[Edge] = []
        self.state = State()
        #: Installed batteries, in order.
        self.batteries: list[Any] = []
        #: Free space for batteries to keep their per-app objects (Flask's ``app.extensions``).
        self.extensions: dict[str, Any] = {}
        self.providers: dict[Any, Callable[..., Any] | FamilyProvider] = {}
        self.response_converters: dict[type, ResponseConverter] = {}
        self.ready_hooks: list[Callable[[App], None]] = []
        self.checks: list[CheckFunction] = []
        #: Readiness probes by name (``/health/ready``, ``trellis check``).
        self.probes: dict[str, Probe] = {}
        self._dispatcher: Dispatcher | None = None
        self._asgi: ASGIApp | None = None
        self._http: ASGIApp | None = None
        self._wsgi: WSGIAdapter | None = None
        self._router: Router[Any] | None = None
        if routes:
            self.add_routes(routes)
        # Django's INSTALLED_APPS: blueprints named in the settings are registered as the app is made.
        blueprints: list[str] = setting(self.settings, "blueprints", [], list[str])
        if blueprints:
            load_blueprints(self, blueprints)

    # --- configuration and extension points ------------------------------------------------

    @property
    def debug(self) -> bool:
        return bool(self.settings.debug)

    @debug.setter
    def debug(self, value: bool) -> None:
        self.settings.debug = value

    @property
    def started(self) -> bool:
        return self._dispatcher is not None

    def install(self, battery: T) -> T:
        """Install a battery: it adds routes, middleware, providers and hooks through this App.

        A battery is any object with an ``install(app)`` method; it is returned for chaining.
        """
        self._check_not_started("install a battery")
        install = getattr(battery, "install", None)
        if not callable(install):
            raise ConfigurationError(f"{battery!r} is not a battery: it has no install(app) method")
        install(self)
        self.batteries.append(battery)
        return battery

    def provide(
        self, annotation: Any, factory: Callable[..., Any], *, subclasses: bool = False
    ) -> None:
        """Fill every parameter annotated ``annotation`` (or a subclass of it) by calling ``factory``.

        The factory is filled by the same rules as a handler (it may ask for the request, other
        provided types or ``Depends``), runs once per request, and may be a generator whose code
        after ``yield`` runs when the response has been sent.  With ``subclasses=True`` the factory
        serves a whole family and gets the class the parameter asks for as its first argument
        (``def bind_form(cls, request)``): how a Form subclass is bound to the request.
        """
        self._check_not_started("add a provider")
        self.providers[annotation] = FamilyProvider(factory) if subclasses else factory

    def add_middleware(self, cls: Callable[..., ASGIApp], *args: Any, **kwargs: Any) -> None:
        """Add a middleware inside those already declared (the first declared is outermost)."""
        self._check_not_started("add middleware")
        self.middleware.append(Middleware(cls, *args, **kwargs))

    def add_edge(self, edge: Edge) -> None:
        """Run ``edge.admit`` before every request and ``edge.finish`` on every answer's headers.

        Edges come before every middleware, in the order added.  See :class:`~trellis.middleware.Edge`:
        it is how a battery that every request must pass costs two plain calls, not a middleware.
        """
        self._check_not_started("add an edge")
        self.edges.append(edge)

    def on_ready(self, fn: Callable[[App], None]) -> Callable[[App], None]:
        """Call ``fn(app)`` once everything is registered, just before the app serves.

        Batteries build what needs every registration known (a template environment with every
        blueprint's folder and filter) here.  It runs when the app starts, synchronously.
        """
        self._check_not_started("add a ready hook")
        self.ready_hooks.append(fn)
        return fn

    def add_check(self, check: CheckFunction) -> CheckFunction:
        """Add a check ``(app, deploy) -> Iterable[CheckMessage]`` to ``trellis check``."""
        self.checks.append(check)
        return check

    def add_probe(self, name: str, probe: Probe) -> Probe:
        """Add a readiness probe: an ``async`` callable answering whether ``name`` is usable.

        See :mod:`trellis.probes`; the health battery and ``trellis check`` run them.
        """
        if name in self.probes:
            raise ConfigurationError(f"A readiness probe named {name!r} is already registered")
        self.probes[name] = probe
        return probe

    def installed(self, cls: type[T]) -> T | None:
        """The installed battery of type ``cls``, if any."""
        for battery in self.batteries:
            if isinstance(battery, cls):
                return battery
        return None

    def add_response_converter(self, cls: type, converter: ResponseConverter) -> None:
        """Teach the app to turn handler return values of type ``cls`` into responses."""
        self.response_converters[cls] = converter

    def _check_not_started(self, what: str) -> None:
        if self._dispatcher is not None:
            raise ConfigurationError(
                f"Cannot {what} after the app has started serving; do it while setting the app up"
            )

    # --- start-up ---------------------------------------------------------------------------

    def startup_freeze(self) -> Dispatcher:
        """Compile routes, plans and the middleware stack; idempotent."""
        dispatcher = self._dispatcher
        if dispatcher is not None:
            return dispatcher
        configure_thread_pool(self.settings.thread_pool_size)
        prepare_blueprints(self)  # every blueprint's models imported, its checks joined
        for convention in _conventions():
            convention(self)
        router: Router[Any] = Router(self.all_converters())
        dispatcher = Dispatcher(self, router)
        for route in self.iter_routes():
            dispatcher.add_route(route)
        router.freeze()
        self._router = router
        for hook in self.ready_hooks:
            hook(self)
        self.freeze()
        asgi: ASGIApp = dispatcher
        for middleware in reversed(self.middleware):
            asgi = middleware.wrap(asgi)
        edges = tuple(self.edges)
        if self.middleware:
            asgi = dispatcher.guard(asgi, edges)  # the guard runs the edges around the stack
        else:
            dispatcher.edges = edges
        self._asgi = asgi
        # Without middleware, HTTP requests go straight to the dispatcher: one frame fewer.
        self._http = dispatcher.http if not self.middleware else None
        self._dispatcher = dispatcher
        return dispatcher

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        http = self._http
        if http is not None and scope["type"] == "http":
            await http(scope, receive, send)
            return
        asgi = self._asgi
        if asgi is None:
            try:
                self.startup_freeze()
            except Exception as exc:
                if scope["type"] != "lifespan":
                    raise
                # Tell the server start-up failed (it stops with this message) instead of
                # letting it conclude that lifespan is unsupported and serve a broken app.
                await receive()
                message = f"{type(exc).__name__}: {exc}"
                await send({"type": "lifespan.startup.failed", "message": message})
                if scope.get("trellis.raise_server_exceptions"):
                    raise
                return
            asgi = self._asgi
            assert asgi is not None
        await asgi(scope, receive, send)

    # --- URLs and introspection -------------------------------------------------------------

    def url_for(self, name: str, /, **params: Any) -> str:
        """The URL path of the route called ``name``; extra params become the query string."""
        self.startup_freeze()
        assert self._router is not None
        return self._router.url_for(name, **params)

    @property
    def wsgi(self) -> WSGIAdapter:
        """This app as a WSGI callable, for WSGI servers (gunicorn sync, mod_wsgi, App Engine)."""
        if self._wsgi is None:
            from trellis.wsgi import WSGIAdapter

            self._wsgi = WSGIAdapter(cast("Any", self))
        return self._wsgi

    def routes(self) -> list[ResolvedRoute]:
        """Every route, flattened through the blueprints (what ``trellis routes`` lists)."""
        return list(self.iter_routes())

    def __repr__(self) -> str:
        return f"<App {self.import_name or '__main__'!r}>"


@functools.cache
def _conventions() -> tuple[Callable[[App], None], ...]:
    """Functions registered under the ``trellis.conventions`` entry-point group.

    They are how what needs no configuration works by convention — a ``templates/`` folder is
    rendered from, ``static/`` is served — without the core importing a battery: each battery
    registers a function that looks at the app and installs itself when the app uses it.  They
    run at start-up, once per app; the lookup itself is done once per process.
    """
    from importlib.metadata import entry_points

    found = []
    for entry in sorted(entry_points(group="trellis.conventions"), key=lambda e: e.name):
        try:
            found.append(entry.load())
        except ImportError as exc:  # a battery whose optional package is missing stays off
            logger.debug("convention %s not loaded: %s", entry.name, exc)
    return tuple(found)


def _root_path_of(import_name: str | None) -> Path:
    """The folder of the module named ``import_name`` (where templates/ and static/ live)."""
    if import_name is None:
        return Path.cwd()
    import sys

    module = sys.modules.get(import_name)
    file = getattr(module, "__file__", None)
    if file:
        return Path(file).resolve().parent
    import importlib.util

    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.origin not in (None, "built-in", "frozen"):
        return Path(str(spec.origin)).resolve().parent
    return Path.cwd()
