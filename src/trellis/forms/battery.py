"""The ``Forms`` battery: handlers get their forms bound, templates get the form macros.

``app.install(Forms())`` (or nothing at all, once the ``trellis.conventions`` entry point is
registered: see :mod:`trellis.forms.convention`) does two things through the App's public
extension points:

- ``app.provide(Form, bind_form, subclasses=True)``: a parameter annotated with any ``Form``
  subclass is filled by :func:`bind_form`, an ``async`` factory, so the body is read and the
  database questions answered on the event loop before a ``def`` handler goes to its thread;
- the folder holding ``forms/macros.html`` joins the template search path (after the project's
  folders, so a project overrides the macros by writing its own ``forms/macros.html``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from trellis.conf import setting
from trellis.exceptions import ConfigurationError
from trellis.forms.form import Form
from trellis.http.request import Request

if TYPE_CHECKING:
    from trellis.app import App

__all__ = ["DEFAULT_MAX_CHOICES", "TEMPLATES", "Forms", "bind_form"]

#: The most rows a foreign key's ``<select>`` lists unless ``Forms(max_choices=...)`` says.
DEFAULT_MAX_CHOICES = 500

#: The folder that holds ``forms/macros.html``.
TEMPLATES = Path(__file__).resolve().parent / "templates"


async def bind_form(cls: type[Form], request: Request) -> Form:
    """The provider: ``cls`` bound to ``request`` (see :meth:`Form.from_request`)."""
    return await cls.from_request(request)


class Forms:
    """Bind ``Form`` parameters to the request and ship the form macros.

    ``max_choices`` caps the options of a foreign key's ``<select>`` (setting
    ``forms_max_choices``, environment ``TRELLIS_FORMS_MAX_CHOICES``; default 500).
    """

    def __init__(self, *, max_choices: int | None = None) -> None:
        self._max_choices = max_choices
        self.max_choices = DEFAULT_MAX_CHOICES
        self.app: App | None = None

    def install(self, app: App) -> None:
        if app.extensions.get("forms") is not None:
            raise ConfigurationError("Forms() is installed on this app already")
        self.app = app
        app.extensions["forms"] = self
        if self._max_choices is not None:
            self.max_choices = self._max_choices
        else:
            self.max_choices = setting(app.settings, "forms_max_choices", DEFAULT_MAX_CHOICES)
        if self.max_choices < 1:
            raise ConfigurationError(f"Forms(max_choices={self.max_choices}) must be at least 1")
        app.provide(Form, bind_form, subclasses=True)
        # The templates battery builds its environment in a ready hook. Installed already, it
        # takes the folder now; otherwise (installed later, or by its convention at start-up)
        # its hook comes after ours, which hands the folder over first.
        if not _add_templates(app):
            app.on_ready(_when_ready)

    def __repr__(self) -> str:
        return f"<Forms max_choices={self.max_choices}>"


def _when_ready(app: App) -> None:
    _add_templates(app)


def _add_templates(app: Any) -> bool:
    templates = app.extensions.get("templates")
    add = getattr(templates, "add_search_path", None)
    if add is None:
        return False
    add(TEMPLATES)
    return True
