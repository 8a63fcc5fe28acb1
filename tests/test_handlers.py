"""Parameter filling: every source, validation failures (422) and start-up errors."""

import dataclasses
import threading
from typing import Annotated
from uuid import UUID

import pytest
from pydantic import BaseModel

from trellis import App, Body, Cookie, Depends, File, Form, Header, Query, Request, UploadFile
from trellis.exceptions import ConfigurationError
from trellis.testing import TestClient


class Item(BaseModel):
    name: str
    price: float
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


def make_client(app: App) -> TestClient:
    return TestClient(app)


def test_path_and_query_parameters_are_converted() -> None:
    app = App()

    @app.get("/users/<int:id>")
    async def user(id: int, verbose: bool = False, page: int = 1) -> dict[str, object]:
        return {"id": id, "verbose": verbose, "page": page}

    client = make_client(app)
    assert client.get("/users/7").json() == {"id": 7, "verbose": False, "page": 1}
    assert client.get("/users/7?verbose=true&page=3").json() == {
        "id": 7,
        "verbose": True,
        "page": 3,
    }


def test_invalid_query_value_answers_422_with_location_field_and_message() -> None:
    app = App()

    @app.get("/items")
    async def items(page: int, size: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, int]:
        return {"page": page, "size": size}

    client = make_client(app)
    response = client.get("/items?page=abc&size=1000")
    assert response.status_code == 422
    body = response.json()
    fields = {(e["location"], e["field"]) for e in body["errors"]}
    assert fields == {("query", "page"), ("query", "size")}
    assert all(e["message"] for e in body["errors"])
    missing = client.get("/items").json()["errors"]
    assert missing == [
        {"location": "query", "field": "page", "message": "Field required", "type": "missing"}
    ]


def test_list_query_parameters_collect_repeated_keys() -> None:
    app = App()

    @app.get("/search")
    async def search(tag: list[str] = [], ids: Annotated[list[int], Query(alias="id")] = []):  # noqa: B006
        return {"tag": tag, "ids": ids}

    client = make_client(app)
    assert client.get("/search?tag=a&tag=b&id=1&id=2").json() == {"tag": ["a", "b"], "ids": [1, 2]}
    assert client.get("/search").json() == {"tag": [], "ids": []}
    assert client.get("/search?id=x").status_code == 422


