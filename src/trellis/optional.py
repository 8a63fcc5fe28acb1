"""Optional dependencies: a battery imports its third-party package through :func:`require`.

When the package is missing, the user gets :class:`~trellis.exceptions.MissingDependency`, whose
message carries the ``pip install "trellis[extra]"`` command, instead of a bare ImportError from
deep inside the battery.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from trellis.exceptions import MissingDependency

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise MissingDependency naming ``feature`` and the ``extra`` to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and exc.name != module and not module.startswith(exc.name + "."):
            raise  # the package is there but broken: that error is the useful one
        raise MissingDependency(feature, extra, module.split(".")[0]) from exc
