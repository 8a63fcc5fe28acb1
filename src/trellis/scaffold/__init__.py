"""Project and blueprint skeletons: what ``trellis new`` and ``trellis startapp`` write.

The skeletons are text files under ``files/`` (package data, shipped in the wheel), each named
``<name>.tmpl`` and filled in with :class:`string.Template` (``$project``, ``${app}_entry``;
``$$`` is a dollar sign).  Generating a project therefore needs only the standard library, not
Jinja2, whose syntax the generated HTML templates use.  See ``docs/projects.md``.
"""

from trellis.scaffold.generate import (
    Created,
    make_initial_migration,
    new_blueprint,
    new_project,
)
from trellis.scaffold.names import ScaffoldError, check_name
from trellis.scaffold.render import render_tree, skeleton

__all__ = [
    "Created",
    "ScaffoldError",
    "check_name",
    "make_initial_migration",
    "new_blueprint",
    "new_project",
    "render_tree",
    "skeleton",
]
