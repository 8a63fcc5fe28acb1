"""Users, groups and permissions on every backend; the permissions made for each model."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from tests.auth.conftest import MakeApp
from tests.auth.support import PASSWORD, add_user

from trellis import App, Blueprint
from trellis.auth import AnonymousUser, Group, Permission, User, sync_permissions
from trellis.auth.permissions import app_label, model_permissions
from trellis.db import Database, Mapped, Model, mapped_column
from trellis.testing import TestClient


class PermWidget(Model):
    __tablename__ = "auth_test_permwidget"
    name: Mapped[str] = mapped_column(default="")


class PermGadget(Model):
    __tablename__ = "auth_test_permgadget"
    __app_label__ = "shop"


def grant(
    app: App,
    username: str,
    *,
    direct: list[str] | None = None,
    via: dict[str, list[str]] | None = None,
) -> None:
    with Database.of(app).session() as db:
        user = db.scalars(select(User).where(User.username == username)).one()
        for codename in direct or []:
            user.user_permissions.append(Permission(codename=codename, name=codename))
        for group_name, codenames in (via or {}).items():
            group = Group(name=group_name, permissions=[Permission(codename=c) for c in codenames])
            user.groups.append(group)


def test_permissions_come_directly_and_through_groups(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url)
    add_user(app, "ann")
    grant(
        app,
        "ann",
        direct=["blog.add_post"],
        via={"editors": ["blog.change_post", "blog.view_post"]},
    )
    with Database.of(app).session() as db:
        ann = db.scalars(select(User).where(User.username == "ann")).one()
        assert ann.get_all_permissions() == {"blog.add_post", "blog.change_post", "blog.view_post"}
        assert ann.has_perm("blog.change_post")
        assert ann.has_perms(["blog.add_post", "blog.view_post"])
        assert not ann.has_perm("blog.delete_post")
        assert [g.name for g in ann.groups] == ["editors"]
        ann.is_active = False
        assert not ann.has_perm("blog.add_post")  # inactive users may do nothing


def test_superusers_hold_every_permission_without_rows(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    boss = add_user(app, "boss", is_superuser=True)
    assert boss.has_perm("anything.at_all")
    assert not AnonymousUser().has_perm("blog.add_post")


def test_a_detached_user_without_the_battery_cannot_guess(
    make_app: MakeApp, sqlite_url: str
) -> None:
    app = make_app(sqlite_url)
    ann = add_user(app, "ann")  # detached: its session is closed
    with pytest.raises(RuntimeError, match="not attached"):
        ann.has_perm("blog.add_post")


def test_the_request_user_loads_its_permissions_once(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url)
    add_user(app, "ann")
    grant(app, "ann", via={"editors": ["blog.add_post"]})
    seen: list[Any] = []

    @app.get("/check")
    def check(request: Any) -> dict[str, bool]:
        seen.append(request.user)
        return {
            "add": request.user.has_perm("blog.add_post"),
            "del": request.user.has_perm("blog.delete_post"),
        }

    with TestClient(app) as client:
        client.post("/auth/login", data={"username": "ann", "password": PASSWORD})
        assert client.get("/check").json() == {"add": True, "del": False}
    assert seen[0].__dict__["_trellis_permissions"] == {"blog.add_post"}


def test_user_repr_and_str_never_show_the_hash() -> None:
    user = User(username="ann", email="ann@example.com")
    user.set_password(PASSWORD)
    assert repr(user) == "<User id=None 'ann'>"
    assert str(user) == "ann"
    assert user.password_hash not in repr(user) + str(user)
    assert user.is_authenticated
    assert not user.is_anonymous


def test_new_users_have_safe_defaults() -> None:
    user = User(username="new")
    assert (user.is_active, user.is_staff, user.is_superuser, user.email) == (
        True,
        False,
        False,
        "",
    )


# --- permission names -------------------------------------------------------------------------


def test_labels_follow_the_blueprint_then_the_module() -> None:
    blog = type("Post", (), {"__module__": "examples.blog.models"})
    loose = type("Thing", (), {"__module__": "tools"})
    assert app_label(blog) == "blog"
    assert app_label(loose) == "tools"
    assert app_label(PermGadget) == "shop"
    assert app_label(blog, {"examples.blog": "journal"}) == "journal"
    assert model_permissions([PermWidget]) == {
        "test_models.add_permwidget": "Can add PermWidget",
        "test_models.change_permwidget": "Can change PermWidget",
        "test_models.delete_permwidget": "Can delete PermWidget",
        "test_models.view_permwidget": "Can view PermWidget",
    }


def test_sync_permissions_creates_the_missing_rows_once(
    make_app: MakeApp, database_url: str
) -> None:
    app = make_app(database_url)
    shop = Blueprint("store", __name__)
    app.register(shop)
    created = sync_permissions(app)
    assert {
        "store.add_permwidget",
        "shop.view_permgadget",
        "auth.change_user",
        "auth.add_group",
    } <= set(created)
    assert "test_models.add_permwidget" not in created  # the blueprint names this module's models
    assert sync_permissions(app) == []  # idempotent
    with Database.of(app).session() as db:
        names = dict(db.execute(select(Permission.codename, Permission.name)).all())
    assert names["store.delete_permwidget"] == "Can delete PermWidget"


def test_the_app_creates_permissions_when_it_starts(make_app: MakeApp, sqlite_url: str) -> None:
    app = make_app(sqlite_url, sync_permissions=True)
    with TestClient(app):
        pass
    with Database.of(app).session() as db:
        assert db.scalars(select(Permission).where(Permission.codename == "auth.view_user")).one()


def test_starting_without_the_tables_only_warns(
    make_app: MakeApp, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'other.db'}", sync_permissions=True)
    Permission.__table__.drop(Database.of(app).sync_engine())  # type: ignore[attr-defined]
    with TestClient(app) as client:
        assert client.get("/auth/login").status_code == 200
    assert "trellis db migrate" in caplog.text
