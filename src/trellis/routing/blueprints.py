"""Blueprints: a named group of routes and hooks, Flask's blueprint and Django's "app" in one.

A blueprint records what it is given, like the app does (both are :class:`RouteCollector`\\ s),
and is mounted with ``app.register(blueprint)`` or ``include("/blog", blog)``.  Its routes are
named ``"<blueprint>.<route>"``; nesting adds one dotted level per blueprint.  ``root_path`` is
the folder of the module that created it, where its ``templates/`` and ``static/`` live.

Like a Django app, a blueprint also carries what a project needs to use it whole: its models
(the ``models`` module of its package, imported when the app starts so the database battery and
migrations know the tables), commands (``@blog.cli.command()`` becomes ``trellis blog ...``) and
checks (``blog.add_check(fn)`` joins ``trellis check``).  :func:`load_blueprints` installs the
blueprints a settings list names (``blueprints = ["blog", "shop.views:shop"]``), and
:func:`prepare_blueprints` is what the app does with every registered blueprint at start-up.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from trellis.exceptions import ConfigurationError
from trellis.routing.registry import RouteCollector, normalize_prefix

__all__ = [
    "Blueprint",
    "BlueprintCommands",
    "blueprint_commands",
    "get_root_path",
    "import_blueprint",
    "load_blueprints",
    "prepare_blueprints",
    "resolve_endpoint_name",
]

F = TypeVar("F", bound=Callable[..., Any])
#: ``(app, deploy) -> Iterable[CheckMessage]``, as ``trellis.checks.CheckFunction`` (not imported:
#: routing knows nothing of the app).
Check = Callable[[Any, bool], Iterable[Any]]
#: Where a settings entry without ``:attr`` may keep its blueprint, in this order.
BLUEPRINT_ATTRS = ("blueprint", "bp")
#: The submodules of a package searched when the package itself holds no blueprint.
BLUEPRINT_SUBMODULES = ("urls", "views")


class Blueprint(RouteCollector):
    """``Blueprint("blog", __name__, url_prefix="/blog")``.

    ``models`` names the module holding the blueprint's models when it is not the ``models``
    module of the blueprint's package (found by itself).
    """

    def __init__(
        self,
        name: str,
        import_name: str | None = None,
        *,
        url_prefix: str | None = None,
        models: str | None = None,
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
        self.models = models
        #: Checks this blueprint adds to the app's ``trellis check``.
        self.checks: list[Check] = []
        self._cli: BlueprintCommands | None = None

    def __repr__(self) -> str:
        return f"<Blueprint {self.name!r}>"

    @property
    def full_name(self) -> str:
        """The dotted name this blueprint's routes carry (``"admin.users"`` when nested)."""
        return ".".join(self._chain()[1])

    # -- what makes a blueprint an "app" ----------------------------------------------------

    @property
    def cli(self) -> BlueprintCommands:
        """The commands of ``trellis <name> ...``: ``@blog.cli.command()`` adds one."""
        if self._cli is None:
            self._cli = BlueprintCommands(self.name)
        return self._cli

    def add_check(self, check: Check) -> Check:
        """Add ``check(app, deploy)`` to the checks of every app this blueprint is installed on.

        Usable as a decorator; the check yields ``trellis.checks.CheckMessage`` objects, as an
        app's own checks do.
        """
        if not callable(check):
            raise ConfigurationError(f"blueprint {self.name!r}: check {check!r} is not callable")
        self.checks.append(check)
        return check

    @property
    def models_module(self) -> str | None:
        """The module imported for the blueprint's models, or None when it has none.

        ``models=`` when given, else ``<package>.models`` when the blueprint's package has one.
        """
        if self.models:
            return self.models
        package = _package_of(self.import_name)
        if package is None:
            return None
        candidate = f"{package}.models"
        if candidate in sys.modules:
            return candidate
        try:
            spec = importlib.util.find_spec(candidate)
        except (ImportError, ValueError):
            return None
        return candidate if spec is not None else None

    def import_models(self) -> ModuleType | None:
        """Import the blueprint's models module (once; Python caches it) and return it.

        Models are declared by importing them: until then the database battery and the
        migrations do not know their tables, so the app imports them when it registers or
        starts the blueprint, even when no view has imported them yet.  A missing ``models=``
        module is a :class:`ConfigurationError`; an error inside the module is raised as is.
        """
        name = self.models_module
        if name is None:
            return None
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            raise ConfigurationError(
                f"blueprint {self.name!r}: its models module {name!r} cannot be imported"
            ) from None

    def on_registered(self, parent: RouteCollector) -> None:
        """Called by ``parent.register(self)``: the models are imported as soon as the blueprint
        is installed, so ``trellis db makemigrations`` sees them without starting the app."""
        self.import_models()

    # -- URLs ----------------------------------------------------------------------------------

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