def test_header_and_cookie_parameters() -> None:
    app = App()

    @app.get("/h")
    async def h(
        user_agent: Annotated[str, Header()],
        x_count: Annotated[int, Header()] = 0,
        session: Annotated[str | None, Cookie()] = None,
    ) -> dict[str, object]:
        return {"ua": user_agent, "count": x_count, "session": session}

    client = make_client(app)
    client.cookies.set("session", "abc")
    response = client.get("/h", headers={"User-Agent": "probe/1", "X-Count": "5"})
    assert response.json() == {"ua": "probe/1", "count": 5, "session": "abc"}
    bad = client.get("/h", headers={"X-Count": "many"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "header"


def test_pydantic_body_from_json_and_from_form() -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    client = make_client(app)
    assert client.post("/items", json={"name": "pen", "price": 1.5}).json() == {
        "name": "pen",
        "price": 1.5,
        "tags": [],
    }
    form = client.post("/items", data={"name": "pen", "price": "2", "tags": ["a", "b"]})
    assert form.json() == {"name": "pen", "price": 2.0, "tags": ["a", "b"]}
    bad = client.post("/items", json={"name": "pen", "price": "cheap"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == "body"
    assert bad.json()["errors"][0]["field"] == "price"
    empty = client.post("/items")
    assert empty.status_code == 422


def test_dataclass_body_and_embedded_bodies() -> None:
    app = App()

    @app.post("/points")
    async def point(p: Point) -> dict[str, int]:
        return {"sum": p.x + p.y}

    @app.post("/two")
    async def two(a: Point, b: Point) -> dict[str, int]:
        return {"sum": a.x + b.x}

    @app.post("/embed")
    async def embed(count: Annotated[int, Body(embed=True)]) -> dict[str, int]:
        return {"count": count}

    client = make_client(app)
    assert client.post("/points", json={"x": 1, "y": 2}).json() == {"sum": 3}
    assert client.post("/two", json={"a": {"x": 1, "y": 0}, "b": {"x": 5, "y": 0}}).json() == {
        "sum": 6
    }
    assert client.post("/embed", json={"count": 4}).json() == {"count": 4}
    errors = client.post("/two", json={"a": {"x": 1, "y": 0}}).json()["errors"]
    assert errors[0]["field"] == "b"


def test_malformed_json_body_is_400_not_500() -> None:
    app = App()

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    client = make_client(app)
    response = client.post(
        "/items", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_form_and_file_parameters() -> None:
    app = App()

    @app.post("/upload")
    async def upload(
        title: Annotated[str, Form()],
        doc: Annotated[UploadFile, File()],
        count: Annotated[int, Form()] = 1,
    ) -> dict[str, object]:
        data = await doc.read()
        return {"title": title, "name": doc.filename, "size": len(data), "count": count}

    client = make_client(app)
    response = client.post(
        "/upload",
        data={"title": "t", "count": "3"},
        files={"doc": ("a.txt", b"hello", "text/plain")},
    )
    assert response.json() == {"title": "t", "name": "a.txt", "size": 5, "count": 3}
    missing = client.post("/upload", data={"title": "t"})
    assert missing.status_code == 422
    assert missing.json()["errors"][0] == {
        "location": "file",
        "field": "doc",
        "message": "Field required",
        "type": "missing",
    }


def test_request_by_annotation_or_name_and_uuid_path() -> None:
    app = App()

    @app.get("/a/<uuid:key>")
    async def a(req: Request, key: UUID) -> dict[str, str]:
        return {"method": req.method, "key": str(key), "type": type(key).__name__}

    @app.get("/b")
    def b(request) -> str:  # type: ignore[no-untyped-def]
        return request.url.path

    client = make_client(app)
    key = "12345678-1234-5678-1234-567812345678"
    assert client.get(f"/a/{key}").json() == {"method": "GET", "key": key, "type": "UUID"}
    assert client.get("/b").text == "/b"


def test_depends_is_cached_per_request_and_nested() -> None:
    app = App()
    calls: list[str] = []

    def settings_dep() -> dict[str, int]:
        calls.append("settings")
        return {"n": 2}

    async def doubled(s: Annotated[dict[str, int], Depends(settings_dep)], k: int = 1) -> int:
        calls.append("doubled")
        return s["n"] * 2 * k

    @app.get("/d")
    async def d(
        a: Annotated[int, Depends(doubled)],
        s: dict[str, int] = Depends(settings_dep),
    ) -> dict[str, int]:
        return {"a": a, "n": s["n"]}

    client = make_client(app)
    assert client.get("/d?k=3").json() == {"a": 12, "n": 2}
    assert calls == ["settings", "doubled"]
    client.get("/d")
    assert calls.count("settings") == 2  # once per request


def test_generator_dependency_cleans_up_after_the_response() -> None:
    app = App()
    events: list[str] = []

    def resource():  # type: ignore[no-untyped-def]
        events.append("open")
        try:
            yield "res"
        except ZeroDivisionError:
            events.append("saw error")
            raise
        finally:
            events.append("close")

    async def aresource():  # type: ignore[no-untyped-def]
        events.append("aopen")
        yield "ares"
        events.append("aclose")

    @app.get("/ok")
    async def ok(r: str = Depends(resource), a: str = Depends(aresource)) -> str:
        events.append(f"handler {r} {a}")
        return "ok"

    @app.get("/boom")
    async def boom(r: str = Depends(resource)) -> str:
        raise ZeroDivisionError

    client = TestClient(app, raise_server_exceptions=False)
    assert client.get("/ok").text == "ok"
    assert events == ["open", "aopen", "handler res ares", "aclose", "close"]
    events.clear()
    assert client.get("/boom").status_code == 500
    assert events == ["open", "saw error", "close"]


def test_provide_fills_parameters_by_type() -> None:
    class Clock:
        def __init__(self, now: int) -> None:
            self.now = now

    app = App()
    app.provide(Clock, lambda: Clock(42))

    @app.get("/now")
    async def now(clock: Clock) -> dict[str, int]:
        return {"now": clock.now}

    assert make_client(app).get("/now").json() == {"now": 42}


def test_a_family_provider_builds_the_subclass_each_parameter_asks_for() -> None:
    class Form:
        def __init__(self, data: str) -> None:
            self.data = data

    class LoginForm(Form):
        pass

    class SignupForm(Form):
        pass

    def bind(cls: type[Form], request: Request) -> Form:
        return cls(request.query.get("q", ""))

    app = App()
    app.provide(Form, bind, subclasses=True)

    @app.get("/both")
    async def both(login: LoginForm, signup: SignupForm, plain: Form) -> dict[str, str]:
        return {
            "login": f"{type(login).__name__}:{login.data}",
            "signup": type(signup).__name__,
            "plain": type(plain).__name__,
        }

    assert make_client(app).get("/both?q=x").json() == {
        "login": "LoginForm:x",
        "signup": "SignupForm",
        "plain": "Form",
    }


def test_a_plain_provider_serves_subclasses_without_being_told_which() -> None:
    class Clock:
        pass

    class UTCClock(Clock):
        pass

    app = App()
    app.provide(Clock, lambda: "the clock")

    @app.get("/now")
    async def now(clock: UTCClock) -> str:
        return str(clock)

    assert make_client(app).get("/now").text == "the clock"


def test_sync_handlers_run_in_the_thread_pool() -> None:
    app = App()

    @app.get("/thread")
    def thread() -> str:
        return threading.current_thread().name

    @app.get("/athread")
    async def athread() -> str:
        return threading.current_thread().name

    client = make_client(app)
    assert client.get("/thread").text.startswith("trellis-sync")
    assert not client.get("/athread").text.startswith("trellis-sync")


def test_a_parameter_nothing_can_fill_is_a_startup_error_naming_handler_and_parameter() -> None:
    class Unknown:
        pass

    app = App()

    @app.get("/x")
    async def needs_unknown(thing: Unknown) -> str:
        return ""

    with pytest.raises(ConfigurationError, match=r"needs_unknown.*'thing'"):
        app.startup_freeze()


def test_star_args_are_refused() -> None:
    app = App()

    @app.get("/x")
    async def star(*args: int) -> str:
        return ""

    with pytest.raises(ConfigurationError, match="args"):
        app.startup_freeze()


def test_path_parameter_annotations_are_checked_against_the_converter() -> None:
    app = App()

    @app.get("/a/<int:id>")
    async def as_float(id: float) -> dict[str, object]:
        return {"id": id, "type": type(id).__name__}

    @app.get("/b/<id>")
    async def as_int(id: int) -> dict[str, int]:
        return {"id": id}

    client = make_client(app)
    assert client.get("/a/3").json() == {"id": 3.0, "type": "float"}
    assert client.get("/b/12").json() == {"id": 12}
    refused = client.get("/b/twelve")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["location"] == "path"

    wrong = App()

    @wrong.get("/c/<int:id>")
    async def as_str(id: str) -> str:
        return id

    with pytest.raises(ConfigurationError, match=r"as_str.*'id'.*produces int"):
        wrong.startup_freeze()
