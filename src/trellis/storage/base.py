"""The :class:`Storage` interface: where uploaded and generated files are kept.

A backend implements six small, blocking methods (``store``, ``open``, ``delete``, ``exists``,
``size``, ``url``); the public ``save`` and every ``a``-prefixed async twin are built on them here,
once.  Blocking methods, because the local disk and most cloud SDKs (boto3, google-cloud-storage)
are blocking; the async twins run them in the thread pool, and a backend with a native asyncio
client may override them.
"""

from __future__ import annotations

import io
from abc import ABC, abstractmethod
from typing import IO

from trellis.concurrency import run_sync
from trellis.http.datastructures import UploadFile
from trellis.storage.names import check_name, clean_name, extension_of, random_name

__all__ = ["Content", "Storage"]

#: What ``save`` accepts: bytes, a binary file object (read from its start when it can seek), or
#: an upload.
Content = bytes | bytearray | memoryview | IO[bytes] | UploadFile


class Storage(ABC):
    """A place to keep files under names it chooses.

    The rules every backend keeps, so that code written against this class is safe with any of
    them:

    - ``save(name, content)`` never overwrites: when ``name`` is taken it stores under a free
      variant and returns the name it used.  Keep the returned name, not the one you asked for.
    - The name asked for is only a suggestion and is cleaned (:func:`~trellis.storage.names.
      clean_name`); no client file name reaches a path or a key unchecked.  Use
      :meth:`generate_name` for uploads: a random name, so files cannot be found by guessing.
    - ``open``/``delete``/``exists``/``size``/``url`` refuse a name that ``save`` could not have
      returned with :class:`~trellis.storage.names.UnsafeName` (a 400 in a request).

    A handler asks for the app's storage with a ``storage: Storage`` parameter once the
    :class:`~trellis.storage.MediaFiles` battery is installed.
    """

    # --- what a backend implements ---------------------------------------------------------

    @abstractmethod
    def store(self, name: str, file: IO[bytes]) -> str:
        """Write ``file`` (read to its end) under the safe ``name``, or under a free variant of it
        when ``name`` is taken (``with_suffix`` makes one); return the name used.

        It must never overwrite, even when two processes store the same name at once, and must not
        leave a partial file under the returned name.
        """

    @abstractmethod
    def open(self, name: str) -> IO[bytes]:
        """A binary file object to read the stored file from; FileNotFoundError when missing."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the file; nothing happens when it is already gone."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether a file is stored under ``name``."""

    @abstractmethod
    def size(self, name: str) -> int:
        """The file's size in bytes; FileNotFoundError when missing."""

    @abstractmethod
    def url(self, name: str) -> str:
        """Where a browser fetches the file (a path on this site, or a full URL)."""

    # --- built on the above, for every backend -----------------------------------------------

    def save(self, name: str, content: Content) -> str:
        """Store ``content`` under ``name`` (cleaned; never overwriting); return the name used."""
        safe = clean_name(name)
        if isinstance(content, UploadFile):
            content = content.file
        if isinstance(content, bytes | bytearray | memoryview):
            return self.store(safe, io.BytesIO(content))
        seekable = content.seekable()
        if seekable:
            content.seek(0)
        try:
            return self.store(safe, content)
        finally:
            if seekable:
                content.seek(0)

    def generate_name(
        self, filename: str | None = None, *, folder: str = "", extension: str | None = None
    ) -> str:
        """A random name in ``folder`` whose extension is ``extension``, else ``filename``'s.

        ``storage.save(storage.generate_name(upload.filename, folder="docs"), upload)`` keeps
        only the client's extension (cleaned) and nothing else of what it sent.
        """
        chosen = extension if extension is not None else extension_of(filename)
        return random_name(chosen, folder=folder)

    def check_name(self, name: str) -> str:
        """``name`` when it is a name this storage could have returned; UnsafeName otherwise."""
        return check_name(name)

    async def asave(self, name: str, content: Content) -> str:
        return await run_sync(self.save, name, content)

    async def aopen(self, name: str) -> IO[bytes]:
        return await run_sync(self.open, name)

    async def adelete(self, name: str) -> None:
        await run_sync(self.delete, name)

    async def aexists(self, name: str) -> bool:
        return await run_sync(self.exists, name)

    async def asize(self, name: str) -> int:
        return await run_sync(self.size, name)

    async def aread(self, name: str) -> bytes:
        """The whole file; for small files (thumbnails), since it is read into memory."""
        return await run_sync(self.read, name)

    def read(self, name: str) -> bytes:
        """The whole file in memory; prefer :meth:`open` for large ones."""
        with self.open(name) as file:
            return file.read()

    def __repr__(self) -> str:
        location = getattr(self, "location", None)
        return f"<{type(self).__name__} {location}>" if location else f"<{type(self).__name__}>"
