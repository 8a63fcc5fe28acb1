"""Class-based views: one method per HTTP verb, registered like a function.

``app.route("/items/<int:id>")(ItemView)`` answers the verbs ``ItemView`` defines.  The routing
layer only reads which verbs exist; the app creates one instance per request (no arguments) and
calls the method for the request's verb, filling its parameters by the same rules as a handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

__all__ = ["View", "is_view_class"]


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
