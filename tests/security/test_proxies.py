"""Trusted proxies: X-Forwarded-* believed only from the configured peers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from tests.security.helpers import call, make_app

from trellis.exceptions import ConfigurationError
from trellis.security import TrustedProxies

FORWARDED = [
    (b"host", b"10.0.0.2:8000"),
    (b"x-forwarded-for", b"198.51.100.7"),
    (b"x-forwarded-proto", b"https"),
    (b"x-forwarded-host", b"example.com"),
]


async def where(app: Any, peer: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, Any]:
    status, _, body = await call(
        app, {"path": "/where", "client": (peer, 51000), "headers": headers}
    )
    return status, orjson.loads(body) if status == 200 else body


async def test_forwarded_headers_from_an_untrusted_peer_are_ignored() -> None:
    app = make_app(allowed_hosts=["example.com", "10.0.0.2"], trusted_proxies=["10.0.0.1"])
    status, seen = await where(app, "203.0.113.9", FORWARDED)
    assert status == 200
    assert seen["client"] == "203.0.113.9"
    assert seen["scheme"] == "http"
    assert seen["host"] == "10.0.0.2:8000"
    assert seen["url"] == "http://10.0.0.2:8000/where"


async def test_forwarded_headers_from_a_trusted_peer_rewrite_the_request() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.1"])
    status, seen = await where(app, "10.0.0.1", FORWARDED)
    assert status == 200
    assert seen == {
        "client": "198.51.100.7",
        "scheme": "https",
        "url": "https://example.com/where",
        "host": "example.com",
        "login": "/login",
    }


async def test_no_proxy_is_trusted_by_default() -> None:
    app = make_app(allowed_hosts=["example.com", "10.0.0.2"])
    _, seen = await where(app, "127.0.0.1", FORWARDED)
    assert (seen["client"], seen["scheme"]) == ("127.0.0.1", "http")


async def test_networks_in_cidr_notation() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.0/8", "fd00::/8"])
    assert (await where(app, "10.20.30.40", FORWARDED))[1]["client"] == "198.51.100.7"
    assert (await where(app, "fd00::5", FORWARDED))[1]["client"] == "198.51.100.7"
    # 11.0.0.1 is outside the network: its Host is the proxy address, which is not allowed
    assert (await where(app, "11.0.0.1", FORWARDED))[0] == 400


async def test_the_forwarded_host_is_checked_against_allowed_hosts() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.1"])
    headers = [(b"host", b"example.com"), (b"x-forwarded-host", b"evil.com")]
    status, body = await where(app, "10.0.0.1", headers)
    assert status == 400
    assert b"evil.com" in body


async def test_a_chain_is_walked_from_the_right_to_the_first_untrusted_address() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.0/8"])
    # the client forged "1.1.1.1"; the CDN edge 10.9.9.9 appended the real address
    headers = [
        (b"host", b"example.com"),
        (b"x-forwarded-for", b"1.1.1.1, 198.51.100.7, 10.9.9.9"),
        (b"x-forwarded-proto", b"http, https, http"),  # each proxy appended what it saw
    ]
    _, seen = await where(app, "10.0.0.1", headers)
    assert seen["client"] == "198.51.100.7"
    # the outermost trusted proxy (10.9.9.9's peer entry) saw https
    assert seen["scheme"] == "https"


async def test_forwarded_values_split_over_several_header_lines() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.0/8"])
    headers = [
        (b"host", b"example.com"),
        (b"x-forwarded-for", b"198.51.100.7"),
        (b"x-forwarded-for", b"10.9.9.9"),
    ]
    assert (await where(app, "10.0.0.1", headers))[1]["client"] == "198.51.100.7"


async def test_garbage_is_not_believed() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.1"])
    headers = [
        (b"host", b"example.com"),
        (b"x-forwarded-for", b"<script>, not-an-ip"),
        (b"x-forwarded-proto", b"gopher"),
        (b"x-forwarded-host", b"bad host/"),
    ]
    status, seen = await where(app, "10.0.0.1", headers)
    assert status == 200
    assert (seen["client"], seen["scheme"], seen["host"]) == ("10.0.0.1", "http", "example.com")


async def test_addresses_with_ports_and_ipv6_brackets() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.1"])
    for value, expected in (
        (b"198.51.100.7:5555", "198.51.100.7"),
        (b"[2001:db8::1]:80", "2001:db8::1"),
    ):
        headers = [(b"host", b"example.com"), (b"x-forwarded-for", value)]
        assert (await where(app, "10.0.0.1", headers))[1]["client"] == expected


async def test_only_the_chosen_headers_are_honoured() -> None:
    app = make_app(
        allowed_hosts=["example.com", "10.0.0.2"],
        trusted_proxies=["10.0.0.1"],
        proxy_headers=["x-forwarded-for"],
    )
    _, seen = await where(app, "10.0.0.1", FORWARDED)
    assert seen["client"] == "198.51.100.7"
    assert (seen["scheme"], seen["host"]) == ("http", "10.0.0.2:8000")


async def test_https_redirect_behind_a_proxy_uses_the_forwarded_scheme_and_host() -> None:
    app = make_app(allowed_hosts=["example.com"], trusted_proxies=["10.0.0.1"], https_redirect=True)
    # the proxy terminated TLS: no redirect loop, and HSTS goes out
    status, headers, _ = await call(
        app, {"path": "/where", "client": ("10.0.0.1", 1), "headers": FORWARDED}
    )
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=")
    # the browser spoke plain HTTP to the proxy: redirected to the public name
    plain = [(b"host", b"10.0.0.2:8000"), (b"x-forwarded-proto", b"http"), FORWARDED[3]]
    status, headers, _ = await call(
        app,
        {"path": "/where", "query_string": b"a=1", "client": ("10.0.0.1", 1), "headers": plain},
    )
    assert status == 301
    assert headers["location"] == "https://example.com/where?a=1"
    # the same headers from anyone else change nothing: their Host is refused
    status, _, _ = await call(
        app, {"path": "/where", "client": ("203.0.113.9", 1), "headers": FORWARDED}
    )
    assert status == 400


def test_bad_configuration_fails_at_start_up() -> None:
    with pytest.raises(ConfigurationError, match="not an IP address"):
        TrustedProxies(["proxy.internal"])
    with pytest.raises(ConfigurationError, match="not supported"):
        TrustedProxies(["10.0.0.1"], ["forwarded"])


def test_trusts_is_cached_and_handles_mapped_addresses() -> None:
    proxies = TrustedProxies(["10.0.0.0/8"])
    assert proxies.trusts("::ffff:10.1.2.3")
    assert not proxies.trusts("not an address")
    assert TrustedProxies(["*"]).trusts("203.0.113.1")
    assert not TrustedProxies([])
