"""Image format names: what users may write, what Pillow calls them, their types and extensions."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DEFAULT_FORMATS",
    "content_type_of",
    "extension_of_format",
    "normalize_format",
    "normalize_formats",
]

#: What an ``Image`` upload accepts unless told otherwise: the formats every browser shows.
#: SVG is not an image to Pillow, and never accepted: it is a document that can carry script.
DEFAULT_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP"})

_ALIASES = {"JPG": "JPEG", "JPE": "JPEG", "TIF": "TIFF", "MPO": "JPEG"}
_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "TIFF": "image/tiff",
    "BMP": "image/bmp",
    "ICO": "image/x-icon",
}
_EXTENSIONS = {"JPEG": ".jpg", "TIFF": ".tif"}


def normalize_format(name: str) -> str:
    """Pillow's name for a format: ``"jpg"``, ``"image/jpeg"`` and ``".JPG"`` are all ``"JPEG"``."""
    text = name.strip().upper().lstrip(".")
    if text.startswith("IMAGE/"):
        text = text[len("IMAGE/") :]
    return _ALIASES.get(text, text)


def normalize_formats(names: Iterable[str] | str) -> frozenset[str]:
    if isinstance(names, str):
        names = names.split(",")
    found = frozenset(normalize_format(n) for n in names if n.strip())
    if not found:
        raise ValueError("at least one image format must be accepted")
    return found


def content_type_of(format: str) -> str:
    return _TYPES.get(format, f"image/{format.lower()}")


def extension_of_format(format: str) -> str:
    return _EXTENSIONS.get(format, "." + format.lower())
