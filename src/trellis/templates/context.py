"""What every template sees besides its own context: safe settings, defaults, context processors.

The defaults make templates written for a full project render in a small one: ``csrf_input()``
and ``csrf_token()`` are empty until the security battery replaces them, and
``get_flashed_messages()`` is an empty list until a sessions battery provides one.  They are
overridden like any template global, with ``app.add_template_global(fn, name)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from markupsafe import Markup

from trellis.exceptions import ConfigurationError
from trellis.handlers import CallContext, CallPlan, build_plan, describe

__all__ = ["ContextProcessor", "SafeConfig", "default_globals"]

#: Settings never shown to templates, whatever their type: they sign or unlock things.
_HIDDEN_NAMES = ("secret", "password", "key", "token", "fallback", "credential", "dsn")


class SafeConfig(Mapping[str, Any]):
    """A read-only view of the app's settings without anything secret (``{{ config.debug }}``).

    It reads through to the live settings, so a test that changes a setting sees it in
    templates.  Hidden: names containing ``secret``, ``password``, ``key``, ``token``,
    ``fallback``, ``credential`` or ``dsn``, and any value typed ``SecretStr``/``SecretBytes``.
    """

    __slots__ = ("_settings",)

    def __init__(self, settings: Any) -> None:
        object.__setattr__(self, "_settings", settings)

    def _visible(self, name: str) -> bool:
        lowered = name.lower()
        if name.startswith("_") or any(word in lowered for word in _HIDDEN_NAMES):
            return False
        fields = getattr(type(self._settings), "model_fields", {})
        if name not in fields:
            return False
        value = getattr(self._settings, name, None)
        return not _is_secret(value)

    def __getitem__(self, name: str) -> Any:
        if not isinstance(name, str) or not self._visible(name):
            raise KeyError(name)
        return getattr(self._settings, name)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("config is read-only in templates")

    def __iter__(self) -> Iterator[str]:
        fields = getattr(type(self._settings), "model_fields", {})
        return (name for name in fields if self._visible(name))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"<SafeConfig {sorted(self)}>"


def _is_secret(value: Any) -> bool:
    if type(value).__name__ in ("SecretStr", "SecretBytes"):
        return True
    if isinstance(value, list | tuple | set | frozenset):
        return any(_is_secret(item) for item in value)
    return False


def _csrf_input() -> Markup:
    """Replaced by the security battery; empty so templates that call it render without it."""
    return Markup("")


def _csrf_token() -> Markup:
    return Markup("")


def _get_flashed_messages(
    with_categories: bool = False, category_filter: tuple[str, ...] | list[str] = ()
) -> list[Any]:
    """Replaced by a sessions battery; no sessions, no messages."""
    return []


def default_globals(app: Any) -> dict[str, Any]:
    """The globals every template has before any battery or the project adds its own."""
    return {
        "config": SafeConfig(app.settings),
        "csrf_input": _csrf_input,
        "csrf_token": _csrf_token,
        "get_flashed_messages": _get_flashed_messages,
        "request": None,
        "url_for": app.url_for,
    }


class ContextProcessor:
    """One ``@app.context_processor`` function, read once into a plan.

    It is filled like a handler.  The common shapes (no parameter, or only the request) are
    called directly; anything else (a provider, ``Depends``, a query parameter) goes through
    the handler machinery with a :class:`~trellis.handlers.CallContext` over the request.
    Sync processors run on the event loop: they are expected to be cheap dict builders.
    """

    __slots__ = ("func", "is_async", "kind", "name", "plan")

    def __init__(self, func: Callable[..., Any], providers: Mapping[Any, Any]) -> None:
        self.func = func
        self.name = describe(func)
        self.plan: CallPlan = build_plan(func, providers=providers, owner=self.name)
        self.is_async = self.plan.is_async
        sources = {param.source for param in self.plan.params}
        if not sources:
            self.kind = "plain"
        elif sources == {"request"}:
            self.kind = "request"
        else:
            self.kind = "plan"

    def _checked(self, value: Any) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TypeError(
                f"context processor {self.name} returned {type(value).__name__}; "
                "it must return a dict of template variables"
            )
        return value

    def _request_kwargs(self, request: Any) -> dict[str, Any]:
        return {param.name: request for param in self.plan.params}

    async def run(self, request: Any, ctx: CallContext | None) -> Mapping[str, Any] | None:
        """The processor's variables; None when it needs a request and there is none."""
        if self.kind == "plain":
            kwargs: dict[str, Any] = {}
        elif request is None:
            return None
        elif self.kind == "request":
            kwargs = self._request_kwargs(request)
        else:
            assert ctx is not None
            kwargs = await self.plan.resolve(ctx)
        value = self.func(**kwargs)
        if inspect.isawaitable(value):
            value = await value
        return self._checked(value)

    def run_sync(self, request: Any) -> Mapping[str, Any] | None:
        """The same for sync rendering, which can only call sync functions it fills itself."""
        if self.is_async or self.kind == "plan":
            raise ConfigurationError(
                f"context processor {self.name} is async or asks for more than the request, "
                "so render_template() (sync) cannot run it; return a Template from the "
                "handler or use `await render_template_async(...)`"
            )
        if self.kind == "plain":
            return self._checked(self.func())
        if request is None:
            return None
        return self._checked(self.func(**self._request_kwargs(request)))
