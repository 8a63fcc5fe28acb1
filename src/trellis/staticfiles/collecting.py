"""``collectstatic``: gather every static file into one folder, hashed and precompressed.

For each file found (project first, then blueprints; the first of a name wins) the root gets:

* the original, under its own name (for references that cannot be hashed);
* a content-hashed copy (``site.3f2a9c1e5b7d.css``), stylesheets with their references
  rewritten first (see :mod:`trellis.staticfiles.css`), so a stylesheet's hash covers the
  hashes of what it points at;
* ``.gz`` and ``.br`` siblings of both, for compressible types, when smaller;
* ``staticfiles.json``, the manifest, written last and atomically: a server that starts while
  files are being collected sees the previous manifest, whose hashed files are still there.

Hashed files of earlier runs are kept (pages still cached by browsers point at them) unless
``clear`` empties the root first.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from trellis.exceptions import ConfigurationError
from trellis.staticfiles import compress as compression
from trellis.staticfiles.css import css_references, rewrite_css
from trellis.staticfiles.finders import Source, iter_files
from trellis.staticfiles.manifest import (
    HASH_LENGTH,
    MANIFEST_NAME,
    Manifest,
    content_hash,
    hashed_name,
)

__all__ = ["CollectReport", "collect"]


@dataclass
class CollectReport:
    """What a run did; ``warnings`` are hidden duplicates and unresolved stylesheet references."""

    root: Path
    manifest: Manifest
    copied: int = 0
    compressed: int = 0
    warnings: list[str] = field(default_factory=list)


def collect(
    sources: Sequence[Source],
    root: str | os.PathLike[str],
    *,
    url_path: str = "/static",
    compress: bool = True,
    clear: bool = False,
    protect: Iterable[str | os.PathLike[str]] = (),
) -> CollectReport:
    """Collect ``sources`` into ``root``; ``protect`` lists folders ``root`` must not contain.

    Raises :class:`ConfigurationError` when ``root`` overlaps a source or a protected folder
    (collecting into ``static/`` would collect the copies again next time; clearing the project
    folder would delete the project).
    """
    destination = Path(root).resolve()
    _check_root(destination, sources, protect)
    if clear and destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True, exist_ok=True)

    report = CollectReport(destination, Manifest())
    files: dict[str, tuple[Path, Source]] = {}
    for name, path, source in iter_files(sources):
        first = files.get(name)
        if first is not None:
            report.warnings.append(
                f"{name}: the copy in {source.label} ({path}) is hidden by the one in "
                f"{first[1].label} ({first[0]}); the first found is served"
            )
        elif name == MANIFEST_NAME:
            report.warnings.append(
                f"{name} in {source.label} is skipped: the manifest is written under that name"
            )
        else:
            files[name] = (path, source)

    planner = _Planner(files, url_path, report.warnings)
    for name in files:
        planner.hashed(name)
    writer = _Writer(destination, compress, report, set(files))
    for name, (path, _) in files.items():
        writer.copy(name, path)
        rewritten = planner.rewritten.get(name)
        if rewritten is None:
            writer.copy(planner.names[name], path)
        else:
            writer.write(planner.names[name], rewritten)
    report.manifest = Manifest(dict(sorted(planner.names.items())))
    report.manifest.save(destination)
    return report


def _check_root(
    root: Path, sources: Sequence[Source], protect: Iterable[str | os.PathLike[str]]
) -> None:
    if root.parent == root or root == Path.home().resolve():
        raise ConfigurationError(f"refusing to collect static files into {root}; choose a folder")
    for source in sources:
        if root.is_relative_to(source.path) or source.path.is_relative_to(root):
            raise ConfigurationError(
                f"the static root {root} overlaps the static folder of {source.label} "
                f"({source.path}); set StaticFiles(root=...) to a folder of its own"
            )
    for folder in protect:
        if Path(folder).resolve().is_relative_to(root):
            raise ConfigurationError(
                f"the static root {root} contains {folder}; set StaticFiles(root=...) to a "
                "folder of its own, such as <project>/staticfiles"
            )


class _Planner:
    """Decides every hashed name; stylesheets after the files they refer to."""

    def __init__(
        self, files: dict[str, tuple[Path, Source]], url_path: str, warnings: list[str]
    ) -> None:
        self.files = files
        self.url_path = url_path
        self.warnings = warnings
        self.names: dict[str, str] = {}
        self.rewritten: dict[str, bytes] = {}
        self._in_progress: list[str] = []

    def hashed(self, name: str) -> str:
        done = self.names.get(name)
        if done is not None:
            return done
        path = self.files[name][0]
        if not name.lower().endswith(".css"):
            with open(path, "rb") as file:
                digest = hashlib.file_digest(file, "sha256").hexdigest()[:HASH_LENGTH]
            self.names[name] = hashed_name(name, digest)
            return self.names[name]
        self._in_progress.append(name)
        # surrogateescape: bytes that are not UTF-8 go back out exactly as they came in.
        text = path.read_bytes().decode("utf-8", "surrogateescape")
        for target in css_references(text, name, self.url_path):
            if target in self.files and target not in self._in_progress:
                self.hashed(target)
        new_text, warnings = rewrite_css(text, name, self.url_path, self._lookup(name))
        self.warnings.extend(warnings)
        content = new_text.encode("utf-8", "surrogateescape")
        self._in_progress.pop()
        self.names[name] = hashed_name(name, content_hash(content))
        self.rewritten[name] = content
        return self.names[name]

    def _lookup(self, css_name: str) -> _Lookup:
        return _Lookup(self, css_name)


class _Lookup:
    """The ``hashed`` callback of one stylesheet: a reference into a cycle keeps its plain name."""

    def __init__(self, planner: _Planner, css_name: str) -> None:
        self.planner = planner
        self.css_name = css_name

    def __call__(self, target: str) -> str | None:
        planner = self.planner
        if target not in planner.files:
            return None
        if target in planner._in_progress:
            planner.warnings.append(
                f"{self.css_name}: refers to {target}, which refers back to it; that "
                "reference keeps the unhashed name"
            )
            return target
        return planner.hashed(target)


class _Writer:
    """Writes files and their compressed siblings, reusing work for identical content."""

    def __init__(
        self, root: Path, compress: bool, report: CollectReport, collected: set[str]
    ) -> None:
        self.root = root
        self.collected = collected
        self.compress = compress
        self.report = report
        self._variants: dict[str, dict[str, bytes]] = {}

    def copy(self, name: str, source: Path) -> None:
        target = self._target(name)
        shutil.copy2(source, target)  # keeps the mtime: unchanged files keep their ETag
        self.report.copied += 1
        self._siblings(name, target, None)

    def write(self, name: str, content: bytes) -> None:
        target = self._target(name)
        if not (target.is_file() and target.read_bytes() == content):
            target.write_bytes(content)
        self.report.copied += 1
        self._siblings(name, target, content)

    def _target(self, name: str) -> Path:
        target = self.root.joinpath(*name.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _siblings(self, name: str, target: Path, content: bytes | None) -> None:
        variants: dict[str, bytes] = {}
        if self.compress and compression.compressible(name):
            data = target.read_bytes() if content is None else content
            key = hashlib.sha256(data).hexdigest()
            cached = self._variants.get(key)
            if cached is None:
                cached = self._variants[key] = compression.compress(data)
            variants = cached
        for encoding, suffix in compression.ENCODINGS:
            if name + suffix in self.collected:
                continue  # a static file of its own (``archive.tar.gz``), not a sibling
            sibling = target.with_name(target.name + suffix)
            if encoding in variants:
                sibling.write_bytes(variants[encoding])
                self.report.compressed += 1
            else:
                # A sibling left by an earlier run describes older content: never serve it.
                sibling.unlink(missing_ok=True)
