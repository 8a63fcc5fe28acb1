"""Your own user model, from docs/auth.md: members log in with their e-mail address.

A project with its own model never imports ``trellis.auth.User``: both map the ``auth_user``
table.  ``tests/auth/test_projects.py`` runs the same project in a child process.
"""

from __future__ import annotations

from typing import Annotated

from trellis import App, Depends
from trellis.auth import AbstractUser, Auth, current_user
from trellis.db import Database, Mapped, String, mapped_column


class Member(AbstractUser):
    login_field = "email"  # authenticate() and the login page use it
    display_name: Mapped[str] = mapped_column(String(80), default="")


CurrentMember = Annotated[Member, Depends(current_user)]  # typed for your model


def create_app() -> App:
    app = App()  # needs a secret key: TRELLIS_SECRET_KEY
    app.install(Database("sqlite:///members.db"))
    app.install(Auth(user_model=Member))

    @app.get("/me")
    def me(member: CurrentMember) -> dict[str, str]:
        return {"name": member.display_name}

    return app
