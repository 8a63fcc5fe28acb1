"""Flash messages: a note kept in the session for the next page, shown once (Flask's ``flash``).

``flash(request, "Saved", "success")`` before a redirect; the next page calls
``get_flashed_messages()`` (in a template, or ``get_flashed_messages(request)`` in Python) and
the messages leave the session.  Within one request every call sees the same messages, so a
layout and a page may both ask.  Messages are stored as JSON: text, not markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trellis.sessions.session import FLASHES_KEY

__all__ = ["flash", "get_flashed_messages"]

#: Where the messages taken from the session wait for the rest of the request.
_SCOPE_KEY = "trellis.flashes"


def flash(request: Any, message: str, category: str = "message") -> None:
    """Keep ``message`` for the next page that shows flashed messages."""
    session = request.session
    flashes = list(session.get(FLASHES_KEY) or ())
    flashes.append([category, message])
    session[FLASHES_KEY] = flashes


def get_flashed_messages(
    request: Any, with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[Any]:
    """The flashed messages, oldest first, taken out of the session on the first call.

    ``with_categories=True`` gives ``(category, message)`` pairs; ``category_filter`` keeps the
    messages of those categories only (the others are still consumed, as in Flask).
    """
    scope = request.scope
    flashes: list[list[str]] | None = scope.get(_SCOPE_KEY)
    if flashes is None:
        stored = request.session.pop(FLASHES_KEY, None)
        flashes = scope[_SCOPE_KEY] = [list(item) for item in stored or () if _valid(item)]
    wanted = set(category_filter) if not isinstance(category_filter, str) else {category_filter}
    chosen = [item for item in flashes if not wanted or item[0] in wanted]
    if with_categories:
        return [(category, message) for category, message in chosen]
    return [message for _, message in chosen]


def _valid(item: Any) -> bool:
    return isinstance(item, list | tuple) and len(item) == 2
