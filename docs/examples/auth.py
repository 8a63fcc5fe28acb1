"""Users and auth, from docs/auth.md: memos behind a login, a permission, and API tokens.

The login, logout, sign-up and password pages come with ``Auth()`` under ``/auth/``.
"""

from __future__ import annotations

from trellis import App
from trellis.auth import (
    Auth,
    CurrentUser,
    OptionalUser,
    create_token,
    login_required,
    permission_required,
    scopes_required,
)
from trellis.conf import Settings as BaseSettings
from trellis.db import Database, ForeignKey, Mapped, Model, Session, String, mapped_column, select


class Settings(BaseSettings):
    """The core settings, the database, and one auth option (each is also TRELLIS_AUTH_...)."""

    database_url: str = "sqlite:///memos.db"
    auth_login_redirect: str = "/memos"


class Memo(Model):
    __tablename__ = "memos_memo"
    __app_label__ = "memos"  # its permissions are memos.add_memo, memos.view_memo, ...

    owner_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))


def create_app(settings: Settings | None = None) -> App:
    app = App(settings=settings if settings is not None else Settings())
    app.install(Database())  # users live in the database
    app.install(Auth())  # needs a secret key: TRELLIS_SECRET_KEY

    @app.get("/")
    def home(user: OptionalUser) -> str:
        return f"Hello, {user.username}" if user else "Hello, stranger"

    @app.get("/memos")
    def memos(user: CurrentUser, db: Session) -> list[str]:  # anonymous: login page or 401
        return list(db.scalars(select(Memo.text).where(Memo.owner_id == user.id)))

    @app.post("/memos")
    @permission_required("memos.add_memo")  # directly, through a group, or a superuser
    def add_memo(text: str, user: CurrentUser, db: Session) -> dict[str, str]:
        db.add(Memo(owner_id=user.id, text=text))
        return {"added": text}

    @app.post("/tokens")
    @login_required
    def new_token(name: str, user: CurrentUser, db: Session) -> dict[str, str]:
        token, plaintext = create_token(db, user, name, scopes=["memos:read"])
        return {"name": token.name, "token": plaintext}  # shown once; only its hash is kept

    @app.get("/api/memos")
    @scopes_required("memos:read")  # a token needs the scope; a logged-in person passes
    async def api_memos(user: CurrentUser) -> dict[str, str]:
        return {"user": user.username}

    return app
