"""``multipart/form-data`` parsing on python-multipart, with every limit enforced as it streams.

Two halves, so the byte-level work stays free of I/O: :class:`MultipartDecoder` turns chunks into
plain events (a part's headers, a slice of its data, its end) and :func:`parse_multipart` consumes
those events, writing files to spooled temporary files.  Anything malformed is a 400; a count or
size past a limit is a 413; the files already written are closed before either escapes.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from trellis.exceptions import BadRequest, PayloadTooLarge
from trellis.http.datastructures import FormData, Headers, UploadFile
from trellis.http.limits import DEFAULT_LIMITS, Limits

__all__ = ["MultipartDecoder", "PartData", "PartEnd", "PartStart", "parse_multipart"]


@dataclass(slots=True)
class PartStart:
    name: str
    filename: str | None  # None for a plain field; "" when a browser sends an empty file input
    content_type: str | None
    headers: Headers


@dataclass(slots=True)
class PartData:
    data: bytes


@dataclass(slots=True)
class PartEnd:
    pass


Event = PartStart | PartData | PartEnd


def boundary_from_content_type(content_type: str) -> bytes:
    """The ``boundary`` parameter of a multipart Content-Type; 400 when missing or unusable."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary", b"")
    if not boundary or len(boundary) > 70 or not boundary.isascii():
        # RFC 2046 caps boundaries at 70 characters
        raise BadRequest(detail="Missing or invalid multipart boundary")
    return boundary


class MultipartDecoder:
    """Feed body chunks, get events; call :meth:`close` at the end of the body."""

    def __init__(self, boundary: bytes) -> None:
        self._events: list[Event] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: list[tuple[bytes, bytes]] = []
        self._finished = False
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._on_part_begin,
                    "on_header_field": self._on_header_field,
                    "on_header_value": self._on_header_value,
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_end": self._on_end,
                },
            )
        except (FormParserError, ValueError):
            raise BadRequest(detail="Invalid multipart boundary") from None

    def feed(self, chunk: bytes) -> list[Event]:
        if self._finished:
            return []  # an epilogue after the closing boundary is allowed and ignored
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise BadRequest(detail=f"Malformed multipart body: {exc}") from None
        events, self._events = self._events, []
        return events

    def close(self) -> None:
        if not self._finished:
            raise BadRequest(detail="Malformed multipart body: it ends before the closing boundary")

    def _on_part_begin(self) -> None:
        self._headers = []

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = bytes(self._header_name).strip().lower()
        self._headers.append((name, bytes(self._header_value).strip()))
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        headers = Headers(raw=self._headers)
        disposition = headers.get("content-disposition")
        if disposition is None:
            raise BadRequest(detail="Malformed multipart body: a part has no Content-Disposition")
        kind, options = parse_options_header(disposition)
        if kind != b"form-data" or b"name" not in options:
            raise BadRequest(
                detail="Malformed multipart body: Content-Disposition must be form-data with a name"
            )
        name = _decode_header(options[b"name"])
        filename = options.get(b"filename")
        content_type = headers.get("content-type")
        self._events.append(
            PartStart(
                name=name,
                filename=None if filename is None else _basename(_decode_header(filename)),
                content_type=content_type,
                headers=headers,
            )
        )

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        self._events.append(PartData(data[start:end]))

    def _on_part_end(self) -> None:
        self._events.append(PartEnd())

    def _on_end(self) -> None:
        self._finished = True


def _decode_header(value: bytes) -> str:
    # browsers send names and filenames as raw UTF-8 inside the quotes
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(detail="Invalid UTF-8 in a multipart header") from None


def _basename(filename: str) -> str:
    """Keep the last path component: old browsers sent ``C:\\Users\\me\\cv.pdf``."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "")


async def parse_multipart(
    content_type: str,
    chunks: AsyncIterable[bytes],
    limits: Limits = DEFAULT_LIMITS,
) -> FormData:
    """Read a whole multipart body into :class:`FormData`; files spool to disk past the limit."""
    decoder = MultipartDecoder(boundary_from_content_type(content_type))
    items: list[tuple[str, str | UploadFile]] = []
    fields = files = parts = 0
    current: PartStart | None = None
    field_value = bytearray()
    upload: UploadFile | None = None
    try:
        async for chunk in chunks:
            for event in decoder.feed(chunk):
                if isinstance(event, PartData):
                    if upload is not None:
                        await upload.write(event.data)
                    else:
                        field_value += event.data
                        if len(field_value) > limits.max_field_size:
                            raise PayloadTooLarge(
                                detail=f"A form field is larger than {limits.max_field_size} bytes"
                            )
                elif isinstance(event, PartStart):
                    parts += 1
                    if parts > limits.max_form_parts:
                        raise PayloadTooLarge(
                            detail=f"Too many parts in the form (limit {limits.max_form_parts})"
                        )
                    current = event
                    if event.filename is None:
                        fields += 1
                        if fields > limits.max_form_fields:
                            raise PayloadTooLarge(
                                detail=f"Too many form fields (limit {limits.max_form_fields})"
                            )
                        field_value.clear()
                    else:
                        files += 1
                        if files > limits.max_files:
                            raise PayloadTooLarge(
                                detail=f"Too many files in the form (limit {limits.max_files})"
                            )
                        upload = UploadFile.spooled(
                            limits.spool_max_size,
                            filename=event.filename,
                            content_type=event.content_type,
                            headers=event.headers,
                        )
                        items.append((event.name, upload))
                elif current is not None:  # PartEnd
                    if upload is not None:
                        await upload.seek(0)
                        upload = None
                    else:
                        items.append((current.name, _decode_field(field_value)))
                    current = None
        decoder.close()
    except BaseException:
        for _, value in items:
            if isinstance(value, UploadFile):
                await value.close()
        raise
    return FormData(items)


def _decode_field(value: bytearray) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(detail="Invalid UTF-8 in a form field") from None
