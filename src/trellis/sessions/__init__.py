"""Sessions: ``request.session``, kept in a signed cookie, in Redis or in a database table.

``request.session`` works as soon as a secret key is set (the battery installs itself by
convention), or after ``app.install(Sessions(...))``.  Flash messages ride on it:
``flash(request, "Saved")`` and ``get_flashed_messages()`` in templates.  Signing for every
battery (CSRF, auth tokens) goes through :func:`trellis.sessions.signing.signer`.

Names load on first use, so ``import trellis.sessions`` costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.sessions.backends.base import SessionBackend
    from trellis.sessions.backends.cookie import CookieBackend
    from trellis.sessions.backends.database import DatabaseBackend
    from trellis.sessions.backends.redis import RedisBackend
    from trellis.sessions.battery import SessionMiddleware, SessionOptions, Sessions
    from trellis.sessions.messages import flash, get_flashed_messages
    from trellis.sessions.session import SessionStore
    from trellis.sessions.signing import Signer, signer

__all__ = [
    "CookieBackend",
    "DatabaseBackend",
    "RedisBackend",
    "SessionBackend",
    "SessionMiddleware",
    "SessionOptions",
    "SessionStore",
    "Sessions",
    "Signer",
    "flash",
    "get_flashed_messages",
    "signer",
]

_WHERE = {
    "CookieBackend": "trellis.sessions.backends.cookie",
    "DatabaseBackend": "trellis.sessions.backends.database",
    "RedisBackend": "trellis.sessions.backends.redis",
    "SessionBackend": "trellis.sessions.backends.base",
    "SessionMiddleware": "trellis.sessions.battery",
    "SessionOptions": "trellis.sessions.battery",
    "Sessions": "trellis.sessions.battery",
    "Signer": "trellis.sessions.signing",
    "SessionStore": "trellis.sessions.session",
    "flash": "trellis.sessions.messages",
    "get_flashed_messages": "trellis.sessions.messages",
    "signer": "trellis.sessions.signing",
}

__getattr__ = lazy_exports(__name__, _WHERE)
