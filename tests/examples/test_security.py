"""Exercise docs/examples/security.py: a site behind a TLS proxy, as the proxy and as an attacker."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from docs.examples import security as example

from trellis.testing import TestClient

# What the load balancer (10.0.0.5) sends for a browser that spoke HTTPS to www.example.com.
VIA_PROXY = {
    "host": "10.0.0.9:8000",
    "x-forwarded-for": "198.51.100.7",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "www.example.com",
}


@pytest.fixture
def proxy() -> Iterator[TestClient]:
    with TestClient(example.app, client=("10.0.0.5", 40000)) as client:
        yield client


@pytest.fixture
def stranger() -> Iterator[TestClient]:
    with TestClient(example.app, client=("203.0.113.50", 40000)) as client:
        yield client


def test_a_page_through_the_proxy(proxy: TestClient) -> None:
    response = proxy.get("/", headers=VIA_PROXY)
    assert response.status_code == 200
    assert "You are 198.51.100.7, over https." in response.text
    policy = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in response.text
    assert "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert proxy.get("/", headers=VIA_PROXY).headers["content-security-policy"] != policy


def test_plain_http_is_redirected_but_the_health_check_is_not(proxy: TestClient) -> None:
    plain = {**VIA_PROXY, "x-forwarded-proto": "http"}
    response = proxy.get("/login?next=/inbox", headers=plain)
    assert response.status_code == 301
    assert response.headers["location"] == "https://www.example.com/login?next=/inbox"
    assert proxy.get("/health", headers=plain).json() == {"ok": True}


def test_forged_headers_from_anyone_else_are_ignored(stranger: TestClient) -> None:
    # the stranger's own Host is checked, and its X-Forwarded-* are not believed
    assert stranger.get("/", headers=VIA_PROXY).status_code == 400
    response = stranger.get("/", headers={**VIA_PROXY, "host": "example.com"})
    assert response.status_code == 301  # still plain HTTP: the forged proto changed nothing
    assert response.headers["location"] == "https://example.com/"


def test_a_host_header_attack_through_the_proxy_is_refused(proxy: TestClient) -> None:
    response = proxy.get("/", headers={**VIA_PROXY, "x-forwarded-host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" in response.text


def test_login_goes_to_next_only_on_this_site(proxy: TestClient) -> None:
    assert 'value="/inbox"' in proxy.get("/login?next=/inbox", headers=VIA_PROXY).text
    for target, expected in (
        ("/inbox", "/inbox"),
        ("https://shop.example.com/cart", "/"),  # another host, not given to safe_next
        ("//evil.example", "/"),
        ("https:evil.example", "/"),
    ):
        response = proxy.post("/login", headers=VIA_PROXY, data={"next": target})
        assert response.headers["location"] == expected, target
