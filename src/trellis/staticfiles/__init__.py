"""Static files: served in development, collected, hashed and precompressed for production.

``app.install(StaticFiles())`` (or just a ``static/`` folder beside the app: the convention
installs it) serves ``static/`` of the project and of every blueprint under ``/static``.
``trellis collectstatic`` gathers them into one folder with content-hashed names, a manifest and
``.br``/``.gz`` siblings; ``static(request, "css/site.css")`` and the ``static`` template global
name the hashed URL.  See ``docs/static.md``.
"""

from __future__ import annotations

from trellis.staticfiles.battery import StaticFileNotFound, StaticFiles, static
from trellis.staticfiles.collect import CollectReport, collect
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
