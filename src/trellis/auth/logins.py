"""Checking credentials and keeping a user logged in through the session.

``authenticate(db, username, password)`` finds the user and checks the password (in ``async
def`` code, ``await`` it: the argon2 work then runs on the thread pool).  ``login(request,
user)`` gives the session a new id (so an id planted before the login is worthless: no session
fixation) and stores the user's id with a keyed hash of the password hash; when the password
changes, every other session's stored hash stops matching and those sessions are logged out.
``logout(request)`` empties the session and gives up its id.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import false, select
from sqlalchemy.ext.asyncio import AsyncSession as SAAsyncSession

from trellis.auth.hashers import PasswordHasher, default_hasher
from trellis.auth.models import AbstractUser, AnonymousUser
from trellis.concurrency import run_sync
from trellis.db.models import utcnow
from trellis.sessions.signing import secret_keys

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from sqlalchemy.orm import Session as SASession

__all__ = [
    "SESSION_HASH_KEY",
    "SESSION_USER_KEY",
    "authenticate",
    "default_user_model",
    "login",
    "logout",
    "session_auth_hash",
    "update_session_auth_hash",
]

#: Session keys: the logged-in user's id, and a keyed hash of their password hash.
SESSION_USER_KEY = "_auth_user_id"
SESSION_HASH_KEY = "_auth_user_hash"
_HASH_LABEL = b"trellis.auth.session-hash:"

_default_model: type[AbstractUser] | None = None


def default_user_model() -> type[AbstractUser]:
    """The user model of the Auth battery installed last (``trellis.auth.User`` before any)."""
    if _default_model is None:
        from trellis.auth.user import User

        return User
    return _default_model


def set_default_user_model(model: type[AbstractUser]) -> None:
    global _default_model
    _default_model = model


# --- credentials -----------------------------------------------------------------------------


def _verified(
    user: AbstractUser | None, username: str, password: str, hasher: PasswordHasher
) -> AbstractUser | None:
    # MySQL's usual collations compare "ANN" equal to "ann"; logins are exact on every backend.
    if user is not None and user.login_name != username:
        user = None
    if user is None:
        hasher.spend_time(password)  # "no such user" takes as long as "wrong password"
        return None
    if not user.check_password(password, hasher=hasher) or not user.is_active:
        return None
    return user


@overload
def authenticate(
    db: SAAsyncSession,
    username: str,
    password: str,
    *,
    user_model: type[AbstractUser] | None = None,
    hasher: PasswordHasher | None = None,
) -> Awaitable[AbstractUser | None]: ...


@overload
def authenticate(
    db: SASession,
    username: str,
    password: str,
    *,
    user_model: type[AbstractUser] | None = None,
    hasher: PasswordHasher | None = None,
) -> AbstractUser | None: ...


def authenticate(
    db: Any,
    username: str,
    password: str,
    *,
    user_model: type[AbstractUser] | None = None,
    hasher: PasswordHasher | None = None,
) -> Any:
    """The active user whose login field is ``username`` and whose password is ``password``.

    None otherwise, whichever part was wrong.  A hash made with older argon2 parameters is
    replaced on the user object, and saved with ``db``'s unit of work.  With an AsyncSession
    this returns an awaitable.
    """
    model = user_model or default_user_model()
    if "\x00" in username:
        # No database stores a NUL in a name (PostgreSQL refuses the query outright): ask for
        # nothing, so the same timing-safe "no such user" path answers.
        statement = select(model).where(false()).limit(1)
    else:
        statement = select(model).where(getattr(model, model.login_field) == username).limit(1)
    chosen = hasher or default_hasher()
    if isinstance(db, SAAsyncSession):
        return _authenticate_async(db, statement, username, password, chosen)
    user: AbstractUser | None = db.scalars(statement).first()
    return _verified(user, username, password, chosen)


async def _authenticate_async(
    db: SAAsyncSession, statement: Any, username: str, password: str, hasher: PasswordHasher
) -> AbstractUser | None:
    user: AbstractUser | None = (await db.scalars(statement)).first()
    # argon2 takes tens of milliseconds of CPU on purpose: not on the event loop.
    return await run_sync(_verified, user, username, password, hasher)


# --- the session -----------------------------------------------------------------------------


def session_auth_hash(app: Any, user: AbstractUser, key: str | None = None) -> str:
    """A keyed hash of ``user``'s password hash, for the session (never the hash itself)."""
    secret = key if key is not None else secret_keys(app)[0]
    message = _HASH_LABEL + user.password_hash.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def session_hash_state(app: Any, user: AbstractUser, stored: Any) -> str | None:
    """``"current"`` when ``stored`` matches with the current key, ``"stale"`` with a fallback
    key (the caller stores it anew), None when it matches no key (the password changed)."""
    if not isinstance(stored, str):
        return None
    for index, key in enumerate(secret_keys(app)):
        if hmac.compare_digest(stored, session_auth_hash(app, user, key)):
            return "current" if index == 0 else "stale"
    return None


def _session_value(user: AbstractUser) -> Any:
    identity = user.id
    if identity is None:
        raise ValueError(f"{user!r} has no id yet: add it to the database (flush) before login()")
    return identity if isinstance(identity, int | str) else str(identity)


def login(request: Any, user: AbstractUser) -> None:
    """Log ``user`` in for this client: new session id, user id and password fingerprint stored.

    When the session belonged to someone else it is emptied first, so nothing of theirs leaks
    to the new user.  ``user.last_login`` is set; it is saved with the database session the
    user was loaded from (the handler's unit of work).
    """
    session = request.session
    value = _session_value(user)
    previous = session.get(SESSION_USER_KEY)
    if previous is not None and previous != value:
        session.flush()
    else:
        session.cycle_key()
    session[SESSION_USER_KEY] = value
    session[SESSION_HASH_KEY] = session_auth_hash(request.app, user)
    user.last_login = utcnow()
    request.scope["user"] = user
    request.scope["trellis.auth"] = "session"


def logout(request: Any) -> None:
    """Log the client out: the session is emptied and its id given up."""
    request.session.flush()
    request.scope["user"] = AnonymousUser()
    request.scope.pop("trellis.auth", None)


def update_session_auth_hash(request: Any, user: AbstractUser) -> None:
    """After ``user`` changed their password in this request, keep *this* session logged in.

    Other sessions still hold the old fingerprint and are logged out on their next request.
    The session id is renewed too.
    """
    session = request.session
    session.cycle_key()
    if session.get(SESSION_USER_KEY) == _session_value(user):
        session[SESSION_HASH_KEY] = session_auth_hash(request.app, user)
