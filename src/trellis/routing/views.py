"""Class-based views: one method per HTTP verb, registered like a function.

``app.route("/items/<int:id>")(ItemView)`` answers the verbs ``ItemView`` defines.  The routing
layer only reads which verbs exist; the app creates one instance per request (no arguments) and
calls the method for the request's verb, filling its parameters by the same rules as a handler.

A route's options (``status_code=``, ``response_model=``, ``summary=`` ...) apply to every verb of
a View; :func:`operation` gives one method its own::

    class Items(View):
        @operation(status_code=201, summary="Add an item")
        async def post(self, item: NewItem) -> ItemOut: ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

__all__ = ["View", "is_view_class", "method_options", "operation"]

F = TypeVar("F", bound=Callable[..., Any])
_OPTIONS_ATTR = "__trellis_options__"


class View:
    """Base class for class-based views; subclasses define ``get``, ``post``, ... methods."""

    #: The verbs a subclass may define, lower-case, in the order ``Allow`` headers list them.
    http_method_names: ClassVar[tuple[str, ...]] = (
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
    )

    @classmethod
    def allowed_methods(cls) -> tuple[str, ...]:
        """The upper-case verbs this class defines, e.g. ``("GET", "POST")``."""
        return tuple(name.upper() for name in cls.http_method_names if cls.handler_for(name))

    @classmethod
    def handler_for(cls, method: str) -> Callable[..., Any] | None:
        """The (unbound) function that answers ``method``, or None when the class lacks it.

        The app reads each one at registration to plan its parameters once.
        """
        name = method.lower()
        if name not in cls.http_method_names:
            return None
        function = getattr(cls, name, None)
        return function if callable(function) else None


def is_view_class(handler: object) -> bool:
    """Whether ``handler`` is a :class:`View` subclass (as opposed to a function)."""
    return isinstance(handler, type) and issubclass(handler, View)


def operation(**options: Any) -> Callable[[F], F]:
    """Give one handler (a View method, or a function) route options of its own.

    Takes the options a route takes (``status_code``, ``response_model``, ``summary``,
    ``description``, ``tags``, ``responses``, ``security``, ``deprecated``, ``operation_id``,
    ``include_in_schema``, ``openapi_extra``); on a View method they win over the route's.
    """
    from trellis.routing.registry import check_options

    check_options(options, "operation()")

    def decorator(func: F) -> F:
        merged = {**getattr(func, _OPTIONS_ATTR, {}), **options}
        setattr(func, _OPTIONS_ATTR, merged)
        return func

    return decorator


def method_options(func: Any) -> Mapping[str, Any]:
    """The options :func:`operation` attached to ``func`` (empty when none)."""
    found = getattr(func, _OPTIONS_ATTR, None)
    return found if isinstance(found, dict) else {}
