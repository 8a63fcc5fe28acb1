"""``static/`` is served with no configuration: the ``trellis.conventions`` entry point.

Registered as ``staticfiles = "trellis.staticfiles.convention:install_if_used"``; the App calls
it at start-up, before the routes are compiled, so the route it adds is served like any other.
"""

from __future__ import annotations

from typing import Any

__all__ = ["install_if_used"]


def install_if_used(app: Any) -> None:
    """Install ``StaticFiles()`` when none is and a ``static/`` folder exists beside the app
    (or the folder named by the ``static_dir`` setting) or beside one of its blueprints."""
    if app.extensions.get("staticfiles") is not None:
        return
    from trellis.staticfiles.finders import sources_for

    directory = getattr(app.settings, "static_dir", None) or "static"
    if sources_for(app, directory):
        from trellis.staticfiles.battery import StaticFiles

        if app.installed(StaticFiles) is None:
            app.install(StaticFiles())
