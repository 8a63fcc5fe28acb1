"""Password-reset links: signed, expiring, and good for one use.

The token carries the user's id and a fingerprint of their password hash and last login, signed
with the app's secret key (:func:`trellis.sessions.signing.signer`, purpose
``trellis.auth.password-reset``).  Nothing is stored: once the password changes, or the user
logs in, the fingerprint no longer matches and every link sent before is dead, including the
one just used.  Links older than ``auth_password_reset_timeout`` seconds are refused too.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from trellis.auth.models import AbstractUser
from trellis.sessions.signing import BadData, signer

__all__ = ["MAX_TOKEN_LENGTH", "make_reset_token", "read_reset_token", "token_matches"]

SALT = "trellis.auth.password-reset"
#: Longer path segments are not tokens this module made.
MAX_TOKEN_LENGTH = 300


def fingerprint(user: AbstractUser) -> str:
    """What changes when the token must stop working: the password hash and the last login."""
    last_login = user.last_login.isoformat() if user.last_login else ""
    text = f"{user.id}|{user.password_hash}|{last_login}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def make_reset_token(app: Any, user: AbstractUser) -> str:
    """A URL-safe token that lets whoever holds it set ``user``'s password once."""
    return signer(app, SALT).dumps([user.id, fingerprint(user)])


def read_reset_token(app: Any, token: str, max_age: int) -> tuple[Any, str] | None:
    """``(user id, fingerprint)`` from a well-signed token younger than ``max_age`` seconds."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value, _stale = signer(app, SALT).loads(token, max_age=max_age)
    except BadData:
        return None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int | str)
        or not isinstance(value[1], str)
    ):
        return None
    return value[0], value[1]


def token_matches(user: AbstractUser | None, expected: str) -> bool:
    """Whether ``user`` may still use a token that carried ``expected``."""
    return user is not None and user.is_active and hmac.compare_digest(fingerprint(user), expected)
