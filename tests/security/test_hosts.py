"""Allowed hosts: a Host header the site does not answer to gets 400, outside debug."""

from __future__ import annotations

import logging

import pytest
from tests.security.helpers import call, make_app

from trellis import WebSocket
from trellis.exceptions import ConfigurationError
from trellis.security import HostMatcher
from trellis.security.hosts import split_host
from trellis.testing import TestClient, WebSocketDenied


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("example.com", ("example.com", "")),
        ("Example.COM:8080", ("example.com", "8080")),
        ("example.com.", ("example.com", "")),
        ("[::1]:8000", ("[::1]", "8000")),
        ("127.0.0.1", ("127.0.0.1", "")),
        ("evil.com@example.com", None),
        ("example.com/evil", None),
        ("exa mple.com", None),
        ("example.com:80:80", None),
        ("example.com:", None),
        ("", None),
        ("::1", None),
    ],
)
def test_split_host(host: str, expected: tuple[str, str] | None) -> None:
    assert split_host(host) == expected


def test_host_matcher_patterns() -> None:
    matcher = HostMatcher(["example.com", ".example.org", "api.example.net:8443", "[::1]"])
    assert matcher.allows("example.com")
    assert matcher.allows("EXAMPLE.com:8000")  # any port for a name without one
    assert matcher.allows("example.com.")
    assert not matcher.allows("www.example.com")  # no dot: that exact name only
    assert matcher.allows("example.org")  # ".example.org": the domain itself ...
    assert matcher.allows("a.b.example.org")  # ... and every subdomain
    assert not matcher.allows("badexample.org")
    assert not matcher.allows("example.org.evil.com")
    assert matcher.allows("api.example.net:8443")
    assert not matcher.allows("api.example.net")  # a pattern with a port needs that port
    assert not matcher.allows("api.example.net:443")
    assert matcher.allows("[::1]:8000")
    assert not matcher.allows("evil.com")
    assert not matcher.allows("example.com@evil.com")
    assert HostMatcher(["*"]).allows("anything.at.all")


def test_a_malformed_pattern_fails_at_start_up() -> None:
    with pytest.raises(ConfigurationError, match="not a host name"):
        HostMatcher(["https://example.com"])


def test_host_header_attack_gets_400_with_a_clear_message(caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    with TestClient(app) as client, caplog.at_level(logging.WARNING, "trellis.security"):
        assert client.get("/", headers={"host": "example.com"}).text == "home"
        refused = client.get("/", headers={"host": "evil.com"})
        assert refused.status_code == 400
        assert "Invalid Host header &#x27;evil.com&#x27;" in refused.text
        assert "allowed_hosts" in refused.text
        assert refused.headers["x-content-type-options"] == "nosniff"
        # API clients get the problem as JSON
        as_json = client.get("/", headers={"host": "evil.com", "accept": "application/json"})
        assert as_json.status_code == 400
        assert "Invalid Host header 'evil.com'" in as_json.json()["detail"]
    assert "Refused a request for Host 'evil.com'" in caplog.text


def test_the_refusal_is_remembered_and_still_refused() -> None:
    app = make_app()
    with TestClient(app) as client:
        for _ in range(3):
            assert client.get("/", headers={"host": "evil.com"}).status_code == 400
        assert client.get("/", headers={"host": "example.com"}).status_code == 200


async def test_garbage_hosts_are_refused() -> None:
    app = make_app()
    for garbage in (b"example.com@evil.com", b"example.com/x", b"example.com evil", b"\xff"):
        assert (await call(app, {"headers": [(b"host", garbage)]}))[0] == 400


async def test_without_host_the_server_address_is_judged_like_django() -> None:
    app = make_app(allowed_hosts=["example.com", "[::1]"])
    # HTTP/1.0 without Host: URLs would be built from the server's address, 10.0.0.2:8000
    status, _, body = await call(app, {"http_version": "1.0", "headers": []})
    assert status == 400
    assert b"no Host header" in body
    status, _, _ = await call(app, {"headers": [], "server": ("::1", 8000)})
    assert status == 200
    status, _, _ = await call(app, {"headers": [], "server": None})
    assert status == 400
    app = make_app(allowed_hosts=["10.0.0.2"])
    assert (await call(app, {"http_version": "1.0", "headers": []}))[0] == 200


def test_wildcard_subdomains_like_django() -> None:
    app = make_app(allowed_hosts=[".example.com"])
    with TestClient(app) as client:
        for host in ("example.com", "www.example.com", "a.b.example.com:8443"):
            assert client.get("/", headers={"host": host}).status_code == 200, host
        for host in ("badexample.com", "example.com.evil.net", "evil.com"):
            assert client.get("/", headers={"host": host}).status_code == 400, host


def test_star_allows_everything() -> None:
    app = make_app(allowed_hosts=["*"])
    with TestClient(app) as client:
        assert client.get("/", headers={"host": "whatever.test"}).status_code == 200


def test_debug_does_not_enforce_hosts_unless_asked() -> None:
    with TestClient(make_app(debug=True)) as client:
        assert client.get("/", headers={"host": "evil.com"}).status_code == 200
    with TestClient(make_app(debug=True, enforce_hosts=True)) as client:
        assert client.get("/", headers={"host": "evil.com"}).status_code == 400


def test_hosts_can_be_switched_off_outside_debug() -> None:
    with TestClient(make_app(enforce_hosts=False)) as client:
        assert client.get("/", headers={"host": "evil.com"}).status_code == 200


def test_allowed_hosts_option_wins_over_the_setting() -> None:
    app = make_app(allowed_hosts=["example.com"])
    app.extensions["security"].options["allowed_hosts"] = ["other.example"]
    with TestClient(app) as client:
        assert client.get("/", headers={"host": "other.example"}).status_code == 200
        assert client.get("/", headers={"host": "example.com"}).status_code == 400


def test_testserver_is_accepted_only_from_the_test_client() -> None:
    app = make_app()
    with TestClient(app) as client:  # base_url http://testserver
        assert client.get("/").status_code == 200


async def test_testserver_from_a_real_server_is_refused() -> None:
    app = make_app()
    status, _, _ = await call(app, {"headers": [(b"host", b"testserver")]})
    assert status == 400
    status, _, _ = await call(app, {"headers": [(b"host", b"example.com")]})
    assert status == 200
    # a scope a test harness built (servers report an address there, never this name)
    harness = {"headers": [(b"host", b"testserver")], "server": ("testserver", 80)}
    assert (await call(app, harness))[0] == 200


def test_websocket_with_a_bad_host_is_closed_before_accept() -> None:
    app = make_app()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    with TestClient(app) as client:
        with client.websocket_connect("/ws", headers={"host": "example.com"}) as session:
            assert session.receive_text() == "hello"
        with (
            pytest.raises(WebSocketDenied) as denied,
            client.websocket_connect("/ws", headers={"host": "evil.com"}),
        ):
            pass
        assert (denied.value.status_code, denied.value.code) == (403, 1008)
