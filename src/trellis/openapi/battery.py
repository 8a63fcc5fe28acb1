"""The ``OpenAPI`` battery: ``/openapi.json`` and the ``/docs`` page for an app's routes.

``app.install(OpenAPI(title="Shop", version="1.2.0"))``.  Options left as ``None`` are read as
``openapi_<option>`` settings (``TRELLIS_OPENAPI_TITLE`` ...; see ``docs/openapi.md``).  The
document is built from the compiled routes once, when the app starts, and served as bytes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from trellis.conf import setting
from trellis.exceptions import ConfigurationError, NotFound
from trellis.http.request import Request
from trellis.http.responses import FileResponse, HTMLResponse, Response
from trellis.openapi.docs_page import CDN_CSS, CDN_JS, docs_page
from trellis.openapi.security import Requirement, bearer_scheme, cookie_scheme
from trellis.routing import Blueprint

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["OpenAPI", "openapi_document"]

_DEFAULTS: dict[str, Any] = {
    "title": "API",
    "version": "0.1.0",
    "description": None,
    "summary": None,
    "terms_of_service": None,
    "contact": None,
    "license": None,
    "servers": None,
    "tags": None,
    "openapi_url": "/openapi.json",
    "docs_url": "/docs",
    "docs_js_url": None,
    "docs_css_url": None,
    "docs_assets_dir": None,
    "docs_parameters": None,
    "security_schemes": None,
    "security": None,
    "session_cookie": None,
    "extra": None,
}
_TYPES: dict[str, Any] = {
    "title": str,
    "version": str,
    "description": str | None,
    "summary": str | None,
    "terms_of_service": str | None,
    "contact": dict[str, str] | None,
    "license": dict[str, str] | None,
    "servers": list[dict[str, Any]] | None,
    "tags": list[dict[str, Any]] | None,
    "openapi_url": str | None,
    "docs_url": str | None,
    "docs_js_url": str | None,
    "docs_css_url": str | None,
    "docs_assets_dir": str | None,
    "docs_parameters": dict[str, Any] | None,
    "security_schemes": dict[str, dict[str, Any]] | None,
    "security": list[Any] | None,
    "session_cookie": str | None,
    "extra": dict[str, Any] | None,
}


class OpenAPI:
    """Describe the app's routes as an OpenAPI 3.1 document and serve an interactive page.

    ``openapi_url=None`` turns both off (a private API); ``docs_url=None`` keeps the document
    but drops the page.  ``docs_assets_dir`` is a folder holding ``swagger-ui-bundle.js`` and
    ``swagger-ui.css`` (from the ``swagger-ui-dist`` package), served under ``<docs_url>/assets/``.
    ``security_schemes`` adds to the built-in ``"session"`` and ``"bearer"``; ``security`` is the
    requirement of every operation that states none.  ``extra`` is merged into the document last.
    """

    def __init__(
        self,
        *,
        title: str | None = None,
        version: str | None = None,
        description: str | None = None,
        summary: str | None = None,
        terms_of_service: str | None = None,
        contact: Mapping[str, str] | None = None,
        license: Mapping[str, str] | None = None,
        servers: Sequence[Mapping[str, Any]] | None = None,
        tags: Sequence[Mapping[str, Any]] | None = None,
        openapi_url: str | None = None,
        docs_url: str | None = None,
        docs_js_url: str | None = None,
        docs_css_url: str | None = None,
        docs_assets_dir: str | Path | None = None,
        docs_parameters: Mapping[str, Any] | None = None,
        security_schemes: Mapping[str, Mapping[str, Any]] | None = None,
        security: Sequence[Requirement] | None = None,
        session_cookie: str | None = None,
        extra: Mapping[str, Any] | None = None,
        **unset: Any,
    ) -> None:
        if unset:
            raise ConfigurationError(
                f"OpenAPI() got unknown option(s) {sorted(unset)}; known: {sorted(_DEFAULTS)}"
            )
        given = {k: v for k, v in locals().items() if k in _DEFAULTS}
        # None means "read the setting"; ``""`` for a URL means "off" (as None does in settings).
        self._given: dict[str, Any] = given
        self.app: App | None = None
        self._document: bytes | None = None
        for name, default in _DEFAULTS.items():
            setattr(self, name, given[name] if given[name] is not None else default)

    # Typed attributes, filled in __init__ and again from settings in install().
    title: str
    version: str
    description: str | None
    summary: str | None
    terms_of_service: str | None
    contact: Mapping[str, str] | None
    license: Mapping[str, str] | None
    servers: Sequence[Mapping[str, Any]] | None
    tags: Sequence[Mapping[str, Any]] | None
    openapi_url: str | None
    docs_url: str | None
    docs_js_url: str | None
    docs_css_url: str | None
    docs_assets_dir: str | Path | None
    docs_parameters: Mapping[str, Any] | None
    security_schemes: Mapping[str, Mapping[str, Any]] | None
    security: Sequence[Requirement] | None
    session_cookie: str | None
    extra: Mapping[str, Any] | None

    # --- installation --------------------------------------------------------------------

    def install(self, app: App) -> None:
        for name, default in _DEFAULTS.items():
            if self._given[name] is None:
                value = setting(app.settings, f"openapi_{name}", default, _TYPES[name])
                setattr(self, name, value)
        self.openapi_url = self.openapi_url or None
        self.docs_url = (self.docs_url or None) if self.openapi_url else None
        for name in ("openapi_url", "docs_url"):
            url = getattr(self, name)
            if url is not None and not url.startswith("/"):
                raise ConfigurationError(f"OpenAPI {name}={url!r} must start with '/'")
        assets = self._assets_dir()
        self.app = app
        app.extensions["openapi"] = self
        if self.openapi_url is None:
            return
        routes = Blueprint("openapi")
        routes.add_route(
            self.openapi_url, self._serve_document, ["GET"], "document", include_in_schema=False
        )
        if self.docs_url is not None:
            routes.add_route(
                self.docs_url, self._serve_page, ["GET"], "docs", include_in_schema=False
            )
            if assets is not None:
                routes.add_route(
                    self.docs_url.rstrip("/") + "/assets/<path:name>",
                    self._serve_asset,
                    ["GET"],
                    "asset",
                    include_in_schema=False,
                )
        app.register(routes)
        # Build it when the app starts, so a mistake (an unknown security scheme) stops the
        # start-up with its message instead of failing the first request for the document.
        app.on_startup(self.document)

    def _assets_dir(self) -> Path | None:
        if not self.docs_assets_dir:
            return None
        folder = Path(self.docs_assets_dir).resolve()
        if not folder.is_dir():
            raise ConfigurationError(
                f"OpenAPI docs_assets_dir {str(folder)!r} is not a folder; put "
                "swagger-ui-bundle.js and swagger-ui.css (from swagger-ui-dist) there"
            )
        return folder

    # --- the document ----------------------------------------------------------------------

    def info(self, app: App) -> dict[str, Any]:
        info: dict[str, Any] = {"title": self.title, "version": self.version}
        for key, field in (
            ("summary", "summary"),
            ("description", "description"),
            ("terms_of_service", "termsOfService"),
            ("contact", "contact"),
            ("license", "license"),
        ):
            value = getattr(self, key)
            if value:
                info[field] = dict(value) if isinstance(value, Mapping) else value
        return info

    def all_security_schemes(self, app: App) -> dict[str, Mapping[str, Any]]:
        cookie = self.session_cookie or setting(app.settings, "sessions_cookie_name", "session")
        return {
            "session": cookie_scheme(cookie, "The session cookie set when signing in."),
            "bearer": bearer_scheme(description="Authorization: Bearer <token>."),
            **(self.security_schemes or {}),
        }

    def document(self) -> bytes:
        """The document as JSON bytes, built on first use and then kept."""
        if self._document is None:
            if self.app is None:
                raise ConfigurationError("OpenAPI is not installed: call app.install(OpenAPI())")
            from trellis.openapi.document import build_document

            data = build_document(self.app, self)
            self._document = orjson.dumps(data)
        return self._document

    # --- the routes ------------------------------------------------------------------------

    async def _serve_document(self, request: Request) -> Response:
        return Response(self.document(), media_type="application/json")

    async def _serve_page(self, request: Request) -> Response:
        assert self.openapi_url is not None
        assert self.docs_url is not None
        root = request.scope.get("root_path", "")
        assets = root + self.docs_url.rstrip("/") + "/assets/"
        local = self.docs_assets_dir is not None and self.docs_assets_dir != ""
        js = self.docs_js_url or (assets + "swagger-ui-bundle.js" if local else CDN_JS)
        css = self.docs_css_url or (assets + "swagger-ui.css" if local else CDN_CSS)
        nonce = getattr(request.state, "csp_nonce", None)
        page = docs_page(
            title=self.title,
            openapi_url=root + self.openapi_url,
            js_url=js,
            css_url=css,
            parameters=self.docs_parameters,
            nonce=nonce if isinstance(nonce, str) else None,
        )
        return HTMLResponse(page)

    async def _serve_asset(self, name: str) -> Response:
        folder = self._assets_dir()
        assert folder is not None
        target = (folder / name).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            raise NotFound(f"No docs asset {name!r}")
        return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


def openapi_document(app: App) -> dict[str, Any]:
    """The app's OpenAPI document as data (for tests, or to write it to a file).

    Uses the installed battery's options, or the defaults when none is installed.
    """
    from trellis.openapi.document import build_document

    installed = app.extensions.get("openapi")
    battery = installed if isinstance(installed, OpenAPI) else OpenAPI()
    if battery.app is None:
        battery.app = app
    return build_document(app, battery)
