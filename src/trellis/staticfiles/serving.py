"""Answer ``GET /static/<path>``: find the file once, then let :class:`FileResponse` send it.

The route handler takes only its path parameter, so the App calls it on its fast path; outside
debug the result of each successful lookup is kept, so a hot file costs a dict lookup plus the
file's own open and send.  Misses are not kept (a scanner asking for random names must not
grow memory).  Content negotiation and the checks that need the raw request happen in
:class:`StaticFileResponse`, when the response is sent.
"""

from __future__ import annotations

import mimetypes
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trellis.concurrency import run_sync
from trellis.exceptions import NotFound
from trellis.http.responses import FileResponse
from trellis.http.responses.base import RawHeaders, Receive, Scope, Send
from trellis.staticfiles.compress import ENCODINGS
from trellis.staticfiles.finders import find_in, split_name
from trellis.staticfiles.manifest import MANIFEST_NAME, Manifest

__all__ = ["IMMUTABLE", "StaticFileResponse", "StaticServer", "choose_encoding", "media_type_for"]

#: Cache-Control of content-hashed names: the name changes when the content does.
IMMUTABLE = b"public, max-age=31536000, immutable"
# Encoded "/", "\" or NUL in the raw path: the decoded path hides them, so look at the raw one.
_ENCODED_SEPARATOR = re.compile(rb"%(?:2f|5c|00)", re.IGNORECASE)
_MAX_REMEMBERED = 50_000
# Types whose platform guess varies (or is missing) between systems.
_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".wasm": "application/wasm",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
}
# A file *named* .gz or .br is served as what it is, not as the type it decompresses to.
_ARCHIVES = {
    "gzip": "application/gzip",
    "br": "application/x-brotli",
    "bzip2": "application/x-bzip2",
    "xz": "application/x-xz",
    "compress": "application/x-compress",
}


def media_type_for(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    known = _TYPES.get(suffix)
    if known is not None:
        return known
    guessed, encoding = mimetypes.guess_type(name, strict=False)
    if encoding is not None:
        return _ARCHIVES.get(encoding, "application/octet-stream")
    return guessed or "application/octet-stream"


def choose_encoding(accept_encoding: str, available: Sequence[str]) -> str | None:
    """The coding of ``available`` (in preference order) the client likes best, or None.

    q-values are respected (``br;q=0`` refuses brotli; ``*`` covers codings not named); on a tie
    the earlier of ``available`` wins, so brotli beats gzip.  ``x-gzip`` is gzip.  A client
    ranking ``identity`` above every offered coding gets the file as it is.
    """
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = 0.0  # an unreadable weight is no consent
                if not 0.0 <= quality <= 1.0:
                    quality = 0.0
        weights["gzip" if coding == "x-gzip" else coding] = quality
    default = weights.get("*", 0.0)
    best: str | None = None
    best_quality = 0.0
    for coding in available:
        quality = weights.get(coding, default)
        if quality > best_quality:
            best, best_quality = coding, quality
    if best is not None and weights.get("identity", 0.0) > best_quality:
        return None
    return best


@dataclass(frozen=True, slots=True)
class StaticFile:
    """A resolved static file: where it is, how it is sent, and its precompressed siblings."""

    path: str
    media_type: str
    headers: tuple[tuple[bytes, bytes], ...]
    variants: tuple[tuple[str, str], ...]  # (coding, path), in preference order


class StaticFileResponse(FileResponse):
    """A :class:`FileResponse` that picks the precompressed sibling the client accepts."""

    def __init__(self, file: StaticFile) -> None:
        super().__init__(file.path, media_type=file.media_type)
        self.raw_headers.extend(file.headers)
        self.variants = file.variants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw_path = scope.get("raw_path")
        if raw_path and b"%" in raw_path and _ENCODED_SEPARATOR.search(raw_path):
            raise NotFound(detail="File not found")
        if self.variants:
            accept = ""
            ranged = False
            for name, value in scope.get("headers", ()):
                name = name.lower()
                if name == b"accept-encoding":
                    accept = (
                        f"{accept},{value.decode('latin-1')}" if accept else value.decode("latin-1")
                    )
                elif name == b"range":
                    ranged = True
            # A range is served from the plain file: a resumed download never mixes encodings.
            coding = None if ranged else choose_encoding(accept, [c for c, _ in self.variants])
            if coding is not None:
                self.path = dict(self.variants)[coding]
                self.raw_headers.append((b"content-encoding", coding.encode("ascii")))
        await super().__call__(scope, receive, send)


class StaticServer:
    """Looks names up in ``directories`` (first match wins) and makes the responses.

    ``compressed_root`` is the one folder whose ``.br``/``.gz`` siblings are trusted: the
    collected root, where ``collectstatic`` keeps them in step with their originals.
    """

    def __init__(
        self,
        directories: Sequence[Path],
        *,
        manifest: Manifest | None,
        compressed_root: Path | None,
        cache: bool,
        cache_control: bytes,
    ) -> None:
        self.directories = tuple(directories)
        self.manifest = manifest
        self.compressed_root = compressed_root
        self.cache = cache
        self.cache_control = cache_control
        self._found: dict[str, StaticFile] = {}

    async def respond(self, name: str) -> StaticFileResponse:
        file = self._found.get(name)
        if file is None:
            file = await run_sync(self.lookup, name)
            if file is None:
                raise NotFound(detail="File not found")
            # Bounded: on a case-insensitive disk, every casing of a name finds the same file.
            if self.cache and len(self._found) < _MAX_REMEMBERED:
                self._found[name] = file
        return StaticFileResponse(file)

    def lookup(self, name: str) -> StaticFile | None:
        """Resolve ``name`` against the disk; None for anything that must answer 404."""
        segments = split_name(name)
        if segments is None:
            return None
        for directory in self.directories:
            if name == MANIFEST_NAME and directory == self.compressed_root:
                continue  # the manifest is bookkeeping, not a static file
            hit = find_in(directory, segments)
            if hit is None:
                continue
            variants: list[tuple[str, str]] = []
            if directory == self.compressed_root:
                head, last = segments[:-1], segments[-1]
                for coding, suffix in ENCODINGS:
                    sibling = find_in(directory, (*head, last + suffix))
                    if sibling is not None:
                        variants.append((coding, sibling[0]))
            headers: RawHeaders = []
            hashed = self.manifest is not None and name in self.manifest.hashed
            headers.append((b"cache-control", IMMUTABLE if hashed else self.cache_control))
            if variants:
                headers.append((b"vary", b"Accept-Encoding"))
            return StaticFile(hit[0], media_type_for(name), tuple(headers), tuple(variants))
        return None
