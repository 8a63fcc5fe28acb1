"""The blog pages: a list with an htmx "load more" button, a post with its tags and comments, a
tag's posts, and the comment form.

Every handler is ``async def`` and asks for ``db: AsyncSession``: the request's unit of work,
committed when the handler answers below 400 and rolled back otherwise.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, StringConstraints, ValidationError

from trellis import Blueprint, Query, Request, Response, Template, redirect
from trellis.db import AsyncSession, select, selectinload

from .models import Comment, Post, Tag

blog = Blueprint("blog", __name__, url_prefix="/blog")

PER_PAGE = 10
NEWEST_FIRST = (Post.published.desc(), Post.id.desc())


class CommentForm(BaseModel):
    """What the comment form posts; blank fields (after trimming) are refused."""

    author: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


@blog.get("/")
async def index(
    request: Request, db: AsyncSession, page: Annotated[int, Query(ge=1)] = 1
) -> Template:
    # A page past the last one is a 404 (paginate says so).
    posts = await db.paginate(select(Post).order_by(*NEWEST_FIRST), page=page, per_page=PER_PAGE)
    context: dict[str, Any] = {"posts": posts.items, "page": page, "has_more": posts.has_next}
    if request.htmx:
        # htmx asked for the next rows: answer only the block that holds them.
        return Template("blog/index.html", block="rows", **context)
    return Template("blog/index.html", **context)


async def load_post(db: AsyncSession, id: int, slug: str) -> Post:
    """The post at ``/<id>/<slug>`` with its tags and comments, or a 404.

    Both collections are loaded here: an async session cannot load them lazily in the template.
    """
    post: Post = await db.first_or_404(
        Post.where(id=id, slug=slug).options(selectinload(Post.tags), selectinload(Post.comments)),
        description="No such post",
    )
    return post


@blog.get("/<int:id>/<slug:slug>")
async def detail(id: int, slug: str, db: AsyncSession) -> Template:
    return Template("blog/detail.html", post=await load_post(db, id, slug), errors={}, form={})


@blog.post("/<int:id>/comments")
async def add_comment(id: int, request: Request, db: AsyncSession) -> Response | Template:
    post = await db.get_or_404(Post, id, description="No such post")
    submitted = await request.form()
    try:
        form = CommentForm.model_validate(
            {"author": submitted.get("author", ""), "body": submitted.get("body", "")}
        )
    except ValidationError as exc:
        # The page again, with the reader's text and what to fix; 422 rolls the session back.
        errors = {str(error["loc"][0]): error["msg"] for error in exc.errors()}
        post = await load_post(db, id, post.slug)
        values: dict[str, Any] = {key: submitted.get(key, "") for key in ("author", "body")}
        return Template("blog/detail.html", status_code=422, post=post, errors=errors, form=values)
    db.add(Comment(post_id=post.id, author=form.author, body=form.body))
    # 303: the browser follows with a GET, so reloading the page does not post the comment twice.
    url = request.url_for("blog.detail", id=post.id, slug=post.slug)
    return redirect(f"{url}#comments", 303)


@blog.get("/tags/<slug:name>")
async def tag(name: str, db: AsyncSession) -> Template:
    found: Tag = await db.first_or_404(Tag.where(name=name), description="No such tag")
    # A lookup across the many-to-many: an EXISTS, so each post comes once.
    posts = (await db.scalars(Post.where(tags__name=name).order_by(*NEWEST_FIRST))).all()
    return Template("blog/tag.html", tag=found, posts=posts)
