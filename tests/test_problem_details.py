"""Every error answer to a JSON client is one shape: RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App, HTTPException, abort
from trellis.exceptions import NotFound, RequestValidationError, TooManyRequests
from trellis.middleware.errors import PROBLEM_MEDIA_TYPE, problem_details
from trellis.testing import TestClient

JSON = {"Accept": "application/json"}


def make_app() -> App:
    app = App()

    @app.get("/books/<int:id>")
    async def book(id: int) -> dict[str, Any]:
        abort(404, f"No book {id}")

    @app.post("/pay")
    async def pay() -> None:
        raise HTTPException(
            402,
            "Your balance is too low",
            problem={"type": "https://example.com/probs/credit", "balance": 30, "status": 999},
        )

    @app.post("/range")
    async def check_range() -> None:
        raise RequestValidationError(
            [{"location": "body", "field": "end", "message": "before start", "type": "order"}]
        )

    return app


@pytest.fixture
def client() -> TestClient:
    return TestClient(make_app())


def test_json_clients_get_every_member(client: TestClient) -> None:
    response = client.get("/books/7", headers=JSON)
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No book 7",
        "instance": "/books/7",
        "request_id": response.headers["x-request-id"],
    }


def test_browsers_get_the_html_page(client: TestClient) -> None:
    page = client.get("/books/7", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No book 7" in page.text


def test_problem_members_extend_the_document_but_never_change_the_status(
    client: TestClient,
) -> None:
    response = client.post("/pay", headers=JSON)
    assert response.status_code == 402
    body = response.json()
    assert body["type"] == "https://example.com/probs/credit"
    assert body["balance"] == 30
    assert body["status"] == 402
    assert body["title"] == "Payment Required"


def test_validation_errors_are_json_even_for_browsers(client: TestClient) -> None:
    response = client.post("/range", headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["errors"] == [
        {"location": "body", "field": "end", "message": "before start", "type": "order"}
    ]
    assert body["detail"] == "1 invalid value in the request"


def test_framework_errors_take_the_same_shape(client: TestClient) -> None:
    not_allowed = client.delete("/books/7", headers=JSON)
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET, HEAD, OPTIONS"
    assert not_allowed.json()["title"] == "Method Not Allowed"
    assert not_allowed.json()["instance"] == "/books/7"
    too_many = client.get("/books/7", headers={**JSON, **{f"x-h{i}": "1" for i in range(120)}})
    assert too_many.status_code == 431
    assert too_many.json()["type"] == "about:blank"
    assert too_many.json()["instance"] == "/books/7"


def test_a_500_is_a_problem_without_the_exception() -> None:
    app = App()

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError("database password is hunter2")

    response = TestClient(app, raise_server_exceptions=False).get("/crash", headers=JSON)
    assert response.status_code == 500
    body = response.json()
    assert (body["title"], body["instance"]) == ("Internal Server Error", "/crash")
    assert "hunter2" not in response.text


def test_the_instance_is_the_full_path_behind_a_mount_point() -> None:
    response = TestClient(make_app(), root_path="/api").get("/books/3", headers=JSON)
    assert response.json()["instance"] == "/api/books/3"


def test_problem_details_for_batteries() -> None:
    assert problem_details(NotFound("gone")) == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "gone",
    }


def test_every_429_is_one_class_with_retry_after() -> None:
    from trellis.auth.throttle import LoginThrottled
    from trellis.ratelimit.battery import TooManyRequests as RateLimited

    app = App()
    seen: list[str] = []

    @app.errorhandler(TooManyRequests)
    def slow_down(exc: TooManyRequests) -> tuple[dict[str, Any], int, dict[str, str]]:
        seen.append(type(exc).__name__)
        return {"retry_after": exc.retry_after}, 429, dict(exc.headers or {})

    @app.get("/abort")
    def aborted() -> None:
        abort(429, "slow down", {"Retry-After": "7"})

    @app.get("/raise")
    def raised() -> None:
        raise TooManyRequests("slow down", retry_after=2.5)

    @app.get("/login")
    def login() -> None:
        raise LoginThrottled(90)

    client = TestClient(app)
    answers = [client.get(path) for path in ("/abort", "/raise", "/login")]
    assert [a.json() for a in answers] == [
        {"retry_after": 7},
        {"retry_after": 3},
        {"retry_after": 90},
    ]
    assert [a.headers["retry-after"] for a in answers] == ["7", "3", "90"]
    assert seen == ["TooManyRequests", "TooManyRequests", "LoginThrottled"]
    assert issubclass(RateLimited, TooManyRequests)
