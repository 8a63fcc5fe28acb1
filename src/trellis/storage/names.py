"""Names of stored files: what a client may never choose, and what a storage may hand back.

A stored name is a relative, ``/``-separated path whose every segment is made of ASCII letters,
digits, ``.``, ``_`` and ``-``, does not start with a dot or a dash, and is not ``.`` or ``..``.
:func:`clean_name` turns anything (a client's file name included) into such a name;
:func:`check_name` refuses, instead of repairing, any name that is not one, because a name given to
``open``/``delete``/``url`` should be one a storage returned earlier — anything else is a mistake
or an attack, and must never reach the file system.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from trellis.exceptions import BadRequest

__all__ = ["UnsafeName", "check_name", "clean_name", "extension_of", "random_name", "with_suffix"]

MAX_SEGMENT = 120
MAX_DEPTH = 16
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}")
# Names Windows reserves in every folder; refused so that a storage root may be copied anywhere.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)


class UnsafeName(BadRequest, ValueError):
    """A stored-file name that no storage could have returned (``..``, absolute, odd characters).

    A 400 when it escapes into a request, since it can only come from a crafted URL or form.
    """

    def __init__(self, name: str) -> None:
        super().__init__(detail=f"{name[:200]!r} is not a valid stored file name")
        self.name = name


def check_name(name: str) -> str:
    """``name`` unchanged when it is a safe stored name; :class:`UnsafeName` otherwise."""
    segments = name.split("/")
    if not name or len(segments) > MAX_DEPTH:
        raise UnsafeName(name)
    for segment in segments:
        if (
            len(segment) > MAX_SEGMENT
            or not _SEGMENT.fullmatch(segment)
            or segment.endswith(".")
            or segment.split(".", 1)[0].lower() in _RESERVED
        ):
            raise UnsafeName(name)
    return name


def clean_name(name: str) -> str:
    """A safe stored name made from ``name``, however hostile; its folders are kept, made safe.

    Backslashes count as separators, ``.``/``..``/empty segments are dropped, accents are removed
    and other characters become ``_`` (``../Été 2024.JPG`` -> ``Ete_2024.jpg``); the extension
    is lower-cased.  When no file name is left (``"../.png"``), a random one keeps the extension.
    """
    *folders, filename = name.replace("\\", "/").split("/")
    last = _clean_segment(filename) or random_name(extension_of(filename))
    return "/".join([*_clean_folders(folders), last][-MAX_DEPTH:])


def _clean_folders(segments: list[str]) -> list[str]:
    return [s for s in map(_clean_segment, segments) if s]


def _clean_segment(segment: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", segment).encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_only.rpartition(".")
    if not dot or not _EXTENSION.fullmatch("." + extension):
        stem, extension = ascii_only, ""
    stem = _UNSAFE_CHARS.sub("_", stem).strip("._-")[: MAX_SEGMENT - 12].rstrip("._-")
    if not stem:
        return ""
    if stem.split(".", 1)[0].lower() in _RESERVED:
        stem = "_" + stem
    return f"{stem}.{extension.lower()}" if extension else stem


def extension_of(filename: str | None) -> str:
    """The file name's extension, lower-cased with its dot (``".jpg"``), or ``""`` when unusable."""
    if not filename:
        return ""
    last = filename.replace("\\", "/").rsplit("/", 1)[-1]
    _, dot, extension = last.rpartition(".")
    candidate = "." + extension
    if not dot or not _EXTENSION.fullmatch(candidate):
        return ""
    return candidate.lower()


def random_name(extension: str = "", *, folder: str = "") -> str:
    """A fresh, unguessable name (128 random bits) with ``extension``, inside ``folder``.

    What to store a client's upload under: nothing of the client's file name reaches the path,
    and nobody can find the file by guessing.
    """
    if extension and not extension.startswith("."):
        extension = "." + extension
    if extension and not _EXTENSION.fullmatch(extension):
        raise ValueError(f"{extension!r} is not a usable file extension")
    name = secrets.token_hex(16) + extension.lower()
    folders = _clean_folders(folder.replace("\\", "/").split("/"))
    return "/".join([*folders[: MAX_DEPTH - 1], name])


def with_suffix(name: str) -> str:
    """``name`` with a short random suffix before its extension: the next try after a collision."""
    folder, slash, last = name.rpartition("/")
    stem, dot, extension = last.rpartition(".")
    if not dot:
        stem, extension = last, ""
    stem = stem[: MAX_SEGMENT - 20]
    suffixed = f"{stem}_{secrets.token_hex(4)}" + (f".{extension}" if extension else "")
    return f"{folder}{slash}{suffixed}"
