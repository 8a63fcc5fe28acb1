"""FileResponse against real files: validators, conditional requests, ranges, HEAD, errors."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from trellis.exceptions import NotFound
from trellis.http.responses import FileResponse
from trellis.http.responses.conditional import http_date

CONTENT = bytes(range(256)) * 8  # 2048 bytes, every offset recognisable


class Result:
    def __init__(self, sent: list[dict[str, Any]]) -> None:
        self.sent = sent
        self.status: int = sent[0]["status"]
        self.headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
        self.header_names = [k for k, _ in sent[0]["headers"]]
        self.chunks = [m["body"] for m in sent[1:] if m["type"] == "http.response.body"]
        self.body = b"".join(self.chunks)


async def call(
    response: FileResponse,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> Result:
    sent: list[dict[str, Any]] = []
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }
    if extensions is not None:
        scope["extensions"] = extensions
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    await response(scope, receive, send)
    return Result(sent)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(CONTENT)
    return path


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.txt"
    path.write_text("hello world\n")
    return path


async def test_full_file_with_validators(text_file: Path) -> None:
    result = await call(FileResponse(text_file))
    stat = text_file.stat()
    assert result.status == 200
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert result.headers["content-length"] == "12"
    assert result.headers["accept-ranges"] == "bytes"
    assert result.headers["etag"] == f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
    assert result.headers["last-modified"] == http_date(stat.st_mtime)
    assert "content-disposition" not in result.headers
    assert result.body == b"hello world\n"
    assert result.sent[-1]["more_body"] is False


async def test_etag_changes_when_the_file_changes(text_file: Path) -> None:
    first = (await call(FileResponse(text_file))).headers["etag"]
    text_file.write_text("changed, and longer\n")
    assert (await call(FileResponse(text_file))).headers["etag"] != first


async def test_file_is_read_in_chunks(data_file: Path) -> None:
    result = await call(FileResponse(data_file, chunk_size=500))
    assert [len(c) for c in result.chunks] == [500, 500, 500, 500, 48, 0]
    assert result.body == CONTENT


async def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    result = await call(FileResponse(path))
    assert result.status == 200
    assert result.headers["content-length"] == "0"
    assert result.body == b""


async def test_media_type_is_guessed_from_filename_then_path(data_file: Path) -> None:
    assert FileResponse(data_file).media_type == "application/octet-stream"
    assert FileResponse(data_file, filename="pic.png").media_type == "image/png"
    explicit = await call(FileResponse(data_file, media_type="application/x-thing"))
    assert explicit.headers["content-type"] == "application/x-thing"


async def test_content_disposition_with_non_ascii_name(data_file: Path) -> None:
    result = await call(FileResponse(data_file, filename="résumé.pdf"))
    assert result.headers["content-disposition"] == (
        "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf"
    )
    inline = await call(
        FileResponse(data_file, filename="a.pdf", content_disposition_type="inline")
    )
    assert inline.headers["content-disposition"] == 'inline; filename="a.pdf"'


async def test_missing_file_is_not_found_at_send_time(tmp_path: Path) -> None:
    response = FileResponse(tmp_path / "later.txt")  # no error yet: it may be created later
    with pytest.raises(NotFound) as info:
        await call(response)
    assert str(tmp_path) not in str(info.value.detail)  # no server path leaks to the client
    (tmp_path / "later.txt").write_text("now")
    assert (await call(response)).body == b"now"


async def test_directory_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        await call(FileResponse(tmp_path))


async def test_head_sends_headers_only(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD")
    assert result.status == 200
    assert result.headers["content-length"] == str(len(CONTENT))
    assert result.body == b""
    assert len(result.sent) == 2


# Conditional requests -----------------------------------------------------------------------


async def test_if_none_match_gives_304_without_body_headers(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(
        FileResponse(data_file, headers={"Cache-Control": "max-age=60"}),
        headers={"If-None-Match": f'"nope", {etag}'},
    )
    assert result.status == 304
    assert result.body == b""
    assert result.headers["etag"] == etag
    assert result.headers["cache-control"] == "max-age=60"
    assert "content-length" not in result.headers
    assert "content-type" not in result.headers


async def test_if_none_match_that_differs_sends_the_file(data_file: Path) -> None:
    result = await call(FileResponse(data_file), headers={"If-None-Match": '"old"'})
    assert result.status == 200
    assert result.body == CONTENT


async def test_if_modified_since(data_file: Path) -> None:
    modified = (await call(FileResponse(data_file))).headers["last-modified"]
    assert (
        await call(FileResponse(data_file), headers={"If-Modified-Since": modified})
    ).status == (304)
    old = http_date(data_file.stat().st_mtime - 3600)
    assert (await call(FileResponse(data_file), headers={"If-Modified-Since": old})).status == 200


async def test_if_match_mismatch_gives_412(data_file: Path) -> None:
    result = await call(FileResponse(data_file), headers={"If-Match": '"other"'})
    assert result.status == 412
    assert result.headers["content-length"] == "0"
    assert result.body == b""


async def test_a_given_etag_header_is_used_for_matching(data_file: Path) -> None:
    response = FileResponse(data_file, headers={"ETag": '"v1"'})
    result = await call(response, headers={"If-None-Match": '"v1"'})
    assert result.status == 304
    assert result.header_names.count(b"etag") == 1


async def test_conditionals_only_apply_to_get_and_head_with_status_200(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    post = await call(FileResponse(data_file), method="POST", headers={"If-None-Match": etag})
    assert post.status == 200
    not_found_page = await call(
        FileResponse(data_file, status_code=404),
        headers={"If-None-Match": etag, "Range": "bytes=0-1"},
    )
    assert not_found_page.status == 404
    assert not_found_page.body == CONTENT


# Ranges -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=-500", 1548, 2047),
        ("bytes=500-", 500, 2047),
        ("bytes=2000-9999", 2000, 2047),
        ("bytes=0-10,5-20", 0, 20),  # overlapping: merged into one part
    ],
)
async def test_single_range(data_file: Path, header: str, first: int, last: int) -> None:
    result = await call(FileResponse(data_file, chunk_size=128), headers={"Range": header})
    assert result.status == 206
    assert result.headers["content-range"] == f"bytes {first}-{last}/2048"
    assert result.headers["content-length"] == str(last - first + 1)
    assert result.body == CONTENT[first : last + 1]
    assert all(len(chunk) <= 128 for chunk in result.chunks)


@pytest.mark.parametrize("header", ["bytes=2048-", "bytes=5000-6000", "bytes=-0"])
async def test_unsatisfiable_range_gives_416(data_file: Path, header: str) -> None:
    result = await call(FileResponse(data_file), headers={"Range": header})
    assert result.status == 416
    assert result.headers["content-range"] == "bytes */2048"
    assert result.headers["content-length"] == "0"
    assert result.body == b""


@pytest.mark.parametrize("header", ["bytes=abc", "bytes=10-5", "pages=1-2", "bytes=1-2-3"])
async def test_malformed_range_is_ignored(data_file: Path, header: str) -> None:
    result = await call(FileResponse(data_file), headers={"Range": header})
    assert result.status == 200
    assert result.body == CONTENT
    assert "content-range" not in result.headers


async def test_multiple_ranges_give_multipart_byteranges(data_file: Path) -> None:
    result = await call(
        FileResponse(data_file, filename="x.txt"), headers={"Range": "bytes=0-9,-10,100-109"}
    )
    assert result.status == 206
    match = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", result.headers["content-type"])
    assert match is not None
    boundary = match.group(1)
    assert "content-range" not in result.headers
    assert int(result.headers["content-length"]) == len(result.body)
    expected = (
        b"".join(
            (b"\r\n" if i else b"")
            + f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Range: bytes {a}-{b}/2048\r\n\r\n".encode()
            + CONTENT[a : b + 1]
            for i, (a, b) in enumerate([(0, 9), (100, 109), (2038, 2047)])
        )
        + f"\r\n--{boundary}--\r\n".encode()
    )
    assert result.body == expected


async def test_each_multipart_response_has_its_own_boundary(data_file: Path) -> None:
    headers = {"Range": "bytes=0-1,5-6"}
    first = (await call(FileResponse(data_file), headers=headers)).headers["content-type"]
    second = (await call(FileResponse(data_file), headers=headers)).headers["content-type"]
    assert first != second


async def test_if_range_with_current_etag_allows_the_range(data_file: Path) -> None:
    etag = (await call(FileResponse(data_file))).headers["etag"]
    result = await call(FileResponse(data_file), headers={"Range": "bytes=0-9", "If-Range": etag})
    assert result.status == 206
    assert result.body == CONTENT[:10]


async def test_if_range_with_stale_validator_sends_the_whole_file(data_file: Path) -> None:
    for stale in ('"old"', http_date(0)):
        result = await call(
            FileResponse(data_file), headers={"Range": "bytes=0-9", "If-Range": stale}
        )
        assert result.status == 200
        assert result.body == CONTENT


async def test_if_range_with_current_date(data_file: Path) -> None:
    modified = (await call(FileResponse(data_file))).headers["last-modified"]
    result = await call(
        FileResponse(data_file), headers={"Range": "bytes=-1", "If-Range": modified}
    )
    assert result.status == 206
    assert result.body == CONTENT[-1:]


async def test_head_ignores_range(data_file: Path) -> None:
    result = await call(FileResponse(data_file), method="HEAD", headers={"Range": "bytes=0-9"})
    assert result.status == 200
    assert result.headers["content-length"] == "2048"
    assert result.body == b""


# Sending ------------------------------------------------------------------------------------


async def test_pathsend_lets_the_server_send_the_file(data_file: Path) -> None:
    result = await call(FileResponse(data_file), extensions={"http.response.pathsend": {}})
    assert result.status == 200
    assert result.sent[1] == {"type": "http.response.pathsend", "path": os.path.abspath(data_file)}
    ranged = await call(
        FileResponse(data_file),
        headers={"Range": "bytes=0-1"},
        extensions={"http.response.pathsend": {}},
    )
    assert ranged.body == CONTENT[:2]  # ranges are still ours to send


async def test_given_stat_result_is_used(data_file: Path) -> None:
    stat = os.stat(data_file)
    data_file.write_bytes(CONTENT[:100])  # shrinks after the stat was taken
    with pytest.raises(RuntimeError, match="shrank"):
        await call(FileResponse(data_file, stat_result=stat))


async def test_disconnect_stops_sending(data_file: Path) -> None:
    sent: list[dict[str, Any]] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)
        if len(sent) == 3:
            gone.set()
            await asyncio.sleep(0)

    scope = {"type": "http", "method": "GET", "headers": []}
    await asyncio.wait_for(FileResponse(data_file, chunk_size=16)(scope, receive, send), 5)
    assert 3 <= len(sent) < 2048 // 16
    assert sent[-1].get("more_body") is True


def test_chunk_size_must_be_positive(data_file: Path) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        FileResponse(data_file, chunk_size=0)
