"""Limit/offset pagination over lists: parameters, envelope, links and options."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import pytest
from pydantic import BaseModel, TypeAdapter

from trellis import App, Depends
from trellis.api import CursorPage, LimitOffset, OffsetPage, Pagination, limit_offset, link_header
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.testing import TestClient

BOOKS = [{"id": i, "title": f"Book {i}"} for i in range(1, 26)]


def make_app(**options: Any) -> App:
    app = App()
    app.install(Pagination(**options))

    @app.get("/books")
    def books(page: LimitOffset) -> OffsetPage[Any]:
        return page.paginate(BOOKS)

    @app.get("/titles")
    def titles(page: LimitOffset, q: str = "") -> dict[str, Any]:
        return page.paginate(BOOKS, count=False).map(lambda b: b["title"]).to_dict()

    return app


def links(response: Any) -> dict[str, str]:
    found = {}
    for part in response.headers["link"].split(", "):
        url, rel = part.split("; ")
        found[rel.removeprefix('rel="').removesuffix('"')] = url.strip("<>")
    return found


def test_the_envelope_and_the_link_header() -> None:
    with TestClient(make_app()) as client:
        response = client.get("/books", params={"limit": 10, "offset": 10})
    body = response.json()
    assert [b["id"] for b in body["items"]] == list(range(11, 21))
    assert body["count"] == 25
    assert (body["limit"], body["offset"]) == (10, 10)
    assert body["next"] == "/books?limit=10&offset=20"
    assert body["previous"] == "/books?limit=10&offset=0"
    assert links(response) == {
        "first": "/books?limit=10&offset=0",
        "prev": "/books?limit=10&offset=0",
        "next": "/books?limit=10&offset=20",
        "last": "/books?limit=10&offset=20",
    }


def test_first_and_last_pages() -> None:
    with TestClient(make_app()) as client:
        first = client.get("/books")
        last = client.get("/books?limit=10&offset=20")
        beyond = client.get("/books?offset=500")
    assert first.json()["limit"] == 20
    assert first.json()["previous"] is None
    assert "prev" not in links(first)
    assert [b["id"] for b in last.json()["items"]] == [21, 22, 23, 24, 25]
    assert last.json()["next"] is None
    assert "next" not in links(last)
    assert beyond.status_code == 200
    assert beyond.json()["items"] == []


def test_unaligned_offsets_step_consistently() -> None:
    with TestClient(make_app()) as client:
        found = links(client.get("/books?limit=10&offset=5"))
    assert found["prev"].endswith("offset=0")
    assert found["next"].endswith("offset=15")
    assert found["last"].endswith("offset=15")  # 15..24, then 25 is past: same steps as next


def test_other_query_parameters_are_kept_and_count_can_be_skipped() -> None:
    with TestClient(make_app()) as client:
        response = client.get("/titles?q=a%20b&limit=5&offset=20")
    body = response.json()
    assert body["items"] == [f"Book {i}" for i in range(21, 26)]
    assert body["count"] is None
    assert body["next"] is None  # 5 asked, 5 found, none beyond: the extra row was not there
    assert body["previous"] == "/titles?q=a+b&limit=5&offset=15"
    assert "last" not in links(response)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("limit=abc", "limit", "limit must be a whole number"),
        ("limit=0", "limit", "limit must be at least 1"),
        ("limit=101", "limit", "limit must be at most 100"),
        ("limit=--5", "limit", "limit must be a whole number"),
        ("offset=-1", "offset", "offset must be at least 0"),
        ("offset=99999999999999999999999", "offset", "offset must be a whole number"),
        ("offset=3000000000", "offset", "offset must be at most 2147483647"),
    ],
)
def test_bad_parameters_are_a_422_naming_them(query: str, field: str, message: str) -> None:
    with TestClient(make_app()) as client:
        response = client.get(f"/books?{query}", headers={"accept": "application/json"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["location"], error["field"], error["message"]) == ("query", field, message)


def test_options_come_from_the_battery_settings_and_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with TestClient(make_app(max_limit=5)) as client:
        assert client.get("/books").json()["limit"] == 5  # the default follows a lower max
        assert client.get("/books?limit=6").status_code == 422

    monkeypatch.setenv("TRELLIS_PAGINATION_DEFAULT_LIMIT", "3")
    monkeypatch.setenv("TRELLIS_PAGINATION_ABSOLUTE_LINKS", "true")
    with TestClient(make_app()) as client:
        body = client.get("/books").json()
    assert body["limit"] == 3
    assert body["next"] == "http://testserver/books?limit=3&offset=3"
    monkeypatch.delenv("TRELLIS_PAGINATION_DEFAULT_LIMIT")

    class SiteSettings(Settings):
        pagination_max_limit: int = 7

    app = App(settings=SiteSettings())
    app.install(Pagination(limit_param="size", offset_param="skip"))

    @app.get("/books")
    def books(page: LimitOffset) -> OffsetPage[Any]:
        return page.paginate(BOOKS)

    with TestClient(app) as client:
        assert client.get("/books?size=8").status_code == 422
        assert client.get("/books?size=2&skip=4").json()["next"].endswith("/books?size=2&skip=6")


def test_impossible_options_fail_at_install() -> None:
    with pytest.raises(ConfigurationError, match="default_limit"):
        App().install(Pagination(default_limit=50, max_limit=10))
    app = App()
    app.install(Pagination())
    with pytest.raises(ConfigurationError, match="installed twice"):
        app.install(Pagination())


def test_a_route_of_its_own_with_depends_and_no_battery() -> None:
    app = App()

    @app.get("/small")
    def small(page: Annotated[LimitOffset, Depends(limit_offset(max_limit=3))]) -> dict[str, Any]:
        return page.paginate(BOOKS).to_dict()

    with TestClient(app) as client:
        assert client.get("/small").json()["limit"] == 3
        assert client.get("/small?limit=4").status_code == 422
        response = client.get("/small?offset=3")
    assert response.headers["link"].startswith('</small?limit=3&offset=0>; rel="first"')


def test_links_false_leaves_the_header_alone() -> None:
    app = App()
    app.install(Pagination())

    @app.get("/two")
    def two(page: LimitOffset) -> dict[str, Any]:
        shelves = page.paginate(BOOKS, links=False)
        return {"shelf": shelves.to_dict()}

    with TestClient(app) as client:
        response = client.get("/two")
    assert "link" not in response.headers
    assert response.json()["shelf"]["count"] == 25


def test_plain_objects_work_without_a_request() -> None:
    page = LimitOffset(limit=2, offset=2).paginate(list("abcdefg"))
    assert page.items == ["c", "d"]
    assert len(page) == 2
    assert list(page) == ["c", "d"]
    assert page.next == "?limit=2&offset=4"
    assert link_header({"next": "/a?x=1"}) == '</a?x=1>; rel="next"'
    with pytest.raises(TypeError, match="session"):
        LimitOffset().paginate(object())  # type: ignore[arg-type]


class BookOut(BaseModel):
    id: int
    title: str


class Book:
    """What a database would hand back: more fields than the API shows."""

    def __init__(self, id: int) -> None:
        self.id, self.title, self.secret = id, f"Book {id}", "hash"


def test_pages_are_response_models_that_filter_their_items() -> None:
    adapter: TypeAdapter[Any] = TypeAdapter(OffsetPage[BookOut])
    page = LimitOffset(limit=2).paginate([Book(1), Book(2), Book(3)])
    valid = adapter.validate_python(page, from_attributes=True)
    assert orjson.loads(adapter.dump_json(valid)) == {
        "items": [{"id": 1, "title": "Book 1"}, {"id": 2, "title": "Book 2"}],
        "count": 3,
        "limit": 2,
        "offset": 0,
        "next": "?limit=2&offset=2",
        "previous": None,
    }
    schema = TypeAdapter(CursorPage[BookOut]).json_schema()
    assert set(schema["properties"]) == {
        "items",
        "limit",
        "next",
        "previous",
        "next_cursor",
        "previous_cursor",
    }

    app = App()
    app.install(Pagination())

    @app.get("/books")
    def books(page: LimitOffset) -> OffsetPage[BookOut]:  # the annotation filters
        return page.paginate([Book(i) for i in range(1, 4)])

    with TestClient(app) as client:
        response = client.get("/books?limit=1")
    assert response.json()["items"] == [{"id": 1, "title": "Book 1"}]
    assert response.headers["link"].startswith('</books?limit=1&offset=0>; rel="first"')
