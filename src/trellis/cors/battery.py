"""The ``CORS`` battery: its options from the constructor or the settings, then the middleware.

Each option left ``None`` is read with :func:`trellis.conf.setting` as ``cors_<option>`` (a field
on the project's Settings, else ``TRELLIS_CORS_<OPTION>``, JSON for lists and booleans), else its
default.  So a deployment changes its allowed origins with one environment variable::

    TRELLIS_CORS_ALLOW_ORIGINS='["https://app.example.com"]'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from trellis.conf import setting
from trellis.cors.middleware import CORSMiddleware
from trellis.cors.policy import CORSPolicy, OriginRule
from trellis.exceptions import ConfigurationError
from trellis.middleware import Middleware

__all__ = ["CORS"]


class CORS:
    """Cross-origin resource sharing for the whole app, or for URL prefixes with ``paths=``.

    ``allow_origins`` is a list of origins (``"https://app.example.com"``), ``"*"`` for any
    origin, or compiled regexes (``re.compile(r"https://[a-z0-9-]+\\.example\\.com")``), matched
    in full.  With no origin allowed the battery installs nothing and costs nothing.

    Installed outermost (before every middleware already declared), so preflights are answered
    before other middleware runs and every response, error pages included, gets the headers.
    Install one ``CORS`` per prefix to give parts of a site different policies
    (``CORS(paths=["/api"], ...)``).
    """

    def __init__(
        self,
        allow_origins: Sequence[OriginRule] | OriginRule | None = None,
        *,
        allow_origin_regex: str | None = None,
        allow_methods: Iterable[str] | None = None,
        allow_headers: Iterable[str] | None = None,
        expose_headers: Iterable[str] | None = None,
        allow_credentials: bool | None = None,
        max_age: int | None = None,
        paths: Sequence[str] | None = None,
    ) -> None:
        self._options: dict[str, Any] = {
            "allow_origins": allow_origins,
            "allow_origin_regex": allow_origin_regex,
            "allow_methods": allow_methods,
            "allow_headers": allow_headers,
            "expose_headers": expose_headers,
            "allow_credentials": allow_credentials,
            "max_age": max_age,
            "paths": paths,
        }
        self.policy: CORSPolicy | None = None
        self.paths: tuple[str, ...] = ()

    def install(self, app: Any) -> None:
        settings = app.settings
        opts = self._options

        def option(name: str, default: Any, type_: Any = None) -> Any:
            value = opts[name]
            return value if value is not None else setting(settings, f"cors_{name}", default, type_)

        origins = option("allow_origins", [], list[str] | str)
        self.policy = CORSPolicy(
            origins,
            allow_origin_regex=option("allow_origin_regex", None, str | None),
            allow_methods=option("allow_methods", ["GET", "HEAD", "POST"], list[str]),
            allow_headers=option("allow_headers", [], list[str]),
            expose_headers=option("expose_headers", [], list[str]),
            allow_credentials=option("allow_credentials", False, bool),
            max_age=option("max_age", 600, int),
        )
        paths = option("paths", [], list[str])
        for path in paths:
            if not isinstance(path, str) or not path.startswith("/"):
                raise ConfigurationError(f"CORS paths entry {path!r} must be a path such as '/api'")
        self.paths = tuple(paths)
        app.extensions.setdefault("cors", []).append(self)
        if self.policy.active:
            # Outermost: before every middleware declared so far (App(middleware=...) included).
            app.middleware.insert(0, Middleware(CORSMiddleware, self.policy, self.paths or None))

    def __repr__(self) -> str:
        if self.policy is None:
            return "CORS(<not installed>)"
        policy = self.policy
        origins: list[str] = sorted(policy.origins)
        if policy.allow_all_origins:
            origins.insert(0, "*")
        origins.extend(p.pattern for p in policy.origin_patterns)
        return f"CORS(allow_origins={origins!r}, paths={list(self.paths)!r})"
