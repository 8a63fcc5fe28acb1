"""The convention that makes ``return Template(...)`` work with no configuration.

Registered under the ``trellis.conventions`` entry-point group, it runs when an app starts: an
app that installed no template renderer, and that has a ``templates/`` folder beside it or
beside one of its blueprints, gets ``Templates()`` with its defaults.  Without Jinja2 installed
this module cannot be imported, and the convention stays off.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from trellis.templates.environment import Templates

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["install_if_used"]


def install_if_used(app: App) -> Templates | None:
    """Install ``Templates()`` on ``app`` when it has a templates folder and no renderer yet."""
    if "templates" in app.extensions:
        return None
    for collector in app.iter_collectors():
        root = getattr(collector, "root_path", None)
        if root is not None and (Path(root) / "templates").is_dir():
            return app.install(Templates())
    return None
