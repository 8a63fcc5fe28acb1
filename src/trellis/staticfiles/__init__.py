"""Static files: served in development, collected, hashed and precompressed for production.

``app.install(StaticFiles())`` (or just a ``static/`` folder beside the app: the convention
installs it) serves ``static/`` of the project and of every blueprint under ``/static``.
``trellis collectstatic`` gathers them into one folder with content-hashed names, a manifest and
``.br``/``.gz`` siblings; ``static(request, "css/site.css")`` and the ``static`` template global
name the hashed URL.  See ``docs/static.md``.

Names load on first use, so the convention that every app runs at start-up costs next to nothing
for apps without a ``static/`` folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.staticfiles.battery import StaticFileNotFound, StaticFiles, static
    from trellis.staticfiles.collecting import CollectReport, collect
    from trellis.staticfiles.finders import Source
    from trellis.staticfiles.manifest import MANIFEST_NAME, Manifest

__all__ = [
    "MANIFEST_NAME",
    "CollectReport",
    "Manifest",
    "Source",
    "StaticFileNotFound",
    "StaticFiles",
    "collect",
    "static",
]

_WHERE = {
    "StaticFileNotFound": "trellis.staticfiles.battery",
    "StaticFiles": "trellis.staticfiles.battery",
    "static": "trellis.staticfiles.battery",
    "CollectReport": "trellis.staticfiles.collecting",
    "collect": "trellis.staticfiles.collecting",
    "Source": "trellis.staticfiles.finders",
    "MANIFEST_NAME": "trellis.staticfiles.manifest",
    "Manifest": "trellis.staticfiles.manifest",
}


__getattr__ = lazy_exports(__name__, _WHERE)
