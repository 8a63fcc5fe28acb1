"""MediaFiles: the app's storage given to handlers, served safely when local, from settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from trellis import App
from trellis.conf import Settings
from trellis.exceptions import ConfigurationError
from trellis.storage import LocalStorage, MediaFiles, Storage, storage_of
from trellis.testing import TestClient

from .test_local import MemoryStorage


def make_app(tmp_path: Path, **options: object) -> App:
    app = App(settings=Settings())
    app.install(MediaFiles(root=tmp_path / "media", **options))  # type: ignore[arg-type]

    @app.post("/files")
    async def upload(storage: Storage, content: str) -> dict[str, str]:
        name = await storage.asave("notes/note.txt", content.encode())
        return {"name": name, "url": storage.url(name)}

    return app


def test_handlers_get_the_storage_and_files_are_served(tmp_path: Path) -> None:
    client = TestClient(make_app(tmp_path))
    saved = client.post("/files", params={"content": "hello"}).json()
    assert saved == {"name": "notes/note.txt", "url": "/media/notes/note.txt"}
    assert (tmp_path / "media" / "notes" / "note.txt").read_text() == "hello"
    served = client.get(saved["url"])
    assert (served.status_code, served.text) == (200, "hello")
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["cache-control"] == "no-cache"
    assert "content-disposition" not in served.headers
    again = client.get(saved["url"], headers={"if-none-match": served.headers["etag"]})
    assert again.status_code == 304


def test_active_content_is_only_ever_downloaded(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    storage = storage_of(app)
    html = storage.save("page.html", b"<script>alert(document.cookie)</script>")
    svg = storage.save("logo.svg", b"<svg onload='alert(1)'/>")
    client = TestClient(app)
    for name in (html, svg):
        response = client.get(storage.url(name))
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment")
        assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/.tmp-partial",
        "/media/missing.txt",
        "/media/notes",
        "/media/a%00b",
    ],
)
def test_nothing_outside_or_hidden_is_served(tmp_path: Path, path: str) -> None:
    (tmp_path / "secret.txt").write_text("secret")
    app = make_app(tmp_path)
    media = tmp_path / "media"
    (media / "notes").mkdir(parents=True)
    (media / ".tmp-partial").write_text("half-written")
    response = TestClient(app).get(path)
    assert response.status_code in (404, 400)
    assert "secret" not in response.text
    assert "half-written" not in response.text


def test_options_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class SiteSettings(Settings):
        storage_base_url: str = "/uploads"
        storage_max_age: int = 600

    monkeypatch.setenv("TRELLIS_STORAGE_ROOT", str(tmp_path / "from-env"))
    app = App(settings=SiteSettings())
    battery = app.install(MediaFiles())
    storage = battery.storage
    assert isinstance(storage, LocalStorage)
    assert storage.location == (tmp_path / "from-env").resolve()
    name = storage.save("a.txt", b"x")
    assert storage.url(name) == "/uploads/a.txt"
    response = TestClient(app).get("/uploads/a.txt")
    assert response.headers["cache-control"] == "public, max-age=600"


def test_serving_can_be_turned_off(tmp_path: Path) -> None:
    app = make_app(tmp_path, serve=False)
    name = storage_of(app).save("a.txt", b"x")
    assert TestClient(app).get(f"/media/{name}").status_code == 404


def test_another_backend_is_not_served(tmp_path: Path) -> None:
    app = App()
    app.install(MediaFiles(MemoryStorage()))

    @app.get("/where")
    def where(storage: Storage) -> str:
        return storage.url(storage.save("a.txt", b"x"))

    assert TestClient(app).get("/where").text == "https://cdn.example.com/a.txt"
    with pytest.raises(ConfigurationError, match="only a LocalStorage"):
        App().install(MediaFiles(MemoryStorage(), serve=True))
    with pytest.raises(ConfigurationError, match="not both"):
        MediaFiles(MemoryStorage(), root="media")


def test_misconfiguration_fails_at_start_up(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    with pytest.raises(ConfigurationError, match="twice"):
        app.install(MediaFiles())
    with pytest.raises(ConfigurationError, match=r"app\.install"):
        storage_of(App())


def test_check_warns_about_a_folder_it_cannot_make(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    app = App()
    app.install(MediaFiles(root=tmp_path / "a-file" / "media"))
    found = [m for check in app.checks for m in check(app, False)]
    assert [m.id for m in found] == ["storage.W001"]
    assert "a-file" in found[0].message
    fine = App()
    fine.install(MediaFiles(root=tmp_path / "new" / "media"))
    assert not [m for check in fine.checks for m in check(fine, False)]
