"""Templates: Jinja2 pages and htmx fragments, from ``templates/`` beside the app and its blueprints.

``return Template("blog/index.html", posts=posts)`` renders a page; ``block="rows"`` renders one
block of it.  A project with a ``templates/`` folder gets this battery by convention; otherwise
``app.install(Templates(...))`` configures it.  Needs the ``templates`` extra (Jinja2).
"""

from __future__ import annotations

from trellis.optional import require

require("jinja2", extra="templates", feature="Templates")

from trellis.results import Template  # noqa: E402
from trellis.templates.blocks import BlockNotFound  # noqa: E402
from trellis.templates.context import SafeConfig  # noqa: E402
from trellis.templates.environment import AUTOESCAPE_EXTENSIONS, Templates  # noqa: E402
from trellis.templates.rendering import render_template, render_template_async  # noqa: E402

__all__ = [
    "AUTOESCAPE_EXTENSIONS",
    "BlockNotFound",
    "SafeConfig",
    "Template",
    "Templates",
    "render_template",
    "render_template_async",
]
