"""The convention that makes ``return Template(...)`` work with no configuration.

Registered under the ``trellis.conventions`` entry-point group, it runs when an app starts: an
app that installed no template renderer, and that has a ``templates/`` folder beside it or
beside one of its blueprints, gets ``Templates()`` with its defaults.  This module imports
nothing heavy: Jinja2 is imported only when the app has such a folder (and its absence is then a
``MissingDependency`` naming the extra to install).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trellis.app import App
    from trellis.templates.environment import Templates

__all__ = ["install_if_used"]


def install_if_used(app: App) -> Templates | None:
    """Install ``Templates()`` on ``app`` when it has a templates folder and no renderer yet."""
    if "templates" in app.extensions:
        return None
    for collector in app.iter_collectors():
        root = getattr(collector, "root_path", None)
        if root is not None and (Path(root) / "templates").is_dir():
            from trellis.templates import Templates

            return app.install(Templates())
    return None
