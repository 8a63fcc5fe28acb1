"""Stored names: hostile names cleaned into safe ones, and anything unsafe refused on lookup."""

from __future__ import annotations

import re

import pytest

from trellis.exceptions import BadRequest
from trellis.storage import UnsafeName, check_name, clean_name, random_name
from trellis.storage.names import extension_of, with_suffix

HEX_NAME = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("photo.jpg", "photo.jpg"),
        ("Photo.JPG", "Photo.jpg"),
        ("../../etc/passwd", "etc/passwd"),
        ("/etc/passwd", "etc/passwd"),
        ("..\\..\\windows\\win.ini", "windows/win.ini"),
        ("avatars/./me.png", "avatars/me.png"),
        ("a//b/../c.txt", "a/b/c.txt"),
        ("Été 2024 (1).jpeg", "Ete_2024_1.jpeg"),
        ("my photo;rm -rf.png", "my_photo_rm_-rf.png"),
        (".htaccess.txt", "htaccess.txt"),
        ("-rf.txt", "rf.txt"),
        ("con.txt", "_con.txt"),
        ("NUL", "_NUL"),
        ("evil\x00.png", "evil.png"),
        ("archive.tar.gz", "archive.tar.gz"),
        ("a" * 300 + ".png", "a" * 108 + ".png"),
        ("<script>.html", "script.html"),
    ],
)
def test_clean_name(given: str, cleaned: str) -> None:
    assert clean_name(given) == cleaned
    assert check_name(clean_name(given)) == cleaned


@pytest.mark.parametrize("given", ["", ".", "..", "../", "/", "..png", ".png", "日本語.png"])
def test_nothing_usable_left_gives_a_random_name_keeping_the_extension(given: str) -> None:
    name = clean_name(given)
    stem, _, extension = name.partition(".")
    assert HEX_NAME.fullmatch(stem)
    assert extension == ("png" if given.endswith(".png") else "")
    assert check_name(name) == name


def test_folder_kept_when_the_file_name_is_unusable() -> None:
    folder, _, last = clean_name("avatars/../.png").partition("/")
    assert folder == "avatars"
    assert last.endswith(".png")


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../secret",
        "a/../../secret",
        "/etc/passwd",
        "a//b",
        "a/./b",
        ".hidden",
        ".tmp-abc123",
        "-rf",
        "a\\b",
        "a b.png",
        "x.png/",
        "trailing.",
        "nul.txt",
        "a\x00b",
        "é.png",
        "a/" * 20 + "b",
        "a" * 121,
    ],
)
def test_check_name_refuses_what_save_could_not_return(name: str) -> None:
    with pytest.raises(UnsafeName) as caught:
        check_name(name)
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, BadRequest)  # a 400 if it escapes into a request


def test_random_names() -> None:
    first, second = random_name(".JPG"), random_name("jpg")
    assert first != second
    assert first.endswith(".jpg")
    assert second.endswith(".jpg")
    assert HEX_NAME.fullmatch(random_name())
    folder, _, name = random_name(".png", folder="../avatars/2024/").rpartition("/")
    assert folder == "avatars/2024"
    assert check_name(f"{folder}/{name}")
    with pytest.raises(ValueError, match="extension"):
        random_name("../x")


@pytest.mark.parametrize(
    ("filename", "extension"),
    [
        ("cat.PNG", ".png"),
        ("C:\\docs\\cv.pdf", ".pdf"),
        ("noext", ""),
        ("evil.p/hp", ""),
        ("x.verylongextension", ""),
        (None, ""),
        ("archive.tar.gz", ".gz"),
    ],
)
def test_extension_of(filename: str | None, extension: str) -> None:
    assert extension_of(filename) == extension


def test_with_suffix_keeps_folder_and_extension() -> None:
    name = with_suffix("avatars/me.png")
    assert re.fullmatch(r"avatars/me_[0-9a-f]{8}\.png", name)
    assert re.fullmatch(r"README_[0-9a-f]{8}", with_suffix("README"))
    assert check_name(with_suffix("a" * 120)) is not None
