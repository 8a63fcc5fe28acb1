"""Form binding with no configuration: the ``trellis.conventions`` entry point.

Registered as ``forms = "trellis.forms.convention:install_if_used"``, it runs when an app
starts, before handler signatures are read.  A handler cannot be annotated with a ``Form``
subclass unless some module defined one, which imported :mod:`trellis.forms.form`; so when that
module is loaded, the app gets ``Forms()``.  An app that never touched forms pays one dict lookup
and never imports WTForms.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["install_if_used"]


def install_if_used(app: Any) -> Any:
    """Install ``Forms()`` on ``app`` when forms are in use and none is installed."""
    if app.extensions.get("forms") is not None or "trellis.forms.form" not in sys.modules:
        return None
    from trellis.forms.battery import Forms

    return app.install(Forms())