class BlueprintCommands:
    """The commands a blueprint adds to the command line, as ``trellis <blueprint> <command>``.

    The core does not import click, so this records what ``@blog.cli.command()`` and
    ``blog.cli.add_command(cmd)`` are given, and the ``trellis`` command builds the click group
    from it when it runs.  Options and arguments are click's own decorators, placed under
    ``@blog.cli.command()`` as in any click group.  The command receives the app as click's
    context object (``@click.pass_obj``).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        #: The group's help text in ``trellis <name> --help``.
        self.help: str | None = None
        #: ``(function or click command, name, attrs)`` in declaration order; a function
        #: becomes a command with ``group.command(name, **attrs)``, a click command is added.
        self.entries: list[tuple[Any, str | None, dict[str, Any]]] = []
        #: The click group once built, and how many entries it holds (the CLI keeps them here,
        #: because click consumes a function's option decorators when it makes the command).
        self.group: Any = None
        self.built = 0

    def command(self, name: str | Callable[..., Any] | None = None, **attrs: Any) -> Any:
        """Declare the decorated function as ``trellis <blueprint> <name>`` (default: its name).

        ``attrs`` are click's command arguments (``help=``, ``context_settings=``...).  Works
        with or without parentheses.
        """
        if callable(name):
            self.entries.append((name, None, {}))
            return name

        def decorator(fn: F) -> F:
            self.entries.append((fn, name, attrs))
            return fn

        return decorator

    def add_command(self, command: Any, name: str | None = None) -> None:
        """Add a ready-made click command or group under this blueprint's group."""
        self.entries.append((command, name, {}))

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[tuple[Any, str | None, dict[str, Any]]]:
        return iter(self.entries)

    def __repr__(self) -> str:
        return f"<BlueprintCommands {self.name!r}: {len(self.entries)} command(s)>"


# --- installing blueprints by name -------------------------------------------------------------


