"""The CORS decisions alone: origins, methods, headers, credentials, with no server."""

from __future__ import annotations

import re

import pytest

from trellis.cors import CORSPolicy
from trellis.exceptions import ConfigurationError


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    values = [v for k, v in headers if k == name]
    assert len(values) <= 1, f"{name!r} sent {len(values)} times"
    return values[0] if values else None


def test_listed_origins_are_normalised_and_matched_exactly() -> None:
    policy = CORSPolicy(["https://App.example.com/", "http://localhost:3000"])
    assert policy.origin_allowed("https://app.example.com")
    assert policy.origin_allowed("http://localhost:3000")
    assert not policy.origin_allowed("https://app.example.com.evil.test")
    assert not policy.origin_allowed("http://localhost:3001")
    assert not policy.origin_allowed("null")


def test_regex_origins_match_in_full() -> None:
    policy = CORSPolicy(re.compile(r"https://[a-z0-9-]+\.example\.com"))
    assert policy.origin_allowed("https://shop.example.com")
    assert not policy.origin_allowed("https://shop.example.com.evil.test")  # fullmatch, not search
    from_setting = CORSPolicy(allow_origin_regex=r"https://(a|b)\.test")
    assert from_setting.origin_allowed("https://b.test")
    assert not from_setting.origin_allowed("https://c.test")


@pytest.mark.parametrize(
    "origin", ["app.example.com", "https://app.example.com/path", "https://", 42]
)
def test_an_origin_that_is_not_one_fails_at_startup(origin: object) -> None:
    with pytest.raises(ConfigurationError, match="CORS origin"):
        CORSPolicy([origin])  # type: ignore[list-item]


def test_bad_regex_method_or_max_age_fail_at_startup() -> None:
    with pytest.raises(ConfigurationError, match="not a valid regular expression"):
        CORSPolicy(allow_origin_regex="https://(")
    with pytest.raises(ConfigurationError, match="allow_methods"):
        CORSPolicy("*", allow_methods=["GET POST"])
    with pytest.raises(ConfigurationError, match="max_age"):
        CORSPolicy("*", max_age=-1)


def test_wildcard_without_credentials_sends_a_star_and_does_not_vary() -> None:
    policy = CORSPolicy("*")
    headers = policy.response_headers("https://any.test")
    assert header(headers, b"access-control-allow-origin") == b"*"
    assert header(headers, b"access-control-allow-credentials") is None
    assert policy.varies is False
    assert policy.response_headers(None) == []


def test_wildcard_with_credentials_reflects_the_origin_but_never_null() -> None:
    policy = CORSPolicy("*", allow_credentials=True, expose_headers=["X-Total"])
    headers = policy.response_headers("https://any.test")
    assert header(headers, b"access-control-allow-origin") == b"https://any.test"
    assert header(headers, b"access-control-allow-credentials") == b"true"
    assert header(headers, b"access-control-expose-headers") == b"X-Total"
    assert policy.varies is True
    assert policy.response_headers("null") == []
    assert CORSPolicy(["null"], allow_credentials=True).response_headers("null") != []


def test_preflight_grants_methods_headers_and_max_age() -> None:
    policy = CORSPolicy(
        ["https://app.test"], allow_methods=["PUT", "delete"], allow_headers=["X-Token"], max_age=90
    )
    answer = policy.preflight("https://app.test", "PUT", "x-token, content-type")
    assert answer.status == 204
    assert header(answer.headers, b"access-control-allow-origin") == b"https://app.test"
    methods = header(answer.headers, b"access-control-allow-methods")
    assert methods is not None
    assert set(methods.decode().split(", ")) == {
        "DELETE",
        "GET",
        "HEAD",
        "POST",
        "PUT",
    }
    allowed = header(answer.headers, b"access-control-allow-headers")
    assert allowed is not None
    assert "x-token" in allowed.decode().split(", ")
    assert header(answer.headers, b"access-control-max-age") == b"90"
    assert header(answer.headers, b"vary") == b"Origin"


@pytest.mark.parametrize(
    ("origin", "method", "headers", "reason"),
    [
        ("https://evil.test", "GET", "", "Disallowed CORS origin"),
        ("https://app.test", "PATCH", "", "Disallowed CORS method"),
        ("https://app.test", "GET", "x-secret", "Disallowed CORS headers"),
        ("https://evil.test", "PATCH", "x-secret", "Disallowed CORS origin, method, headers"),
        ("https://app.test", "GE T", "", "Disallowed CORS method"),
    ],
)
def test_preflight_refusals_say_why(origin: str, method: str, headers: str, reason: str) -> None:
    answer = CORSPolicy(["https://app.test"]).preflight(origin, method, headers)
    assert (answer.status, answer.reason) == (400, reason)
    assert header(answer.headers, b"access-control-allow-origin") is None


def test_safelisted_methods_and_headers_need_no_listing() -> None:
    answer = CORSPolicy(["https://app.test"], allow_methods=[]).preflight(
        "https://app.test", "POST", "Content-Type, Accept"
    )
    assert answer.status == 204


def test_star_methods_and_headers_reflect_what_was_asked() -> None:
    policy = CORSPolicy(
        ["https://app.test"], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
    )
    answer = policy.preflight("https://app.test", "purge", "X-One, X-Two")
    assert answer.status == 204
    assert header(answer.headers, b"access-control-allow-methods") == b"PURGE"
    assert header(answer.headers, b"access-control-allow-headers") == b"x-one, x-two"
    assert header(answer.headers, b"access-control-allow-credentials") == b"true"
