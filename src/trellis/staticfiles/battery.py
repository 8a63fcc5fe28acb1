"""The ``StaticFiles`` battery and ``static()``, the function that names a static file's URL.

``app.install(StaticFiles())`` adds one route, ``<url_path>/<path:path>`` named ``"static"``,
and the ``static`` template global.  The folders are looked up when the app starts (every
blueprint is registered by then); so is the manifest, which is read once: restart the app after
``trellis collectstatic``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from trellis.exceptions import ConfigurationError, TrellisError
from trellis.staticfiles.collecting import CollectReport, collect
from trellis.staticfiles.finders import Source, sources_for
from trellis.staticfiles.manifest import MANIFEST_NAME, Manifest
from trellis.staticfiles.serving import StaticFileResponse, StaticServer

__all__ = ["StaticFileNotFound", "StaticFiles", "static"]

logger = logging.getLogger("trellis.staticfiles")
_MAX_CACHED_URLS = 10_000


class StaticFileNotFound(TrellisError, LookupError):
    """``static(name)`` in debug, with a manifest, for a name the manifest does not know."""


class StaticFiles:
    """Serve ``static/`` folders under one URL prefix, hashed and precompressed once collected.

    Every option left ``None`` comes from the app's settings when they define it
    (``static_url``, ``static_dir``, ``static_root``, ``static_max_age``), else the default:
    ``/static``, ``static`` (beside the app), ``<app folder>/staticfiles`` and ``0``.

    ``serve=None`` serves in debug, and always once ``root`` holds a manifest (the files were
    collected for production, as WhiteNoise does); ``serve=False`` leaves serving to a web
    server or a CDN, and ``static()`` still builds the URLs.  ``max_age`` is the cache lifetime
    of names that are not content-hashed; ``0`` means ``no-cache`` (browsers revalidate each
    time, and get a cheap 304).  Hashed names are always cached for a year, immutable.
    """

    def __init__(
        self,
        url_path: str | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        root: str | os.PathLike[str] | None = None,
        serve: bool | None = None,
        precompressed: bool = True,
        max_age: int | None = None,
    ) -> None:
        self._url_path = url_path
        self._directory = directory
        self._root = root
        self._serve = serve
        self.precompressed = precompressed
        self._max_age = max_age
        self.app: Any = None
        self.url = self.url_prefix = "/static"
        self.remote = False
        self.directory = Path("static")
        self.root = Path("staticfiles")
        self.max_age = 0
        self.serving = False
        self.debug = False
        self.manifest: Manifest | None = None
        self.sources: list[Source] = []
        self.server: StaticServer | None = None
        self._urls: dict[str, str] = {}
        self._warned: set[str] = set()

    # --- installation -------------------------------------------------------------------

    def install(self, app: Any) -> None:
        if app.extensions.get("staticfiles") is not None:
            raise ConfigurationError("StaticFiles is installed twice on this app; install it once")
        self.configure(app)
        app.extensions["staticfiles"] = self
        if self.serving:
            app.add_route(
                f"{self.url}/<path:path>", self._handler(), methods=["GET"], name="static"
            )
        app.add_template_global(self._template_global(), "static")
        app.on_ready(self._ready)

    def configure(self, app: Any) -> None:
        """Settle every option from the constructor, the settings and the defaults.

        :meth:`install` calls it; ``collectstatic`` calls it alone for an app that has no
        ``static/`` of its own to collect with the same options the app would serve with.
        """
        settings = app.settings
        url = self._url_path or getattr(settings, "static_url", None) or "/static"
        self.url = url.rstrip("/")
        remote = urlsplit(self.url)
        self.remote = bool(remote.scheme or url.startswith("//"))
        self.url_prefix = remote.path.rstrip("/") if self.remote else self.url
        if not self.remote and (not self.url.startswith("/") or not self.url):
            raise ConfigurationError(
                f"StaticFiles url_path {url!r} must be a path such as '/static' "
                "or a full URL such as 'https://cdn.example.com/static'"
            )
        directory = self._directory or getattr(settings, "static_dir", None) or "static"
        self.directory = Path(directory)
        root = self._root or getattr(settings, "static_root", None) or "staticfiles"
        self.root = (Path(app.root_path) / root).resolve()
        max_age = self._max_age
        if max_age is None:
            max_age = int(getattr(settings, "static_max_age", 0) or 0)
        self.max_age = max_age
        has_manifest = (self.root / MANIFEST_NAME).is_file()
        serve = self._serve if self._serve is not None else (app.debug or has_manifest)
        if serve and self.remote:
            if self._serve:
                raise ConfigurationError(
                    f"StaticFiles(serve=True) cannot serve {self.url}: it is another site; "
                    "give a path such as '/static' to serve the files from this app"
                )
            serve = False
        self.serving = bool(serve)
        self.app = app

    def _handler(self) -> Any:
        battery = self

        async def static_file(path: str) -> StaticFileResponse:
            server = battery.server
            assert server is not None  # built by _ready, before the first request
            return await server.respond(path)

        return static_file

    def _template_global(self) -> Any:
        """``static(name)`` for templates; with Jinja2 it reads ``request`` from the context,
        so a mounted app (ASGI ``root_path``) gets URLs under its mount point."""
        battery = self
        try:
            from jinja2 import pass_context
        except ImportError:

            def static_plain(name: str) -> str:
                return battery.url_for(name)

            return static_plain

        @pass_context
        def static_global(context: Any, name: str) -> str:
            request = context.get("request")
            scope = getattr(request, "scope", None)
            root_path = scope.get("root_path", "") if isinstance(scope, dict) else ""
            return battery.url_for(name, root_path=root_path)

        return static_global

    def _ready(self, app: Any) -> None:
        self.debug = bool(app.debug)
        self.sources = sources_for(app, self.directory)
        self.manifest = Manifest.load(self.root)
        self._urls.clear()
        directories = [source.path for source in self.sources]
        collected = self.manifest is not None and self.root.is_dir()
        if collected:
            # The collected root first; in debug, files added since the last collect still work.
            directories = [self.root, *directories] if self.debug else [self.root]
        policy = f"public, max-age={self.max_age}" if self.max_age > 0 else "no-cache"
        self.server = StaticServer(
            directories,
            manifest=self.manifest,
            compressed_root=self.root if collected and self.precompressed else None,
            cache=not self.debug,
            cache_control=policy.encode("ascii"),
        )

    # --- URLs ---------------------------------------------------------------------------

    def url_for(self, name: str, *, root_path: str = "") -> str:
        """The URL of static file ``name``: hashed when the manifest knows it.

        A name the manifest does not know raises :class:`StaticFileNotFound` in debug (a typo,
        or a file added since the last ``collectstatic``) and falls back to the plain URL
        otherwise, logged once per name: a page with one stale asset beats a 500.
        """
        if self.server is None:
            if self.app is None:
                raise ConfigurationError("install StaticFiles on an app before building URLs")
            self.app.startup_freeze()  # the manifest and the folders are read at start-up
        name = name.lstrip("/")
        url = self._urls.get(name)
        if url is None:
            target = name
            if self.manifest is not None:
                hashed = self.manifest.paths.get(name)
                if hashed is not None:
                    target = hashed
                elif self.debug:
                    raise StaticFileNotFound(
                        f"static file {name!r} is not in {self.root / MANIFEST_NAME}; check the "
                        "name, or run `trellis collectstatic` again if the file is new"
                    )
                elif name not in self._warned and len(self._warned) < _MAX_CACHED_URLS:
                    self._warned.add(name)
                    logger.warning("static file %r is not in the manifest; unhashed URL used", name)
            url = f"{self.url}/{quote(target)}"
            if len(self._urls) < _MAX_CACHED_URLS:
                self._urls[name] = url
        return url if self.remote else root_path + url

    # --- collecting ---------------------------------------------------------------------

    def collect(self, *, compress: bool = True, clear: bool = False) -> CollectReport:
        """Gather every static folder of the app into ``root`` (what ``collectstatic`` runs)."""
        if self.app is None:
            raise ConfigurationError("install StaticFiles on an app before collecting")
        return collect(
            sources_for(self.app, self.directory),
            self.root,
            url_path=self.url_prefix,
            compress=compress,
            clear=clear,
            protect=[self.app.root_path],
        )


def static(app_or_request: Any, name: str) -> str:
    """The URL of static file ``name``: ``static(request, "css/site.css")``.

    With a request, the URL includes the request's ``root_path`` (an app mounted under a
    prefix); with the app, it starts at the app's own root.
    """
    scope = getattr(app_or_request, "scope", None)
    if isinstance(scope, dict):
        app, root_path = scope["app"], scope.get("root_path", "")
    else:
        app, root_path = app_or_request, ""
    battery = app.extensions.get("staticfiles")
    if battery is None and not app.started:
        app.startup_freeze()  # the convention may install it at start-up
        battery = app.extensions.get("staticfiles")
    if battery is None:
        raise ConfigurationError(
            "static() needs the static files battery: add a static/ folder beside the app, or "
            "app.install(StaticFiles()) from trellis.staticfiles"
        )
    result: str = battery.url_for(name, root_path=root_path)
    return result
