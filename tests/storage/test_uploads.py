"""upload_field: per-field size (413) and content-type (422) rules, missing files, many files."""

from __future__ import annotations

import pytest

from trellis import App, UploadFile
from trellis.storage import check_upload, upload_field
from trellis.storage.uploads import type_matches
from trellis.testing import TestClient

JSON = {"accept": "application/json"}


@pytest.fixture
def client() -> TestClient:
    app = App()

    @app.post("/doc")
    async def doc(
        doc: UploadFile = upload_field(
            "doc", max_size=1_000, content_types=["application/pdf", "text/*"]
        ),
    ) -> dict[str, object]:
        return {"name": doc.filename, "size": doc.size, "head": (await doc.read(4)).decode()}

    @app.post("/attachments")
    def attachments(
        files: list[UploadFile] = upload_field("files", many=True, max_size=10),
        note: UploadFile | None = upload_field("note", required=False),
    ) -> dict[str, object]:
        return {"files": [f.filename for f in files], "note": note and note.filename}

    return TestClient(app)


def test_a_file_within_the_rules(client: TestClient) -> None:
    sent = {"doc": ("cv.pdf", b"%PDF" + b"x" * 996, "application/pdf")}
    assert client.post("/doc", files=sent).json() == {
        "name": "cv.pdf",
        "size": 1000,
        "head": "%PDF",
    }
    text = {"doc": ("notes.md", b"# hi", "text/markdown; charset=utf-8")}
    assert client.post("/doc", files=text).json()["head"] == "# hi"


def test_too_large_is_413_with_a_clear_message(client: TestClient) -> None:
    sent = {"doc": ("cv.pdf", b"x" * 1_001, "application/pdf")}
    response = client.post("/doc", files=sent, headers=JSON)
    assert response.status_code == 413
    assert response.json()["detail"] == "The file 'doc' is larger than 1000 bytes (1001 bytes)"


def test_a_type_not_accepted_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/doc", files={"doc": ("cv.exe", b"MZ", "application/x-msdownload")})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "location": "file",
            "field": "doc",
            "message": "Files of type 'application/x-msdownload' are not accepted here; "
            "send application/pdf, text/*",
            "type": "content_type",
        }
    ]
    # a part without a Content-Type is application/octet-stream (RFC 7578)
    untyped = client.post(
        "/doc",
        content=(
            b'--b\r\nContent-Disposition: form-data; name="doc"; filename="a"\r\n\r\n'
            b"data\r\n--b--\r\n"
        ),
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert "'application/octet-stream'" in untyped.json()["errors"][0]["message"]


def test_missing_many_and_optional(client: TestClient) -> None:
    assert client.post("/doc", files={"other": ("a", b"a")}).json()["errors"][0]["type"] == (
        "missing"
    )
    files = [("files", ("a.txt", b"a")), ("files", ("b.txt", b"b")), ("note", ("n.txt", b"n"))]
    assert client.post("/attachments", files=files).json() == {
        "files": ["a.txt", "b.txt"],
        "note": "n.txt",
    }
    one_too_big = [("files", ("a.txt", b"a")), ("files", ("b.txt", b"b" * 11))]
    assert client.post("/attachments", files=one_too_big).status_code == 413
    none = client.post("/attachments", files={"other": ("a", b"a")})
    assert none.json()["errors"][0]["field"] == "files"


@pytest.mark.parametrize(
    ("content_type", "accepted", "matches"),
    [
        ("image/png", ["image/*"], True),
        ("IMAGE/PNG", ["image/png"], True),
        ("image/png; name=x", ["image/png"], True),
        ("image/png", ["image/jpeg"], False),
        ("imagex/png", ["image/*"], False),
        (None, ["application/octet-stream"], True),
        ("text/html", ["*/*"], True),
        ("text/html", [], False),
    ],
)
def test_type_matches(content_type: str | None, accepted: list[str], matches: bool) -> None:
    assert type_matches(content_type, accepted) is matches


def test_check_upload_returns_the_upload() -> None:
    import io

    upload = UploadFile(io.BytesIO(b"abc"), content_type="text/plain", size=3)
    assert check_upload(upload, max_size=3, content_types=["text/plain"]) is upload
