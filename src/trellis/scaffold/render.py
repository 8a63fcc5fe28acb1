"""Write a skeleton from ``files/<kind>/`` into a folder, filling in the names.

A file ``x.tmpl`` becomes ``x``; a path part ``__project__`` or ``__app__`` becomes the name
given for it; a leading ``dot-`` becomes ``.`` (so ``dot-gitignore.tmpl`` is ``.gitignore``:
hidden files would be easy to lose when the package is built).  Nothing is ever overwritten.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

__all__ = ["SUFFIX", "render_tree", "skeleton"]

SUFFIX = ".tmpl"
#: Path parts replaced by a value of the context: ``__project__`` by ``context["project"]``.
PATH_PLACEHOLDERS = {"__project__": "project", "__app__": "app"}


def skeleton(kind: str) -> Traversable:
    """The folder of skeleton ``kind`` (``minimal``, ``project`` or ``app``) in the package."""
    folder = files("trellis.scaffold").joinpath("files", kind)
    if not folder.is_dir():
        raise LookupError(f"no skeleton named {kind!r}")
    return folder


def render_tree(kind: str, target: Path, context: Mapping[str, str]) -> list[Path]:
    """Write skeleton ``kind`` under ``target``; return the files written, in order.

    Every file is rendered, and every destination checked, before the first one is written: a
    ``$name`` missing from ``context`` (``KeyError``, a bug in the skeleton) or a file already
    there (``FileExistsError``) leaves the folder as it was.
    """
    rendered = [
        (
            target.joinpath(*(_rename(part, context) for part in parts)),
            Template(source.read_text(encoding="utf-8")).substitute(context),
        )
        for parts, source in _walk(skeleton(kind), ())
    ]
    for destination, _ in rendered:
        if destination.exists():
            raise FileExistsError(f"{destination} exists already; nothing was written")
    for destination, text in rendered:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with destination.open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    return [destination for destination, _ in rendered]


def _walk(
    folder: Traversable, parts: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], Traversable]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            if entry.name != "__pycache__":
                yield from _walk(entry, (*parts, entry.name))
        elif entry.name.endswith(SUFFIX):
            yield (*parts, entry.name), entry


def _rename(part: str, context: Mapping[str, str]) -> str:
    if part.endswith(SUFFIX):
        part = part[: -len(SUFFIX)]
    if part.startswith("dot-"):
        part = "." + part[len("dot-") :]
    for placeholder, key in PATH_PLACEHOLDERS.items():
        if placeholder in part:
            part = part.replace(placeholder, context[key])
    return part
