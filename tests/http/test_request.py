from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from trellis.exceptions import BadRequest, HTTPException, PayloadTooLarge
from trellis.http.connection import Message
from trellis.http.datastructures import UploadFile
from trellis.http.limits import Limits
from trellis.http.request import ClientDisconnect, Request


class Receiver:
    """Plays a list of ASGI messages, then blocks forever as a server waiting for the client."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = list(messages)
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.messages:
            return self.messages.pop(0)
        await asyncio.get_running_loop().create_future()  # never resolves
        raise AssertionError("unreachable")


def body_messages(*chunks: bytes) -> list[Message]:
    if not chunks:
        return [{"type": "http.request", "body": b"", "more_body": False}]
    return [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]


def make_request(
    *chunks: bytes,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    limits: Limits | None = None,
    messages: list[Message] | None = None,
) -> tuple[Request, Receiver]:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope: dict[str, Any] = {
        "type": "http",
        "method": method,
        "path": "/",
        "raw_path": b"/",
        "query_string": b"",
        "headers": raw,
    }
    receiver = Receiver(messages if messages is not None else body_messages(*chunks))
    if limits is None:
        return Request(scope, receiver), receiver
    return Request(scope, receiver, limits=limits), receiver


def test_construction_is_cheap() -> None:
    request, receiver = make_request()
    assert vars(request).keys() == {"scope", "_receive"}
    assert receiver.calls == 0
    limited, _ = make_request(limits=Limits(max_body_size=1))
    assert limited.limits.max_body_size == 1
    assert request.method == "POST"
    assert request.receive is receiver


def test_mimetype() -> None:
    request, _ = make_request(headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert request.mimetype == "application/json"
    assert make_request()[0].mimetype == ""


class TestBody:
    async def test_joins_chunks_and_caches(self) -> None:
        request, receiver = make_request(b"hel", b"lo", b"")
        assert await request.body() == b"hello"
        assert await request.body() == b"hello"
        assert receiver.calls == 3

    async def test_empty(self) -> None:
        request, _ = make_request()
        assert await request.body() == b""

    async def test_stream_yields_chunks(self) -> None:
        request, _ = make_request(b"a", b"", b"b")
        assert [c async for c in request.stream()] == [b"a", b"b"]

    async def test_stream_twice_is_a_clear_error(self) -> None:
        request, _ = make_request(b"a")
        assert [c async for c in request.stream()] == [b"a"]
        with pytest.raises(RuntimeError, match="already consumed"):
            request.stream()
        with pytest.raises(RuntimeError, match="already consumed"):
            await request.body()

    async def test_stream_after_body_replays_the_cache(self) -> None:
        request, _ = make_request(b"a", b"b")
        await request.body()
        assert [c async for c in request.stream()] == [b"ab"]
        assert [c async for c in request.stream()] == [b"ab"]

    async def test_content_length_over_limit_is_413_before_reading(self) -> None:
        request, receiver = make_request(
            b"x" * 11, headers={"content-length": "11"}, limits=Limits(max_body_size=10)
        )
        with pytest.raises(PayloadTooLarge):
            await request.body()
        assert receiver.calls == 0

    async def test_streamed_body_growing_past_limit_is_413(self) -> None:
        request, receiver = make_request(
            b"x" * 6, b"x" * 6, b"x" * 6, limits=Limits(max_body_size=10)
        )
        with pytest.raises(PayloadTooLarge, match="larger than 10 bytes"):
            await request.body()
        assert receiver.calls == 2  # stopped reading at the chunk that crossed the limit

    async def test_body_longer_than_its_content_length_still_capped(self) -> None:
        request, _ = make_request(
            b"x" * 20, headers={"content-length": "5"}, limits=Limits(max_body_size=10)
        )
        with pytest.raises(PayloadTooLarge):
            await request.body()

    async def test_body_at_the_limit_is_fine(self) -> None:
        request, _ = make_request(b"x" * 10, limits=Limits(max_body_size=10))
        assert len(await request.body()) == 10

    @pytest.mark.parametrize("value", ["abc", "-1", "1.5", "", "١٢"])
    async def test_invalid_content_length_is_400(self, value: str) -> None:
        request, _ = make_request(b"x", headers={"content-length": value})
        with pytest.raises(BadRequest, match="Content-Length"):
            await request.body()

    async def test_disconnect_while_reading(self) -> None:
        request, _ = make_request(
            messages=[
                {"type": "http.request", "body": b"a", "more_body": True},
                {"type": "http.disconnect"},
            ]
        )
        with pytest.raises(ClientDisconnect) as info:
            await request.body()
        assert info.value.status_code == 400
        assert await request.is_disconnected()


class TestJSON:
    async def test_parses_and_caches(self) -> None:
        request, _ = make_request(b'{"a": [1, 2.5, null, "\xc3\xa9"]}')
        data = await request.json()
        assert data == {"a": [1, 2.5, None, "é"]}
        assert await request.json() is data

    async def test_null_is_cached_too(self) -> None:
        request, receiver = make_request(b"null")
        assert await request.json() is None
        assert await request.json() is None
        assert receiver.calls == 1

    async def test_malformed_names_line_and_column(self) -> None:
        request, _ = make_request(b'{\n  "a": 1,\n  "b": }')
        with pytest.raises(BadRequest, match=r"line 3, column 8") as info:
            await request.json()
        assert info.value.detail.startswith("Malformed JSON at line 3, column 8: ")

    @pytest.mark.parametrize("body", [b"", b"\xff", b'"\xed\xa0\x80"', b"[" * 5000, b"1e999"])
    async def test_bad_bytes_are_400(self, body: bytes) -> None:
        request, _ = make_request(body)
        with pytest.raises(BadRequest, match="Malformed JSON"):
            await request.json()


class TestForm:
    async def test_urlencoded(self) -> None:
        request, _ = make_request(
            b"name=Ann+Lee&tag=a&tag=b&city=K%C3%B6ln",
            headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        form = await request.form()
        assert form["name"] == "Ann Lee"
        assert form.getlist("tag") == ["a", "b"]
        assert form["city"] == "Köln"
        assert await request.form() is form
        assert await request.body() == b"name=Ann+Lee&tag=a&tag=b&city=K%C3%B6ln"

    @pytest.mark.parametrize(
        ("body", "limits", "error"),
        [
            (b"a=%zz", Limits(), BadRequest),
            (b"a=%ff", Limits(), BadRequest),
            (b"a=1&b=2&c=3", Limits(max_form_fields=2), PayloadTooLarge),
            (b"a=12345", Limits(max_field_size=4), PayloadTooLarge),
            (b"a=" + b"x" * 100, Limits(max_body_size=50), PayloadTooLarge),
        ],
    )
    async def test_urlencoded_errors(
        self, body: bytes, limits: Limits, error: type[HTTPException]
    ) -> None:
        request, _ = make_request(
            body, headers={"content-type": "application/x-www-form-urlencoded"}, limits=limits
        )
        with pytest.raises(error, match=r"form body|larger than"):
            await request.form()

    async def test_other_content_type_gives_empty_form_without_reading(self) -> None:
        request, receiver = make_request(b'{"a": 1}', headers={"content-type": "application/json"})
        assert len(await request.form()) == 0
        assert receiver.calls == 0
        assert await request.json() == {"a": 1}

    async def test_multipart(self) -> None:
        body = (
            b"--B\r\n"
            b'Content-Disposition: form-data; name="title"\r\n\r\n'
            b"Hi\r\n"
            b"--B\r\n"
            b'Content-Disposition: form-data; name="file"; filename="../a.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n"
            b"file body\r\n"
            b"--B--\r\n"
        )
        request, _ = make_request(
            body[:30], body[30:], headers={"content-type": "multipart/form-data; boundary=B"}
        )
        form = await request.form()
        assert form["title"] == "Hi"
        upload = form["file"]
        assert isinstance(upload, UploadFile)
        assert upload.filename == "a.txt"
        assert await upload.read() == b"file body"
        with pytest.raises(RuntimeError, match="already consumed"):
            await request.body()
        await request.close()
        assert upload.file.closed
        await request.close()  # twice is fine

    async def test_multipart_after_body(self) -> None:
        body = b'--B\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--B--\r\n'
        request, _ = make_request(body, headers={"content-type": "multipart/form-data; boundary=B"})
        assert await request.body() == body
        assert (await request.form())["a"] == "1"

    async def test_multipart_upload_size_limit(self) -> None:
        body = b'--B\r\nContent-Disposition: form-data; name="a"; filename="f"\r\n\r\n'
        body += b"x" * 200 + b"\r\n--B--\r\n"
        limits = Limits(max_upload_size=100, max_body_size=10)
        request, _ = make_request(
            body[:50],
            body[50:],
            headers={"content-type": "multipart/form-data; boundary=B"},
            limits=limits,
        )
        with pytest.raises(PayloadTooLarge, match="larger than 100 bytes"):
            await request.form()
        declared, receiver = make_request(
            body,
            headers={
                "content-type": "multipart/form-data; boundary=B",
                "content-length": str(len(body)),
            },
            limits=limits,
        )
        with pytest.raises(PayloadTooLarge):
            await declared.form()
        assert receiver.calls == 0

    async def test_multipart_bigger_than_max_body_size_is_fine_up_to_upload_size(self) -> None:
        body = b'--B\r\nContent-Disposition: form-data; name="a"; filename="f"\r\n\r\n'
        body += b"x" * 200 + b"\r\n--B--\r\n"
        request, _ = make_request(
            body,
            headers={"content-type": "multipart/form-data; boundary=B"},
            limits=Limits(max_body_size=10, max_upload_size=1000),
        )
        form = await request.form()
        assert form["a"].size == 200  # type: ignore[union-attr]
        await request.close()

    async def test_multipart_without_boundary_is_400(self) -> None:
        request, _ = make_request(b"x", headers={"content-type": "multipart/form-data"})
        with pytest.raises(BadRequest, match="boundary"):
            await request.form()


class TestDisconnect:
    async def test_not_disconnected_when_nothing_arrives(self) -> None:
        request, _ = make_request(messages=[])
        assert not await request.is_disconnected()
        assert not await request.is_disconnected()

    async def test_disconnected_when_message_queued(self) -> None:
        request, _ = make_request(messages=[{"type": "http.disconnect"}])
        assert await request.is_disconnected()
        assert await request.is_disconnected()

    async def test_body_chunk_seen_by_the_check_is_kept(self) -> None:
        request, _ = make_request(b"ab", b"cd")
        assert not await request.is_disconnected()
        assert not await request.is_disconnected()
        assert await request.body() == b"abcd"

    async def test_disconnect_after_body(self) -> None:
        request, _ = make_request(messages=[*body_messages(b"x"), {"type": "http.disconnect"}])
        assert await request.body() == b"x"
        assert await request.is_disconnected()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=B",
        "multipart/form-data; boundary=",
        "application/json",
    ],
)
async def test_fuzz_random_bodies_never_500(content_type: str) -> None:
    rng = random.Random(content_type)
    alphabet = b'-B\r\n=&%+"; :abcContent-Disposition form-data name filename\xff\xc3\x00{}[]'
    statuses: set[int] = set()
    for _ in range(300):
        body = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 120)))
        cut = rng.randint(0, len(body))
        request, _ = make_request(
            body[:cut],
            body[cut:],
            headers={"content-type": content_type},
            limits=Limits(max_form_fields=5),
        )
        try:
            if content_type == "application/json":
                await request.json()
            else:
                await request.form()
        except HTTPException as exc:
            statuses.add(exc.status_code)
        finally:
            await request.close()
    assert statuses <= {400, 413}
    assert 400 in statuses
