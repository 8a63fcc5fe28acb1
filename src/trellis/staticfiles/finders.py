"""Where static files come from, and the one function that turns a URL path into a file.

The project's ``static/`` folder comes first, then each blueprint's ``static/`` in registration
order, all under one URL namespace: the first folder holding a name wins (Django's
``AppDirectoriesFinder``).  Every lookup goes through :func:`split_name` (refuses traversal,
backslashes, NUL bytes, absolute paths and dotfiles, without touching the disk) and then
:func:`find_in` (resolves symlinks and checks the real path is still inside the real folder).
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Source", "find_in", "iter_files", "sources_for", "split_name"]


@dataclass(frozen=True, slots=True)
class Source:
    """One folder of static files; ``label`` names its owner in messages ("the project", ...)."""

    label: str
    path: Path


def split_name(name: str) -> tuple[str, ...] | None:
    """The segments of a static file name, or None when the name must never reach the disk.

    Refused: empty names and segments (``a//b``), ``.`` and ``..``, names starting with ``/``,
    backslashes (a separator on Windows), NUL bytes, and dotfiles (``.env``, ``.git/config``):
    those are never static assets, and serving them by accident leaks secrets.
    """
    if not name or "\\" in name or "\x00" in name:
        return None
    segments = tuple(name.split("/"))
    for segment in segments:
        if not segment or segment.startswith("."):
            return None
    return segments


def find_in(directory: Path, segments: tuple[str, ...]) -> tuple[str, os.stat_result] | None:
    """The real path and stat of a regular file inside ``directory`` (already resolved).

    Symlinks are followed, then the result must still be inside ``directory``: a link pointing
    out of the static folder is as good as missing.  Directories are never answered.
    """
    candidate = os.path.join(directory, *segments)
    try:
        real = os.path.realpath(candidate, strict=True)
        stat = os.stat(real)
    except (OSError, ValueError):  # missing, a loop, or a name the OS refuses
        return None
    if not stat_module.S_ISREG(stat.st_mode):
        return None
    if not Path(real).is_relative_to(directory):
        return None
    return real, stat


def sources_for(app: Any, directory: str | os.PathLike[str]) -> list[Source]:
    """The static folders of ``app`` and its blueprints that exist, first match first.

    ``directory`` is the project's folder (relative to ``app.root_path``); blueprints always use
    ``static/`` beside their module.  A folder shared by several collectors (a blueprint made in
    the app's own module) is listed once.
    """
    found: list[Source] = []
    seen: set[Path] = set()

    def add(label: str, folder: Path) -> None:
        try:
            real = folder.resolve(strict=True)
        except OSError:
            return
        if real.is_dir() and real not in seen:
            seen.add(real)
            found.append(Source(label, real))

    add("the project", Path(app.root_path) / directory)
    for collector in app.iter_collectors():
        if collector is app:
            continue
        root = getattr(collector, "root_path", None)
        if root is not None:
            add(f"blueprint {getattr(collector, 'name', '?')!r}", Path(root) / "static")
    return found


def iter_files(sources: Iterable[Source]) -> Iterator[tuple[str, Path, Source]]:
    """Every static file as ``(name, real path, source)``, in each source's sorted order.

    A name found in several sources is yielded once per source; the caller keeps the first and
    reports the others as hidden.  Dotfiles and links leaving their folder are skipped, as
    serving would skip them.
    """
    for source in sources:
        for folder, dirs, files in os.walk(source.path, followlinks=True):
            here = Path(os.path.realpath(folder))
            kept = []
            for sub in sorted(dirs):
                real = Path(os.path.realpath(os.path.join(folder, sub)))
                # A link may lead out of the folder, or back up into a loop: skip both.
                if sub.startswith(".") or not real.is_relative_to(source.path):
                    continue
                if real != here / sub and here.is_relative_to(real):
                    continue
                kept.append(sub)
            dirs[:] = kept
            relative = Path(folder).relative_to(source.path)
            for filename in sorted(files):
                parts = (*relative.parts, filename)
                name = "/".join(parts)
                segments = split_name(name)
                if segments is None:
                    continue
                hit = find_in(source.path, segments)
                if hit is not None:
                    yield name, Path(hit[0]), source
