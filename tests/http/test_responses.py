"""Plain responses, called as ASGI apps with a recording send."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid
from typing import Any

import orjson
import pydantic
import pytest

from trellis.http.datastructures import MutableHeaders
from trellis.http.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)


async def call(response: Response, method: str = "GET") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    await response({"type": "http", "method": method, "headers": []}, receive, send)
    return sent


def header_dict(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    return dict(raw)


async def test_response_sends_start_then_one_body_message() -> None:
    sent = await call(Response(b"hello", media_type="application/octet-stream"))
    assert sent == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/octet-stream"),
                (b"content-length", b"5"),
            ],
        },
        {"type": "http.response.body", "body": b"hello"},
    ]


def test_text_media_types_get_a_charset_and_json_does_not() -> None:
    assert (
        header_dict(HTMLResponse("x").raw_headers)[b"content-type"] == b"text/html; charset=utf-8"
    )
    assert header_dict(PlainTextResponse("x").raw_headers)[b"content-type"] == (
        b"text/plain; charset=utf-8"
    )
    assert header_dict(JSONResponse({}).raw_headers)[b"content-type"] == b"application/json"
    custom = Response("x", media_type="text/csv")
    assert header_dict(custom.raw_headers)[b"content-type"] == b"text/csv; charset=utf-8"
    assert custom.media_type == "text/csv"


def test_explicit_charset_in_media_type_is_kept() -> None:
    response = Response("x", media_type="text/plain; charset=latin-1")
    assert header_dict(response.raw_headers)[b"content-type"] == b"text/plain; charset=latin-1"


def test_str_body_is_encoded_and_content_length_counts_bytes() -> None:
    response = HTMLResponse("héllo")
    assert response.body == "héllo".encode()
    assert header_dict(response.raw_headers)[b"content-length"] == b"6"


def test_no_content_and_no_media_type_gives_only_content_length() -> None:
    assert Response().raw_headers == [(b"content-length", b"0")]


@pytest.mark.parametrize("status", [204, 304, 101])
def test_statuses_without_body_get_no_content_length(status: int) -> None:
    assert HTMLResponse(None, status_code=status).raw_headers == []
    with_headers = HTMLResponse(None, status_code=status, headers={"etag": '"a"'})
    assert with_headers.raw_headers == [(b"etag", b'"a"')]


def test_bytes_like_content_is_accepted() -> None:
    assert Response(bytearray(b"ab")).body == b"ab"
    assert Response(memoryview(b"cd")).body == b"cd"


def test_non_text_content_is_refused_with_a_hint() -> None:
    with pytest.raises(TypeError, match="JSONResponse"):
        Response({"a": 1})


def test_given_headers_win_over_computed_ones() -> None:
    response = PlainTextResponse("abc", headers={"Content-Type": "text/x-custom", "X-Thing": "1"})
    assert response.raw_headers == [
        (b"content-type", b"text/x-custom"),
        (b"x-thing", b"1"),
        (b"content-length", b"3"),
    ]


@pytest.mark.parametrize(
    "headers", [{"x-a": "1\r\nSet-Cookie: evil=1"}, {"x-a": "a\nb"}, {"bad name": "1"}, {"": "1"}]
)
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="header"):
        Response("x", headers=headers)


async def test_head_sends_headers_with_length_but_no_body() -> None:
    sent = await call(HTMLResponse("hello"), method="HEAD")
    assert header_dict(sent[0]["headers"])[b"content-length"] == b"5"
    assert sent[1] == {"type": "http.response.body", "body": b""}


def test_headers_view_is_lazy_and_edits_raw_headers_in_place() -> None:
    response = HTMLResponse("x")
    assert "headers" not in vars(response)  # nothing built until asked
    headers = response.headers
    assert isinstance(headers, MutableHeaders)
    assert response.headers is headers
    headers["X-Frame-Options"] = "DENY"
    headers["content-type"] = "text/plain"
    assert (b"x-frame-options", b"DENY") in response.raw_headers
    assert header_dict(response.raw_headers)[b"content-type"] == b"text/plain"
    assert headers["Content-Length"] == "1"


async def test_header_edits_are_sent() -> None:
    response = HTMLResponse("x")
    response.headers["x-extra"] = "yes"
    sent = await call(response)
    assert (b"x-extra", b"yes") in sent[0]["headers"]


def test_set_cookie_appends_a_set_cookie_line_per_cookie() -> None:
    response = Response()
    response.set_cookie("a", "1", max_age=60, httponly=True)
    response.set_cookie("b", "2", secure=True, samesite="strict", path="/x")
    cookies = [value for name, value in response.raw_headers if name == b"set-cookie"]
    assert cookies == [
        b"a=1; Max-Age=60; Path=/; HttpOnly; SameSite=Lax",
        b"b=2; Path=/x; Secure; SameSite=Strict",
    ]


def test_set_cookie_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        Response().set_cookie("bad name", "1")


def test_delete_cookie_expires_it_on_the_same_path_and_domain() -> None:
    response = Response()
    response.delete_cookie("session", path="/app", domain="example.com")
    (value,) = [v for n, v in response.raw_headers if n == b"set-cookie"]
    text = value.decode()
    assert text.startswith("session=;")
    assert "Max-Age=0" in text
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in text
    assert "Path=/app" in text
    assert "Domain=example.com" in text


# JSON ---------------------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Color(enum.Enum):
    RED = "red"


class User(pydantic.BaseModel):
    name: str
    joined: datetime.date


class DuckModel:
    def model_dump(self, mode: str = "python") -> dict[str, str]:
        return {"mode": mode}


def test_json_serialises_rich_values_natively() -> None:
    moment = datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC)
    ident = uuid.UUID(int=1)
    body = JSONResponse(
        {"p": Point(1, 2), "at": moment, "id": ident, "c": Color.RED, "n": None}
    ).body
    assert orjson.loads(body) == {
        "p": {"x": 1, "y": 2},
        "at": "2024-05-01T12:30:00+00:00",
        "id": "00000000-0000-0000-0000-000000000001",
        "c": "red",
        "n": None,
    }


def test_json_serialises_pydantic_models_in_json_mode() -> None:
    body = JSONResponse([User(name="ada", joined=datetime.date(2020, 1, 2)), DuckModel()]).body
    assert orjson.loads(body) == [{"name": "ada", "joined": "2020-01-02"}, {"mode": "json"}]


def test_json_allows_non_str_keys_sets_and_decimals() -> None:
    body = JSONResponse({1: "a", "s": {3}, "d": decimal.Decimal("1.10")}).body
    assert orjson.loads(body) == {"1": "a", "s": [3], "d": "1.10"}


def test_json_refuses_unserialisable_values_at_construction() -> None:
    with pytest.raises(TypeError):
        JSONResponse({"x": object()})


def test_json_body_is_compact_and_has_a_length() -> None:
    response = JSONResponse({"a": [1, 2]})
    assert response.body == b'{"a":[1,2]}'
    assert header_dict(response.raw_headers)[b"content-length"] == b"11"
    assert JSONResponse(None).body == b"null"
    assert JSONResponse("x").body == b'"x"'


# Redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_statuses(status: int) -> None:
    sent = await call(RedirectResponse("/next", status_code=status))
    assert sent[0]["status"] == status
    assert header_dict(sent[0]["headers"])[b"location"] == b"/next"
    assert header_dict(sent[0]["headers"])[b"content-length"] == b"0"


def test_redirect_default_is_302() -> None:
    assert RedirectResponse("/").status_code == 302


@pytest.mark.parametrize("status", [200, 300, 304, 404])
def test_redirect_refuses_other_statuses(status: int) -> None:
    with pytest.raises(ValueError, match="redirect status"):
        RedirectResponse("/", status_code=status)


@pytest.mark.parametrize("url", ["/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/a\0b"])
def test_redirect_refuses_header_injection(url: str) -> None:
    with pytest.raises(ValueError, match="CR, LF"):
        RedirectResponse(url)


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/café?q=a b", b"/caf%C3%A9?q=a%20b"),
        ("https://ex.com/a%20b?x=1&y=2#frag", b"https://ex.com/a%20b?x=1&y=2#frag"),
        ('/x"<y>', b"/x%22%3Cy%3E"),
        ("/tab\there", b"/tab%09here"),
    ],
)
def test_redirect_location_is_percent_encoded(url: str, location: bytes) -> None:
    assert header_dict(RedirectResponse(url).raw_headers)[b"location"] == location


def test_redirect_keeps_extra_headers() -> None:
    response = RedirectResponse("/", headers={"Cache-Control": "no-store"})
    assert (b"cache-control", b"no-store") in response.raw_headers
