"""Content-hashed names and the ``staticfiles.json`` manifest that maps originals to them.

A hashed name puts the first 12 hex digits of the SHA-256 of the file's content before its last
suffix: ``css/site.css`` -> ``css/site.3f2a9c1e5b7d.css``.  Twelve hex digits (48 bits) make an
accidental collision between two versions of one file vanishingly unlikely, and SHA-256 needs
no justification in a security review, unlike MD5.  The name changes exactly when the content
does, so hashed files are cached by browsers forever.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from trellis.exceptions import ConfigurationError

__all__ = ["HASH_LENGTH", "MANIFEST_NAME", "Manifest", "content_hash", "hashed_name"]

MANIFEST_NAME = "staticfiles.json"
HASH_LENGTH = 12
_VERSION = 1


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:HASH_LENGTH]


def hashed_name(name: str, digest: str) -> str:
    """``css/site.css`` + digest -> ``css/site.<digest>.css``; ``LICENSE`` -> ``LICENSE.<digest>``.

    Only the last suffix moves: ``app.min.js`` -> ``app.min.<digest>.js``, so the served type
    (taken from that suffix) stays the same.
    """
    folder, base = posixpath.split(name)
    stem, suffix = posixpath.splitext(base)
    hashed = f"{stem}.{digest}{suffix}"
    return posixpath.join(folder, hashed) if folder else hashed


@dataclass
class Manifest:
    """Original name -> hashed name, plus the set of hashed names (served as immutable)."""

    paths: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.hashed = frozenset(self.paths.values())

    @classmethod
    def load(cls, root: str | os.PathLike[str]) -> Manifest | None:
        """The manifest in ``root``, or None when there is none; a broken one is an error."""
        path = Path(root) / MANIFEST_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigurationError(f"cannot read {path}: {exc}") from exc
        try:
            data = json.loads(text)
            paths = data["paths"]
            if data.get("version") != _VERSION or not isinstance(paths, dict):
                raise ValueError("unknown layout")
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in paths.items()):
                raise ValueError("names must be strings")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigurationError(
                f"{path} is not a static files manifest ({exc}); "
                "run `trellis collectstatic` again to rebuild it"
            ) from exc
        return cls(dict(paths))

    def save(self, root: str | os.PathLike[str]) -> Path:
        """Write atomically: a server starting meanwhile reads the old manifest or the new one."""
        path = Path(root) / MANIFEST_NAME
        data = {"version": _VERSION, "hash": f"sha256:{HASH_LENGTH}", "paths": self.paths}
        temporary = path.with_name(f".{MANIFEST_NAME}.tmp")
        temporary.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(temporary, path)
        return path
