"""Deciding whether bytes are an acceptable image, before anything trusts or decodes them whole.

The order matters.  The format comes from the bytes (Pillow reads the header; only the plugins
of the accepted formats are tried), never from the file name or the client's content type.  The
pixel count comes from the same header and is checked before a single pixel is decoded, so a
small file that claims 50000x50000 pixels, or a tiny PNG of zeros that inflates to gigabytes, is
refused at the cost of reading its header.  Only then is the first frame decoded in full, which is
the one way to know that a JPEG is not truncated or corrupt.

Everything here is blocking; the async callers run it in the thread pool.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import IO, Any

from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from trellis.exceptions import ConfigurationError, PayloadTooLarge, RequestValidationError
from trellis.images.formats import DEFAULT_FORMATS, normalize_format, normalize_formats
from trellis.images.transform import ANIMATED_FORMATS

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "ImageInfo",
    "ImageRules",
    "ImageTooLarge",
    "InvalidImage",
    "inspect_image",
    "open_image",
    "release",
]

#: Pixels an image may have (all frames together) unless told otherwise: a 50-megapixel photo
#: decodes to about 150 MB (RGB) or 200 MB (RGBA), which is what one request may then cost.
DEFAULT_MAX_PIXELS = 50_000_000


class ImageTooLarge(PayloadTooLarge):
    """413: the image has more pixels (or bytes) than allowed; decompression bombs end here."""


class InvalidImage(RequestValidationError):
    """422: the bytes are not an image of an accepted format, or the image is damaged."""

    def __init__(self, field: str, message: str, kind: str) -> None:
        super().__init__([{"location": "file", "field": field, "message": message, "type": kind}])
        self.field = field
        self.message = message
        self.kind = kind


@dataclass(frozen=True, slots=True)
class ImageRules:
    """What an image upload must be; ``None`` means the app's default (see ``Images``).

    ``max_pixels`` counts every frame of an animation; ``max_size`` is in bytes;
    ``strip_metadata`` rewrites an upload without EXIF, GPS, XMP or comments as it arrives.
    """

    formats: frozenset[str] | None = None
    max_pixels: int | None = None
    max_size: int | None = None
    strip_metadata: bool | None = None

    @classmethod
    def make(
        cls,
        *,
        formats: Any = None,
        max_pixels: int | None = None,
        max_size: int | None = None,
        strip_metadata: bool | None = None,
    ) -> ImageRules:
        """Rules from user-friendly values: ``formats=["png", "jpg"]`` or ``"png,jpg"``."""
        found = None if formats is None else normalize_formats(formats)
        if found is not None:
            unknown = sorted(found - readable_formats())
            if unknown:
                raise ConfigurationError(
                    f"Image formats {unknown} cannot be read by this Pillow; "
                    f"readable: {', '.join(sorted(readable_formats()))}"
                )
        for name, value in (("max_pixels", max_pixels), ("max_size", max_size)):
            if value is not None and value < 1:
                raise ConfigurationError(f"Image {name} must be positive, not {value}")
        return cls(found, max_pixels, max_size, strip_metadata)

    def with_defaults(self, defaults: ImageRules) -> ImageRules:
        return replace(
            self,
            formats=self.formats if self.formats is not None else defaults.formats,
            max_pixels=self.max_pixels if self.max_pixels is not None else defaults.max_pixels,
            max_size=self.max_size if self.max_size is not None else defaults.max_size,
            strip_metadata=(
                self.strip_metadata if self.strip_metadata is not None else defaults.strip_metadata
            ),
        )


DEFAULT_RULES = ImageRules(DEFAULT_FORMATS, DEFAULT_MAX_PIXELS, None, False)


@dataclass(frozen=True, slots=True)
class ImageInfo:
    format: str
    width: int
    height: int
    mode: str
    frames: int


def readable_formats() -> frozenset[str]:
    PILImage.init()
    return frozenset(PILImage.OPEN) - {"MPO"}


def allow_pixels(max_pixels: int) -> None:
    """Raise Pillow's own process-wide bomb limit to ``max_pixels`` when it is lower.

    Pillow refuses (or warns about) images past ``PIL.Image.MAX_IMAGE_PIXELS`` wherever they
    are opened; our per-field limit is checked after it, so a limit above Pillow's needs Pillow's
    raised too.  Called at configuration time, never per request.
    """
    current = PILImage.MAX_IMAGE_PIXELS
    if current is not None and max_pixels > current:
        PILImage.MAX_IMAGE_PIXELS = max_pixels


def release(image: PILImage.Image) -> None:
    """Let go of ``image`` without closing the caller's file.

    ``Image.close()`` closes the file object even when Pillow did not open it; leaving a
    ``with`` block only forgets it, which is what we want for an upload still in use.
    """
    image.__exit__()


def open_image(file: IO[bytes], formats: frozenset[str], *, field: str = "") -> PILImage.Image:
    """Open ``file`` (its header only) as one of ``formats``; 422/413 when it cannot be one."""
    file.seek(0)
    try:
        # Only the accepted formats' plugins are tried.  Multi-picture JPEGs (most phone photos)
        # come back from the JPEG plugin as "MPO", which normalize_format reads as JPEG.
        image = PILImage.open(file, formats=sorted(formats))
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
        # the warning arrives as an exception only where warnings are errors (the test suite)
        raise ImageTooLarge(
            detail=f"The image {field!r} has far too many pixels (a decompression bomb?)"
        ) from None
    except UnidentifiedImageError:
        raise _not_an_image(field, formats) from None
    except Exception as exc:  # Pillow parses hostile bytes: any failure is the file's fault
        raise _damaged(field, exc) from None
    if normalize_format(image.format or "") not in formats:
        release(image)
        raise _not_an_image(field, formats)
    return image


def inspect_image(file: IO[bytes], rules: ImageRules, *, field: str = "") -> ImageInfo:
    """Check ``file`` against ``rules`` and decode its first frame; raise 413/422 when it fails.

    ``rules`` must be complete (``with_defaults`` applied).
    """
    formats = rules.formats or DEFAULT_FORMATS
    max_pixels = rules.max_pixels or DEFAULT_MAX_PIXELS
    image = open_image(file, formats, field=field)
    try:
        width, height = image.size
        try:
            animated = image.format in ANIMATED_FORMATS and getattr(image, "is_animated", False)
            # n_frames parses the frame headers; nothing is decoded
            frames = int(getattr(image, "n_frames", 1)) if animated else 1
        except Exception as exc:
            raise _damaged(field, exc) from None
        pixels = width * height * max(frames, 1)
        if pixels > max_pixels:
            what = f"{width}x{height} pixels" + (f" in {frames} frames" if frames > 1 else "")
            raise ImageTooLarge(
                detail=f"The image {field!r} is {what}; the limit is {max_pixels} pixels"
            )
        info = ImageInfo(normalize_format(image.format or ""), width, height, image.mode, frames)
        try:
            image.verify()  # checksums where the format has them (PNG)
        except Exception as exc:
            raise _damaged(field, exc) from None
    finally:
        release(image)
    image = open_image(file, formats, field=field)
    try:
        image.load()  # decode the first frame: truncated or corrupt data fails here
    except Exception as exc:
        raise _damaged(field, exc) from None
    finally:
        release(image)
        file.seek(0)
    return info


def _not_an_image(field: str, formats: frozenset[str]) -> InvalidImage:
    accepted = ", ".join(sorted(formats))
    return InvalidImage(
        field, f"The file is not an image in an accepted format ({accepted})", "image_format"
    )


def _damaged(field: str, exc: Exception) -> InvalidImage:
    return InvalidImage(field, f"The image is damaged or truncated ({exc})", "image_damaged")
