"""The auth tables: users (through :class:`AbstractUser`), groups, permissions and API tokens.

The default concrete user is :class:`trellis.auth.user.User`, imported only when a project uses
it, so that a project with its own user model (a subclass of :class:`AbstractUser`) never maps
two classes onto ``auth_user``.  Every table that points at users (group membership, direct
permissions, API tokens) names ``auth_user`` by its table name, which is why a replacement keeps
that name.  The two small login-throttling tables are used when no Redis is configured.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, select
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, object_session, relationship

from trellis.auth.hashers import UNUSABLE_PREFIX, PasswordHasher, default_hasher
from trellis.db.models import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from sqlalchemy import Select

__all__ = [
    "USER_TABLE",
    "AbstractUser",
    "AnonymousUser",
    "ApiToken",
    "Group",
    "LoginFailure",
    "LoginLockout",
    "Permission",
    "group_permissions",
    "permissions_statement",
    "user_groups",
    "user_permissions",
]

#: The table every user model maps to; the tables below refer to it by this name.
USER_TABLE = "auth_user"

group_permissions = Table(
    "auth_group_permissions",
    Model.metadata,
    Column("group_id", ForeignKey("auth_group.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("auth_permission.id", ondelete="CASCADE"), primary_key=True),
)
user_groups = Table(
    "auth_user_groups",
    Model.metadata,
    Column("user_id", ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), primary_key=True),
    Column("group_id", ForeignKey("auth_group.id", ondelete="CASCADE"), primary_key=True),
)
user_permissions = Table(
    "auth_user_permissions",
    Model.metadata,
    Column("user_id", ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("auth_permission.id", ondelete="CASCADE"), primary_key=True),
)


class Permission(Model):
    """One thing a user may be allowed to do, named ``"<label>.<action>"`` (``blog.add_post``).

    ``add``, ``change``, ``delete`` and ``view`` permissions are created for every model (see
    :func:`trellis.auth.permissions.sync_permissions`); a project adds its own rows freely.
    """

    __tablename__ = "auth_permission"

    codename: Mapped[str] = mapped_column(String(150), unique=True)
    name: Mapped[str] = mapped_column(String(255), default="")

    def __repr__(self) -> str:
        return f"<Permission {self.codename!r}>"


class Group(Model):
    """A named set of permissions that users join (``editors``)."""

    __tablename__ = "auth_group"

    name: Mapped[str] = mapped_column(String(150), unique=True)
    permissions: Mapped[list[Permission]] = relationship(
        Permission, secondary=group_permissions, order_by=Permission.codename
    )

    def __repr__(self) -> str:
        return f"<Group {self.name!r}>"


_USER_DEFAULTS: dict[str, Any] = {
    "email": "",
    "password_hash": UNUSABLE_PREFIX,
    "is_active": True,
    "is_staff": False,
    "is_superuser": False,
}


class AbstractUser(Model):
    """The columns and behaviour of a user; subclass it for a project's own user model.

    ``login_field`` names the column people log in with (``"email"`` for e-mail logins).  The
    password is only ever held as an argon2id hash; ``repr()`` shows the id and username only.
    """

    __abstract__ = True
    __tablename__ = USER_TABLE

    #: The column :func:`trellis.auth.authenticate` looks the user up by.
    login_field: ClassVar[str] = "username"

    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str] = mapped_column(String(254), default="", index=True)
    password_hash: Mapped[str] = mapped_column(String(255), default=UNUSABLE_PREFIX)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    date_joined: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __init__(self, **fields: Any) -> None:
        # Column defaults apply at INSERT; a user that is not saved yet behaves the same.
        for name, value in _USER_DEFAULTS.items():
            fields.setdefault(name, value)
        super().__init__(**fields)

    @declared_attr
    def groups(cls) -> Mapped[list[Group]]:
        return relationship(Group, secondary=user_groups, order_by=Group.name)

    @declared_attr
    def user_permissions(cls) -> Mapped[list[Permission]]:
        return relationship(Permission, secondary=user_permissions, order_by=Permission.codename)

    # --- who -------------------------------------------------------------------------------

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def login_name(self) -> str:
        return str(getattr(self, self.login_field))

    # --- passwords -------------------------------------------------------------------------

    def set_password(self, password: str, *, hasher: PasswordHasher | None = None) -> None:
        """Store an argon2id hash of ``password`` (the app's parameters unless ``hasher``)."""
        self.password_hash = (hasher or default_hasher()).hash(password)

    def check_password(self, password: str, *, hasher: PasswordHasher | None = None) -> bool:
        """Whether ``password`` is right; when it is and the hash was made with other
        parameters, the hash is replaced (saved with the session the user belongs to)."""
        hasher = hasher or default_hasher()
        if not hasher.verify(self.password_hash, password):
            return False
        if hasher.needs_rehash(self.password_hash):
            self.password_hash = hasher.hash(password)
        return True

    def set_unusable_password(self) -> None:
        """No password logs this user in (single sign-on accounts, disabled logins)."""
        self.password_hash = UNUSABLE_PREFIX

    def has_usable_password(self) -> bool:
        return bool(self.password_hash) and not self.password_hash.startswith(UNUSABLE_PREFIX)

    # --- permissions -----------------------------------------------------------------------

    def get_all_permissions(self) -> frozenset[str]:
        """The codenames granted directly and through groups; loaded once per user object.

        An object loaded by a session queries through it; the request's user (loaded by the auth
        battery) through a short session of its own.  In ``async def`` code, ``await
        trellis.auth.load_permissions(user)`` first to keep the query off the event loop.
        """
        cached: frozenset[str] | None = self.__dict__.get("_trellis_permissions")
        if cached is not None:
            return cached
        session = object_session(self)
        statement = permissions_statement(self.id)
        if session is not None:
            found = frozenset(session.scalars(statement))
        else:
            loader = self.__dict__.get("_trellis_auth")
            if loader is None:
                raise RuntimeError(
                    f"{self!r} is not attached to a database session, so its permissions "
                    "cannot be loaded; load the user through a session first"
                )
            found = loader.load_permissions_sync(self)
        self.__dict__["_trellis_permissions"] = found
        return found

    def has_perm(self, permission: str) -> bool:
        """Whether this user may do ``permission`` (``"blog.add_post"``).

        Inactive users may do nothing; active superusers everything.
        """
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return permission in self.get_all_permissions()

    def has_perms(self, permissions: Any) -> bool:
        return all(self.has_perm(p) for p in permissions)

    def __str__(self) -> str:
        return self.login_name

    def __repr__(self) -> str:
        # Never the hash: reprs end up in logs and on debug pages.
        return f"<{type(self).__name__} id={self.__dict__.get('id')!r} {self.login_name!r}>"


def permissions_statement(user_id: Any) -> Select[str]:
    """The codenames user ``user_id`` holds directly or through a group (one query)."""
    direct = select(user_permissions.c.permission_id).where(user_permissions.c.user_id == user_id)
    via_groups = (
        select(group_permissions.c.permission_id)
        .join(user_groups, user_groups.c.group_id == group_permissions.c.group_id)
        .where(user_groups.c.user_id == user_id)
    )
    return select(Permission.codename).where(
        Permission.id.in_(direct) | Permission.id.in_(via_groups)
    )


class AnonymousUser:
    """``request.user`` when nobody is logged in: not authenticated, allowed nothing."""

    id = None
    pk = None
    username = ""
    email = ""
    is_active = False
    is_staff = False
    is_superuser = False
    is_authenticated = False
    is_anonymous = True

    def has_perm(self, permission: str) -> bool:
        return False

    def has_perms(self, permissions: Any) -> bool:
        return False

    def get_all_permissions(self) -> frozenset[str]:
        return frozenset()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnonymousUser)

    def __hash__(self) -> int:
        return 1

    def __str__(self) -> str:
        return "AnonymousUser"

    def __repr__(self) -> str:
        return "<AnonymousUser>"


