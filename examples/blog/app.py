"""The example blog: ``make run`` serves it at http://127.0.0.1:8000.

Templates come from ``templates/`` and the stylesheet from ``static/`` beside this file, both by
convention (no configuration); ``trellis run --app examples/blog/app.py`` serves it too.
"""

from __future__ import annotations

from trellis import App, redirect

from .views import blog

app = App(__name__)
app.register(blog)


@app.get("/")
async def home():  # type: ignore[no-untyped-def]
    return redirect(app.url_for("blog.index"))
