"""The :class:`MediaFiles` battery: the app's storage, given to handlers, and served when local.

``app.install(MediaFiles())`` keeps files in ``media/`` beside the app and serves them under
``/media``; ``MediaFiles(MyCloudStorage(...))`` uses another backend, whose ``url()`` points at
the cloud store.  Handlers ask for ``storage: Storage``.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trellis.checks import CheckMessage
from trellis.conf import setting
from trellis.exceptions import ConfigurationError, NotFound
from trellis.http.responses import FileResponse
from trellis.storage.base import Storage
from trellis.storage.local import LocalStorage
from trellis.storage.names import UnsafeName

if TYPE_CHECKING:
    from collections.abc import Iterator

    from trellis.app import App

__all__ = ["INLINE_TYPES", "MediaFiles", "storage_of"]

#: Types a browser may show in place; anything else is sent as a download, so an uploaded HTML or
#: SVG file can never run script on this site's origin.
INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "application/pdf",
        "text/plain",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
        "video/ogg",
    }
)
_SANDBOX = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"


class MediaFiles:
    """The app's storage for uploaded and generated files.

    Every option left ``None`` comes from the settings (``storage_root``, ``storage_base_url``,
    ``storage_serve``, ``storage_max_age``), else the default: ``media`` beside the app,
    ``/media``, serve when the storage is local and the URL a path, and ``0`` (browsers revalidate
    each time, and get a cheap 304).  ``storage`` replaces the local folder with another backend.
    """

    def __init__(
        self,
        storage: Storage | None = None,
        *,
        root: str | os.PathLike[str] | None = None,
        base_url: str | None = None,
        serve: bool | None = None,
        max_age: int | None = None,
    ) -> None:
        if storage is not None and root is not None:
            raise ConfigurationError("MediaFiles takes a storage or a root folder, not both")
        self._given: tuple[Any, ...] = (root, base_url, serve, max_age)
        self.storage: Storage = storage if storage is not None else LocalStorage("media")
        self._own_storage = storage is None
        self.serving = False
        self.max_age = 0

    def install(self, app: App) -> None:
        if app.extensions.get("storage") is not None:
            raise ConfigurationError("MediaFiles is installed twice on this app; install it once")
        root, base_url, serve, max_age = self._given
        settings = app.settings
        if base_url is None:
            base_url = setting(settings, "storage_base_url", "/media")
        if self._own_storage:
            root = root if root is not None else setting(settings, "storage_root", "media")
            self.storage = LocalStorage(Path(app.root_path) / root, base_url=base_url)
        if serve is None:
            serve = setting(settings, "storage_serve", None, bool | None)
        local = isinstance(self.storage, LocalStorage)
        url = getattr(self.storage, "base_url", base_url)
        if serve is None:
            serve = local and url.startswith("/")
        if serve and not (local and url.startswith("/")):
            raise ConfigurationError(
                f"MediaFiles cannot serve {type(self.storage).__name__} at {url!r}: only a "
                "LocalStorage whose base_url is a path ('/media') is served by the app"
            )
        self.serving = bool(serve)
        self.max_age = max_age if max_age is not None else setting(settings, "storage_max_age", 0)
        app.extensions["storage"] = self
        storage = self.storage

        async def provide_storage() -> Storage:
            return storage

        app.provide(Storage, provide_storage)
        if self.serving:
            app.add_route(
                f"{url}/<path:name>",
                self._handler(),
                methods=["GET"],
                name="media",
                include_in_schema=False,
            )
        app.add_check(self._check)

    def _handler(self) -> Any:
        storage = self.storage
        assert isinstance(storage, LocalStorage)
        cache_control = f"public, max-age={self.max_age}" if self.max_age > 0 else "no-cache"

        async def media(name: str) -> FileResponse:
            try:
                path = storage.path(name)
            except UnsafeName:
                raise NotFound(detail="File not found") from None
            media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            headers = {
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": _SANDBOX,
                "Cache-Control": cache_control,
            }
            if media_type not in INLINE_TYPES:
                return FileResponse(path, headers=headers, filename=path.name)
            return FileResponse(path, headers=headers, media_type=media_type)

        return media

    def _check(self, app: App, deploy: bool) -> Iterator[CheckMessage]:
        storage = self.storage
        if not isinstance(storage, LocalStorage):
            return
        folder = storage.location
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        usable = existing is not None and existing.is_dir() and os.access(existing, os.W_OK)
        if not usable:
            yield CheckMessage(
                "storage.W001",
                "warning",
                f"the storage folder {folder} cannot be created or written by this process",
                "create it and give the user running the app write access, or set storage_root",
            )


def storage_of(app: Any) -> Storage:
    """The storage of the MediaFiles battery installed on ``app``."""
    battery = getattr(app, "extensions", {}).get("storage")
    if not isinstance(battery, MediaFiles):
        raise ConfigurationError("No storage on this app: call app.install(MediaFiles()) first")
    return battery.storage
