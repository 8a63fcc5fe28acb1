from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterable

import pytest

from trellis.exceptions import BadRequest, HTTPException, PayloadTooLarge
from trellis.http.datastructures import UploadFile
from trellis.http.limits import Limits
from trellis.http.multipart import (
    MultipartDecoder,
    PartData,
    PartEnd,
    PartStart,
    boundary_from_content_type,
    parse_multipart,
)

BOUNDARY = "----trellisBoundary7"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def encode(parts: Iterable[tuple[str, bytes] | tuple[str, bytes, str, str]]) -> bytes:
    """Build a body: (name, value) for a field, (name, data, filename, content type) for a file."""
    out = b""
    for part in parts:
        out += f"--{BOUNDARY}\r\n".encode()
        if len(part) == 2:
            name, value = part
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value
        else:
            name, value, filename, ctype = part
            out += (
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {ctype}\r\n\r\n"
            ).encode() + value
        out += b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def chunked(body: bytes, size: int = 1 << 16) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def parse(body: bytes, limits: Limits | None = None, size: int = 1 << 16) -> dict[str, list]:
    form = await parse_multipart(CONTENT_TYPE, chunked(body, size), limits or Limits())
    result: dict[str, list] = {}
    for name, value in form.items(multi=True):
        if isinstance(value, UploadFile):
            result.setdefault(name, []).append((value.filename, await value.read()))
            await value.close()
        else:
            result.setdefault(name, []).append(value)
    return result


async def test_fields_and_files() -> None:
    body = encode(
        [
            ("title", "Héllo".encode()),
            ("tag", b"a"),
            ("tag", b"b"),
            ("doc", b"%PDF-1.4 \x00\xff", "cv.pdf", "application/pdf"),
        ]
    )
    assert await parse(body) == {
        "title": ["Héllo"],
        "tag": ["a", "b"],
        "doc": [("cv.pdf", b"%PDF-1.4 \x00\xff")],
    }


@pytest.mark.parametrize("size", [1, 3, 7, 64])
async def test_chunk_boundaries_do_not_matter(size: int) -> None:
    body = encode([("a", b"x" * 50), ("f", b"\r\n--not-the-boundary\r\n" * 3, "f.bin", "x/y")])
    assert await parse(body, size=size) == {
        "a": ["x" * 50],
        "f": [("f.bin", b"\r\n--not-the-boundary\r\n" * 3)],
    }


async def test_upload_metadata() -> None:
    body = encode([("f", b"hello", "notes.txt", "text/plain")])
    form = await parse_multipart(CONTENT_TYPE, chunked(body))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.content_type == "text/plain"
    assert upload.size == 5
    assert upload.headers["content-type"] == "text/plain"
    assert "filename" in upload.headers["Content-Disposition"]
    await form.close()


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\cv.pdf", "cv.pdf"),
        ("/abs/path.txt", "path.txt"),
        ("résumé.pdf", "résumé.pdf"),
        ("", ""),
    ],
)
async def test_filename_is_basename_only(sent: str, kept: str) -> None:
    body = encode([("f", b"x", sent, "text/plain")])
    assert (await parse(body))["f"] == [(kept, b"x")]


async def test_large_file_spools_to_disk() -> None:
    body = encode([("f", b"z" * 5000, "big.bin", "application/octet-stream")])
    form = await parse_multipart(CONTENT_TYPE, chunked(body, 512), Limits(spool_max_size=1000))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert upload.file._rolled  # type: ignore[attr-defined]
    assert await upload.read() == b"z" * 5000
    await form.close()


async def test_small_file_stays_in_memory() -> None:
    body = encode([("f", b"z" * 10, "small.bin", "application/octet-stream")])
    form = await parse_multipart(CONTENT_TYPE, chunked(body), Limits(spool_max_size=1000))
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert not upload.file._rolled  # type: ignore[attr-defined]
    await form.close()


async def test_epilogue_is_ignored() -> None:
    assert await parse(encode([("a", b"1")]) + b"epilogue") == {"a": ["1"]}


async def test_preamble_is_refused() -> None:
    # RFC 2046 allows one, but no browser or HTTP client sends it; python-multipart refuses it
    with pytest.raises(BadRequest):
        await parse(b"preamble\r\n" + encode([("a", b"1")]))


