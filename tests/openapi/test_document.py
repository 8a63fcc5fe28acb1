"""The OpenAPI document: valid OpenAPI 3.1, and a faithful description of what the routes do."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel, ConfigDict, Field

from trellis import (
    App,
    Blueprint,
    Body,
    Cookie,
    Depends,
    File,
    Form,
    Header,
    HTMLResponse,
    Query,
    Request,
    UploadFile,
    View,
)
from trellis.api import CursorParams, LimitOffset, Pagination, cursor_params, limit_offset
from trellis.exceptions import ConfigurationError
from trellis.images import Image
from trellis.openapi import OpenAPI, declare_security, openapi_document, operation


class ItemIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "pen", "price": 1.5}]})

    name: str = Field(min_length=1)
    price: float = Field(gt=0)


class ItemOut(BaseModel):
    id: int
    name: str


class Paging(BaseModel):
    page: int = Field(1, ge=1, description="Page number, from 1.")
    tag: list[str] = []


def token_user(request: Request) -> str:
    return "ann"


def staff_user(user: Annotated[str, Depends(token_user)]) -> str:
    return user


staff_user.__openapi_security__ = [{"oauth": ["staff"]}]  # type: ignore[attr-defined]


def make_app(**options: Any) -> App:
    app = App()
    app.install(
        OpenAPI(
            title="Shop",
            version="2.1.0",
            description="The shop's API.",
            tags=[{"name": "items", "description": "Things for sale."}],
            servers=[{"url": "https://api.example.com"}],
            security_schemes={
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://example.com/token",
                            "scopes": {"staff": "Staff only"},
                        }
                    },
                }
            },
            **options,
        )
    )
    items = Blueprint("items", __name__, url_prefix="/items")
    declare_security(app, token_user, ["bearer", "session"])

    @items.get("/")
    async def list_items(paging: Annotated[Paging, Query()]) -> list[ItemOut]:
        """List items.

        Ten per page.
        """
        return []

    @items.post("/", status_code=201, responses={409: "Name taken"})
    async def create_item(item: ItemIn, user: Annotated[str, Depends(token_user)]) -> ItemOut:
        return ItemOut(id=1, name=item.name)

    class ItemView(View):
        async def get(self, id: int) -> ItemOut:
            """Read one item."""
            return ItemOut(id=id, name="x")

        @operation(status_code=204, deprecated=True, summary="Remove it")
        async def delete(self, id: int, user: Annotated[str, Depends(staff_user)]) -> None:
            return None

    items.route("/<int:id>", name="item")(ItemView)

    @app.get("/search", tags=["search"], operation_id="findThings")
    async def search(
        q: Annotated[str, Query(min_length=2, description="Words to find.", examples=["pen"])],
        lang: Annotated[Literal["en", "fr"], Header(alias="Accept-Language")] = "en",
        theme: Annotated[str | None, Cookie()] = None,
        limit: int = 10,
    ) -> dict[str, Any]:
        return {}

    @app.post("/upload")
    async def upload(
        file: Annotated[UploadFile, File()],
        more: Annotated[list[UploadFile], File()] = [],  # noqa: B006
        note: Annotated[str, Form(max_length=10)] = "",
    ) -> str:
        return "ok"

    @app.post("/signup", security=[])
    async def signup(email: Annotated[str, Form()], age: Annotated[int, Form(ge=13)]) -> None:
        return None

    @app.post("/pair")
    async def pair(
        left: Annotated[int, Body(embed=True)], right: Annotated[int, Body(embed=True)] = 0
    ) -> dict[str, int]:
        return {}

    @app.get("/page")
    async def page() -> HTMLResponse:
        return HTMLResponse("<p>hi</p>")

    @app.get("/uuid/<uuid:key>/<path:rest>")
    async def by_key(key, rest):  # type: ignore[no-untyped-def]  # unannotated on purpose
        return {}

    @app.get("/hidden", include_in_schema=False)
    async def hidden() -> None:
        return None

    @app.get("/extra", openapi_extra={"x-internal": True, "responses": {"200": {"x-cache": "1h"}}})
    async def extra() -> dict[str, int]:
        return {}

    @app.websocket("/ws")
    async def ws(websocket: Any) -> None: ...

    app.register(items)
    return app


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return openapi_document(make_app())


def op(doc: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    result: dict[str, Any] = doc["paths"][path][method]
    return result


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    validate(doc)


def test_info_servers_and_tags(doc: dict[str, Any]) -> None:
    assert doc["info"] == {"title": "Shop", "version": "2.1.0", "description": "The shop's API."}
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    assert doc["tags"] == [
        {"name": "items", "description": "Things for sale."},
        {"name": "search"},
    ]


def test_paths_skip_hidden_routes_websockets_and_the_battery_s_own(doc: dict[str, Any]) -> None:
    assert set(doc["paths"]) == {
        "/items/",
        "/items/{id}",
        "/search",
        "/upload",
        "/signup",
        "/pair",
        "/page",
        "/uuid/{key}/{rest}",
        "/extra",
    }


def test_operations_take_names_tags_and_docstrings(doc: dict[str, Any]) -> None:
    listing = op(doc, "/items/", "get")
    assert listing["operationId"] == "items.list_items"
    assert listing["tags"] == ["items"]
    assert (listing["summary"], listing["description"]) == ("List items.", "Ten per page.")
    assert op(doc, "/items/", "post")["summary"] == "Create item"
    read = op(doc, "/items/{id}", "get")
    assert (read["operationId"], read["summary"]) == ("items.item_get", "Read one item.")
    removal = op(doc, "/items/{id}", "delete")
    assert (removal["summary"], removal["deprecated"]) == ("Remove it", True)
    search = op(doc, "/search", "get")
    assert (search["operationId"], search["tags"]) == ("findThings", ["search"])
    assert "tags" not in op(doc, "/upload", "post")


def test_parameters_come_from_every_source(doc: dict[str, Any]) -> None:
    params = {(p["in"], p["name"]): p for p in op(doc, "/search", "get")["parameters"]}
    assert set(params) == {
        ("query", "q"),
        ("header", "accept-language"),
        ("cookie", "theme"),
        ("query", "limit"),
    }
    q = params[("query", "q")]
    assert q["required"] is True
    assert q["description"] == "Words to find."
    assert q["schema"] == {"type": "string", "minLength": 2, "examples": ["pen"]}
    assert params[("header", "accept-language")]["schema"]["enum"] == ["en", "fr"]
    assert params[("query", "limit")] == {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "default": 10},
    }


def test_a_query_model_is_documented_field_by_field(doc: dict[str, Any]) -> None:
    params = op(doc, "/items/", "get")["parameters"]
    assert [p["name"] for p in params] == ["page", "tag"]
    assert params[0]["schema"]["minimum"] == 1
    assert params[0]["description"] == "Page number, from 1."
    assert params[1]["schema"]["type"] == "array"


def test_path_parameters_follow_their_converters(doc: dict[str, Any]) -> None:
    by_id = op(doc, "/items/{id}", "get")["parameters"][0]
    assert by_id == {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    key, rest = op(doc, "/uuid/{key}/{rest}", "get")["parameters"]
    assert key["schema"] == {"type": "string", "format": "uuid"}
    assert rest["schema"] == {"type": "string", "minLength": 1}


def test_request_bodies_json_embedded_form_and_multipart(doc: dict[str, Any]) -> None:
    created = op(doc, "/items/", "post")["requestBody"]
    assert created == {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ItemIn"}}},
        "required": True,
    }
    item_in = doc["components"]["schemas"]["ItemIn"]
    assert item_in["examples"] == [{"name": "pen", "price": 1.5}]
    pair = op(doc, "/pair", "post")["requestBody"]["content"]["application/json"]["schema"]
    assert pair["properties"] == {"left": {"type": "integer"}, "right": {"type": "integer"}}
    assert pair["required"] == ["left"]
    signup = op(doc, "/signup", "post")["requestBody"]["content"]
    form = signup["application/x-www-form-urlencoded"]["schema"]
    assert form["required"] == ["email", "age"]
    assert form["properties"]["age"] == {"type": "integer", "minimum": 13}
    upload = op(doc, "/upload", "post")["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert upload["properties"]["file"]["format"] == "binary"
    assert upload["properties"]["more"]["type"] == "array"
    assert upload["required"] == ["file"]


def test_responses_from_models_status_codes_and_errors(doc: dict[str, Any]) -> None:
    created = op(doc, "/items/", "post")["responses"]
    assert set(created) == {"201", "400", "401", "409", "422"}
    assert created["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ItemOut"
    }
    assert created["409"]["description"] == "Name taken"
    problem = created["409"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    assert created["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"
    }
    listing = op(doc, "/items/", "get")["responses"]["200"]["content"]["application/json"]
    assert listing["schema"] == {"type": "array", "items": {"$ref": "#/components/schemas/ItemOut"}}
    removal = op(doc, "/items/{id}", "delete")["responses"]
    assert removal["204"] == {"description": "No Content"}
    assert "404" in removal
    assert set(op(doc, "/page", "get")["responses"]) == {"200"}
    assert op(doc, "/page", "get")["responses"]["200"]["content"] == {"text/html": {}}
    upload = op(doc, "/upload", "post")["responses"]["200"]["content"]
    assert upload == {"text/html": {"schema": {"type": "string"}}}
    assert "content" not in op(doc, "/uuid/{key}/{rest}", "get")["responses"]["200"]


def test_problem_schemas_are_shared_components(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    assert {"Problem", "ValidationProblem", "ValidationErrorItem"} <= set(schemas)
    assert set(schemas["ValidationErrorItem"]["required"]) == {
        "location",
        "field",
        "message",
        "type",
    }
    assert "errors" in schemas["ValidationProblem"]["required"]


def test_security_from_options_declarations_and_attributes(doc: dict[str, Any]) -> None:
    assert op(doc, "/items/", "post")["security"] == [{"bearer": []}, {"session": []}]
    # staff_user depends on token_user: both requirements are listed.
    assert op(doc, "/items/{id}", "delete")["security"] == [
        {"oauth": ["staff"]},
        {"bearer": []},
        {"session": []},
    ]
    assert op(doc, "/signup", "post")["security"] == []
    assert "security" not in op(doc, "/search", "get")
    assert "401" not in op(doc, "/signup", "post")["responses"]
    schemes = doc["components"]["securitySchemes"]
    assert set(schemes) == {"bearer", "oauth", "session"}
    assert schemes["bearer"]["scheme"] == "bearer"
    assert schemes["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The session cookie set when signing in.",
    }


def test_openapi_extra_is_merged_last(doc: dict[str, Any]) -> None:
    extra = op(doc, "/extra", "get")
    assert extra["x-internal"] is True
    assert extra["responses"]["200"]["x-cache"] == "1h"
    assert extra["responses"]["200"]["description"] == "OK"


def test_default_security_and_session_cookie_name() -> None:
    doc = openapi_document(make_app(security=["session"], session_cookie="sid"))
    validate(doc)
    assert doc["security"] == [{"session": []}]
    assert doc["components"]["securitySchemes"]["session"]["name"] == "sid"
    assert "401" in op(doc, "/search", "get")["responses"]
    assert "401" not in op(doc, "/signup", "post")["responses"]


def test_an_undefined_security_scheme_is_a_configuration_error() -> None:
    app = App()

    @app.get("/x", security=["apikey"])
    async def x() -> None: ...

    with pytest.raises(ConfigurationError, match="security scheme 'apikey' is not defined"):
        openapi_document(app)


def test_models_of_the_same_name_stay_distinct() -> None:
    def model(label: str) -> type[BaseModel]:
        class Thing(BaseModel):
            value: int = Field(description=label)

        return Thing

    first, second = model("first"), model("second")
    app = App()

    @app.get("/a", response_model=first)
    async def a() -> dict[str, int]:
        return {"value": 1}

    @app.get("/b", response_model=second)
    async def b() -> dict[str, int]:
        return {"value": 2}

    doc = openapi_document(app)
    validate(doc)
    refs = {
        op(doc, path, "get")["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        for path in ("/a", "/b")
    }
    assert len(refs) == 2


def test_the_document_matches_what_the_dispatcher_runs() -> None:
    """Changing a handler's signature changes the document: nothing is declared twice."""
    app = App()

    @app.get("/n")
    async def n(count: Annotated[int, Query(le=3)] = 1) -> dict[str, int]:
        return {"count": count}

    doc = openapi_document(app)
    schema = op(doc, "/n", "get")["parameters"][0]["schema"]
    assert schema == {"type": "integer", "maximum": 3, "default": 1}


