"""The ``Security`` battery: allowed hosts, trusted proxies, the HTTPS redirect and headers.

Every app gets it by convention (``trellis.security.convention``), so a site is protected
without asking; ``app.install(Security(...))`` sets options in code, and the settings
``security_<option>`` (``TRELLIS_SECURITY_<OPTION>``) set them per deployment.  The options are
settled once, when the app starts, into a :class:`SecurityConfig` the middleware reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.http.connection import STATE_KEY
from trellis.security.headers import CSPValue, HeaderSet, build_headers
from trellis.security.hosts import HostMatcher
from trellis.security.proxies import FORWARDED_HEADERS, TrustedProxies

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["Security", "SecurityConfig"]

_FRAME_ANCESTORS = {"DENY": "'none'", "SAMEORIGIN": "'self'"}
_DEFAULT_HSTS = 365 * 24 * 3600


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """Every option, settled: what the middleware and the deploy checks read."""

    enforce_hosts: bool
    hosts: HostMatcher
    proxies: TrustedProxies
    https_redirect: bool
    https_redirect_exempt: tuple[str, ...]
    https_redirect_host: str | None
    hsts_seconds: int
    hsts_include_subdomains: bool
    hsts_preload: bool
    content_type_nosniff: bool
    frame_options: str | None
    frame_ancestors: str | None
    referrer_policy: str | None
    csp: CSPValue | None
    csp_nonce_in: tuple[str, ...]
    headers: HeaderSet


class Security:
    """Allowed hosts, trusted proxies, an optional HTTPS redirect and the security headers.

    Each option left ``None`` is read from the setting ``security_<option>`` (a field of the
    project's Settings subclass, or ``TRELLIS_SECURITY_<OPTION>``), else the default below.
    ``allowed_hosts`` defaults to the core setting of that name.  docs/security.md explains
    each default.
    """

    def __init__(
        self,
        *,
        allowed_hosts: Sequence[str] | None = None,
        enforce_hosts: bool | None = None,
        trusted_proxies: Sequence[str] | None = None,
        proxy_headers: Sequence[str] | None = None,
        https_redirect: bool | None = None,
        https_redirect_exempt: Sequence[str] | None = None,
        https_redirect_host: str | None = None,
        hsts_seconds: int | None = None,
        hsts_include_subdomains: bool | None = None,
        hsts_preload: bool | None = None,
        content_type_nosniff: bool | None = None,
        frame_options: str | None = None,
        frame_ancestors: str | None = None,
        referrer_policy: str | None = None,
        cross_origin_opener_policy: str | None = None,
        permissions_policy: str | None = None,
        csp: CSPValue | None = None,
        csp_report_only: bool | None = None,
        csp_nonce_in: Sequence[str] | None = None,
    ) -> None:
        self.options: dict[str, Any] = {
            "allowed_hosts": allowed_hosts,
            "enforce_hosts": enforce_hosts,
            "trusted_proxies": trusted_proxies,
            "proxy_headers": proxy_headers,
            "https_redirect": https_redirect,
            "https_redirect_exempt": https_redirect_exempt,
            "https_redirect_host": https_redirect_host,
            "hsts_seconds": hsts_seconds,
            "hsts_include_subdomains": hsts_include_subdomains,
            "hsts_preload": hsts_preload,
            "content_type_nosniff": content_type_nosniff,
            "frame_options": frame_options,
            "frame_ancestors": frame_ancestors,
            "referrer_policy": referrer_policy,
            "cross_origin_opener_policy": cross_origin_opener_policy,
            "permissions_policy": permissions_policy,
            "csp": csp,
            "csp_report_only": csp_report_only,
            "csp_nonce_in": csp_nonce_in,
        }
        self.config: SecurityConfig | None = None
        self.app: App | None = None

    # --- installation -------------------------------------------------------------------

    def install(self, app: App) -> None:
        if app.extensions.get("security") is not None:
            raise ConfigurationError("Security is installed twice on this app; install it once")
        app.extensions["security"] = self
        self._nonce_global = _csp_nonce_global()
        app.add_template_global(self._nonce_global, "csp_nonce")
        app.on_ready(self._ready)
        from trellis.security.checks import security_checks

        app.add_check(security_checks)
        self.app = app

    def _ready(self, app: App) -> None:
        from trellis.security.middleware import SecurityEdge

        self.config = self.configure(app)
        # An edge, not a middleware: the Host check and the proxy rewrite come before any
        # middleware reads the scope, the headers land on whatever answers, and the App calls
        # both directly (see trellis.middleware.Edge).
        app.add_edge(SecurityEdge(self.config))
        if "templates" in app.extensions:
            from jinja2 import pass_context

            pass_context(self._nonce_global)

    # --- options ------------------------------------------------------------------------

    def option(self, app: App, name: str, default: Any, type_: Any = None) -> Any:
        """The option ``name``: the constructor's value, else ``security_<name>``, else default."""
        value = self.options.get(name)
        if value is not None:
            return value
        return setting(app.settings, f"security_{name}", default, type_)

    def configure(self, app: App) -> SecurityConfig:
        """Settle every option for ``app`` (called at start-up; the checks call it too)."""
        debug = bool(app.settings.debug)
        hosts = self.options["allowed_hosts"]
        if hosts is None:
            hosts = app.settings.allowed_hosts
        if isinstance(hosts, str):
            raise ConfigurationError("allowed_hosts must be a list of names, not one string")
        enforce = self.option(app, "enforce_hosts", None, bool | None)
        proxies = TrustedProxies(
            _strings(self.option(app, "trusted_proxies", [], list[str]), "trusted_proxies"),
            _strings(
                self.option(app, "proxy_headers", list(FORWARDED_HEADERS), list[str]),
                "proxy_headers",
            ),
        )
        frame_options = self.option(app, "frame_options", "DENY", str | None) or None
        if frame_options is not None:
            frame_options = frame_options.upper()
        frame_ancestors = self.option(
            app, "frame_ancestors", _FRAME_ANCESTORS.get(frame_options or "", ""), str | None
        )
        hsts_seconds = int(self.option(app, "hsts_seconds", _DEFAULT_HSTS, int))
        if hsts_seconds < 0:
            raise ConfigurationError("hsts_seconds must be 0 (off) or a positive number")
        csp = self.option(app, "csp", None, str | dict[str, str | list[str]] | None) or None
        nonce_in = tuple(
            _strings(self.option(app, "csp_nonce_in", ["script-src"], list[str]), "csp_nonce_in")
        )
        nosniff = bool(self.option(app, "content_type_nosniff", True, bool))
        referrer = self.option(app, "referrer_policy", "same-origin", str | None) or None
        include_subdomains = bool(self.option(app, "hsts_include_subdomains", False, bool))
        preload = bool(self.option(app, "hsts_preload", False, bool))
        headers = build_headers(
            content_type_nosniff=nosniff,
            frame_options=frame_options,
            frame_ancestors=frame_ancestors or None,
            referrer_policy=referrer,
            cross_origin_opener_policy=self.option(
                app, "cross_origin_opener_policy", "same-origin", str | None
            )
            or None,
            permissions_policy=self.option(app, "permissions_policy", None, str | None) or None,
            csp=csp,
            csp_report_only=bool(self.option(app, "csp_report_only", False, bool)),
            csp_nonce_in=nonce_in,
            # HSTS pins a host to HTTPS in the browser for months: never for a dev machine.
            hsts_seconds=0 if debug else hsts_seconds,
            hsts_include_subdomains=include_subdomains,
            hsts_preload=preload,
        )
        exempt = _strings(
            self.option(app, "https_redirect_exempt", [], list[str]), "https_redirect_exempt"
        )
        for prefix in exempt:
            if not prefix.startswith("/"):
                raise ConfigurationError(
                    f"https_redirect_exempt entries are path prefixes such as '/health', "
                    f"not {prefix!r}"
                )
        return SecurityConfig(
            enforce_hosts=(not debug) if enforce is None else bool(enforce),
            hosts=HostMatcher(_strings(hosts, "allowed_hosts")),
            proxies=proxies,
            https_redirect=bool(self.option(app, "https_redirect", False, bool)),
            https_redirect_exempt=tuple(exempt),
            https_redirect_host=self.option(app, "https_redirect_host", None, str | None) or None,
            hsts_seconds=hsts_seconds,
            hsts_include_subdomains=include_subdomains,
            hsts_preload=preload,
            content_type_nosniff=nosniff,
            frame_options=frame_options,
            frame_ancestors=frame_ancestors or None,
            referrer_policy=referrer,
            csp=csp,
            csp_nonce_in=nonce_in,
            headers=headers,
        )

    def __repr__(self) -> str:
        given = {k: v for k, v in self.options.items() if v is not None}
        return f"Security({', '.join(f'{k}={v!r}' for k, v in given.items())})"


def _strings(value: Any, name: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence | Mapping):
        raise ConfigurationError(f"{name} must be a list of strings, not {value!r}")
    return [str(item) for item in value]


def _csp_nonce_global() -> Any:
    """``csp_nonce()`` in templates: this request's nonce, or "" when no CSP nonce is in use.

    Jinja2 hands the template context (and so the request) to functions marked with its
    ``pass_context``; the mark is put on when the app starts and has templates, so an app
    without them never imports Jinja2 for it.
    """

    def csp_nonce(context: Any = None) -> str:
        request = context.get("request") if context is not None else None
        scope = getattr(request, "scope", None)
        if not isinstance(scope, dict):
            return ""
        state = scope.get(STATE_KEY)
        return str(getattr(state, "csp_nonce", "")) if state is not None else ""

    return csp_nonce