class ApiToken(Model):
    """A bearer token for API clients: shown once, stored as a SHA-256 hash.

    The token reads ``<prefix>_<lookup>_<secret>``; ``lookup`` finds the row, the hash of the
    whole token proves it.  ``scopes`` is space-separated (``"posts:read posts:write"``).
    """

    __tablename__ = "auth_api_token"
    __table_args__ = (Index("ix_auth_api_token_user_id", "user_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey(f"{USER_TABLE}.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    lookup: Mapped[str] = mapped_column(String(16), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(1000), default="")
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())

    def is_usable(self, now: datetime | None = None) -> bool:
        """Not revoked and not expired."""
        now = now or utcnow()
        return self.revoked is None and (self.expires is None or self.expires > now)

    def revoke(self) -> None:
        """Refuse this token from now on (saved with the session it belongs to)."""
        if self.revoked is None:
            self.revoked = utcnow()

    def __repr__(self) -> str:
        return f"<ApiToken {self.name!r} user={self.user_id!r} lookup={self.lookup!r}>"


class LoginFailure(Model):
    """One failed login, counted against an account or a client address (``key``, hashed)."""

    __tablename__ = "auth_login_failure"

    key: Mapped[str] = mapped_column(String(100), index=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class LoginLockout(Model):
    """An account or address refused logins until ``until``."""

    __tablename__ = "auth_login_lockout"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime())
