"""Open redirects: url_is_safe and safe_next keep ?next= on this site."""

from __future__ import annotations

from typing import Any

import pytest

from trellis import App, Request, redirect
from trellis.conf import Settings
from trellis.http.request import Request as RequestType
from trellis.security import safe_next, url_is_safe
from trellis.testing import TestClient


def request_for(host: str = "example.com", scheme: str = "https", query: bytes = b"") -> Any:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": scheme,
        "path": "/login",
        "query_string": query,
        "headers": [(b"host", host.encode())],
    }
    return RequestType(scope)


SAFE = [
    "/",
    "/dashboard",
    "/search?q=a b&page=2#results",
    "dashboard/settings",  # relative to the current path
    "?page=2",
    "#top",
    "https://example.com/account",
    "//example.com/account",  # scheme-relative, same host
    "HTTPS://EXAMPLE.COM/x",
    "  /padded  ",  # browsers strip leading and trailing spaces
    "/%2F%2Fevil.com",  # an escaped slash stays in the path
    "/caf\u00e9",
]

UNSAFE = [
    "https://evil.com",
    "http://evil.com/",
    "//evil.com",
    "///evil.com",
    "////evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/\\evil.com",
    "/\\/evil.com",
    "http:\\\\evil.com",
    "https:evil.com",
    "http:/evil.com",
    "https://evil.com@example.com",  # credentials trick the eye
    "https://example.com@evil.com",
    "https://example.com.evil.com",
    "https://evil.com#@example.com",
    "https://evil.com\\@example.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://example.com/file",
    "\x00//evil.com",
    "\x08//evil.com",
    "/\n/evil.com",
    "\u200e//evil.com",  # a bidi mark is a format character
    "\u3000//evil.com",  # an ideographic space is not stripped by the URL parser
    "http://example.com/insecure",  # downgrade from an HTTPS page
    "https://example.com:99999/",  # an invalid port
    "https://[::1/",
    "",
    "   ",
]


@pytest.mark.parametrize("url", SAFE)
def test_safe(url: str) -> None:
    assert url_is_safe(url, request_for())


@pytest.mark.parametrize("url", UNSAFE)
def test_unsafe(url: str) -> None:
    assert not url_is_safe(url, request_for())


def test_not_a_string_is_unsafe() -> None:
    assert not url_is_safe(None, request_for())
    assert not url_is_safe(b"/", request_for())  # type: ignore[arg-type]


def test_allowed_hosts_and_subdomains() -> None:
    request = request_for()
    assert not url_is_safe("https://accounts.example.com/", request)
    assert url_is_safe("https://accounts.example.com/", request, ["accounts.example.com"])
    assert url_is_safe("https://a.b.example.org/", request, [".example.org"])
    assert not url_is_safe("https://badexample.org/", request, [".example.org"])
    assert not url_is_safe("https://evil.com@a.example.org/", request, [".example.org"])


def test_https_is_required_on_an_https_page_only() -> None:
    assert not url_is_safe("http://example.com/", request_for(scheme="https"))
    assert url_is_safe("http://example.com/", request_for(scheme="http"))
    assert not url_is_safe("http://example.com/", request_for(scheme="http"), require_https=True)


def test_the_port_is_part_of_the_host() -> None:
    request = request_for(host="example.com:8000", scheme="http")
    assert url_is_safe("http://example.com:8000/x", request)
    assert not url_is_safe("http://example.com:9000/x", request)


def test_safe_next_reads_the_query_and_falls_back() -> None:
    assert safe_next(request_for(query=b"next=/inbox")) == "/inbox"
    assert safe_next(request_for(query=b"next=//evil.com")) == "/"
    assert safe_next(request_for(query=b"next=https://evil.com"), "/home") == "/home"
    assert safe_next(request_for()) == "/"
    assert safe_next(request_for(query=b"to=/a"), param="to") == "/a"
    assert safe_next(request_for(), url=" /from-a-form ") == "/from-a-form"
    assert safe_next(request_for(), url="javascript:alert(1)") == "/"


def test_a_login_view_with_next_refuses_open_redirects() -> None:
    app = App(settings=Settings(allowed_hosts=["example.com"]))

    @app.post("/login")
    async def login(request: Request) -> Any:
        form = await request.form()
        return redirect(safe_next(request, url=str(form.get("next", "")) or None))

    with TestClient(app, base_url="https://example.com") as client:
        ok = client.post("/login", data={"next": "/inbox"})
        assert (ok.status_code, ok.headers["location"]) == (302, "/inbox")
        evil = client.post("/login", data={"next": "/\\evil.com"})
        assert evil.headers["location"] == "/"
        query = client.post("/login?next=https://evil.com")
        assert query.headers["location"] == "/"
