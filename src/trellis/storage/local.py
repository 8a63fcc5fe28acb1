"""The default backend: files in a folder on the local disk."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO
from urllib.parse import quote

from trellis.storage.base import Storage
from trellis.storage.names import UnsafeName, check_name, with_suffix

__all__ = ["LocalStorage"]

# Hard links are how a finished file appears under its name atomically and without overwriting;
# file systems without them (some network and FAT mounts) answer one of these.
_NO_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}
_MAX_TRIES = 20


class LocalStorage(Storage):
    """Files under ``location``; ``base_url`` is where the app (or a web server) serves them.

    Each file is written to a hidden temporary file in its folder first and then linked under
    its name, so a name never shows a half-written file and two writers of one name both
    succeed under different names.  ``file_mode`` is applied to each new file (readable by a
    web server serving the folder).
    """

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        base_url: str = "/media",
        file_mode: int = 0o644,
        directory_mode: int = 0o755,
    ) -> None:
        self.location = Path(location).resolve()
        self.base_url = base_url.rstrip("/")
        self.file_mode = file_mode
        self.directory_mode = directory_mode

    def path(self, name: str) -> Path:
        """The file's path on disk; UnsafeName for a bad name or one leading out of the folder."""
        path = self.location / check_name(name)
        # a symlink placed inside the folder must not lead outside it
        if not path.resolve().is_relative_to(self.location):
            raise UnsafeName(name)
        return path

    def store(self, name: str, file: IO[bytes]) -> str:
        folder = self.path(name).parent
        folder.mkdir(parents=True, exist_ok=True, mode=self.directory_mode)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", delete=False) as temporary:
            try:
                shutil.copyfileobj(file, temporary)
            except BaseException:
                temporary.close()
                os.unlink(temporary.name)
                raise
        try:
            os.chmod(temporary.name, self.file_mode)
            return self._publish(temporary.name, name)
        finally:
            if os.path.exists(temporary.name):
                os.unlink(temporary.name)

    def _publish(self, source: str, name: str) -> str:
        for _ in range(_MAX_TRIES):
            target = self.path(name)
            try:
                os.link(source, target)
                return name
            except FileExistsError:
                name = with_suffix(name)
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                return self._publish_without_links(source, name)
        raise FileExistsError(f"no free name near {name!r} after {_MAX_TRIES} tries")

    def _publish_without_links(self, source: str, name: str) -> str:
        # Reserve the name exclusively, then move the finished file over the empty placeholder.
        for _ in range(_MAX_TRIES):
            target = self.path(name)
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, self.file_mode))
            except FileExistsError:
                name = with_suffix(name)
                continue
            os.replace(source, target)
            return name
        raise FileExistsError(f"no free name near {name!r} after {_MAX_TRIES} tries")

    def open(self, name: str) -> IO[bytes]:
        return self.path(name).open("rb")

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def size(self, name: str) -> int:
        return self.path(name).stat().st_size

    def url(self, name: str) -> str:
        return f"{self.base_url}/{quote(check_name(name))}"