def import_blueprint(spec: str) -> Blueprint:
    """The Blueprint a settings entry names: ``"module:attr"`` or ``"module"``.

    For a bare module the blueprint is its ``blueprint`` or ``bp`` attribute, else the only
    Blueprint defined at its top level; a package without one is searched in its ``urls`` then
    ``views`` submodules (where ``trellis startapp`` puts it), so ``"blog"`` finds
    ``blog.urls:blueprint``.
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigurationError(
            f"a blueprints entry must be 'module' or 'module:attr', not {spec!r}"
        )
    module_name, _, attr = spec.strip().partition(":")
    module = _import_for(module_name, spec)
    if attr:
        found: Any = module
        for part in attr.split("."):
            found = getattr(found, part, None)
        if not isinstance(found, Blueprint):
            raise ConfigurationError(
                f"blueprints entry {spec!r}: {module_name}.{attr} is "
                f"{'missing' if found is None else repr(found)}, not a Blueprint"
            )
        return found
    blueprint = _blueprint_in(module, spec)
    if blueprint is None and hasattr(module, "__path__"):
        for sub in BLUEPRINT_SUBMODULES:
            name = f"{module_name}.{sub}"
            if importlib.util.find_spec(name) is not None:
                blueprint = _blueprint_in(_import_for(name, spec), spec)
                if blueprint is not None:
                    break
    if blueprint is None:
        where = " or ".join([module_name, *(f"{module_name}.{s}" for s in BLUEPRINT_SUBMODULES)])
        raise ConfigurationError(
            f"blueprints entry {spec!r}: no Blueprint found in {where}; name it "
            f"'blueprint' or write '{module_name}:<attribute>'"
        )
    return blueprint


def _import_for(module_name: str, spec: str) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise ConfigurationError(
                f"blueprints entry {spec!r}: no module named {module_name!r} "
                "(is its package installed, or its folder on sys.path?)"
            ) from None
        raise


def _blueprint_in(module: ModuleType, spec: str) -> Blueprint | None:
    for attr in BLUEPRINT_ATTRS:
        value = getattr(module, attr, None)
        if isinstance(value, Blueprint):
            return value
    found = {
        id(value): (name, value)
        for name, value in vars(module).items()
        if isinstance(value, Blueprint) and not name.startswith("_")
    }
    if len(found) > 1:
        names = ", ".join(sorted(f"{module.__name__}:{name}" for name, _ in found.values()))
        raise ConfigurationError(f"blueprints entry {spec!r} is ambiguous: write one of {names}")
    return next(iter(found.values()))[1] if found else None


def load_blueprints(app: RouteCollector, specs: Iterable[str]) -> list[Blueprint]:
    """Register on ``app`` each blueprint ``specs`` names, unless it is registered already.

    This is what the ``blueprints`` setting does (``TRELLIS_BLUEPRINTS='["blog"]'``); each
    blueprint's models are imported on the way, so migrations see their tables.  Returns the
    blueprints in the order given.
    """
    if isinstance(specs, str):
        raise ConfigurationError(f"blueprints must be a list of names, not the string {specs!r}")
    present = {id(collector) for collector in app.iter_collectors()}
    loaded: list[Blueprint] = []
    for spec in specs:
        blueprint = import_blueprint(spec)
        if id(blueprint) not in present:
            app.register(blueprint)
            present.update(id(c) for c in blueprint.iter_collectors())
        blueprint.import_models()
        loaded.append(blueprint)
    return loaded


def prepare_blueprints(app: Any) -> None:
    """What an app does with its blueprints when it starts, before its routes are compiled.

    Every registered blueprint, nested ones included, has its models imported, and its checks
    join the app's (once, however often the app starts).
    """
    add_check = getattr(app, "add_check", None)
    present = getattr(app, "checks", None)
    for collector in app.iter_collectors():
        if not isinstance(collector, Blueprint):
            continue
        collector.import_models()
        if add_check is None or present is None:
            continue
        for check in collector.checks:
            if check not in present:
                add_check(check)


def blueprint_commands(app: Any) -> dict[str, BlueprintCommands]:
    """``{name: commands}`` of the app's blueprints that declare commands (first of a name wins)."""
    found: dict[str, BlueprintCommands] = {}
    iter_collectors = getattr(app, "iter_collectors", None)
    if iter_collectors is None:  # a plain ASGI callable
        return found
    for collector in iter_collectors():
        if isinstance(collector, Blueprint) and collector._cli is not None and collector._cli:
            found.setdefault(collector.name, collector._cli)
    return found


# --- names and folders -------------------------------------------------------------------------


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


def _package_of(import_name: str | None) -> str | None:
    """The package a blueprint's module belongs to (the module itself when it is a package)."""
    if not import_name or import_name == "__main__":
        return None
    module = sys.modules.get(import_name)
    if module is not None:
        if hasattr(module, "__path__"):
            return import_name
        return getattr(module, "__package__", None) or None
    return import_name.rpartition(".")[0] or None


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
