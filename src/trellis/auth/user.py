"""The default user model: :class:`AbstractUser` as it is, on the ``auth_user`` table.

Kept apart from :mod:`trellis.auth.models` so that importing the auth battery does not map this
class: a project with its own user model (``class Member(AbstractUser)``, passed as
``Auth(user_model=Member)``) never imports this module.
"""

from __future__ import annotations

from trellis.auth.models import AbstractUser

__all__ = ["User"]


class User(AbstractUser):
    """A user: username, e-mail, argon2id password hash, flags, groups and permissions."""
