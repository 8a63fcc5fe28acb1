"""Templates: Jinja2 pages and htmx fragments, from ``templates/`` beside the app and its blueprints.

``return Template("blog/index.html", posts=posts)`` renders a page; ``block="rows"`` renders one
block of it.  A project with a ``templates/`` folder gets this battery by convention; otherwise
``app.install(Templates(...))`` configures it.  Needs the ``templates`` extra (Jinja2).

Names load on first use, so that the convention (run by every app at start-up) can look for a
``templates/`` folder without importing Jinja2 for apps that have none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trellis.lazy import lazy_exports

if TYPE_CHECKING:
    from trellis.results import Template
    from trellis.templates.blocks import BlockNotFound
    from trellis.templates.context import SafeConfig
    from trellis.templates.environment import AUTOESCAPE_EXTENSIONS, Templates
    from trellis.templates.rendering import (
        render_response,
        render_template,
        render_template_async,
    )

__all__ = [
    "AUTOESCAPE_EXTENSIONS",
    "BlockNotFound",
    "SafeConfig",
    "Template",
    "Templates",
    "render_response",
    "render_template",
    "render_template_async",
]

_WHERE = {
    "Template": "trellis.results",
    "BlockNotFound": "trellis.templates.blocks",
    "SafeConfig": "trellis.templates.context",
    "AUTOESCAPE_EXTENSIONS": "trellis.templates.environment",
    "Templates": "trellis.templates.environment",
    "render_response": "trellis.templates.rendering",
    "render_template": "trellis.templates.rendering",
    "render_template_async": "trellis.templates.rendering",
}


def _needs_jinja2(module: str) -> None:
    if module != "trellis.results":
        from trellis.optional import require

        require("jinja2", extra="templates", feature="Templates")


__getattr__ = lazy_exports(__name__, _WHERE, before_import=_needs_jinja2)
