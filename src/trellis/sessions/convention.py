"""``request.session`` works once a secret key is set: the ``trellis.conventions`` entry point.

Registered as ``sessions = "trellis.sessions.convention:install_if_used"``; the App calls it at
start-up.  It installs ``Sessions()`` (options from settings) when the app has a secret key, or
runs in debug (then with a per-process random key and a warning), unless a Sessions battery is
installed already.  It imports the battery only then, so apps without sessions pay nothing.
"""

from __future__ import annotations

from typing import Any

__all__ = ["install_if_used"]


def install_if_used(app: Any) -> Any:
    """Install ``Sessions()`` on ``app`` when it has a secret key or runs in debug."""
    if app.extensions.get("sessions") is not None:
        return None
    settings = app.settings
    if getattr(settings, "secret_key", None) is None and not getattr(settings, "debug", False):
        return None
    from trellis.sessions.battery import Sessions

    if app.installed(Sessions) is not None:
        return None
    return app.install(Sessions())
