"""A guestbook, as a blueprint that ships as its own package.

Everything a project needs comes with ``guestbook.blueprint``: its pages (``views``), its table
(``models``, imported when the app starts), its templates and stylesheet (``templates/`` and
``static/`` beside this file), a command (``trellis guestbook prune``), a check and a start-up
hook.  Importing the package registers them all on the blueprint.
"""

from . import checks, commands  # noqa: F401  (they register on the blueprint)
from .views import blueprint

__all__ = ["blueprint"]
