"""Sessions, from docs/sessions.md: a cart kept in the session, flash messages, login, logout.

``create_app()`` reads the secret key from the environment (``TRELLIS_SECRET_KEY``); the tests
pass settings and, for the Redis variant, a backend.
"""

from __future__ import annotations

from typing import Annotated, Any

from trellis import App, Form, Request, Response, redirect
from trellis.conf import Settings
from trellis.sessions import Sessions, SessionStore, flash, get_flashed_messages
from trellis.sessions.backends.base import SessionBackend


def create_app(settings: Settings | None = None, backend: SessionBackend | None = None) -> App:
    app = App(settings=settings)
    # Without this line the battery is installed anyway (a secret key is set); installing it
    # explicitly chooses the options: here a week instead of two, and the backend.
    app.install(Sessions(backend, max_age=7 * 24 * 3600))

    @app.post("/cart/<int:item>")
    async def add_to_cart(request: Request, item: int) -> Response:
        # Assign a new list: changing the stored one in place would not mark the session modified.
        request.session["cart"] = [*request.session.get("cart", []), item]
        flash(request, f"Item {item} added to your cart", "success")
        return redirect("/cart")

    @app.get("/cart")
    async def cart(request: Request) -> dict[str, Any]:
        return {
            "user": request.session.get("user"),
            "items": request.session.get("cart", []),
            "messages": get_flashed_messages(request, with_categories=True),
        }

    @app.post("/login")
    def login(
        session: SessionStore,  # a handler may ask for the session by type
        username: Annotated[str, Form()],
        remember: Annotated[bool, Form()] = False,
    ) -> Response:
        # (check the password here: trellis.auth's login() does all of this for you)
        session.cycle_key()  # a new id for the logged-in session: no fixation
        session["user"] = username
        session.permanent = remember  # without "remember me", the cookie ends with the browser
        return redirect("/cart")

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        request.session.flush()  # the data and the id are gone (the stored session too)
        flash(request, "You are logged out")  # a new session carries the message
        return redirect("/cart")

    return app
