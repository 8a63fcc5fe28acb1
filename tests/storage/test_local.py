"""LocalStorage: saving never overwrites nor escapes its folder; lookups refuse unsafe names."""

from __future__ import annotations

import errno
import io
import os
import threading
from pathlib import Path
from typing import IO

import pytest

from trellis.http.datastructures import UploadFile
from trellis.storage import LocalStorage, Storage, UnsafeName


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "media", base_url="/files/")


def test_save_open_size_exists_url_delete(storage: LocalStorage) -> None:
    name = storage.save("docs/report.pdf", b"%PDF-1.4 hello")
    assert name == "docs/report.pdf"
    assert storage.exists(name)
    assert storage.size(name) == 14
    with storage.open(name) as file:
        assert file.read() == b"%PDF-1.4 hello"
    assert storage.read(name) == b"%PDF-1.4 hello"
    assert storage.url(name) == "/files/docs/report.pdf"
    assert (storage.location / "docs" / "report.pdf").stat().st_mode & 0o777 == 0o644
    storage.delete(name)
    assert not storage.exists(name)
    storage.delete(name)  # already gone: nothing happens
    with pytest.raises(FileNotFoundError):
        storage.open(name)
    with pytest.raises(FileNotFoundError):
        storage.size(name)


def test_save_accepts_files_and_uploads_from_their_start(storage: LocalStorage) -> None:
    file = io.BytesIO(b"abcdef")
    file.seek(4)
    name = storage.save("a.txt", file)
    assert storage.read(name) == b"abcdef"
    assert file.tell() == 0
    upload = UploadFile(io.BytesIO(b"uploaded"), filename="x.bin")
    assert storage.read(storage.save("b.bin", upload)) == b"uploaded"


def test_save_never_overwrites(storage: LocalStorage) -> None:
    first = storage.save("avatars/me.png", b"one")
    second = storage.save("avatars/me.png", b"two")
    assert first == "avatars/me.png"
    assert second != first
    assert second.startswith("avatars/me_")
    assert second.endswith(".png")
    assert (storage.read(first), storage.read(second)) == (b"one", b"two")


def test_concurrent_saves_of_one_name_all_succeed_under_distinct_names(
    storage: LocalStorage,
) -> None:
    names: list[str] = []
    barrier = threading.Barrier(8)

    def save(i: int) -> None:
        barrier.wait()
        names.append(storage.save("same.txt", str(i).encode()))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(names)) == 8
    assert sorted(storage.read(n) for n in names) == [str(i).encode() for i in range(8)]


def test_hostile_names_are_cleaned_into_the_folder(storage: LocalStorage, tmp_path: Path) -> None:
    name = storage.save("../../outside.txt", b"x")
    assert name == "outside.txt"
    assert (storage.location / "outside.txt").is_file()
    assert not (tmp_path / "outside.txt").exists()
    assert storage.save("/etc/passwd", b"x") == "etc/passwd"


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/passwd", ".tmp-x", "a/../../b", "a b"])
def test_lookups_refuse_unsafe_names(storage: LocalStorage, name: str) -> None:
    for call in (storage.open, storage.delete, storage.exists, storage.size, storage.url):
        with pytest.raises(UnsafeName):
            call(name)


def test_a_symlink_out_of_the_folder_is_refused(storage: LocalStorage, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    storage.location.mkdir(parents=True)
    (storage.location / "link.txt").symlink_to(secret)
    (storage.location / "out").symlink_to(tmp_path)
    with pytest.raises(UnsafeName):
        storage.open("link.txt")
    with pytest.raises(UnsafeName):
        storage.save("out/new.txt", b"x")
    assert not (tmp_path / "new.txt").exists()


def test_no_temporary_file_is_left_behind(storage: LocalStorage) -> None:
    storage.save("a/b.txt", b"x")

    class Exploding(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        storage.save("a/c.txt", Exploding(b"y"))
    assert sorted(p.name for p in (storage.location / "a").iterdir()) == ["b.txt"]


def test_file_systems_without_hard_links(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_links(source: str, target: str) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    first = storage.save("x.txt", b"one")
    second = storage.save("x.txt", b"two")
    assert first == "x.txt"
    assert second != first
    assert (storage.read(first), storage.read(second)) == (b"one", b"two")
    assert sorted(p.name for p in storage.location.iterdir()) == sorted([first, second])


async def test_async_twins(storage: LocalStorage) -> None:
    name = await storage.asave("a.txt", b"async")
    assert await storage.aexists(name)
    assert await storage.asize(name) == 5
    assert await storage.aread(name) == b"async"
    with await storage.aopen(name) as file:
        assert file.read() == b"async"
    await storage.adelete(name)
    assert not await storage.aexists(name)


def test_generate_name_uses_only_a_cleaned_extension(storage: LocalStorage) -> None:
    name = storage.generate_name("../../My Photo.JPG", folder="avatars")
    assert name.startswith("avatars/")
    assert name.endswith(".jpg")
    assert "Photo" not in name
    assert storage.generate_name("x.png", extension=".webp").endswith(".webp")
    assert "." not in storage.generate_name("no-extension")


class MemoryStorage(Storage):
    """What a cloud backend writes: six methods; the rest comes from Storage."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def store(self, name: str, file: IO[bytes]) -> str:
        while name in self.files:
            name = "x" + name
        self.files[name] = file.read()
        return name

    def open(self, name: str) -> io.BytesIO:
        self.check_name(name)
        return io.BytesIO(self.files[name])

    def delete(self, name: str) -> None:
        self.files.pop(self.check_name(name), None)

    def exists(self, name: str) -> bool:
        return self.check_name(name) in self.files

    def size(self, name: str) -> int:
        return len(self.files[self.check_name(name)])

    def url(self, name: str) -> str:
        return f"https://cdn.example.com/{self.check_name(name)}"


async def test_a_backend_implements_six_methods_and_gets_the_rest() -> None:
    storage = MemoryStorage()
    name = await storage.asave("../a b.txt", b"hello")
    assert name == "a_b.txt"
    assert await storage.aread(name) == b"hello"
    assert storage.save("a b.txt", io.BytesIO(b"again")) == "xa_b.txt"
    assert storage.url(name) == "https://cdn.example.com/a_b.txt"
    with pytest.raises(UnsafeName):
        storage.url("../a")
    with pytest.raises(TypeError, match="abstract"):
        Storage()  # type: ignore[abstract]
