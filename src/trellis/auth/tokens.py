"""API tokens: ``Authorization: Bearer trellis_<lookup>_<secret>`` for clients without cookies.

:func:`create_token` returns the plaintext once; the database keeps its SHA-256 (a random
256-bit secret needs no slow hash: nobody can guess it, and a stolen table gives nothing to log
in with).  ``lookup`` is a public, random, unique part that finds the row in one indexed read,
and the comparison of hashes is constant-time.  A request carrying a bearer token is
authenticated by it alone (never by the session cookie it may also carry), which is why the
CSRF check skips it: a forged cross-site request cannot add an ``Authorization`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from trellis.auth.models import AbstractUser, ApiToken
from trellis.db.models import utcnow

__all__ = [
    "TOKEN_KEY",
    "TOKEN_PREFIX",
    "authenticate_token",
    "bearer_token",
    "create_token",
    "hash_token",
]

#: Where the battery keeps the token that authenticated a request.
TOKEN_KEY = "trellis.auth.token"
#: The start of every token, so that secret scanners can recognise a leaked one.
TOKEN_PREFIX = "trellis"
_TOKEN = re.compile(rf"{TOKEN_PREFIX}_(?P<lookup>[0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}")
_SCOPE = re.compile(r"[A-Za-z0-9:._*/-]{1,100}")


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("ascii", "replace")).hexdigest()


def create_token(
    db: Any,
    user: AbstractUser,
    name: str,
    scopes: Iterable[str] = (),
    *,
    expires: datetime | timedelta | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (added to ``db``, saved with it) and its plaintext.

    Show the plaintext to the user now: it is not stored and cannot be shown again.  ``scopes``
    are what :func:`trellis.auth.scopes_required` checks (``"posts:write"``); ``expires`` is a
    moment or a duration from now.
    """
    if user.id is None:
        raise ValueError(f"{user!r} has no id yet: flush it before creating a token")
    chosen = sorted(set(scopes))
    bad = [scope for scope in chosen if not _SCOPE.fullmatch(scope)]
    if bad:
        raise ValueError(f"invalid scope names {bad}: use letters, digits and : . _ * / -")
    if isinstance(expires, timedelta):
        expires = utcnow() + expires
    lookup = secrets.token_hex(6)
    plaintext = f"{TOKEN_PREFIX}_{lookup}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user_id=user.id,
        name=name[:100],
        lookup=lookup,
        token_hash=hash_token(plaintext),
        scopes=" ".join(chosen),
        expires=expires,
    )
    db.add(token)
    return token, plaintext


def bearer_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header; ``""`` for another kind of
    Authorization (Basic ...), None when there is no Authorization header."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").strip().partition(" ")
            return credentials.strip() if scheme.lower() == "bearer" else ""
    return None


async def authenticate_token(
    database: Any, user_model: type[AbstractUser], plaintext: str, *, touch_after: int = 60
) -> tuple[AbstractUser, ApiToken] | None:
    """The active user and usable token ``plaintext`` belongs to, or None.

    ``last_used`` is written when it is older than ``touch_after`` seconds, so a busy client
    does not turn every request into a write.
    """
    match = _TOKEN.fullmatch(plaintext)
    if match is None:
        return None
    db = database.make_async_session()
    try:
        query = select(ApiToken).where(ApiToken.lookup == match["lookup"])
        token: ApiToken | None = (await db.scalars(query)).first()
        if token is None or not hmac.compare_digest(token.token_hash, hash_token(plaintext)):
            return None
        now = utcnow()
        if not token.is_usable(now):
            return None
        user = await db.get(user_model, token.user_id)
        if user is None or not user.is_active:
            return None
        if token.last_used is None or (now - token.last_used).total_seconds() > touch_after:
            token_id = token.id
            await db.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used=now))
            await db.commit()
            token.last_used = now
        return user, token
    finally:
        await db.close()
