"""Deploy checks of the security setup (``trellis check --deploy``), IDs ``trellis.security.W0xx``.

The core's checks already cover debug (``trellis.W001``), a missing or weak secret key
(``trellis.W002``/``W003``) and ``allowed_hosts = ["*"]`` (``trellis.W004``).  These add:

* ``W001`` the security battery is switched off (``security_enabled=False``).
* ``W002`` allowed_hosts lists only local names: the public name gets 400.
* ``W003`` HSTS is off (``security_hsts_seconds=0``).
* ``W004`` the HTTPS redirect is off.
* ``W005`` the session cookie is not ``Secure`` (``session_secure=False``).
* ``W006`` CSRF protection is not installed.
* ``W007`` framing protection is off (clickjacking).
* ``W008`` ``X-Content-Type-Options: nosniff`` is off.
* ``W009`` every peer is a trusted proxy, so any client can forge its address and scheme.
* ``W010`` the Host check is switched off outside debug (``security_enforce_hosts=false``).
* ``W011`` ``Referrer-Policy`` is off: full URLs (tokens in query strings) leak to other sites.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from trellis.checks import CheckMessage
from trellis.conf import setting

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.security.battery import SecurityConfig

__all__ = ["security_checks", "security_disabled_check"]

_LOCAL = {"localhost", "127.0.0.1", "[::1]", "::1"}


def _warning(number: int, message: str, hint: str) -> CheckMessage:
    return CheckMessage(f"trellis.security.W{number:03d}", "warning", message, hint)


def security_disabled_check(app: App, deploy: bool) -> Iterable[CheckMessage]:
    """Registered by the convention when ``security_enabled`` is false."""
    from trellis.security.battery import Security

    if deploy and app.installed(Security) is None:
        yield _warning(
            1,
            "the security battery is off: no Host check, no security headers, no HSTS",
            "remove TRELLIS_SECURITY_ENABLED=false (or security_enabled = False), or "
            "app.install(Security(...)) with the options you need",
        )


def security_checks(app: App, deploy: bool) -> Iterable[CheckMessage]:
    """What the installed battery's settled options say about a production setup."""
    if not deploy:
        return
    from trellis.security.battery import Security

    battery = app.installed(Security)
    if battery is None:
        return
    config = battery.config or battery.configure(app)
    yield from _host_messages(app, config)
    yield from _https_messages(config)
    yield from _cookie_and_csrf_messages(app)
    yield from _header_messages(config)


def _host_messages(app: App, config: SecurityConfig) -> Iterable[CheckMessage]:
    patterns = config.hosts.patterns
    if patterns and not config.hosts.any and all(p in _LOCAL for p in patterns):
        yield _warning(
            2,
            f"allowed_hosts lists only local names ({', '.join(patterns)}): requests for the "
            "site's public name will be refused with 400",
            'set TRELLIS_ALLOWED_HOSTS=\'["example.com", ".example.com"]\' (a leading dot '
            "allows every subdomain)",
        )
    if not config.enforce_hosts and not app.settings.debug:
        yield _warning(
            10,
            "the Host header is not checked: links built from it (password reset mails) "
            "can point to any site a client names",
            "remove security_enforce_hosts=false; list the site's names in allowed_hosts",
        )
    proxies = config.proxies
    if proxies.everyone or any(network.prefixlen == 0 for network in proxies.networks):
        yield _warning(
            9,
            "every peer is a trusted proxy: any client can set X-Forwarded-For/Proto/Host "
            "and choose the address and scheme the app sees",
            "list only your proxies' addresses in security_trusted_proxies "
            "(e.g. '[\"10.0.0.0/8\"]'), unless the app is reachable only through them",
        )


def _https_messages(config: SecurityConfig) -> Iterable[CheckMessage]:
    if config.hsts_seconds <= 0:
        yield _warning(
            3,
            "HSTS is off: a browser may still try plain HTTP, where traffic can be read and "
            "changed",
            "set TRELLIS_SECURITY_HSTS_SECONDS=31536000 once the site works over HTTPS",
        )
    if not config.https_redirect:
        yield _warning(
            4,
            "requests over plain HTTP are served instead of being redirected to HTTPS",
            "set TRELLIS_SECURITY_HTTPS_REDIRECT=true, or redirect at the proxy (then "
            "list it in security_trusted_proxies so the app sees https)",
        )


def _cookie_and_csrf_messages(app: App) -> Iterable[CheckMessage]:
    sessions = app.extensions.get("sessions")
    options = getattr(sessions, "options", None)
    if options is not None and hasattr(options, "secure"):
        secure = options.secure  # what the installed battery settled on
    else:
        secure = setting(app.settings, "session_secure", None, bool | None)
    if secure is False:
        yield _warning(
            5,
            "the session cookie is sent without Secure: it travels over plain HTTP too",
            "remove session_secure=false (TRELLIS_SESSION_SECURE) so it is Secure on HTTPS",
        )
    if not _csrf_installed(app):
        yield _warning(
            6,
            "CSRF protection is not installed: another site can make a logged-in browser "
            "submit forms to this one",
            "app.install(CSRF()) (from trellis.security import CSRF)",
        )


def _csrf_installed(app: App) -> bool:
    if app.extensions.get("csrf") is not None:
        return True
    return any(
        type(b).__module__ == "trellis.security.csrf" and type(b).__name__ == "CSRF"
        for b in app.batteries
    )


def _header_messages(config: SecurityConfig) -> Iterable[CheckMessage]:
    if not config.frame_options and not config.frame_ancestors:
        yield _warning(
            7,
            "X-Frame-Options and CSP frame-ancestors are off: other sites can frame these "
            "pages (clickjacking)",
            "keep security_frame_options='DENY' (or 'SAMEORIGIN'), or set frame_ancestors",
        )
    if not config.content_type_nosniff:
        yield _warning(
            8,
            "X-Content-Type-Options: nosniff is off: browsers may run an upload as a script",
            "remove security_content_type_nosniff=false",
        )
    if not config.referrer_policy:
        yield _warning(
            11,
            "Referrer-Policy is off: full URLs, tokens in query strings included, are sent "
            "to other sites",
            "keep security_referrer_policy='same-origin' (or 'strict-origin-when-cross-origin')",
        )
