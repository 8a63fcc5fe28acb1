"""Sync or async rendering: render a returned ``Template`` in sync mode unless it needs async.

Jinja2's async mode awaits every call, attribute, item, filter and test result and iterates
every loop through an async wrapper; on an ordinary page that makes ``render_async`` nearly twice
as slow as ``render``.  Most pages hold plain data, so the renderer tries a guarded sync twin of
the async environment first and falls back to ``render_async`` only when async is needed:

* before rendering, a scan of the template's top-level variables (context, context-processor
  results, ``request``...) sends the page straight to async mode when one is awaitable, an async
  iterable, an async function, or a one-shot iterator (a generator: a sync attempt that stopped
  halfway could not be repeated with the same values);
* while rendering, the twin stops with :class:`NeedsAsync` at the first value that only async
  mode handles: a call, attribute or item that gives an awaitable or an async iterable, or an
  ``async def`` filter or test.  The template is then rendered again in async mode, and from
  then on always in async mode (until it is reloaded), so that cost is paid once.

Template code is expected to be free of side effects: a stopped sync attempt has already run
what came before the async value.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Iterable, Iterator
from typing import Any

import jinja2
from jinja2.runtime import Context
from jinja2.utils import internalcode
from markupsafe import Markup

__all__ = ["NeedsAsync", "SyncTwin", "needs_async", "sync_twin"]

_PLAIN, _ONE_SHOT, _ASYNC = 0, 1, 2
#: type -> what rendering it needs; filled on first sight of each type.
_KINDS: dict[type, int] = dict.fromkeys(
    (str, Markup, int, float, bool, type(None), list, tuple, dict), _PLAIN
)
_KINDS_LIMIT = 4096
_FUNCTIONS = (types.FunctionType, types.MethodType, functools.partial)


def _kind(value: Any) -> int:
    cls = type(value)
    kind = _KINDS.get(cls)
    if kind is None:
        if issubclass(cls, jinja2.Undefined):  # async-iterable, but sync mode renders it too
            kind = _PLAIN
        elif issubclass(cls, (Awaitable, AsyncIterable)):
            kind = _ASYNC
        elif issubclass(cls, Iterator):
            kind = _ONE_SHOT
        else:
            kind = _PLAIN
        if len(_KINDS) < _KINDS_LIMIT:  # types made at run time must not grow it forever
            _KINDS[cls] = kind
    return kind


def needs_async(values: Iterable[Any]) -> bool:
    """Whether a page with these top-level variables must render in async mode."""
    for value in values:
        if type(value) in _FUNCTIONS:
            if _is_async_callable(value):
                return True
        elif _kind(value) != _PLAIN:
            return True
    return False


#: function -> whether it is ``async def``; bound methods are looked up by their function.
_ASYNC_FUNCTIONS: dict[Any, bool] = {}


def _is_async_callable(value: Any) -> bool:
    """``inspect``'s two checks cost about 1 µs a page for ``request.url_for`` alone (a new bound
    method each request); a method's function, and a function, are checked once."""
    key = value.__func__ if type(value) is types.MethodType else value
    try:
        found = _ASYNC_FUNCTIONS.get(key)
    except TypeError:  # an unhashable partial
        found = None
    if found is None:
        found = inspect.iscoroutinefunction(value) or inspect.isasyncgenfunction(value)
        if type(value) is not functools.partial and len(_ASYNC_FUNCTIONS) < _KINDS_LIMIT:
            _ASYNC_FUNCTIONS[key] = found
    return found


class NeedsAsync(jinja2.TemplateRuntimeError):
    """A template met a value that only async rendering handles.

    Returned ``Template``s never show it: they are rendered again in async mode.  Sync
    ``render_template()`` raises it, since it cannot await.
    """

    def __init__(self, what: str, value: Any = None) -> None:
        super().__init__(
            f"{what} is async, so this template must be rendered in async mode: return a "
            "Template from the handler or use `await render_template_async(...)`"
        )
        self.value = value

    def discard(self) -> None:
        """Close the coroutine that stopped the sync attempt if async mode did not await it.

        A coroutine made for the sync attempt (a call, a property) is left unawaited, and Python
        warns about it when it is collected; one the async render awaited is finished already.
        """
        value = self.value
        if isinstance(value, Coroutine) and inspect.getcoroutinestate(value) == "CORO_CREATED":
            value.close()


def _describe(obj: Any) -> str:
    return getattr(obj, "__qualname__", None) or type(obj).__name__


class _GuardedContext(Context):
    @internalcode
    def call(self, obj: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        value = Context.call(self, obj, *args, **kwargs)
        kind = _KINDS.get(type(value))
        if kind == _ASYNC or (kind is None and _kind(value) == _ASYNC):
            raise NeedsAsync(f"calling {_describe(obj)}()", value)
        return value


class SyncTwin(jinja2.Environment):
    """The sync overlay of an async environment, stopping at the first async value."""

    context_class = _GuardedContext

    # Jinja2's getattr/getitem, inlined (they run for every ``row.name``) and then checked.

    @internalcode
    def getattr(self, obj: Any, attribute: str) -> Any:
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                value = obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)
        kind = _KINDS.get(type(value))
        if kind == _ASYNC or (kind is None and _kind(value) == _ASYNC):
            raise NeedsAsync(f"attribute {attribute!r} of {type(obj).__name__}", value)
        return value

    @internalcode
    def getitem(self, obj: Any, argument: str | Any) -> Any:
        try:
            value = obj[argument]
        except (AttributeError, TypeError, LookupError):
            if not isinstance(argument, str):
                return self.undefined(obj=obj, name=argument)
            try:
                value = getattr(obj, argument)
            except AttributeError:
                return self.undefined(obj=obj, name=argument)
        kind = _KINDS.get(type(value))
        if kind == _ASYNC or (kind is None and _kind(value) == _ASYNC):
            raise NeedsAsync(f"item {argument!r} of {type(obj).__name__}", value)
        return value


def _stub(kind: str, name: str) -> Callable[..., Any]:
    def needs_async_mode(*args: Any, **kwargs: Any) -> Any:
        raise NeedsAsync(f"the {kind} {name!r}")

    return needs_async_mode


def _is_async_function(func: Any) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)


def sync_twin(env: jinja2.Environment) -> tuple[jinja2.Environment, bool]:
    """``(twin, usable)``: a sync environment sharing ``env``'s loaders, globals and filters.

    The twin has its own template cache and no bytecode cache (async and sync modes compile
    differently).  ``usable`` is False when a global is itself an async value: it could be
    met anywhere, so every returned ``Template`` renders in async mode.
    """
    twin = env.overlay(enable_async=False, bytecode_cache=None)
    twin.__class__ = SyncTwin  # an overlay is made as its parent's class; this one is guarded
    filters = {n: _stub("filter", n) for n, f in env.filters.items() if _is_async_function(f)}
    if filters:
        twin.filters = {**env.filters, **filters}
    tests = {n: _stub("test", n) for n, f in env.tests.items() if _is_async_function(f)}
    if tests:
        twin.tests = {**env.tests, **tests}
    usable = not any(_kind(value) == _ASYNC for value in env.globals.values())
    return twin, usable