def load_user(request: Request) -> str:
    return "ann"


CurrentUser = Annotated[str, Depends(load_user)]


def test_security_declared_on_an_annotated_alias() -> None:
    """``CurrentUser = Annotated[User, Depends(load_user)]``, as an auth battery defines it."""
    app = App()
    declare_security(app, CurrentUser, ["session"])

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"user": user}

    doc = openapi_document(app)
    assert op(doc, "/me", "get")["security"] == [{"session": []}]
    assert "401" in op(doc, "/me", "get")["responses"]


def test_pagination_parameters_are_documented_with_their_limits() -> None:
    app = App()
    app.install(Pagination(default_limit=10, max_limit=40))
    app.install(OpenAPI())

    @app.get("/books")
    async def books(page: LimitOffset) -> list[str]:
        return []

    @app.get("/feed")
    async def feed(page: CursorParams) -> list[str]:
        return []

    @app.get("/few")
    async def few(page: Annotated[LimitOffset, Depends(limit_offset(max_limit=5))]) -> list[str]:
        return []

    @app.get("/recent")
    async def recent(
        page: Annotated[CursorParams, Depends(cursor_params(max_limit=7))],
    ) -> list[str]:
        return []

    doc = openapi_document(app)
    validate(doc)

    def query(path: str) -> dict[str, dict[str, Any]]:
        parameters = op(doc, path, "get").get("parameters", [])
        return {p["name"]: p["schema"] for p in parameters if p["in"] == "query"}

    assert query("/books") == {
        "limit": {"type": "integer", "minimum": 1, "maximum": 40, "default": 10},
        "offset": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1, "default": 0},
    }
    assert set(query("/feed")) == {"limit", "cursor"}
    assert query("/feed")["cursor"]["type"] == "string"
    assert query("/few")["limit"]["maximum"] == 5
    assert query("/recent")["limit"]["maximum"] == 7
    assert set(query("/recent")) == {"limit", "cursor"}


def test_image_uploads_are_a_multipart_body() -> None:
    app = App()
    app.install(OpenAPI())

    @app.post("/avatar")
    async def avatar(avatar: Image, banner: Image | None = None) -> dict[str, int]:
        return {"width": avatar.width}

    doc = openapi_document(app)
    validate(doc)
    body = op(doc, "/avatar", "post")["requestBody"]
    assert body["required"] is True
    schema = body["content"]["multipart/form-data"]["schema"]
    assert schema["required"] == ["avatar"]
    assert schema["properties"]["avatar"] == {
        "type": "string",
        "format": "binary",
        "contentMediaType": "image/*",
    }
    assert set(schema["properties"]) == {"avatar", "banner"}
