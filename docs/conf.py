"""Sphinx configuration for the Trellis documentation (``make docs``; warnings are errors)."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from trellis.__about__ import __version__  # noqa: E402

project = "Trellis"
author = "The Trellis developers"
copyright = "2026, the Trellis developers"
release = version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "examples/**", "**/README.md", "__init__.py"]

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_heading_anchors = 3

html_theme = "furo"
html_title = f"Trellis {version}"

# Only what Trellis defines: re-exported SQLAlchemy/Jinja2 names and inherited docstrings are those
# projects' to document (their reST dialects are not ours).
autodoc_default_options = {"members": True, "show-inheritance": True, "ignore-module-all": True}
autodoc_inherit_docstrings = False
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
# Annotations name optional packages' types; autodoc must not need every extra to render.
autodoc_mock_imports: list[str] = []
nitpicky = False

# furo's highlighting styles (accessible-pygments) call logging.basicConfig() when imported, so
# INFO records of libraries reach the terminal: alembic's, once autodoc imports
# trellis.migrations. The build's own output is Sphinx's.
logging.getLogger("alembic").setLevel(logging.WARNING)
# autodoc reads every attribute of trellis.auth.AbstractUser, an abstract model whose
# relationships SQLAlchemy only builds on a mapped subclass; reading them there is harmless.
warnings.filterwarnings("ignore", "Unmanaged access of declarative attribute")
