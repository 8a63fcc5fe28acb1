"""Routing: decorators on blueprints, a class-based view, a custom converter, a central URL list.

Mounted on an app with ``App(routes=routes)`` (or ``app.register(blog)`` for each blueprint).
"""

import re
from typing import Any

from trellis.routing import Blueprint, Converter, View, include, path

# -- a blueprint with decorators --------------------------------------------------------------

blog = Blueprint("blog", __name__, url_prefix="/blog")


@blog.get("/")
def index(page: int = 1) -> dict[str, Any]:
    return {"page": page, "next": blog.url_for("index", page=page + 1)}


@blog.get("/<int:year>/<slug:slug>", name="post")
def show_post(year: int, slug: str) -> dict[str, Any]:
    return {"year": year, "slug": slug}


@blog.route("/new", methods=["GET", "POST"])
def create() -> str:
    return "form"


# A class-based view answers the verbs it defines: here GET and DELETE.
class CommentView(View):
    def get(self, id: int) -> dict[str, int]:
        return {"comment": id}

    def delete(self, id: int) -> None:
        return None


blog.route("/comments/<int:id>", name="comment")(CommentView)


# Websocket routes live in their own namespace: /blog/live may also be an HTTP page.
@blog.websocket("/live")
async def live(websocket: Any) -> None:
    await websocket.accept()


# -- a custom converter -----------------------------------------------------------------------


class HexConverter(Converter):
    """``<hex:rgb>``: lower-case hexadecimal digits, given to the handler as an int."""

    weight = 15  # tried before slug and str at the same position

    def to_python(self, value: str) -> int:
        if not re.fullmatch(r"[0-9a-f]{1,6}", value):
            raise ValueError(f"{value!r} is not a colour")
        return int(value, 16)

    def to_url(self, value: Any) -> str:
        return format(value, "x")


colors = Blueprint("colors", __name__)
colors.add_converter("hex", HexConverter)


@colors.get("/<hex:rgb>")
def color(rgb: int) -> dict[str, int]:
    return {"red": rgb >> 16, "green": (rgb >> 8) & 0xFF, "blue": rgb & 0xFF}


@colors.get("/<name>")
def named_color(name: str) -> dict[str, str]:
    return {"name": name}


# -- plain functions wired from a central list, Django style ----------------------------------


def home() -> str:
    return "Hello, World!"


def docs_page(rest: str) -> str:
    return f"docs for {rest}"


routes = [
    path("/", home, name="home"),
    path("/docs/<path:rest>", docs_page),
    include("/blog", blog),
    include("/colors", colors),
    include("/api", [path("/status", home, name="status")], name="api"),
]
