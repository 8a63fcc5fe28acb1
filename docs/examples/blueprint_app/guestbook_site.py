"""A project that uses the guestbook package: installed with pip, mounted with one line.

``pip install ./docs/examples/blueprint_app`` (or the published ``trellis-guestbook``) puts
``guestbook`` on the path; the tests put this folder there instead.  The other way to install
it is the ``blueprints`` setting: ``TRELLIS_BLUEPRINTS='["guestbook"]'``.
"""

from __future__ import annotations

import guestbook

from trellis import App
from trellis.conf import Settings as BaseSettings
from trellis.db import Database


class Settings(BaseSettings):
    database_url: str = "sqlite:///guestbook.db"


def create_app(settings: Settings | None = None) -> App:
    app = App(__name__, settings=settings if settings is not None else Settings())
    app.install(Database())
    app.register(guestbook.blueprint)  # pages, table, command, check, start-up hook
    return app
