"""API tokens: trade a username and password for a bearer token, list yours, revoke one.

``POST /tokens/`` is the one operation without a token.  It checks the password with the auth
battery's :func:`~trellis.auth.authenticate` behind its login throttle (so guessing passwords
through the API locks out as the login page does: 429 with ``Retry-After``), and answers the
token once; the database keeps only its SHA-256.
"""

from __future__ import annotations

from datetime import timedelta

from trellis import Blueprint, Request, Response
from trellis.auth import (
    ApiToken,
    Auth,
    CurrentToken,
    CurrentUser,
    authenticate,
    create_token,
    scopes_required,
)
from trellis.db import AsyncSession, select
from trellis.exceptions import HTTPException

from .schemas import MeOut, RowId, TokenCreated, TokenOut, TokenRequest

__all__ = ["me", "tokens"]

tokens = Blueprint("tokens", __name__, url_prefix="/tokens")
me = Blueprint("me", __name__)


def forget_failures_after_commit(request: Request, auth: Auth, username: str) -> None:
    """Clear the account's failed attempts once the new token is committed.

    Not before: the throttle writes through a connection of its own, and on SQLite a write
    committed by another connection while this request's transaction is open makes this
    request's own commit fail ("database is locked").  The database battery commits in a
    ``before_send`` callback registered before the handler ran, so this one runs after it.
    """

    async def forget(response: Response) -> None:
        if response.status_code < 400:
            await auth.throttle.succeeded(username)

    request.before_send(forget)


@tokens.post(
    "/",
    status_code=201,
    security=[],  # the credentials are in the body
    responses={
        401: "Wrong username or password",
        429: "Too many failed attempts for this account or address: wait `Retry-After` seconds",
    },
)
async def create_api_token(
    credentials: TokenRequest, request: Request, auth: Auth, db: AsyncSession
) -> TokenCreated:
    """Get a token for your account.

    The `token` member is the only time the token is shown: keep it, and send it as
    `Authorization: Bearer <token>`.
    """
    throttle = auth.throttle
    address = request.client.host if request.client else None
    await throttle.check(credentials.username, address)
    user = await authenticate(db, credentials.username, credentials.password)
    if user is None:
        await throttle.failed(credentials.username, address)
        raise HTTPException(
            401, "Wrong username or password", headers={"WWW-Authenticate": "Bearer"}
        )
    forget_failures_after_commit(request, auth, credentials.username)
    days = credentials.expires_in_days
    token, plaintext = create_token(
        db,
        user,
        credentials.name,
        scopes=credentials.scopes,
        expires=timedelta(days=days) if days is not None else None,
    )
    await db.flush()  # the id and the creation time
    return TokenCreated(**TokenOut.model_validate(token).model_dump(), token=plaintext)


@tokens.get("/")
async def list_api_tokens(user: CurrentUser, db: AsyncSession) -> list[TokenOut]:
    """Your tokens that still work, newest first (never their secret part)."""
    found = await db.scalars(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked.is_(None))
        .order_by(ApiToken.created.desc(), ApiToken.id.desc())
    )
    return [t for t in found if t.is_usable()]


@tokens.delete("/<int:id>", responses={403: "The token lacks the `write` scope"})
@scopes_required("write")
async def revoke_api_token(id: RowId, user: CurrentUser, db: AsyncSession) -> None:
    """Revoke one of your tokens (the one making this request too, if you name it)."""
    token = await db.get(ApiToken, id)
    if token is None or token.user_id != user.id or token.revoked is not None:
        raise HTTPException(404, f"No token {id}")
    token.revoke()


@me.get("/me")
async def whoami(user: CurrentUser, token: CurrentToken) -> MeOut:
    """Who the token belongs to, and what it may do."""
    return MeOut(
        id=user.id,
        username=user.username,
        email=user.email,
        date_joined=user.date_joined,
        token=TokenOut.model_validate(token) if token is not None else None,
    )
