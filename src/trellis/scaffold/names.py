"""Which names a new project or blueprint may take, and why not the others.

Both become top-level Python packages, imported by name from the project's folder: a name that
is not an identifier cannot be imported, and one already taken by the standard library or an
installed package would hide it (or be hidden by it), which fails far from the cause.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import sys

from trellis.exceptions import TrellisError

__all__ = ["RESERVED", "ScaffoldError", "check_name"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Names of the folders and modules a generated project already has beside its packages.
RESERVED = frozenset({"conftest", "migrations", "static", "staticfiles", "templates", "tests"})


class ScaffoldError(TrellisError):
    """A project or blueprint cannot be created as asked; the message says what to do instead."""


def check_name(name: str, what: str = "project") -> str:
    """Return ``name`` when a ``what`` (project, blueprint) may be called so; else raise."""
    if not _IDENTIFIER.match(name):
        suggestion = re.sub(r"[^A-Za-z0-9_]", "_", name.strip()).strip("_") or what
        if suggestion[0].isdigit():
            suggestion = f"{what}_{suggestion}"
        raise ScaffoldError(
            f"{name!r} cannot be a {what} name: it becomes a Python package, so use letters, "
            f"digits and underscores, not starting with a digit (for example {suggestion!r})"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise ScaffoldError(f"{name!r} is a Python keyword; choose another {what} name")
    if name in sys.stdlib_module_names:
        raise ScaffoldError(
            f"{name!r} is a module of Python's standard library; a {what} of that name would "
            "hide it. Choose another name"
        )
    if name == "trellis" or name in RESERVED:
        raise ScaffoldError(
            f"{name!r} is taken by {'Trellis' if name == 'trellis' else 'the project layout'}; "
            f"choose another {what} name"
        )
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        where = spec.origin or next(iter(spec.submodule_search_locations or ()), "")
        raise ScaffoldError(
            f"{name!r} is already an importable module ({where}); a {what} of that name would "
            "clash with it. Choose another name"
        )
    return name
