"""The example JSON API: links (bookmarks) with tags and a picture, behind bearer tokens.

It is made of the batteries alone: the database (links, users, tokens), auth (users, tokens,
scopes, the login throttle), pagination (``limit``/``offset`` with ``Link`` headers), images and
storage (checked pictures, thumbnails, ``/media``) and OpenAPI (``/openapi.json`` and ``/docs``).
docs/api.md ("The example API") walks through it.  Outside debug the auth battery needs a secret
key, so set one first::

    export TRELLIS_SECRET_KEY=$(python -c "import secrets; print(secrets.token_urlsafe(50))")
    trellis db migrate --app examples.api.app:app
    python -m examples.api.demo        # a demo user, a few links, and a token to try them with
    trellis run --app examples.api.app:app

The database is ``api.db`` and the pictures go to ``media/``, both beside this file;
``TRELLIS_DATABASE_URL`` and ``TRELLIS_STORAGE_ROOT`` put them elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trellis import App
from trellis.api import Pagination
from trellis.auth import Auth, current_user
from trellis.conf import Settings as BaseSettings
from trellis.db import Database
from trellis.openapi import OpenAPI, declare_security
from trellis.storage import MediaFiles

from .links import links
from .tokens import me, tokens

__all__ = ["Settings", "create_app"]

HERE = Path(__file__).resolve().parent

DESCRIPTION = """\
Save links, tag them, give each a picture.

Get a token with `POST /tokens/` (your username and password), then send it as
`Authorization: Bearer <token>`.  A token has the scopes `read` (list and read) and/or
`write` (create, change, delete).  Everyone sees every link; only its owner changes it.
Errors are RFC 9457 problem documents (`application/problem+json`)."""


class Settings(BaseSettings):
    """The core settings, plus where the example keeps its data (each also from the environment:
    ``TRELLIS_DATABASE_URL``, ``TRELLIS_STORAGE_ROOT``, ``TRELLIS_PAGINATION_MAX_LIMIT``...)."""

    database_url: str = f"sqlite:///{HERE / 'api.db'}"
    storage_root: str = str(HERE / "media")


def create_app(settings: Settings | None = None) -> App:
    """The API on ``settings`` (default: from the environment); tests pass their own."""
    app = App(__name__, settings=settings if settings is not None else Settings())
    app.install(Database())  # settings.database_url
    app.install(Auth())  # users and tokens; needs settings.secret_key outside debug
    app.install(MediaFiles())  # settings.storage_root, served under /media
    app.install(Pagination(default_limit=20, max_limit=100))
    app.install(
        OpenAPI(
            title="Links",
            version="1.0.0",
            description=DESCRIPTION,
            tags=[
                {"name": "links", "description": "Links, their tags and their pictures."},
                {"name": "tokens", "description": "Bearer tokens for your account."},
            ],
        )
    )
    # Every operation that asks for the user is documented as needing a bearer token.
    declare_security(app, current_user, ["bearer"])
    app.register(links)
    app.register(tokens)
    app.register(me)
    return app


def __getattr__(name: str) -> Any:
    """``app``, made on first use: ``--app examples.api.app:app`` works, while importing
    ``create_app`` (as the tests do) does not need the secret key of the environment."""
    if name == "app":
        made = globals()["app"] = create_app()
        return made
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
