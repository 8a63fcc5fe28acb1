"""Every app is protected without asking: the ``trellis.conventions`` entry point.

Registered as ``security = "trellis.security.convention:install_if_used"``; the App calls it at
start-up.  It installs ``Security()`` with the options from the settings unless the project
installed one itself or switched it off with ``security_enabled = False``
(``TRELLIS_SECURITY_ENABLED=false``), in which case ``trellis check --deploy`` says so.
"""

from __future__ import annotations

from typing import Any

from trellis.conf import setting

__all__ = ["install_if_used"]


def install_if_used(app: Any) -> None:
    """Install ``Security()`` on ``app`` unless it has one or the settings switch it off."""
    if app.extensions.get("security") is not None:
        return
    if not setting(app.settings, "security_enabled", True):
        from trellis.security.checks import security_disabled_check

        if security_disabled_check not in app.checks:
            app.add_check(security_disabled_check)
        return
    from trellis.security.battery import Security

    app.install(Security())
