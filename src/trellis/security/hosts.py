"""Host header validation: which names this site answers to (Django's ``ALLOWED_HOSTS``).

A site that builds absolute URLs from the Host header (password-reset links, redirects, cache
keys) must not let a client choose that header freely: ``Host: evil.example`` would put the
attacker's domain in the links the site mails out.  The check here is free of I/O: plain bytes
in, a boolean out, so the middleware can cache one answer per distinct header value.

Patterns, as in Django:

* ``"example.com"`` matches that name exactly (any port);
* ``".example.com"`` matches ``example.com`` and every subdomain (``www.example.com``);
* ``"example.com:8443"`` matches that name on that port only;
* ``"*"`` matches everything (the deploy check ``trellis.W004`` warns about it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from trellis.exceptions import ConfigurationError

__all__ = ["HostMatcher", "split_host"]

# A DNS name (letters, digits, dots, hyphens) or a bracketed IPv6 literal, then an optional port.
_HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]{1,5}))?")


def split_host(host: str) -> tuple[str, str] | None:
    """``(name, port)`` of a Host value, lower-cased, trailing dot removed; None if malformed.

    ``port`` is ``""`` when absent.  Anything but a DNS name or an IPv6 literal (spaces, ``@``,
    ``/``, a second colon outside brackets) is malformed: such a header is refused, never
    guessed at.
    """
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return None
    name, port = match.group(1), match.group(2) or ""
    if name.endswith(".") and not name.startswith("["):
        name = name[:-1]
    if not name:
        return None
    return name, port


class HostMatcher:
    """Decides whether a Host value is one of the allowed patterns."""

    __slots__ = ("any", "exact", "exact_with_port", "patterns", "suffixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        self.any = "*" in self.patterns
        self.exact: set[str] = set()
        self.exact_with_port: set[tuple[str, str]] = set()
        self.suffixes: list[str] = []
        for pattern in self.patterns:
            if pattern == "*":
                continue
            if pattern.startswith("."):
                self.suffixes.append(pattern.rstrip("."))
                continue
            parts = split_host(pattern)
            if parts is None:
                raise ConfigurationError(
                    f"allowed_hosts entry {pattern!r} is not a host name: use 'example.com', "
                    "'.example.com' (with subdomains), 'example.com:8443' or '*'"
                )
            name, port = parts
            if port:
                self.exact_with_port.add((name, port))
            else:
                self.exact.add(name)

    def allows(self, host: str) -> bool:
        """True when ``host`` (a Host header value, port included) matches a pattern."""
        if self.any:
            return True
        parts = split_host(host)
        if parts is None:
            return False
        name, port = parts
        if name in self.exact or (name, port) in self.exact_with_port:
            return True
        # ".example.com" matches "example.com" and "*.example.com", not "badexample.com"
        return any(name == suffix[1:] or name.endswith(suffix) for suffix in self.suffixes)

    def __repr__(self) -> str:
        return f"HostMatcher({list(self.patterns)!r})"
