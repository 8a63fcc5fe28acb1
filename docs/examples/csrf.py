"""CSRF protection, from docs/csrf.md: a form, a JavaScript call with the header, a webhook.

The pages are built in Python to keep the example in one file; in a template the form field is
``{{ csrf_input() }}`` and the token ``{{ csrf_token() }}``.  Serve it with
``granian --interface asgi --factory docs.examples.csrf:create_app`` and a ``TRELLIS_SECRET_KEY``.
"""

from __future__ import annotations

from typing import Annotated, Any

from markupsafe import Markup

from trellis import App, Form, HTMLResponse, Request, Response, redirect
from trellis.conf import Settings
from trellis.security.csrf import CSRF, csrf_exempt, csrf_input, get_csrf_token

PAGE = Markup("""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8"><title>Notes</title>
  <meta name="csrf-token" content="{token}">
</head>
<body>
  <form method="post" action="/notes">
    {field}
    <label>Note <input name="note" required></label>
    <button>Add</button>
  </form>
  <ul id="notes">{items}</ul>
  <button id="clear" type="button">Clear with fetch()</button>
  <script>
    document.getElementById("clear").addEventListener("click", async () => {{
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const response = await fetch("/api/notes", {{
        method: "DELETE", headers: {{"X-CSRFToken": token}},
      }});
      if (response.ok) document.getElementById("notes").replaceChildren();
    }});
  </script>
</body>
</html>
""")


def create_app(settings: Settings | None = None) -> App:
    app = App(settings=settings)
    # Also installs Sessions (the token's secret lives in the session).
    app.install(CSRF(trusted_origins=["https://admin.example.com"]))

    @app.get("/")
    async def index(request: Request) -> HTMLResponse:
        items = Markup("").join(
            Markup("<li>{}</li>").format(note) for note in request.session.get("notes", [])
        )
        page = PAGE.format(token=get_csrf_token(request), field=csrf_input(request), items=items)
        return HTMLResponse(page)

    @app.post("/notes")
    async def add_note(request: Request, note: Annotated[str, Form()]) -> Response:
        # Only reached with a valid token: the form's csrf_token field was checked first.
        request.session["notes"] = [*request.session.get("notes", []), note]
        return redirect("/")

    @app.delete("/api/notes")
    async def clear_notes(request: Request) -> dict[str, Any]:
        # JavaScript and htmx send the token in the X-CSRFToken header instead.
        request.session["notes"] = []
        return {"cleared": True}

    @app.post("/webhooks/payment")
    @csrf_exempt  # called by another server, which proves itself another way
    async def payment_webhook(request: Request) -> dict[str, Any]:
        event = await request.json()
        return {"received": event.get("type")}

    return app
