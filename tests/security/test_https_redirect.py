"""The HTTPS redirect: plain HTTP answered with a permanent redirect, exempt paths served."""

from __future__ import annotations

from tests.security.helpers import call, make_app

from trellis.testing import TestClient


def test_off_by_default() -> None:
    with TestClient(make_app()) as client:
        assert client.get("/", headers={"host": "example.com"}).status_code == 200


def test_get_is_301_and_post_is_308_to_the_same_url_over_https() -> None:
    app = make_app(https_redirect=True)
    with TestClient(app) as client:
        got = client.get("/where?x=1&y=%20", headers={"host": "example.com"})
        assert got.status_code == 301
        assert got.headers["location"] == "https://example.com/where?x=1&y=%20"
        assert "strict-transport-security" not in got.headers  # ignored over HTTP anyway
        assert got.headers["x-frame-options"] == "DENY"
        posted = client.post("/where", headers={"host": "example.com"}, content=b"a=1")
        assert posted.status_code == 308  # keeps the method and the body
        assert posted.headers["location"] == "https://example.com/where"


def test_https_requests_are_served() -> None:
    app = make_app(https_redirect=True)
    with TestClient(app, base_url="https://example.com") as client:
        response = client.get("/where")
        assert response.status_code == 200
        assert response.json()["scheme"] == "https"


def test_exempt_paths_are_served_over_http() -> None:
    app = make_app(https_redirect=True, https_redirect_exempt=["/login", "/health"])
    with TestClient(app) as client:
        assert client.get("/login", headers={"host": "example.com"}).status_code == 200
        assert client.get("/where", headers={"host": "example.com"}).status_code == 301


def test_redirect_host_option_and_ports() -> None:
    app = make_app(https_redirect=True, https_redirect_host="secure.example.com")
    with TestClient(app) as client:
        response = client.get("/where", headers={"host": "example.com"})
        assert response.headers["location"] == "https://secure.example.com/where"
    app = make_app(https_redirect=True, allowed_hosts=["example.com"])
    with TestClient(app) as client:
        default_port = client.get("/", headers={"host": "example.com:80"})
        assert default_port.headers["location"] == "https://example.com/"
        other_port = client.get("/", headers={"host": "example.com:8443"})
        assert other_port.headers["location"] == "https://example.com:8443/"


async def test_the_raw_path_is_kept_and_a_mount_point_too() -> None:
    app = make_app(https_redirect=True, https_redirect_exempt=["/login"])
    status, headers, _ = await call(
        app,
        {
            "path": "/app/caf\u00e9",
            "raw_path": b"/app/caf%C3%A9",
            "root_path": "/app",
            "headers": [(b"host", b"example.com")],
        },
    )
    assert status == 301
    assert headers["location"] == "https://example.com/app/caf%C3%A9"
    # exempt paths are matched below the mount point
    status, _, _ = await call(
        app,
        {"path": "/app/login", "root_path": "/app", "headers": [(b"host", b"example.com")]},
    )
    assert status == 200


async def test_a_bad_host_is_refused_before_any_redirect() -> None:
    app = make_app(https_redirect=True)
    status, headers, _ = await call(app, {"headers": [(b"host", b"evil.com")]})
    assert status == 400
    assert "location" not in headers
    # in debug hosts are not checked, yet a malformed one is never put in a Location
    app = make_app(https_redirect=True, debug=True)
    status, headers, _ = await call(app, {"headers": [(b"host", b"evil.com/x")]})
    assert status == 400
    assert "location" not in headers
