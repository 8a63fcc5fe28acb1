"""Response models filter and validate what a handler returns; status_code= sets the status."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from pydantic import BaseModel, Field

from trellis import App, JSONResponse, Response, View
from trellis.exceptions import ConfigurationError
from trellis.routing.views import operation
from trellis.testing import TestClient


class User(BaseModel):
    id: int
    name: str
    password_hash: str


class UserOut(BaseModel):
    id: int
    name: str


class Admin(UserOut):
    """A subclass of the response model with one more field: it must not leak either."""

    api_key: str


@dataclasses.dataclass
class Row:
    """An object read by attribute, as an ORM row is."""

    id: int
    name: str
    password_hash: str


class Aliased(BaseModel):
    user_name: str = Field(serialization_alias="userName")


USER = User(id=1, name="ann", password_hash="argon2$secret")


def make_app() -> App:
    app = App()

    @app.get("/option", response_model=UserOut)
    async def option() -> User:
        return USER

    @app.get("/annotation")
    async def annotation() -> UserOut:
        return USER  # type: ignore[return-value]

    @app.get("/dict")
    async def from_dict() -> UserOut:
        return {"id": 2, "name": "bo", "password_hash": "x"}  # type: ignore[return-value]

    @app.get("/row")
    def from_row() -> UserOut:
        return Row(3, "cy", "x")  # type: ignore[return-value]

    @app.get("/subclass")
    async def subclass() -> UserOut:
        return Admin(id=4, name="di", api_key="k")

    @app.get("/list")
    async def many() -> list[UserOut]:
        return [USER, Row(3, "cy", "x")]  # type: ignore[list-item]

    @app.get("/optional")
    async def optional(found: bool = True) -> UserOut | None:
        return USER if found else None  # type: ignore[return-value]

    @app.get("/broken")
    async def broken() -> UserOut:
        return {"id": "not a number"}  # type: ignore[return-value]

    @app.get("/response")
    async def response() -> UserOut | JSONResponse:
        return JSONResponse({"raw": True}, status_code=202)

    @app.get("/tuple")
    async def with_status() -> UserOut:
        return USER, 203, {"X-Extra": "1"}  # type: ignore[return-value]

    @app.get("/alias")
    async def alias() -> Aliased:
        return Aliased(user_name="ann")

    @app.get("/disabled", response_model=None)
    async def disabled() -> UserOut:
        return USER  # type: ignore[return-value]

    @app.get("/plain")
    async def plain() -> dict[str, Any]:
        return {"anything": "goes", "n": 1}

    @app.post("/created", status_code=201)
    async def created() -> dict[str, int]:
        return {"id": 9}

    @app.post("/created-empty", status_code=201)
    async def created_empty() -> None:
        return None

    @app.delete("/gone", status_code=204)
    async def gone() -> dict[str, int]:
        return {"ignored": 1}

    @app.post("/text", status_code=202)
    async def text() -> str:
        return "<p>queued</p>"

    class Users(View):
        async def get(self) -> list[UserOut]:
            return [USER]  # type: ignore[list-item]

        @operation(status_code=201, response_model=UserOut)
        async def post(self) -> User:
            return USER

        @operation(status_code=204)
        async def delete(self) -> None:
            return None

    app.route("/users", status_code=200)(Users)
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


@pytest.mark.parametrize("path", ["/option", "/annotation", "/subclass"])
def test_fields_the_model_does_not_name_never_leave(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    data = response.json()
    assert set(data) == {"id", "name"}
    assert "secret" not in response.text
    assert "api_key" not in response.text


def test_dicts_and_objects_are_read_through_the_model(client: TestClient) -> None:
    assert client.get("/dict").json() == {"id": 2, "name": "bo"}
    assert client.get("/row").json() == {"id": 3, "name": "cy"}
    assert client.get("/list").json() == [{"id": 1, "name": "ann"}, {"id": 3, "name": "cy"}]


def test_none_is_no_content_and_serialization_aliases_are_used(client: TestClient) -> None:
    assert client.get("/optional").json() == {"id": 1, "name": "ann"}
    empty = client.get("/optional?found=false")
    assert empty.status_code == 204
    assert empty.content == b""
    assert client.get("/alias").json() == {"userName": "ann"}


def test_a_value_the_model_refuses_is_a_logged_500_not_a_leak(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(make_app(), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="trellis.request"):
        response = client.get("/broken", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"
    assert "not a number" not in response.text
    assert "returned a value its response model refuses" in caplog.text
    assert "broken" in caplog.text


def test_responses_pass_through_and_tuples_keep_their_status(client: TestClient) -> None:
    raw = client.get("/response")
    assert (raw.status_code, raw.json()) == (202, {"raw": True})
    tup = client.get("/tuple")
    assert (tup.status_code, tup.json(), tup.headers["x-extra"]) == (
        203,
        {"id": 1, "name": "ann"},
        "1",
    )


def test_response_model_none_turns_the_annotation_off(client: TestClient) -> None:
    assert "password_hash" in client.get("/disabled").json()
    assert client.get("/plain").json() == {"anything": "goes", "n": 1}


def test_status_code_option(client: TestClient) -> None:
    created = client.post("/created")
    assert (created.status_code, created.json()) == (201, {"id": 9})
    empty = client.post("/created-empty")
    assert (empty.status_code, empty.content) == (201, b"")
    gone = client.delete("/gone")
    assert (gone.status_code, gone.content) == (204, b"")
    assert "content-length" not in gone.headers
    text = client.post("/text")
    assert (text.status_code, text.text) == (202, "<p>queued</p>")
    assert text.headers["content-type"].startswith("text/html")


def test_view_methods_take_their_own_options_over_the_routes(client: TestClient) -> None:
    assert client.get("/users").json() == [{"id": 1, "name": "ann"}]
    posted = client.post("/users")
    assert (posted.status_code, posted.json()) == (201, {"id": 1, "name": "ann"})
    assert client.delete("/users").status_code == 204


def test_plain_routes_keep_the_fast_path() -> None:
    app = App()

    @app.get("/items/<int:id>")
    async def item(id: int) -> dict[str, int]:
        return {"id": id}

    @app.get("/modelled/<int:id>")
    async def modelled(id: int) -> UserOut:
        return UserOut(id=id, name="x")

    @app.post("/made/<int:id>", status_code=201)
    async def made(id: int) -> dict[str, int]:
        return {"id": id}

    dispatcher = app.startup_freeze()
    endpoints = {e.name: e.target for e in dispatcher.router}
    assert endpoints["item"].fast is not None
    assert endpoints["item"].result is None
    assert endpoints["modelled"].fast is None
    assert endpoints["made"].fast is None
    client = TestClient(app)
    assert client.get("/modelled/3").json() == {"id": 3, "name": "x"}
    assert client.post("/made/4").status_code == 201


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"status_code": 99}, "status_code=99 must be an HTTP status"),
        ({"status_code": True}, "status_code=True"),
        ({"tags": "users"}, "tags='users' must be a list of strings"),
        ({"include_in_schema": "no"}, "include_in_schema='no' must be True or False"),
        ({"responses": [404]}, "responses=[404]"),
        ({"security": "bearer"}, "security='bearer'"),
    ],
)
def test_route_options_of_the_wrong_kind_fail_at_declaration(
    options: dict[str, Any], message: str
) -> None:
    app = App()

    async def handler() -> None: ...

    with pytest.raises(ConfigurationError, match=message.replace("[", r"\[").replace("]", r"\]")):
        app.add_route("/x", handler, **options)
    with pytest.raises(ConfigurationError):
        operation(**options)


def test_a_response_model_pydantic_cannot_use_fails_at_start_up() -> None:
    app = App()

    class Opaque:
        pass

    @app.get("/x", response_model=Opaque)
    async def handler() -> None: ...

    with pytest.raises(ConfigurationError, match="response model"):
        app.startup_freeze()


def test_returning_a_response_class_annotation_is_not_a_model() -> None:
    app = App()

    @app.get("/r")
    async def r() -> Response:
        return Response(b"ok", media_type="text/plain")

    dispatcher = app.startup_freeze()
    endpoint = next(e.target for e in dispatcher.router if e.name == "r")
    assert endpoint.result is None
    assert TestClient(app).get("/r").text == "ok"
