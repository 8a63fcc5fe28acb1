"""Precompression: ``.gz`` and ``.br`` siblings written once by ``collectstatic``.

Compressing at build time at the highest levels costs nothing per request, and the server sends
the smaller file when the client accepts it.  Brotli comes from the ``brotli`` package (extra
``static``); without it only ``.gz`` files are written, and that is logged once.
"""

from __future__ import annotations

import gzip
import importlib
import logging
import posixpath
from collections.abc import Callable
from typing import Any

__all__ = ["COMPRESSIBLE_SUFFIXES", "ENCODINGS", "compress", "compressible"]

logger = logging.getLogger("trellis.staticfiles")

#: Content encodings in order of preference, with the suffix of their sibling file.
ENCODINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))

#: Text and other formats that compress well; images, fonts in woff/woff2, archives and media
#: are compressed already and would only grow.
COMPRESSIBLE_SUFFIXES = frozenset(
    {
        ".css", ".js", ".mjs", ".cjs", ".map", ".json", ".webmanifest", ".xml", ".svg",
        ".html", ".htm", ".txt", ".md", ".csv", ".tsv", ".ics", ".rss", ".atom",
        ".ttf", ".otf", ".eot", ".ico", ".wasm", ".bmp",
    }
)  # fmt: skip

_brotli: Any = None
_brotli_checked = False


def compressible(name: str) -> bool:
    return posixpath.splitext(name)[1].lower() in COMPRESSIBLE_SUFFIXES


def _brotli_compress() -> Callable[[bytes], bytes] | None:
    global _brotli, _brotli_checked
    if not _brotli_checked:
        _brotli_checked = True
        try:
            _brotli = importlib.import_module("brotli")
        except ImportError:
            logger.warning(
                "brotli is not installed: no .br files are written (gzip still is). "
                'Install it with: pip install "trellis[static]"'
            )
    if _brotli is None:
        return None
    module = _brotli

    def run(data: bytes) -> bytes:
        result: bytes = module.compress(data, quality=11)
        return result

    return run


def compress(data: bytes) -> dict[str, bytes]:
    """Encoding -> compressed bytes, for each encoding that makes ``data`` smaller."""
    found: dict[str, bytes] = {}
    gz = gzip.compress(data, compresslevel=9, mtime=0)  # mtime=0: identical input, identical file
    if len(gz) < len(data):
        found["gzip"] = gz
    brotli = _brotli_compress()
    if brotli is not None:
        br = brotli(data)
        if len(br) < len(data):
            found["br"] = br
    return found