async def test_empty_form() -> None:
    assert await parse(f"--{BOUNDARY}--\r\n".encode()) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "closing boundary"),
        (encode([("a", b"1")])[:-12], "closing boundary"),
        (b"garbage without boundary", "Malformed"),
        (
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            "Content-Disposition",
        ),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: attachment; name="a"\r\n\r\nx\r\n--{BOUNDARY}--\r\n'.encode(),
            "form-data",
        ),
        (
            f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            "name",
        ),
        (
            f"--{BOUNDARY}\r\nno colon here\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            "Malformed",
        ),
        (encode([("a", b"\xff\xfe")]), "UTF-8"),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="\xff"\r\n\r\nx\r\n--{BOUNDARY}--\r\n'.encode(
                "latin-1"
            ),
            "UTF-8",
        ),
    ],
)
async def test_malformed_is_400(body: bytes, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        await parse(body)


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "x" * 71,
        "multipart/form-data; boundary=\u00e9",
    ],
)
def test_bad_boundary_is_400(content_type: str) -> None:
    with pytest.raises(BadRequest, match="boundary"):
        boundary_from_content_type(content_type)


def test_quoted_boundary() -> None:
    assert boundary_from_content_type('multipart/form-data; boundary="a b"') == b"a b"


@pytest.mark.parametrize(
    ("limits", "parts", "message"),
    [
        (Limits(max_form_parts=2), [("a", b"1"), ("b", b"2"), ("c", b"3")], "Too many parts"),
        (Limits(max_form_fields=1), [("a", b"1"), ("b", b"2")], "Too many form fields"),
        (
            Limits(max_files=1),
            [("f", b"1", "a", "x/y"), ("g", b"2", "b", "x/y")],
            "Too many files",
        ),
        (Limits(max_field_size=3), [("a", b"1234")], "larger than 3 bytes"),
    ],
)
async def test_limits_are_413(limits: Limits, parts: list, message: str) -> None:
    with pytest.raises(PayloadTooLarge, match=message):
        await parse(encode(parts), limits)


async def test_field_size_limit_does_not_apply_to_files() -> None:
    body = encode([("f", b"x" * 100, "a.txt", "text/plain")])
    assert (await parse(body, Limits(max_field_size=10)))["f"] == [("a.txt", b"x" * 100)]


async def test_files_are_closed_when_parsing_fails() -> None:
    created: list[UploadFile] = []
    original = UploadFile.spooled

    def spy(spool_max_size: int, **kwargs: object) -> UploadFile:
        upload = original(spool_max_size, **kwargs)  # type: ignore[arg-type]
        created.append(upload)
        return upload

    body = encode([("f", b"data", "a.txt", "text/plain"), ("a", b"\xff")])
    UploadFile.spooled = spy  # type: ignore[method-assign]
    try:
        with pytest.raises(BadRequest):
            await parse(body)
    finally:
        UploadFile.spooled = original  # type: ignore[method-assign]
    assert len(created) == 1
    assert created[0].file.closed


def test_decoder_events() -> None:
    decoder = MultipartDecoder(BOUNDARY.encode())
    events = decoder.feed(encode([("a", b"1")]))
    decoder.close()
    assert isinstance(events[0], PartStart)
    assert (events[0].name, events[0].filename) == ("a", None)
    assert events[1:] == [PartData(b"1"), PartEnd()]


async def test_fuzz_random_bytes_only_give_400_or_413() -> None:
    rng = random.Random(99)
    valid = encode([("a", b"1"), ("f", b"xyz", "a.txt", "text/plain")])
    pieces = [valid, b"\r\n", b"--", BOUNDARY.encode(), b"Content-Disposition: form-data", b'"']
    statuses: set[int] = set()
    parsed = 0
    for _ in range(400):
        if rng.random() < 0.5:
            data = bytearray(valid)
            for _ in range(rng.randint(1, 6)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            body = bytes(data)
        else:
            body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        try:
            form = await parse_multipart(CONTENT_TYPE, chunked(body, rng.randint(1, 64)))
        except HTTPException as exc:
            statuses.add(exc.status_code)
        else:
            parsed += 1
            await form.close()
    assert statuses <= {400, 413}
    assert parsed > 0
