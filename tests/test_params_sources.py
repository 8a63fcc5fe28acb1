"""One validation path for every parameter source, for functions and View methods alike.

Each source (path, query, header, cookie, form, JSON body) is filled and validated by pydantic,
with ``Annotated`` constraints, defaults, aliases, lists and whole models; every failure is a 422
problem whose ``errors`` name the location, the field, a message and a type.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, StringConstraints
from typing_extensions import TypedDict

from trellis import App, Body, Cookie, Form, Header, Query, UploadFile, View
from trellis.exceptions import ConfigurationError
from trellis.testing import TestClient


def errors_of(response: Any) -> list[tuple[str, str, str]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422
    assert body["type"] == "about:blank"
    return [(e["location"], e["field"], e["type"]) for e in body["errors"]]


class Filters(BaseModel):
    q: str | None = Field(None, max_length=10)
    tag: list[str] = []
    page: int = Field(1, ge=1)
    sort: Literal["new", "old"] = Field("new", alias="order")


@dataclasses.dataclass
class Tracing:
    x_trace: str
    x_hops: int = 0


class Prefs(TypedDict):
    theme: Literal["light", "dark"]
    lang: str


class Signup(BaseModel):
    email: Annotated[str, StringConstraints(pattern=r"^\S+@\S+$")]
    age: int = Field(ge=13)


def make_app() -> App:
    app = App()

    @app.get("/annotated/<int:id>")
    async def annotated(
        id: Annotated[int, Field(ge=10)],
        size: Annotated[int, Field(ge=1, le=5)] = 2,
        code: Annotated[str, StringConstraints(min_length=2, to_upper=True)] = "AA",
    ) -> dict[str, Any]:
        return {"id": id, "size": size, "code": code}

    @app.get("/query-model")
    async def query_model(filters: Annotated[Filters, Query()]) -> dict[str, Any]:
        return filters.model_dump()

    @app.get("/header-model")
    async def header_model(trace: Annotated[Tracing, Header()]) -> dict[str, Any]:
        return dataclasses.asdict(trace)

    @app.get("/cookie-model")
    async def cookie_model(prefs: Annotated[Prefs, Cookie()]) -> dict[str, Any]:
        return dict(prefs)

    @app.post("/form-model")
    async def form_model(signup: Annotated[Signup, Form()]) -> dict[str, Any]:
        return signup.model_dump()

    @app.get("/aliases")
    async def aliases(
        per_page: Annotated[int, Query(alias="per-page", ge=1)] = 10,
        token: Annotated[str, Header(alias="X-Api-Token", min_length=4)] = "none",
        ids: Annotated[list[int], Query(alias="id")] = [],  # noqa: B006
        accept: Annotated[list[str], Header()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"per_page": per_page, "token": token, "ids": ids, "accept": accept}

    @app.post("/body-constraints")
    async def body_constraints(
        count: Annotated[int, Body(embed=True, ge=0)],
        label: Annotated[str, Body(embed=True, max_length=3)] = "x",
    ) -> dict[str, Any]:
        return {"count": count, "label": label}

    @app.post("/form-fields")
    async def form_fields(
        name: Annotated[str, Form(min_length=1)],
        colour: Annotated[list[Literal["red", "blue"]], Form()] = [],  # noqa: B006
    ) -> dict[str, Any]:
        return {"name": name, "colour": colour}

    class Thing(View):
        async def get(
            self, id: Annotated[int, Field(le=100)], verbose: bool = False
        ) -> dict[str, Any]:
            return {"id": id, "verbose": verbose}

        async def put(self, id: int, body: Signup, x_mode: Annotated[str, Header()] = "a"):
            return {"id": id, "email": body.email, "mode": x_mode}

    app.route("/things/<int:id>")(Thing)
    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def test_annotated_constraints_apply_to_path_and_query_parameters(client: TestClient) -> None:
    assert client.get("/annotated/12?size=5&code=ab").json() == {"id": 12, "size": 5, "code": "AB"}
    assert set(errors_of(client.get("/annotated/3?size=9&code=a"))) == {
        ("path", "id", "greater_than_equal"),
        ("query", "size", "less_than_equal"),
        ("query", "code", "string_too_short"),
    }


def test_a_model_gathers_the_whole_query_string(client: TestClient) -> None:
    got = client.get("/query-model?q=dune&tag=a&tag=b&page=2&order=old").json()
    assert got == {"q": "dune", "tag": ["a", "b"], "page": 2, "sort": "old"}
    assert client.get("/query-model").json() == {"q": None, "tag": [], "page": 1, "sort": "new"}
    assert set(errors_of(client.get("/query-model?page=0&order=up&q=" + "x" * 11))) == {
        ("query", "page", "greater_than_equal"),
        ("query", "order", "literal_error"),
        ("query", "q", "string_too_long"),
    }


def test_a_dataclass_gathers_headers_by_dashed_names(client: TestClient) -> None:
    got = client.get("/header-model", headers={"X-Trace": "abc", "X-Hops": "3"})
    assert got.json() == {"x_trace": "abc", "x_hops": 3}
    assert errors_of(client.get("/header-model", headers={"X-Hops": "many"})) == [
        ("header", "x_trace", "missing"),
        ("header", "x_hops", "int_parsing"),
    ]


def test_a_typeddict_gathers_cookies(client: TestClient) -> None:
    client.cookies.set("theme", "dark")
    client.cookies.set("lang", "fr")
    assert client.get("/cookie-model").json() == {"theme": "dark", "lang": "fr"}
    client.cookies.set("theme", "pink")
    assert errors_of(client.get("/cookie-model")) == [("cookie", "theme", "literal_error")]


def test_a_model_gathers_form_fields(client: TestClient) -> None:
    ok = client.post("/form-model", data={"email": "a@b.c", "age": "20"})
    assert ok.json() == {"email": "a@b.c", "age": 20}
    multipart = client.post("/form-model", files={"email": (None, "a@b.c"), "age": (None, "30")})
    assert multipart.json() == {"email": "a@b.c", "age": 30}
    assert set(errors_of(client.post("/form-model", data={"email": "nope", "age": "9"}))) == {
        ("form", "email", "string_pattern_mismatch"),
        ("form", "age", "greater_than_equal"),
    }


def test_aliases_and_repeated_keys(client: TestClient) -> None:
    got = client.get(
        "/aliases?per-page=3&id=1&id=2",
        headers=[("X-Api-Token", "sesame"), ("Accept", "a/b"), ("Accept", "c/d")],
    ).json()
    assert got == {"per_page": 3, "token": "sesame", "ids": [1, 2], "accept": ["a/b", "c/d"]}
    assert set(
        errors_of(client.get("/aliases?per-page=0&id=x", headers={"X-Api-Token": "ab"}))
    ) == {
        ("query", "per-page", "greater_than_equal"),
        ("query", "id.0", "int_parsing"),
        ("header", "x-api-token", "string_too_short"),
    }


def test_embedded_body_values_take_marker_constraints(client: TestClient) -> None:
    assert client.post("/body-constraints", json={"count": 2}).json() == {"count": 2, "label": "x"}
    assert set(
        errors_of(client.post("/body-constraints", json={"count": -1, "label": "long"}))
    ) == {
        ("body", "count", "greater_than_equal"),
        ("body", "label", "string_too_long"),
    }
    assert errors_of(client.post("/body-constraints", json={})) == [("body", "count", "missing")]


def test_form_fields_and_repeated_form_values(client: TestClient) -> None:
    got = client.post("/form-fields", data={"name": "ann", "colour": ["red", "blue"]})
    assert got.json() == {"name": "ann", "colour": ["red", "blue"]}
    assert set(errors_of(client.post("/form-fields", data={"colour": "green"}))) == {
        ("form", "name", "missing"),
        ("form", "colour.0", "literal_error"),
    }


def test_view_methods_share_the_validation_path(client: TestClient) -> None:
    assert client.get("/things/5?verbose=1").json() == {"id": 5, "verbose": True}
    assert errors_of(client.get("/things/500")) == [("path", "id", "less_than_equal")]
    put = client.put("/things/5", json={"email": "a@b.c", "age": 40}, headers={"X-Mode": "b"})
    assert put.json() == {"id": 5, "email": "a@b.c", "mode": "b"}
    assert set(errors_of(client.put("/things/5", json={"email": "x", "age": 1}))) == {
        ("body", "email", "string_pattern_mismatch"),
        ("body", "age", "greater_than_equal"),
    }


def test_failures_from_several_sources_are_reported_together(client: TestClient) -> None:
    response = client.put("/things/5", json={"age": "old"}, headers={"X-Mode": "b"})
    assert set(errors_of(response)) == {
        ("body", "email", "missing"),
        ("body", "age", "int_parsing"),
    }
    body = response.json()
    assert body["detail"] == "2 invalid values in the request"
    assert body["instance"] == "/things/5"
    assert all(e["message"] for e in body["errors"])


def test_an_upload_marked_as_a_model_source_is_a_startup_error() -> None:
    app = App()

    @app.post("/bad")
    async def bad(f: Annotated[UploadFile, Form()]) -> None: ...

    with pytest.raises(ConfigurationError, match="upload; use File"):
        app.startup_freeze()


ShortTag = Annotated[str, StringConstraints(max_length=3)]


def test_a_list_of_constrained_strings_reads_repeated_query_keys() -> None:
    app = App()

    @app.get("/tags")
    async def tags(tag: list[ShortTag]) -> list[str]:
        return tag

    client = TestClient(app)
    assert client.get("/tags?tag=a&tag=bb").json() == ["a", "bb"]
    assert client.get("/tags?tag=toolong").status_code == 422
