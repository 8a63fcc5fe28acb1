"""Upload limits through the app (413 with a clear message) and spooling that bounds memory."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator
from typing import Annotated

import pytest

from trellis import App, File, UploadFile
from trellis.conf import Settings
from trellis.http.limits import Limits
from trellis.http.multipart import parse_multipart
from trellis.testing import TestClient

JSON = {"accept": "application/json"}
MiB = 1024 * 1024
BOUNDARY = "limitsBoundary"


@pytest.fixture
def client() -> TestClient:
    app = App(settings=Settings(max_upload_size=64 * 1024, max_files=2, spool_max_size=1024))

    @app.post("/upload")
    async def upload(docs: Annotated[list[UploadFile], File()]) -> dict[str, object]:
        return {"sizes": [d.size for d in docs], "on_disk": [_on_disk(d) for d in docs]}

    return TestClient(app)


def _on_disk(upload: UploadFile) -> bool:
    return bool(getattr(upload.file, "_rolled", True))


def test_within_the_limits_small_files_stay_in_memory_large_ones_spool(client: TestClient) -> None:
    files = [("docs", ("a.bin", b"a" * 1000)), ("docs", ("b.bin", b"b" * 5000))]
    assert client.post("/upload", files=files).json() == {
        "sizes": [1000, 5000],
        "on_disk": [False, True],
    }


def test_a_body_past_max_upload_size_is_413(client: TestClient) -> None:
    response = client.post("/upload", files={"docs": ("big.bin", b"x" * 70_000)}, headers=JSON)
    assert response.status_code == 413
    assert response.json()["detail"] == "The request body is larger than 65536 bytes"


def test_a_streamed_body_without_content_length_is_cut_at_the_limit(client: TestClient) -> None:
    def body():  # type: ignore[no-untyped-def]
        yield (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="docs"; filename="big.bin"\r\n\r\n'
        ).encode()
        for _ in range(1000):
            yield b"x" * 4096

    response = client.post(
        "/upload",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}", **JSON},
    )
    assert response.status_code == 413
    assert "larger than 65536 bytes" in response.json()["detail"]


def test_too_many_files_is_413(client: TestClient) -> None:
    files = [("docs", (f"{i}.txt", b"x")) for i in range(3)]
    response = client.post("/upload", files=files, headers=JSON)
    assert response.status_code == 413
    assert response.json()["detail"] == "Too many files in the form (limit 2)"


def _multipart_stream(size: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        yield (
            f"--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="f"; filename="big.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        piece = b"z" * chunk
        for _ in range(size // chunk):
            yield piece
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    return chunks()


@pytest.mark.parametrize("spool_max_size", [MiB, 0])
async def test_spooling_never_holds_the_whole_file_in_memory(spool_max_size: int) -> None:
    size = 32 * MiB
    limits = Limits(max_upload_size=64 * MiB, spool_max_size=spool_max_size)
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    tracemalloc.start()
    try:
        form = await parse_multipart(content_type, _multipart_stream(size), limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    try:
        assert upload.size == size
        assert _on_disk(upload)
        # the spool threshold, one copy of it while rolling over, and a few chunks in flight
        assert peak < 2 * spool_max_size + 2 * MiB, f"peak {peak / MiB:.1f} MiB"
        upload.file.seek(0, 2)
        assert upload.file.tell() == size
    finally:
        await upload.close()
