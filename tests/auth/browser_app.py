"""The site tests/auth/test_browser.py drives in Chromium: the auth pages, CSRF, one private page.

``TRELLIS_DATABASE_URL`` and ``TRELLIS_SECRET_KEY`` come from the environment.
"""

from markupsafe import escape

from trellis import App, Request
from trellis.auth import Auth, login_required
from trellis.db import Database
from trellis.security import CSRF, get_csrf_token

app = App()
app.install(Database())
app.install(CSRF())
app.install(Auth(login_redirect="/private", logout_redirect="/auth/login"))


@app.get("/ready")
def ready() -> str:
    return "ready"


@app.get("/private")
@login_required
def private(request: Request) -> str:
    token = escape(get_csrf_token(request))
    return (
        f"<title>Private</title><h1>Hello, {escape(request.user.username)}</h1>"
        '<form method="post" action="/auth/logout">'
        f'<input type="hidden" name="csrf_token" value="{token}">'
        "<button>Log out</button></form>"
    )
