"""Security headers on every response, HSTS only over HTTPS, a CSP nonce per request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.security.helpers import make_app

from trellis import App, Request, Response, Template
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.security import Security
from trellis.security.headers import build_csp
from trellis.testing import TestClient

HOST = {"host": "example.com"}
DEFAULTS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "content-security-policy": "frame-ancestors 'none'",
}


def test_every_default_header_on_a_page_an_error_and_a_404() -> None:
    app = make_app()

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path, status in (("/", 200), ("/nowhere", 404), ("/boom", 500)):
            response = client.get(path, headers=HOST)
            assert response.status_code == status
            for name, value in DEFAULTS.items():
                assert response.headers[name] == value, (path, name)
            assert "strict-transport-security" not in response.headers  # plain HTTP
            assert response.headers["x-request-id"]  # the app's own headers are kept


def test_hsts_only_over_https_with_its_options() -> None:
    with TestClient(make_app(), base_url="https://example.com") as client:
        assert client.get("/").headers["strict-transport-security"] == "max-age=31536000"
    app = make_app(hsts_seconds=600, hsts_include_subdomains=True, hsts_preload=True)
    with TestClient(app, base_url="https://example.com") as client:
        assert (
            client.get("/").headers["strict-transport-security"]
            == "max-age=600; includeSubDomains; preload"
        )
    with TestClient(make_app(hsts_seconds=0), base_url="https://example.com") as client:
        assert "strict-transport-security" not in client.get("/").headers


def test_no_hsts_in_debug_so_a_dev_machine_is_not_pinned() -> None:
    with TestClient(make_app(debug=True), base_url="https://example.com") as client:
        response = client.get("/")
        assert "strict-transport-security" not in response.headers
        assert response.headers["x-frame-options"] == "DENY"


def test_options_change_or_remove_each_header() -> None:
    app = make_app(
        frame_options="sameorigin",
        referrer_policy="strict-origin-when-cross-origin",
        cross_origin_opener_policy="same-origin-allow-popups",
        permissions_policy="geolocation=()",
        content_type_nosniff=False,
    )
    with TestClient(app) as client:
        headers = client.get("/", headers=HOST).headers
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["content-security-policy"] == "frame-ancestors 'self'"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin-allow-popups"
    assert headers["permissions-policy"] == "geolocation=()"
    assert "x-content-type-options" not in headers
    app = make_app(frame_options="", referrer_policy="", cross_origin_opener_policy="")
    with TestClient(app) as client:
        headers = client.get("/", headers=HOST).headers
    for name in ("x-frame-options", "content-security-policy", "referrer-policy"):
        assert name not in headers
    assert "cross-origin-opener-policy" not in headers


def test_settings_supply_the_options(monkeypatch: pytest.MonkeyPatch) -> None:
    class SiteSettings(Settings):
        security_frame_ancestors: str = "'self' https://partner.example"

    monkeypatch.setenv("TRELLIS_SECURITY_HSTS_SECONDS", "120")
    app = App(settings=SiteSettings(allowed_hosts=["example.com"]))

    @app.get("/")
    def index() -> str:
        return "home"

    with TestClient(app, base_url="https://example.com") as client:
        headers = client.get("/").headers
    assert headers["content-security-policy"] == "frame-ancestors 'self' https://partner.example"
    assert headers["strict-transport-security"] == "max-age=120"


def test_a_response_overrides_or_drops_a_header() -> None:
    app = make_app()

    @app.get("/embeddable")
    def embeddable() -> Response:
        response = Response("widget")
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Content-Security-Policy"] = "frame-ancestors https://partner.example"
        response.headers["Referrer-Policy"] = ""  # empty: leave this header out
        return response

    with TestClient(app) as client:
        response = client.get("/embeddable", headers=HOST)
    raw = response.headers.raw
    assert response.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert response.headers.get_list("content-security-policy") == [
        "frame-ancestors https://partner.example"
    ]
    assert all(name.lower() != b"referrer-policy" for name, _ in raw)
    assert response.headers["x-content-type-options"] == "nosniff"  # the others stay


def test_csp_with_a_fresh_nonce_per_request_in_the_header_and_the_template(
    tmp_path: Path,
) -> None:
    from trellis.templates import Templates

    (tmp_path / "page.html").write_text(
        '<script nonce="{{ csp_nonce() }}">go()</script>'
        '<style nonce="{{ csp_nonce() }}">p{}</style>'
    )
    app = make_app(
        csp={"default-src": "'self'", "img-src": ["'self'", "data:"], "style-src": "'self'"},
        csp_nonce_in=["script-src", "style-src"],
    )
    app.install(Templates(str(tmp_path)))

    @app.get("/page")
    async def page() -> Template:
        return Template("page.html")

    nonces = []
    with TestClient(app) as client:
        for _ in range(2):
            response = client.get("/page", headers=HOST)
            policy = response.headers["content-security-policy"]
            found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy)
            assert found, policy
            nonce = found.group(1)
            assert f"style-src 'self' 'nonce-{nonce}'" in policy
            assert "img-src 'self' data:" in policy
            assert "frame-ancestors 'none'" in policy
            assert response.text == (
                f'<script nonce="{nonce}">go()</script><style nonce="{nonce}">p{{}}</style>'
            )
            nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_csp_nonce_is_empty_without_a_policy(tmp_path: Path) -> None:
    from trellis.templates import Templates

    (tmp_path / "page.html").write_text('<script nonce="{{ csp_nonce() }}"></script>')
    app = make_app()
    app.install(Templates(str(tmp_path)))

    @app.get("/page")
    async def page() -> Template:
        return Template("page.html")

    with TestClient(app) as client:
        assert client.get("/page", headers=HOST).text == '<script nonce=""></script>'


def test_the_nonce_is_on_request_state_for_handlers() -> None:
    app = make_app(csp="default-src 'self'")

    @app.get("/nonce")
    def nonce(request: Request) -> str:
        return str(request.state.csp_nonce)

    with TestClient(app) as client:
        response = client.get("/nonce", headers=HOST)
    assert (
        f"script-src 'self' 'nonce-{response.text}'" in response.headers["content-security-policy"]
    )


def test_report_only_keeps_frame_ancestors_enforced() -> None:
    app = make_app(csp="default-src 'self'; report-uri /csp", csp_report_only=True, csp_nonce_in=[])
    with TestClient(app) as client:
        headers = client.get("/", headers=HOST).headers
    assert headers["content-security-policy-report-only"] == "default-src 'self'; report-uri /csp"
    assert headers["content-security-policy"] == "frame-ancestors 'none'"


def test_build_csp_never_loosens_the_policy() -> None:
    text, has_nonce = build_csp({"default-src": "'none'"}, nonce_in=["script-src"])
    assert has_nonce
    assert text.startswith("default-src 'none'; script-src 'nonce-")
    text, has_nonce = build_csp("img-src *", nonce_in=["script-src"])
    assert (text, has_nonce) == ("img-src *", False)  # nothing to restrict: no nonce added


def test_bad_header_options_fail_at_start_up() -> None:
    for options in (
        {"frame_options": "ALLOWALL"},
        {"referrer_policy": "same-origin\r\nSet-Cookie: a=b"},
        {"hsts_seconds": -1},
        {"https_redirect_exempt": ["health"]},
    ):
        app = App(settings=Settings(allowed_hosts=["example.com"]))
        app.install(Security(**options))  # type: ignore[arg-type]
        with pytest.raises(ConfigurationError):
            app.startup_freeze()


def test_installing_twice_is_an_error() -> None:
    app = App()
    app.install(Security())
    with pytest.raises(ConfigurationError, match="installed twice"):
        app.install(Security())


def test_admit_and_finish_work_without_a_server() -> None:
    """The two steps the middleware runs, usable alone (free of I/O)."""
    from trellis.security import SecurityMiddleware

    app = App(settings=Settings(allowed_hosts=["example.com"]))
    middleware = SecurityMiddleware(app, Security().configure(app))
    scope = {"type": "http", "scheme": "https", "headers": [(b"host", b"example.com")]}
    assert middleware.admit(scope) is None
    refused = middleware.admit({**scope, "headers": [(b"host", b"evil.com")]})
    assert refused is not None
    assert refused.status_code == 400
    headers = [(b"content-type", b"text/plain"), (b"x-frame-options", b"SAMEORIGIN")]
    middleware.finish(scope, headers)
    names = [name for name, _ in headers]
    assert names.count(b"x-frame-options") == 1
    assert (b"x-frame-options", b"SAMEORIGIN") in headers
    assert (b"strict-transport-security", b"max-age=31536000") in headers
    plain = [(b"content-type", b"text/plain")]
    middleware.finish({**scope, "scheme": "http"}, plain)
    assert b"strict-transport-security" not in [name for name, _ in plain]
    assert (b"x-content-type-options", b"nosniff") in plain
