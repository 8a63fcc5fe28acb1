"""Template globals that need the request being rendered (``get_flashed_messages()``, ``csrf_input()``).

Jinja2 passes a global the template context when it is marked ``pass_context``; the renderer puts
the request in the context as ``request``, so a global can find the session without a
context-local proxy.  Jinja2 is imported only when a battery registers such a global, and not at
all when it is missing (there are no templates to render then).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

__all__ = ["request_global"]

_RAISE: Any = object()


def request_global(
    fn: Callable[..., Any], *, name: str | None = None, without_request: Any = _RAISE
) -> Callable[..., Any] | None:
    """``fn(request, *args)`` as a template global called ``fn(*args)``; None without Jinja2.

    Rendered without a request (``render_template(app, ...)`` for an e-mail), the global returns
    ``without_request``, or raises a RuntimeError naming it (``name``) when none is given.
    """
    label = name or fn.__name__
    try:
        from jinja2 import pass_context
    except ImportError:
        return None

    @functools.wraps(fn)
    def bound(context: Any, *args: Any, **kwargs: Any) -> Any:
        request = context.get("request")
        if request is None:
            if without_request is _RAISE:
                raise RuntimeError(
                    f"{label}() needs the request: return a Template from a handler or "
                    "render with the request (render_template(request, ...))"
                )
            return without_request
        return fn(request, *args, **kwargs)

    return pass_context(bound)
