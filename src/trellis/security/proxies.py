"""Trusted proxies: believe ``X-Forwarded-For/Proto/Host`` only from the proxies you run.

Behind a load balancer the app's direct peer is the proxy, and the scheme is often plain HTTP
even though the browser spoke HTTPS.  The proxy says what it saw in ``X-Forwarded-*`` headers,
but any client can send those headers too; so they are read only when the direct peer
(``scope["client"]``) is one of the configured addresses or networks, and then the scope is
rewritten so that everything downstream (``request.client``, ``request.url``, ``url_for``,
redirects, the HTTPS redirect, HSTS, ``Secure`` cookies) sees the original request.

A chain of proxies is walked from the right: each proxy appends the address it received the
request from, so ``X-Forwarded-For: client, proxy1`` from trusted ``proxy2`` names ``client``
once ``proxy1`` is trusted too.  The first address that is not trusted is the client; whatever
it claims further left is ignored.  ``X-Forwarded-Proto`` and ``-Host`` are read at the entry of
the outermost trusted proxy (the same position, counted from the right), or the leftmost entry
when the proxies overwrite rather than append.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, MutableMapping
from typing import Any

from trellis.exceptions import ConfigurationError
from trellis.security.hosts import split_host

__all__ = ["FORWARDED_HEADERS", "TrustedProxies"]

#: The headers a trusted proxy may set, by the name used in the ``proxy_headers`` option.
FORWARDED_HEADERS = {
    "x-forwarded-for": b"x-forwarded-for",
    "x-forwarded-proto": b"x-forwarded-proto",
    "x-forwarded-host": b"x-forwarded-host",
}
_MAX_CACHED = 1024
_SCHEMES = {"http": "http", "https": "https"}
_WS_SCHEMES = {"http": "ws", "https": "wss"}
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The proxies whose ``X-Forwarded-*`` headers are believed, and the scope rewrite.

    ``addresses`` holds IP addresses and networks in CIDR notation (``"10.0.0.0/8"``,
    ``"::1"``); ``"*"`` trusts every peer, for an app reachable only through its proxy.
    """

    def __init__(self, addresses: Iterable[str], headers: Iterable[str] = FORWARDED_HEADERS):
        self.everyone = False
        self.networks: list[Network] = []
        for entry in addresses:
            entry = entry.strip()
            if entry == "*":
                self.everyone = True
                continue
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ConfigurationError(
                    f"trusted proxy {entry!r} is not an IP address or network: use addresses "
                    "such as '10.0.0.7', networks such as '10.0.0.0/8', or '*'"
                ) from None
        names = set()
        for header in headers:
            raw = FORWARDED_HEADERS.get(header.strip().lower())
            if raw is None:
                raise ConfigurationError(
                    f"proxy header {header!r} is not supported; choose among "
                    f"{', '.join(FORWARDED_HEADERS)}"
                )
            names.add(raw)
        self.use_for = b"x-forwarded-for" in names
        self.use_proto = b"x-forwarded-proto" in names
        self.use_host = b"x-forwarded-host" in names
        self._cache: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return self.everyone or bool(self.networks)

    def trusts(self, address: str) -> bool:
        """True when ``address`` (an IP as text) is a trusted proxy; cached per address."""
        known = self._cache.get(address)
        if known is not None:
            return known
        trusted = self.everyone or _in_networks(address, self.networks)
        if len(self._cache) < _MAX_CACHED:
            self._cache[address] = trusted
        return trusted

    def apply(self, scope: MutableMapping[str, Any]) -> None:
        """Rewrite ``scope`` from the forwarded headers when the direct peer is trusted."""
        client = scope.get("client")
        if not client or not self.trusts(str(client[0])):
            return
        forwarded_for = forwarded_proto = forwarded_host = None
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded_for = value if forwarded_for is None else forwarded_for + b"," + value
            elif name == b"x-forwarded-proto":
                forwarded_proto = (
                    value if forwarded_proto is None else forwarded_proto + b"," + value
                )
            elif name == b"x-forwarded-host":
                forwarded_host = value if forwarded_host is None else forwarded_host + b"," + value
        hops = 0
        if forwarded_for is not None and self.use_for:
            address, hops = self._client_of(forwarded_for)
            if address is not None:
                scope["client"] = (address, 0)
        if forwarded_proto is not None and self.use_proto:
            proto = _entry(forwarded_proto, hops).lower()
            schemes = _WS_SCHEMES if scope.get("type") == "websocket" else _SCHEMES
            scheme = schemes.get(proto)
            if scheme is not None:
                scope["scheme"] = scheme
        if forwarded_host is not None and self.use_host:
            host = _entry(forwarded_host, hops)
            if host and split_host(host) is not None:
                raw = host.encode("latin-1")
                scope["headers"] = [
                    (name, value) for name, value in scope["headers"] if name != b"host"
                ]
                scope["headers"].append((b"host", raw))

    def _client_of(self, header: bytes) -> tuple[str | None, int]:
        """The client address in an ``X-Forwarded-For`` value, and the trusted hops before it."""
        client: str | None = None
        hops = 0
        for item in reversed(header.decode("latin-1").split(",")):
            address = _address(item)
            if address is None:
                break  # garbage stops the walk; nothing left of it is believed
            client = address
            if not self.trusts(address):
                break
            hops += 1
        return client, hops

    def __repr__(self) -> str:
        listed = ["*"] if self.everyone else [str(n) for n in self.networks]
        return f"TrustedProxies({listed!r})"


def _in_networks(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def _address(item: str) -> str | None:
    """The IP address in one ``X-Forwarded-For`` entry (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``)."""
    item = item.strip()
    if item.startswith("["):
        item = item[1:].partition("]")[0]
    elif item.count(":") == 1:
        item = item.partition(":")[0]
    try:
        return str(ipaddress.ip_address(item))
    except ValueError:
        return None


def _entry(header: bytes, hops: int) -> str:
    """The entry written by the outermost trusted proxy: ``hops + 1`` from the right."""
    items = header.decode("latin-1").split(",")
    index = len(items) - hops - 1
    return items[max(index, 0)].strip()
