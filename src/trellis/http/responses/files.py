"""Send a file from disk: validators, conditional and range requests, in thread-pool chunks.

The ETag is ``"<mtime in ns, hex>-<size, hex>"``, a *strong* validator as nginx and Apache make
it.  Strictly, size and mtime do not prove two versions byte-identical, but a weak ETag may not
be used with If-Range (RFC 9110 §13.1.5), and resumable downloads need it.  Files that change
more than once within the filesystem's timestamp precision at the same size are the risk.
"""

from __future__ import annotations

import mimetypes
import os
import secrets
import stat as stat_module
from collections.abc import Mapping
from typing import IO

from trellis.concurrency import run_sync
from trellis.exceptions import NotFound
from trellis.http.responses.base import (
    Message,
    RawHeaders,
    Receive,
    Response,
    Scope,
    Send,
    content_type_header,
    encode_headers,
)
from trellis.http.responses.conditional import (
    content_disposition,
    evaluate_preconditions,
    http_date,
    if_range_matches,
    parse_http_date,
    parse_range,
)
from trellis.http.responses.streaming import (
    ClientDisconnected,
    run_until_disconnect,
    send_or_disconnect,
)

__all__ = ["FileResponse"]

_CONDITIONAL_HEADERS = frozenset(
    {b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since", b"if-range"}
)
# What a 304 keeps (RFC 9110 §15.4.5): no body, so no Content-* describing one.
_DROPPED_WITHOUT_BODY = frozenset({b"content-type", b"content-length", b"content-disposition"})


def _open(path: str) -> tuple[IO[bytes], os.stat_result]:
    file = open(path, "rb")  # noqa: SIM115 -- closed by the caller, after the body is sent
    try:
        return file, os.fstat(file.fileno())
    except BaseException:
        file.close()
        raise


def _read_at(file: IO[bytes], offset: int, size: int) -> bytes:
    file.seek(offset)
    return file.read(size)


def _request_headers(scope: Scope) -> dict[str, str]:
    """The few request headers this response looks at; repeated lines joined with ", "."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        name = name.lower()
        if name in _CONDITIONAL_HEADERS or name == b"range":
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            found[key] = f"{found[key]}, {text}" if key in found else text
    return found


class FileResponse(Response):
    """A file, sent in ``chunk_size`` pieces read in the thread pool, never whole in memory.

    The file is opened when the response is sent, not when it is made, so a missing file raises
    :class:`~trellis.exceptions.NotFound` then.  ``media_type`` is guessed from ``filename`` or
    ``path``; ``filename`` adds a Content-Disposition header (``attachment`` by default).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        filename: str | None = None,
        content_disposition_type: str = "attachment",
        stat_result: os.stat_result | None = None,
        chunk_size: int = 64 * 1024,
    ) -> None:
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.path = os.fspath(path)
        self.status_code = status_code
        self.body = b""
        self.filename = filename
        self.stat_result = stat_result
        self.chunk_size = chunk_size
        if media_type is None:
            media_type = mimetypes.guess_type(filename or self.path)[0]
        self.media_type = media_type or "application/octet-stream"
        raw = self.raw_headers = encode_headers(headers) if headers else []
        names = {name for name, _ in raw}
        if b"content-type" not in names:
            raw.append((b"content-type", content_type_header(self.media_type, self.charset)))
        if filename is not None and b"content-disposition" not in names:
            value = content_disposition(content_disposition_type, filename)
            raw.append((b"content-disposition", value.encode("latin-1")))
        if b"accept-ranges" not in names:
            raw.append((b"accept-ranges", b"bytes"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            file, stat = await run_sync(_open, self.path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
            raise NotFound(detail="File not found") from exc
        try:
            if self.stat_result is not None:
                stat = self.stat_result
            if not stat_module.S_ISREG(stat.st_mode):
                raise NotFound(detail="File not found")
            status, headers, parts, tail = self.plan(stat, scope)
            await self._send(scope, receive, send, file, status, headers, parts, tail)
        finally:
            await run_sync(file.close)

    def plan(
        self, stat: os.stat_result, scope: Scope
    ) -> tuple[int, RawHeaders, list[_Part], bytes]:
        """Decide status, headers and the byte ranges to send; no I/O.

        A part is ``(prefix, first, last)``: the bytes sent before the inclusive file range.
        """
        size = stat.st_size
        headers = list(self.raw_headers)
        etag = _header(headers, b"etag")
        if etag is None:
            etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
            headers.append((b"etag", etag.encode("ascii")))
        modified = _header(headers, b"last-modified")
        if modified is None:
            last_modified: int | None = int(stat.st_mtime)
            headers.append((b"last-modified", http_date(stat.st_mtime).encode("ascii")))
        else:
            last_modified = parse_http_date(modified)
        ranges = None
        method = scope.get("method", "GET")
        if self.status_code == 200 and method in ("GET", "HEAD"):
            request = _request_headers(scope)
            precondition = evaluate_preconditions(request, etag, last_modified)
            if precondition is not None:
                return precondition, _without_body(headers, precondition), [], b""
            # Range applies to GET only (RFC 9110 §14.2); a HEAD answers as the full GET would.
            if (
                method == "GET"
                and "range" in request
                and (
                    "if-range" not in request
                    or if_range_matches(request["if-range"], etag, last_modified)
                )
            ):
                ranges = parse_range(request["range"], size)
        if ranges is None:
            headers.append((b"content-length", b"%d" % size))
            return self.status_code, headers, [(b"", 0, size - 1)] if size else [], b""
        if not ranges:
            headers = _without_body(headers, 416)
            headers.append((b"content-range", b"bytes */%d" % size))
            return 416, headers, [], b""
        if len(ranges) == 1:
            first, last = ranges[0]
            headers.append((b"content-range", b"bytes %d-%d/%d" % (first, last, size)))
            headers.append((b"content-length", b"%d" % (last - first + 1)))
            return 206, headers, [(b"", first, last)], b""
        return self._multipart(headers, ranges, size)

    def _multipart(
        self, headers: RawHeaders, ranges: list[tuple[int, int]], size: int
    ) -> tuple[int, RawHeaders, list[_Part], bytes]:
        """multipart/byteranges (RFC 9110 §14.6), its exact length known before sending."""
        boundary = secrets.token_hex(16)
        part_type = _header(headers, b"content-type") or self.media_type
        parts: list[_Part] = []
        for index, (first, last) in enumerate(ranges):
            separator = "\r\n" if index else ""
            prefix = (
                f"{separator}--{boundary}\r\n"
                f"Content-Type: {part_type}\r\n"
                f"Content-Range: bytes {first}-{last}/{size}\r\n\r\n"
            )
            parts.append((prefix.encode("latin-1"), first, last))
        tail = f"\r\n--{boundary}--\r\n".encode("ascii")
        length = len(tail) + sum(len(prefix) + last - first + 1 for prefix, first, last in parts)
        headers = [item for item in headers if item[0] != b"content-type"]
        headers.append((b"content-type", f"multipart/byteranges; boundary={boundary}".encode()))
        headers.append((b"content-length", b"%d" % length))
        return 206, headers, parts, tail

    async def _send(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        file: IO[bytes],
        status: int,
        headers: RawHeaders,
        parts: list[_Part],
        tail: bytes,
    ) -> None:
        start = {"type": "http.response.start", "status": status, "headers": headers}
        if scope.get("method") == "HEAD" or not (parts or tail):
            await send(start)
            await send({"type": "http.response.body", "body": b""})
        elif status == 200 and "http.response.pathsend" in scope.get("extensions", {}):
            # The server sends the file itself (zero-copy where it can); granian supports it.
            await send(start)
            await send({"type": "http.response.pathsend", "path": os.path.abspath(self.path)})
        else:
            await run_until_disconnect(self._send_parts(send, start, file, parts, tail), receive)

    async def _send_parts(
        self, send: Send, start: Message, file: IO[bytes], parts: list[_Part], tail: bytes
    ) -> None:
        try:
            await send_or_disconnect(send, start)
            for prefix, first, last in parts:
                if prefix:
                    await send_or_disconnect(
                        send, {"type": "http.response.body", "body": prefix, "more_body": True}
                    )
                position = first
                while position <= last:
                    wanted = min(self.chunk_size, last - position + 1)
                    chunk = await run_sync(_read_at, file, position, wanted)
                    if not chunk:
                        # Headers promised more bytes; failing makes the server abort the
                        # connection so the client sees a truncated download, not a bad file.
                        raise RuntimeError(f"{self.path} shrank while it was being sent")
                    position += len(chunk)
                    await send_or_disconnect(
                        send, {"type": "http.response.body", "body": chunk, "more_body": True}
                    )
            await send_or_disconnect(
                send, {"type": "http.response.body", "body": tail, "more_body": False}
            )
        except ClientDisconnected:
            return


_Part = tuple[bytes, int, int]


def _header(headers: RawHeaders, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


def _without_body(headers: RawHeaders, status: int) -> RawHeaders:
    kept = [item for item in headers if item[0] not in _DROPPED_WITHOUT_BODY]
    if status != 304:
        kept.append((b"content-length", b"0"))  # 412 and 416 have an (empty) body
    return kept
