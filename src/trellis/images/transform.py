"""Thumbnails and metadata stripping on Pillow images (blocking; callers use the thread pool).

Both honour the EXIF orientation first, so a phone photo taken upright stays upright once its
EXIF (which held the orientation) is gone or the thumbnail is cut.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Literal

from PIL import Image as PILImage
from PIL import ImageOps, JpegImagePlugin

from trellis.images.formats import content_type_of, extension_of_format, normalize_format

__all__ = ["ANIMATED_FORMATS", "Fit", "Rendition", "encode", "strip_metadata", "thumbnail"]

Fit = Literal["contain", "cover"]
_ORIENTATION = 0x0112
#: ``info`` entries that describe how to draw the image, not who, where or with what it was
#: taken; everything else (EXIF, GPS, XMP, comments, text chunks, maker notes) is dropped.
_KEPT_INFO = frozenset(
    {"transparency", "duration", "loop", "background", "disposal", "icc_profile"}
)
_WITH_QUALITY = frozenset({"JPEG", "WEBP", "AVIF"})
#: Formats whose extra frames are an animation.  A JPEG's extra pictures (MPO: previews, depth
#: maps) are not: they are dropped with the rest of the metadata.
ANIMATED_FORMATS = frozenset({"GIF", "WEBP", "PNG"})
_OPAQUE_ONLY = frozenset({"JPEG", "BMP"})


@dataclass(frozen=True, slots=True)
class Rendition:
    """Encoded image bytes made by Trellis (a thumbnail, a stripped copy), ready to store."""

    data: bytes
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return content_type_of(self.format)

    @property
    def extension(self) -> str:
        return extension_of_format(self.format)

    def file(self) -> io.BytesIO:
        return io.BytesIO(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"Rendition({self.format} {self.width}x{self.height}, {len(self.data)} bytes)"


def thumbnail(
    image: PILImage.Image,
    size: tuple[int, int],
    *,
    fit: Fit = "contain",
    upscale: bool = False,
) -> PILImage.Image:
    """A new image fitting ``size``: whole inside it (``contain``) or filling it, cropped (``cover``).

    Without ``upscale`` a small image is never enlarged: ``contain`` keeps it as it is and
    ``cover`` crops it to the box's proportions at its own resolution.
    """
    box_width, box_height = size
    if box_width < 1 or box_height < 1 or fit not in ("contain", "cover"):
        raise ValueError(
            f"a thumbnail needs a positive size and fit contain/cover, not {size} {fit}"
        )
    rotated = image.getexif().get(_ORIENTATION, 1) in (5, 6, 7, 8)
    width, height = (image.height, image.width) if rotated else image.size
    grow = max if fit == "cover" else min
    scale = grow(box_width / width, box_height / height)
    if scale < 1:
        # JPEG decodes at 1/2, 1/4 or 1/8 scale for free: far less memory and time for big photos
        needed = (math.ceil(width * scale), math.ceil(height * scale))
        image.draft(None, (needed[1], needed[0]) if rotated else needed)
    upright = _drawable(ImageOps.exif_transpose(image))
    if fit == "contain":
        if scale >= 1 and not upscale:
            return upright
        return ImageOps.contain(upright, size, method=PILImage.Resampling.LANCZOS)
    if scale > 1 and not upscale:
        shrink = min(upright.width / box_width, upright.height / box_height)
        size = (max(1, round(box_width * shrink)), max(1, round(box_height * shrink)))
    return ImageOps.fit(upright, size, method=PILImage.Resampling.LANCZOS)


def encode(
    image: PILImage.Image,
    format: str,
    *,
    quality: int = 85,
    background: Any = "white",
    icc_profile: bytes | None = None,
) -> Rendition:
    """``image`` encoded as ``format``; transparency is flattened on ``background`` for JPEG."""
    format = normalize_format(format)
    if format in _OPAQUE_ONLY and image.mode not in ("RGB", "L"):
        image = _flatten(image, background)
    options: dict[str, Any] = {}
    if format in _WITH_QUALITY:
        options["quality"] = quality
    if icc_profile:
        options["icc_profile"] = icc_profile
    out = io.BytesIO()
    image.save(out, format, **options)
    return Rendition(out.getvalue(), format, image.width, image.height)


def strip_metadata(image: PILImage.Image, *, quality: int = 90) -> Rendition:
    """``image`` (freshly opened, not decoded) re-encoded in its own format without metadata.

    A JPEG keeps its quantization tables and subsampling, so the re-encoding costs as little
    quality as one can; PNG and GIF are lossless.  An animation keeps every frame.  Re-encoding
    also drops whatever trails the image data (a polyglot file's second life).
    """
    format = normalize_format(image.format or "PNG")
    if getattr(image, "is_animated", False) and image.format in ANIMATED_FORMATS:
        image.info = _kept_info(image.info)
        out = io.BytesIO()
        extra: dict[str, Any] = {"comment": b""} if format == "GIF" else {}
        image.save(out, format, save_all=True, **extra)
        return Rendition(out.getvalue(), format, image.width, image.height)
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    options: dict[str, Any] = {}
    if format == "JPEG":
        # "keep" reuses the source's tables; a rotated copy is no longer "a JPEG", so pass them
        options = {
            "qtables": getattr(image, "quantization", None),
            "subsampling": JpegImagePlugin.get_sampling(image),
        }
        if not options["qtables"]:
            options = {"quality": quality}
    elif format in _WITH_QUALITY:
        options = {"quality": quality}
    if icc:
        options["icc_profile"] = icc
    upright.info = _kept_info(upright.info)
    out = io.BytesIO()
    upright.save(out, format, **options)
    return Rendition(out.getvalue(), format, upright.width, upright.height)


def _kept_info(info: dict[str | tuple[int, int], Any]) -> dict[str | tuple[int, int], Any]:
    return {key: value for key, value in info.items() if key in _KEPT_INFO}


def _drawable(image: PILImage.Image) -> PILImage.Image:
    """A mode Lanczos resizing works in: palettes and odd modes become RGB(A)."""
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _flatten(image: PILImage.Image, background: Any) -> PILImage.Image:
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    canvas = PILImage.new("RGB", rgba.size, background)
    canvas.paste(rgba, mask=rgba.getchannel("A"))
    return canvas
