"""Storage for uploaded and generated files, behind a small interface a cloud store can implement.

``app.install(MediaFiles())`` keeps files in ``media/`` beside the app (a :class:`LocalStorage`)
and serves them under ``/media``; a handler asks for ``storage: Storage`` and calls
``await storage.asave(storage.generate_name(upload.filename, folder="docs"), upload)``.
Names are always chosen or cleaned by the storage, never taken from a client as a path.
"""

from __future__ import annotations

from trellis.storage.base import Content, Storage
from trellis.storage.battery import INLINE_TYPES, MediaFiles, storage_of
from trellis.storage.local import LocalStorage
from trellis.storage.names import UnsafeName, check_name, clean_name, random_name
from trellis.storage.uploads import UploadField, check_upload, upload_field

__all__ = [
    "INLINE_TYPES",
    "Content",
    "LocalStorage",
    "MediaFiles",
    "Storage",
    "UnsafeName",
    "UploadField",
    "check_name",
    "check_upload",
    "clean_name",
    "random_name",
    "storage_of",
    "upload_field",
]
