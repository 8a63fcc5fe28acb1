"""Security: allowed hosts, trusted proxies, HTTPS, security headers, CSRF and safe redirects.

Every app gets :class:`Security` by convention (switch it off with ``security_enabled=False``);
``app.install(CSRF())`` adds forgery protection.  Names load on first use, so the convention
that runs for every app imports only what it needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.security.battery import Security, SecurityConfig
    from trellis.security.csrf import CSRF, csrf_exempt, csrf_token_is_valid, get_csrf_token
    from trellis.security.hosts import HostMatcher
    from trellis.security.middleware import SecurityEdge, SecurityMiddleware
    from trellis.security.proxies import TrustedProxies
    from trellis.security.redirects import safe_next, url_is_safe
    from trellis.security.secrets import require_secret_key

__all__ = [
    "CSRF",
    "HostMatcher",
    "Security",
    "SecurityConfig",
    "SecurityEdge",
    "SecurityMiddleware",
    "TrustedProxies",
    "csrf_exempt",
    "csrf_token_is_valid",
    "get_csrf_token",
    "require_secret_key",
    "safe_next",
    "url_is_safe",
]

_WHERE = {
    "Security": "trellis.security.battery",
    "SecurityConfig": "trellis.security.battery",
    "HostMatcher": "trellis.security.hosts",
    "SecurityEdge": "trellis.security.middleware",
    "SecurityMiddleware": "trellis.security.middleware",
    "TrustedProxies": "trellis.security.proxies",
    "safe_next": "trellis.security.redirects",
    "url_is_safe": "trellis.security.redirects",
    "CSRF": "trellis.security.csrf",
    "csrf_exempt": "trellis.security.csrf",
    "csrf_token_is_valid": "trellis.security.csrf",
    "get_csrf_token": "trellis.security.csrf",
    "require_secret_key": "trellis.security.secrets",
}

__getattr__ = lazy_exports(__name__, _WHERE)
