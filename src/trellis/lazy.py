"""Lazy re-exports (PEP 562) for package facades.

A facade lists ``name -> module``; a name is imported on first access and then cached on the
package, so importing the package itself costs nothing.  ``trellis``, ``trellis.http``,
``trellis.testing`` and the batteries use this one implementation.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    where: Mapping[str, str],
    *,
    before_import: Callable[[str], None] | None = None,
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that loads ``where[name]`` (a full module name) on first use.

    ``before_import(module)`` runs before a module is imported, e.g. to raise
    ``MissingDependency`` naming the extra to install.
    """

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if before_import is not None:
            before_import(module)
        value = getattr(import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
