"""``Image``: an uploaded file whose bytes were checked to be an acceptable image."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from PIL import Image as PILImage

from trellis.concurrency import run_sync
from trellis.http.datastructures import UploadFile
from trellis.images.formats import content_type_of, extension_of_format, normalize_format
from trellis.images.transform import Fit, Rendition, encode, strip_metadata, thumbnail
from trellis.images.verify import (
    DEFAULT_RULES,
    ImageInfo,
    ImageRules,
    ImageTooLarge,
    inspect_image,
    open_image,
    release,
)

__all__ = ["Image"]


class Image:
    """An image upload that passed its checks: a real image of an accepted format, within limits.

    ``format`` (Pillow's name: ``"JPEG"``, ``"PNG"``...), ``width``, ``height``, ``mode`` and
    ``frames`` come from the bytes; ``content_type`` and ``extension`` follow from the format,
    never from what the client said.  ``filename`` is the client's and untrusted.
    Thumbnails and stripped copies are :class:`Rendition` objects, ready for a storage.

    Each operation has a blocking form for ``def`` handlers and an ``a``-prefixed one for
    ``async def`` handlers, which runs the same code in the thread pool.
    """

    def __init__(
        self,
        file: IO[bytes],
        info: ImageInfo,
        *,
        filename: str | None = None,
        upload: UploadFile | None = None,
        rules: ImageRules = DEFAULT_RULES,
        field: str = "",
    ) -> None:
        self.file = file
        self.info = info
        self.filename = filename
        self.upload = upload
        self.rules = rules
        self.field = field
        self._lock = threading.RLock()  # one reader of ``file`` at a time

    # --- making one ------------------------------------------------------------------------

    @classmethod
    def from_file(
        cls,
        file: IO[bytes],
        rules: ImageRules | None = None,
        *,
        filename: str | None = None,
        field: str = "",
    ) -> Image:
        """Check an open binary file (blocking); 413/422 errors when it is not acceptable."""
        complete = (rules or ImageRules()).with_defaults(DEFAULT_RULES)
        return cls(
            file,
            inspect_image(file, complete, field=field),
            filename=filename,
            rules=complete,
            field=field,
        )

    @classmethod
    async def from_upload(
        cls, upload: UploadFile, rules: ImageRules | None = None, *, field: str = ""
    ) -> Image:
        """Check an upload in the thread pool; with ``strip_metadata`` rewrite it without any.

        ``max_size`` is checked before a byte is looked at; then the format, the pixel count and
        a full decode of the first frame (see :mod:`trellis.images.verify`).
        """
        complete = (rules or ImageRules()).with_defaults(DEFAULT_RULES)
        if complete.max_size is not None and upload.size > complete.max_size:
            raise ImageTooLarge(
                detail=f"The image {field!r} is larger than {complete.max_size} bytes "
                f"({upload.size} bytes)"
            )
        return await run_sync(cls._from_upload, upload, complete, field)

    @classmethod
    def _from_upload(cls, upload: UploadFile, rules: ImageRules, field: str) -> Image:
        info = inspect_image(upload.file, rules, field=field)
        image = cls(
            upload.file, info, filename=upload.filename, upload=upload, rules=rules, field=field
        )
        if rules.strip_metadata:
            image.replace_content(image.without_metadata())
        return image

    @classmethod
    def __trellis_parameter__(cls, name: str, default: Any, metadata: tuple[Any, ...]) -> Any:
        """The dependency that fills a handler parameter annotated ``Image`` (see fields.py)."""
        from trellis.images.fields import parameter_dependency

        return parameter_dependency(name, default, metadata)

    # --- what it is ----------------------------------------------------------------------

    @property
    def format(self) -> str:
        return self.info.format

    @property
    def width(self) -> int:
        return self.info.width

    @property
    def height(self) -> int:
        return self.info.height

    @property
    def mode(self) -> str:
        return self.info.mode

    @property
    def frames(self) -> int:
        return self.info.frames

    @property
    def content_type(self) -> str:
        return content_type_of(self.format)

    @property
    def extension(self) -> str:
        """``.jpg``, ``.png``...: the extension to store it under, from the bytes."""
        return extension_of_format(self.format)

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        with self._lock:
            position = self.file.tell()
            self.file.seek(0, 2)
            end = self.file.tell()
            self.file.seek(position)
        return end

    # --- reading and making renditions -------------------------------------------------------

    @contextmanager
    def open(self) -> Iterator[PILImage.Image]:
        """The Pillow image (header read, pixels decoded on first use), closed on exit.

        Nobody else reads the file meanwhile; keep the block short.
        """
        with self._lock:
            image = open_image(self.file, self.rules.formats or frozenset(), field=self.field)
            try:
                yield image
            finally:
                release(image)
                self.file.seek(0)

    def read(self) -> bytes:
        """The whole file in memory."""
        with self._lock:
            self.file.seek(0)
            try:
                return self.file.read()
            finally:
                self.file.seek(0)

    def thumbnail(
        self,
        size: tuple[int, int],
        *,
        fit: Fit = "contain",
        format: str | None = None,
        quality: int = 85,
        upscale: bool = False,
        background: Any = "white",
    ) -> Rendition:
        """A smaller copy within ``size`` (``contain``) or filling it, cropped (``cover``).

        ``format`` defaults to the image's own, except GIF, whose first frame becomes a PNG.
        ``quality`` applies to JPEG, WebP and AVIF; transparency becomes ``background`` in a
        JPEG.  A thumbnail never carries the original's metadata.
        """
        target = normalize_format(format) if format else _thumbnail_format(self.format)
        with self.open() as image:
            icc = image.info.get("icc_profile")
            small = thumbnail(image, size, fit=fit, upscale=upscale)
            return encode(small, target, quality=quality, background=background, icc_profile=icc)

    async def athumbnail(
        self,
        size: tuple[int, int],
        *,
        fit: Fit = "contain",
        format: str | None = None,
        quality: int = 85,
        upscale: bool = False,
        background: Any = "white",
    ) -> Rendition:
        return await run_sync(
            lambda: self.thumbnail(
                size,
                fit=fit,
                format=format,
                quality=quality,
                upscale=upscale,
                background=background,
            )
        )

    def without_metadata(self, *, quality: int = 90) -> Rendition:
        """A copy without EXIF, GPS, XMP, comments or text chunks, upright, in the same format."""
        with self.open() as image:
            return strip_metadata(image, quality=quality)

    async def awithout_metadata(self, *, quality: int = 90) -> Rendition:
        return await run_sync(lambda: self.without_metadata(quality=quality))

    def replace_content(self, rendition: Rendition) -> None:
        """Make ``rendition`` this image's content, in the same file (and upload) object."""
        with self._lock:
            self.file.seek(0)
            self.file.truncate()
            self.file.write(rendition.data)
            self.file.seek(0)
        if self.upload is not None:
            self.upload.size = len(rendition.data)
        self.info = ImageInfo(
            rendition.format, rendition.width, rendition.height, self.info.mode, self.info.frames
        )

    def __repr__(self) -> str:
        return (
            f"<Image {self.format} {self.width}x{self.height}"
            + (f" ({self.frames} frames)" if self.frames > 1 else "")
            + f" {self.filename!r}>"
        )


def _thumbnail_format(format: str) -> str:
    return "PNG" if format == "GIF" else format
