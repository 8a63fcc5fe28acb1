"""Templates: a page and its htmx fragment from one file, filters, globals, context processors."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from trellis import App, Request, Template
from trellis.http.htmx import hx_trigger
from trellis.templates import Templates, render_response, render_template

app = App(__name__)
# The folder is relative to this module (App(__name__)); a folder named "templates" needs no
# install at all, by convention.  This one shows the options.
app.install(Templates("templates_site", trim_blocks=True))


@dataclasses.dataclass
class Post:
    id: int
    title: str
    tags: list[str]


POSTS = [
    Post(1, "Hello, world", ["intro"]),
    Post(2, "Fragments with htmx", ["htmx", "templates"]),
    Post(3, "<script>alert('escaped')</script>", ["security"]),
]


@app.template_filter()
def shout(value: str) -> str:
    return value.upper()


@app.template_global()
def year() -> int:
    return datetime.date.today().year


@app.context_processor
def site() -> dict[str, Any]:
    return {"site_name": "Trellis Blog"}


@app.get("/")
async def index(request: Request, q: str = "") -> Template:
    posts = [p for p in POSTS if q.lower() in p.title.lower()]
    # htmx asks for the rows only; a browser (or a history restore) gets the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    return Template("posts/list.html", block="rows" if partial else None, posts=posts, q=q)


@app.post("/posts")
async def create(request: Request) -> Any:
    form = await request.form()
    post = Post(len(POSTS) + 1, str(form.get("title") or "Untitled"), [])
    POSTS.append(post)
    # Render the new row from the same template and tell the page a post was added.
    response = await render_response(
        request, Template("posts/list.html", block="rows", posts=[post], q="")
    )
    return hx_trigger(response, "post-added", {"id": post.id})


def welcome_email(name: str) -> str:
    """Plain-text templates are not HTML-escaped; outside a request, url_for is the app's."""
    return render_template(app, "email/welcome.txt", name=name)
