"""What a server-side session backend implements: load, save and delete by session id.

The browser holds only a random id, signed with the app's key; the data stays on the server.
A backend never invents or accepts ids itself: the middleware makes them (:meth:`new_key`), and
an id the backend does not know (:meth:`load` returns None) starts an empty session under a
*new* id, so an id planted by an attacker is never adopted (no session fixation).

The signed cookie (:class:`~trellis.sessions.backends.cookie.CookieBackend`) is the other kind:
no server state, the data itself in the cookie; it does not derive from this class.
"""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["SessionBackend"]


class SessionBackend(ABC):
    """Session data kept on the server, keyed by id; subclasses implement the three methods."""

    #: The name given in the ``session_backend`` setting (``"redis"``, ``"database"``).
    name: str = ""

    def bind(self, app: App) -> None:  # noqa: B027 - optional hook
        """Called once when the battery is installed: read settings, declare tables."""

    def new_key(self) -> str:
        """A new, unguessable session id (256 random bits)."""
        return secrets.token_urlsafe(32)

    @abstractmethod
    async def load(self, key: str) -> dict[str, Any] | None:
        """The data stored under ``key``, or None when it is unknown or has expired."""

    @abstractmethod
    async def save(self, key: str, data: dict[str, Any], max_age: int) -> None:
        """Store ``data`` under ``key`` (creating or replacing it) for ``max_age`` seconds."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Forget ``key``; no error when it is already gone."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections (called when the app shuts down)."""
