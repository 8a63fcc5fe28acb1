"""Hashed names and the manifest file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from trellis.exceptions import ConfigurationError
from trellis.staticfiles.manifest import MANIFEST_NAME, Manifest, content_hash, hashed_name


def test_content_hash_is_twelve_hex_of_sha256() -> None:
    assert content_hash(b"body{}") == hashlib.sha256(b"body{}").hexdigest()[:12]
    assert content_hash(b"body{}") != content_hash(b"body{ }")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("css/site.css", "css/site.0123456789ab.css"),
        ("app.min.js", "app.min.0123456789ab.js"),
        ("LICENSE", "LICENSE.0123456789ab"),
        ("a/b/c.tar.gz", "a/b/c.tar.0123456789ab.gz"),
    ],
)
def test_hashed_name(name: str, expected: str) -> None:
    assert hashed_name(name, "0123456789ab") == expected


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    manifest = Manifest({"css/site.css": "css/site.0123456789ab.css"})
    path = manifest.save(tmp_path)
    assert path == tmp_path / MANIFEST_NAME
    assert json.loads(path.read_text())["version"] == 1
    loaded = Manifest.load(tmp_path)
    assert loaded is not None
    assert loaded.paths == manifest.paths
    assert loaded.hashed == {"css/site.0123456789ab.css"}
    assert not list(tmp_path.glob(".*tmp"))


def test_missing_manifest_is_none(tmp_path: Path) -> None:
    assert Manifest.load(tmp_path) is None


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"paths": {}}',
        '{"version": 1, "paths": []}',
        '{"version": 1, "paths": {"a": 1}}',
    ],
)
def test_broken_manifest_says_how_to_fix_it(tmp_path: Path, content: str) -> None:
    (tmp_path / MANIFEST_NAME).write_text(content)
    with pytest.raises(ConfigurationError, match="collectstatic"):
        Manifest.load(tmp_path)
