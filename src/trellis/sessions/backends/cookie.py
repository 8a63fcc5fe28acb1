"""The default backend: the whole session in a signed cookie, no state on the server.

The data is JSON, compressed when that is shorter, timestamped and signed with the app's secret
key (see :mod:`trellis.sessions.signing`).  The client can read it (base64 is not encryption:
keep secrets out of the session) but cannot change it: a tampered, truncated, expired or
unknown-key cookie is an empty session.  Browsers drop cookies over about 4 KB, so a session
that grows past that is logged as an error and should move to a server-side backend.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from trellis.sessions.signing import BadData, signer

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["CookieBackend"]

logger = logging.getLogger("trellis.sessions")

#: The largest cookie value browsers reliably keep (RFC 6265 asks them for at least 4096
#: bytes per cookie, name and attributes included).
MAX_COOKIE_SIZE = 4093


class CookieBackend:
    """Sessions stored in the cookie itself, signed; ``salt`` separates them from other tokens."""

    name = "cookie"

    def __init__(self, salt: str = "trellis.sessions.cookie") -> None:
        self.salt = salt

    def bind(self, app: App) -> None:
        """Nothing to prepare: the keys are read from the settings on each use."""

    def decode(self, app: Any, value: str, max_age: int) -> tuple[dict[str, Any], bool, bool]:
        """``(data, stale, invalid)`` from a cookie value; never raises for a bad cookie."""
        try:
            data, stale = signer(app, self.salt).loads(value, max_age=max_age)
        except BadData:
            return {}, False, True
        if not isinstance(data, dict):
            return {}, False, True
        return data, stale, False

    def encode(self, app: Any, data: dict[str, Any]) -> str:
        """The cookie value for ``data`` (a TypeError names a value JSON cannot hold)."""
        value = signer(app, self.salt).dumps(data)
        if len(value) > MAX_COOKIE_SIZE:
            logger.error(
                "The session cookie is %d bytes; browsers drop cookies over about %d. Store "
                "less in the session or use a server-side backend (session_backend=redis or "
                "database).",
                len(value),
                MAX_COOKIE_SIZE,
            )
        return value

    def __repr__(self) -> str:
        return "CookieBackend()"
