"""The access decorators on ``def``, ``async def`` and View handlers, with their parameters intact."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import pytest
from sqlalchemy import select
from tests.auth.conftest import MakeApp
from tests.auth.support import add_user, log_in

from trellis import App, Header, View, WebSocket
from trellis.auth import (
    CurrentUser,
    Group,
    Permission,
    User,
    login_required,
    permission_required,
    staff_required,
)
from trellis.db import Database, Session
from trellis.testing import TestClient


@pytest.fixture
def app(make_app: MakeApp, sqlite_url: str) -> App:
    app = make_app(sqlite_url)
    add_user(app, "ann")
    add_user(app, "sam", is_staff=True)
    add_user(app, "root", is_superuser=True, is_staff=True)
    with Database.of(app).session() as db:
        ann = db.scalars(select(User).where(User.username == "ann")).one()
        ann.groups.append(Group(name="writers", permissions=[Permission(codename="blog.add_post")]))

    @app.get("/sync/<int:id>")
    @login_required
    def sync_view(id: int, q: str = "", x_tag: Annotated[str, Header()] = "-") -> dict[str, Any]:
        return {"id": id, "q": q, "tag": x_tag}

    @app.get("/async/<name>")
    @login_required
    async def async_view(name: str, db: Session, user: CurrentUser) -> dict[str, Any]:
        count = len(db.scalars(select(User.id)).all())
        return {"name": name, "user": user.username, "users": count}

    @app.post("/posts")
    @permission_required("blog.add_post")
    async def add_post(title: str) -> dict[str, str]:
        return {"created": title}

    @app.post("/posts/delete")
    @permission_required("blog.delete_post", "blog.add_post")
    def delete_post() -> dict[str, str]:
        return {"deleted": "yes"}

    @app.get("/staff")
    @staff_required
    def staff_page(request: Any) -> str:
        return f"staff {request.user.username}"

    @app.get("/stacked")
    @staff_required
    @permission_required("blog.add_post")
    async def stacked() -> str:
        return "both"

    @app.get("/stream")
    @login_required
    def stream() -> Iterator[str]:
        yield "a"
        yield "b"

    @app.get("/astream")
    @login_required
    async def astream() -> AsyncIterator[str]:
        yield "c"
        yield "d"

    class Items(View):
        @login_required
        def get(self, id: int) -> dict[str, int]:
            return {"id": id}

    app.route("/items/<int:id>")(Items)
    return app


def test_the_decorated_handlers_keep_their_parameters(app: App) -> None:
    with TestClient(app) as client:
        assert client.get("/sync/3").status_code == 401
        log_in(client)
        assert client.get("/sync/3", params={"q": "x"}, headers={"x-tag": "t"}).json() == {
            "id": 3,
            "q": "x",
            "tag": "t",
        }
        assert client.get("/sync/nope").status_code == 404
        assert client.get("/async/a").json() == {"name": "a", "user": "ann", "users": 3}
        assert client.get("/items/7").json() == {"id": 7}
        assert client.get("/stream").text == "ab"
        assert client.get("/astream").text == "cd"


def test_the_signature_is_the_handlers_plus_the_request() -> None:
    def handler(id: int, q: str = "") -> None: ...

    guarded = login_required(handler)
    assert guarded.__name__ == "handler"
    assert guarded.__wrapped__ is handler
    names = list(inspect.signature(guarded).parameters)
    assert names == ["id", "q", "_trellis_access"]
    assert handler.__annotations__ == {"id": "int", "q": "str", "return": "None"}
    twice = staff_required(guarded)
    assert list(inspect.signature(twice).parameters) == names  # stacking adds nothing more


def test_anonymous_clients_never_reach_the_handler(app: App) -> None:
    with TestClient(app) as client:
        for path in ("/sync/1", "/async/a", "/staff", "/items/1", "/stream", "/astream"):
            assert client.get(path).status_code == 401, path
        assert client.post("/posts", params={"title": "t"}).status_code == 401
        redirected = client.get("/staff", headers={"accept": "text/html"})
        assert redirected.headers["location"] == "/auth/login?next=%2Fstaff"


def test_permissions(app: App) -> None:
    with TestClient(app) as client:
        log_in(client, "ann")  # holds blog.add_post through the writers group
        assert client.post("/posts", params={"title": "Hi"}).json() == {"created": "Hi"}
        refused = client.post("/posts/delete", headers={"accept": "application/json"})
        assert refused.status_code == 403
        assert refused.json()["detail"] == "You do not have permission to do this."
        log_in(client, "sam")
        assert client.post("/posts", params={"title": "Hi"}).status_code == 403
        log_in(client, "root")  # superusers hold every permission
        assert client.post("/posts/delete").json() == {"deleted": "yes"}


def test_staff(app: App) -> None:
    with TestClient(app) as client:
        log_in(client, "ann")
        assert client.get("/staff").status_code == 403
        assert client.get("/stacked").status_code == 403  # writer, not staff
        log_in(client, "sam")
        assert client.get("/staff").text == "staff sam"
        assert client.get("/stacked").status_code == 403  # staff, not a writer
        log_in(client, "root")
        assert client.get("/stacked").text == "both"


def test_permission_required_refuses_non_codenames() -> None:
    with pytest.raises(TypeError, match=r"blog\.add_post"):
        permission_required("add_post")
    with pytest.raises(TypeError):
        permission_required()


def test_websockets_know_the_user(app: App) -> None:
    @app.websocket("/ws")
    async def ws(websocket: WebSocket, user: CurrentUser) -> None:
        await websocket.accept()
        await websocket.send_text(user.username)
        await websocket.close()

    with TestClient(app) as client:
        log_in(client)
        with client.websocket_connect("/ws") as socket:
            assert socket.receive_text() == "ann"


def test_checks(make_app: MakeApp, sqlite_url: str, tmp_path: Any) -> None:
    from trellis.checks import run_checks

    weak = make_app(sqlite_url)  # the suite's argon2 costs are far below production's
    assert [m.id for m in run_checks(weak) if m.id.startswith("auth.")] == []
    assert "auth.W001" in [m.id for m in run_checks(weak, deploy=True)]
    off = make_app(
        f"sqlite:///{tmp_path / 'b.db'}", throttle_failures=0, throttle_address_failures=0
    )
    assert "auth.W002" in [m.id for m in run_checks(off)]


def test_users_made_in_the_tests_transaction_log_in(app: App, app_db: Session) -> None:
    """With the ``app_db`` fixture, a user the test adds (never committed) logs in through the
    real pages, and what the requests write is rolled back with the test."""
    from tests.auth.support import FAST

    from trellis.auth import PasswordHasher

    eve = User(username="eve")
    eve.set_password("eve's own password", hasher=PasswordHasher(FAST))
    app_db.add(eve)
    app_db.flush()
    with TestClient(app) as client:
        log_in(client, "eve", "eve's own password")
        assert client.get("/sync/1").json()["id"] == 1
    app_db.refresh(eve)  # the login's write, in the same uncommitted transaction
    assert eve.last_login is not None
