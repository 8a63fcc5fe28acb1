"""The blog pages: a list with an htmx "load more" button, and a detail page."""

from __future__ import annotations

from typing import Annotated

from trellis import Blueprint, Query, Request, Template, abort

from .data import find, page_of

blog = Blueprint("blog", __name__, url_prefix="/blog")

PER_PAGE = 10


@blog.get("/")
async def index(request: Request, page: Annotated[int, Query(ge=1)] = 1) -> Template:
    posts, has_more = page_of(page, PER_PAGE)
    if not posts and page > 1:
        abort(404, f"There is no page {page}")
    context = {"posts": posts, "page": page, "has_more": has_more}
    if request.htmx:
        # htmx asked for the next rows: answer only the block that holds them.
        return Template("blog/index.html", block="rows", **context)
    return Template("blog/index.html", **context)


@blog.get("/<int:id>/<slug:slug>")
async def detail(id: int, slug: str) -> Template:
    post = find(id)
    if post is None or post.slug != slug:
        abort(404, "No such post")
    return Template("blog/detail.html", post=post)
