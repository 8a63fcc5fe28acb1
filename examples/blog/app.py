"""The example blog: ``make run`` migrates its SQLite database, loads the demo data and serves it
at http://127.0.0.1:8000.

Every battery is on: the database (``trellis.db``, with migrations), users and their pages
(``trellis.auth``), sessions and flash messages (``trellis.sessions``, by convention once a key
is set), CSRF protection (``trellis.security``), HTML forms (``trellis.forms``), templates with
htmx, static files, mail (password-reset links; printed on the console in debug) and health
checks (``/health/live``, ``/health/ready``).

Templates come from ``templates/`` and the stylesheet from ``static/`` beside this file, both by
convention (no configuration).  The database is ``blog.db`` beside this file too, whatever the
current directory; ``TRELLIS_DATABASE_URL`` (or a ``.env`` file) points the blog elsewhere.
By hand, in debug (``trellis run`` is), where the blog signs with a development key::

    export TRELLIS_DEBUG=1
    trellis db migrate --app examples.blog.app:app
    python -m examples.blog.demo
    trellis run --app examples.blog.app:app

Outside debug, ``TRELLIS_SECRET_KEY`` must be set: the app refuses to start without it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from trellis import App, Response, redirect
from trellis.auth import Auth
from trellis.conf import Settings as BaseSettings
from trellis.db import Database
from trellis.health import Health
from trellis.mail import Mail
from trellis.security import CSRF

from .demo import DEMO_USERS
from .views import blog

HERE = Path(__file__).resolve().parent

#: The key the blog signs with in debug mode when none is set, so that sessions (and logins)
#: survive the restarts of ``trellis run --reload``.  It is public, hence never used outside
#: debug: there the app refuses to start without ``TRELLIS_SECRET_KEY``.
DEVELOPMENT_SECRET_KEY = "examples.blog development key: never used outside debug mode"


class Settings(BaseSettings):
    """The core settings plus the blog's database and where the auth pages send people.

    Each is also an environment variable: ``TRELLIS_DATABASE_URL``, ``TRELLIS_AUTH_...``.
    """

    database_url: str = f"sqlite:///{HERE / 'blog.db'}"
    auth_login_redirect: str = "/blog/"
    auth_logout_redirect: str = "/blog/"


def development_settings(settings: Settings) -> Settings:
    """``settings``, with the development key when debug is on and no key is set."""
    if settings.debug and settings.secret_key is None:
        return settings.model_copy(update={"secret_key": SecretStr(DEVELOPMENT_SECRET_KEY)})
    return settings


def create_app(settings: Settings | None = None) -> App:
    """The blog on ``settings`` (default: from the environment); tests pass their own."""
    settings = development_settings(settings if settings is not None else Settings())
    app = App(__name__, settings=settings)
    app.install(Database())  # the URL comes from settings.database_url
    app.install(Auth())  # users, /auth/login, /auth/signup, ...; sessions come by convention
    app.install(CSRF())  # every unsafe request carries the token; forms add it themselves
    app.install(Mail())  # password-reset links: the console in debug, SMTP otherwise
    app.install(Health())  # /health/live and /health/ready (database, migrations)
    app.register(blog)
    if settings.debug:
        # The footer lists the demo accounts, in debug only: they are no secret there.
        app.add_template_global(DEMO_USERS, "demo_users")

    @app.get("/")
    async def home() -> Response:
        return redirect(app.url_for("blog.index"))

    return app


#: The app, built on first use by ``__getattr__`` below (a PEP 562 module attribute).
app: App


def __getattr__(name: str) -> App:
    """``app``, built from the environment on first use (``--app examples.blog.app:app``).

    Built lazily so that importing :func:`create_app` and :class:`Settings` (the tests do)
    needs no secret key: outside debug the app refuses to be built without one.
    """
    if name == "app":
        global app
        app = create_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
