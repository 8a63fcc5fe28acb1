"""Find the application the ``trellis`` command works on.

The rules, in order (documented in ``docs/cli.md``):

1. ``--app SPEC`` on the command line;
2. the ``TRELLIS_APP`` environment variable;
3. ``[tool.trellis] app = "SPEC"`` in ``./pyproject.toml``;
4. ``./app.py``.

A SPEC is ``module.name[:attr]`` or ``path/to/file.py[:attr]``; ``attr`` may end in ``()`` to call a
factory.  Without ``attr`` the module's ``app`` wins, then its only :class:`trellis.App` instance,
then a ``create_app()`` or ``make_app()`` factory.  A function that can be called without arguments
is a factory; anything else is served as it is.

Servers import the app again in their own processes, so the outcome of discovery is not the app
object but an :class:`AppTarget`: the importable ``module:attr``, the directory that must be on
``sys.path`` for that import to work, and whether ``attr`` is a factory.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
import sys
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import click

__all__ = [
    "ENV_VAR",
    "FACTORY_NAMES",
    "AppTarget",
    "DiscoveryError",
    "find_app_spec",
    "load_app",
    "parse_spec",
    "resolve_target",
    "with_app",
]

ENV_VAR = "TRELLIS_APP"
FACTORY_NAMES = ("create_app", "make_app")

# ``attr`` is a dotted Python name, optionally called; anything else after a colon is part of a
# path (``C:\\site\\app.py`` keeps its drive letter).
_SPEC = re.compile(
    r"^(?P<target>.+?)(?::(?P<attr>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<call>\(\))?)?$"
)
APP_OPTION_HELP = (
    "The app: module:attr or path/to/file.py[:attr]. Default: $TRELLIS_APP, "
    "[tool.trellis] app in pyproject.toml, then ./app.py."
)
R = TypeVar("R")

_MODULE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")


class DiscoveryError(click.ClickException):
    """The app could not be found or loaded; the message says what to do instead."""


@dataclass(frozen=True)
class AppTarget:
    """An app located on disk: what a server in another process needs to import it."""

    spec: str
    """What the user wrote (or the default that was picked), shown in messages."""
    module: str
    """Importable module name, e.g. ``blog.app``."""
    attr: str | None
    """Attribute inside the module; ``None`` until :func:`resolve_target` has imported it."""
    root: Path
    """Directory that must be first on ``sys.path`` for ``module`` to import."""
    factory: bool = False
    """``attr`` is called with no arguments to build the app."""
    path: Path | None = None
    """The file named by a path spec; the import must come from it and not from elsewhere."""

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attr or 'app'}"


def find_app_spec(explicit: str | None = None, *, cwd: Path | None = None) -> str:
    """Return the SPEC to use, following the discovery order."""
    if explicit:
        return explicit
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    cwd = cwd or Path.cwd()
    pyproject = cwd / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise DiscoveryError(f"Could not read {pyproject}: {exc}") from None
        value = data.get("tool", {}).get("trellis", {}).get("app")
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise DiscoveryError(
                    f'[tool.trellis] app in {pyproject} must be a string like "module:app".'
                )
            return value.strip()
    if (cwd / "app.py").is_file():
        return "app.py"
    raise DiscoveryError(
        "Could not find an app. Pass --app module:attr or --app path/to/app.py, set "
        f'{ENV_VAR}, add [tool.trellis] app = "module:attr" to pyproject.toml, '
        "or run from a directory that has an app.py."
    )


def parse_spec(spec: str, *, cwd: Path | None = None) -> AppTarget:
    """Turn a SPEC into a module name and import root, without importing anything."""
    cwd = cwd or Path.cwd()
    match = _SPEC.match(spec.strip())
    if match is None:  # only an empty string gets here
        raise DiscoveryError("The app spec is empty; expected module:attr or path/to/file.py.")
    target, attr, call = match["target"], match["attr"], bool(match["call"])
    looks_like_path = target.endswith(".py") or "/" in target or os.sep in target
    path: Path | None
    if looks_like_path:
        path = (cwd / target).resolve()
        if path.is_dir() and (path / "__init__.py").is_file():
            path = path / "__init__.py"
        if not path.is_file():
            raise DiscoveryError(f"No such file: {target} (from app spec {spec!r}).")
        if path.suffix != ".py":
            raise DiscoveryError(f"{target} is not a Python file (from app spec {spec!r}).")
        module, root = _module_for_path(path)
    else:
        if not _MODULE.match(target):
            raise DiscoveryError(
                f"{spec!r} is neither a module name nor a .py path; expected module:attr "
                "or path/to/file.py[:attr]."
            )
        module, root, path = target, cwd.resolve(), None
    return AppTarget(spec=spec, module=module, attr=attr, root=root, factory=call, path=path)


def _module_for_path(path: Path) -> tuple[str, Path]:
    """Walk up through packages so ``blog/app.py`` in package ``blog`` imports as ``blog.app``."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    directory = path.parent
    while (directory / "__init__.py").is_file():
        parts.insert(0, directory.name)
        directory = directory.parent
    name = ".".join(parts)
    if not _MODULE.match(name):
        raise DiscoveryError(f"{path} cannot be imported: {name!r} is not a valid module name.")
    return name, directory


def _import(target: AppTarget) -> ModuleType:
    root = str(target.root)
    if not sys.path or sys.path[0] != root:
        sys.path.insert(0, root)
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(target.module)
    except ModuleNotFoundError as exc:
        if exc.name == target.module or target.module.startswith(f"{exc.name}."):
            raise DiscoveryError(
                f"Could not import {target.module!r} (from app spec {target.spec!r}) "
                f"with {root} on the path."
            ) from None
        raise DiscoveryError(_import_failure(target, exc)) from None
    except Exception as exc:
        raise DiscoveryError(_import_failure(target, exc)) from None
    filename = getattr(module, "__file__", None)
    if target.path and filename and Path(filename).resolve() != target.path:
        raise DiscoveryError(
            f"Importing {target.module!r} gave {filename}, not the file under {root}: the name "
            "clashes with a module that is already imported. Rename your file."
        )
    return module


def _import_failure(target: AppTarget, exc: BaseException) -> str:
    # The user's own error is what they need to see, so keep its traceback, minus our frames.
    tb = traceback.format_exception(exc)
    return (
        f"Error while importing {target.module!r} (from app spec {target.spec!r}):\n\n"
        + "".join(tb).rstrip("\n")
    )


def _is_factory(obj: Any) -> bool:
    if not inspect.isfunction(obj):
        return False
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in signature.parameters.values()
    )


def _app_class() -> type | None:
    # Imported by name: the CLI must still find plain ASGI apps if the App cannot be imported.
    try:
        module = importlib.import_module("trellis.app")
    except ImportError:
        return None
    app_cls = getattr(module, "App", None)
    return app_cls if isinstance(app_cls, type) else None


def _pick_attr(module: ModuleType, target: AppTarget) -> tuple[str, bool]:
    if hasattr(module, "app"):
        return "app", False
    app_cls = _app_class()
    if app_cls is not None:
        found = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, app_cls) and not name.startswith("_")
        )
        if len(found) == 1:
            return found[0], False
        if len(found) > 1:
            choices = ", ".join(f"{target.spec}:{name}" for name in found)
            raise DiscoveryError(
                f"{target.spec} defines several apps ({', '.join(found)}); choose one with "
                f"--app, e.g. {choices}."
            )
    for name in FACTORY_NAMES:
        if _is_factory(getattr(module, name, None)):
            return name, True
    raise DiscoveryError(
        f"{target.spec} has no 'app', no App instance and no {' or '.join(FACTORY_NAMES)}() "
        "factory. Name the object with --app module:attr."
    )


def resolve_target(target: AppTarget) -> tuple[AppTarget, Any]:
    """Import ``target``, settle its attribute, and return it with the object found there.

    For a factory the returned object is the factory itself; :func:`load_app` calls it.
    """
    module = _import(target)
    if target.attr is None:
        attr, factory = _pick_attr(module, target)
    else:
        attr, factory = target.attr, target.factory
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise DiscoveryError(
                f"{target.module!r} has no attribute {attr!r} (from app spec {target.spec!r})."
            ) from None
    if not factory and target.attr is not None and _is_factory(obj):
        factory = True
    if not callable(obj):
        raise DiscoveryError(
            f"{target.module}:{attr} is a {type(obj).__name__}, not an ASGI application "
            "or an app factory."
        )
    # Show the user what was picked.
    picked = f"{target.spec}:{attr}{'()' if factory else ''}"
    spec = target.spec if target.attr is not None else picked
    return replace(target, spec=spec, attr=attr, factory=factory), obj


def load_app(spec: str | None = None) -> tuple[AppTarget, Any]:
    """Discover, import and (for a factory) build the app, in this process."""
    target, obj = resolve_target(parse_spec(find_app_spec(spec)))
    if target.factory:
        try:
            obj = obj()
        except Exception as exc:
            raise DiscoveryError(
                f"The factory {target.import_string}() raised:\n\n"
                + "".join(traceback.format_exception(exc)).rstrip("\n")
            ) from None
    return target, obj


def app_option(fn: Callable[..., R]) -> Callable[..., R]:
    """Add the standard ``--app SPEC`` option (as ``app_spec``) to a command."""
    return click.option("--app", "app_spec", metavar="SPEC", default=None, help=APP_OPTION_HELP)(fn)


def with_app(fn: Callable[..., R]) -> Callable[..., R]:
    """Give a command the discovered app as its ``app`` argument, with an ``--app`` option.

    This is how battery commands (``trellis db migrate`` ...) reach the app the user runs.
    """

    @functools.wraps(fn)
    def command(*args: Any, app_spec: str | None, **kwargs: Any) -> R:
        _, app = load_app(app_spec)
        return fn(*args, app=app, **kwargs)

    return app_option(command)
