"""The blog pages: a list with an htmx "load more" button, a post with its tags and comments, a
tag's posts; writing, editing and deleting posts, and commenting.

Anyone reads.  Logged-in users write posts and comments; a post's author and the staff may edit
or delete it, anyone else gets a 403 (and sees no edit link).  Every handler is ``async def``
and asks for ``db: AsyncSession``: the request's unit of work, committed when the handler
answers below 400 and rolled back otherwise.  Forms carry their CSRF token; htmx requests send
it in the ``X-CSRFToken`` header (``hx-headers`` on ``<body>``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from trellis import Blueprint, Query, Request, Response, Template, abort, redirect
from trellis.auth import AbstractUser, CurrentUser, OptionalUser, login_required
from trellis.db import AsyncSession, select, selectinload
from trellis.sessions import flash

from .forms import CommentForm, PostForm, slugify
from .models import Comment, Post, Tag

blog = Blueprint("blog", __name__, url_prefix="/blog")

PER_PAGE = 10
NEWEST_FIRST = (Post.published.desc(), Post.id.desc())
#: A slug leaves room for a "-<n>" suffix that tells apart posts with the same title.
SLUG_BASE_LENGTH = 190


def may_edit(user: AbstractUser | None, post: Post) -> bool:
    """The post's author and the staff (superusers too) may edit and delete it."""
    if user is None or not user.is_active:
        return False
    return user.is_staff or user.is_superuser or post.author_id == user.id


# --- reading ---------------------------------------------------------------------------------


@blog.get("/")
async def index(
    request: Request, db: AsyncSession, page: Annotated[int, Query(ge=1)] = 1
) -> Template:
    # A page past the last one is a 404 (paginate says so).
    query = select(Post).options(selectinload(Post.author)).order_by(*NEWEST_FIRST)
    posts = await db.paginate(query, page=page, per_page=PER_PAGE)
    context: dict[str, Any] = {"posts": posts.items, "page": page, "has_more": posts.has_next}
    if request.htmx:
        # htmx asked for the next rows: answer only the block that holds them.
        return Template("blog/index.html", block="rows", **context)
    return Template("blog/index.html", **context)


async def load_post(db: AsyncSession, id: int, slug: str | None = None) -> Post:
    """The post ``id`` (at ``/<id>/<slug>`` when ``slug`` is given) with its author, tags and
    comments, or a 404.

    Everything the pages show is loaded here: an async session cannot load it lazily in the
    template.
    """
    lookups: dict[str, Any] = {"id": id} if slug is None else {"id": id, "slug": slug}
    post: Post = await db.first_or_404(
        Post.where(**lookups).options(
            selectinload(Post.author), selectinload(Post.tags), selectinload(Post.comments)
        ),
        description="No such post",
    )
    return post


def detail_page(
    post: Post, form: CommentForm | None, user: AbstractUser | None, *, status_code: int = 200
) -> Template:
    return Template(
        "blog/detail.html",
        status_code=status_code,
        post=post,
        form=form,
        can_edit=may_edit(user, post),
    )


@blog.get("/<int:id>/<slug:slug>")
async def detail(
    id: int, slug: str, request: Request, db: AsyncSession, user: OptionalUser
) -> Template:
    # The comment form only for those who may post it: its CSRF token would start a session
    # (and set a cookie) for every anonymous reader.
    form = CommentForm(request=request) if user is not None else None
    return detail_page(await load_post(db, id, slug), form, user)


@blog.get("/tags/<slug:name>")
async def tag(name: str, db: AsyncSession) -> Template:
    found: Tag = await db.first_or_404(Tag.where(name=name), description="No such tag")
    # A lookup across the many-to-many: an EXISTS, so each post comes once.
    query = Post.where(tags__name=name).options(selectinload(Post.author))
    posts = (await db.scalars(query.order_by(*NEWEST_FIRST))).all()
    return Template("blog/tag.html", tag=found, posts=posts)


# --- comments --------------------------------------------------------------------------------


@blog.post("/<int:id>/comments")
async def add_comment(
    id: int, request: Request, db: AsyncSession, form: CommentForm, user: CurrentUser
) -> Response | Template:
    post = await load_post(db, id)
    if not form.validate():
        # The comments again, with the reader's text and what to fix; 422 rolls back.
        if request.htmx:
            return Template(
                "blog/detail.html", block="comments", status_code=422, post=post, form=form
            )
        return detail_page(post, form, user, status_code=422)
    post.comments.append(Comment(author=user.username, user_id=user.id, body=form.body.data))
    if request.htmx:
        # The section again, with the new comment and an empty form in place of the old one.
        await db.flush()  # gives the comment its date
        fresh = CommentForm(request=request)
        return Template("blog/detail.html", block="comments", post=post, form=fresh)
    flash(request, "Your comment is posted.", "success")
    # 303: the browser follows with a GET, so reloading the page does not post the comment twice.
    url = request.url_for("blog.detail", id=post.id, slug=post.slug)
    return redirect(f"{url}#comments", 303)


@blog.get("/<int:id>/comments")
async def comments(id: int, request: Request, db: AsyncSession) -> Response:
    """The comments of a post are on its page.  Someone who had to log in to comment comes back
    here (the login page's ``next``): send them there."""
    post = await db.get_or_404(Post, id, description="No such post")
    return redirect(f"{request.url_for('blog.detail', id=post.id, slug=post.slug)}#comments")


# --- writing posts ---------------------------------------------------------------------------


async def unique_slug(db: AsyncSession, title: str) -> str:
    """A slug made from ``title`` that no post has: ``title``, else ``title-2``, ``title-3``..."""
    base = slugify(title)[:SLUG_BASE_LENGTH].strip("-") or "post"
    taken = set(
        await db.scalars(select(Post.slug).where(Post.slug.startswith(base, autoescape=True)))
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


async def tags_named(db: AsyncSession, names: list[str]) -> list[Tag]:
    """The tags called ``names``, in that order, creating the ones that do not exist yet."""
    found = {tag.name: tag for tag in await db.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [found.get(name) or Tag(name=name) for name in names]


def form_page(form: PostForm, post: Post | None) -> Template:
    """The post form; 422 when it was submitted (and refused), so tests and htmx can tell."""
    status = 422 if form.is_submitted() else 200
    return Template("blog/post_form.html", status_code=status, form=form, post=post)


@blog.route("/new", methods=["GET", "POST"])
@login_required
async def new_post(
    request: Request, form: PostForm, user: CurrentUser, db: AsyncSession
) -> Response | Template:
    if not form.validate_on_submit():
        return form_page(form, None)
    post = Post(published=date.today(), author_id=user.id)
    form.populate_obj(post)
    post.slug = await unique_slug(db, post.title)
    post.tags = await tags_named(db, form.tag_list())
    db.add(post)
    await db.flush()  # gives the post its id; committed once the handler answers
    flash(request, "Your post is published.", "success")
    return redirect(request.url_for("blog.detail", id=post.id, slug=post.slug), 303)


async def editable_post(db: AsyncSession, id: int, user: AbstractUser) -> Post:
    post = await load_post(db, id)
    if not may_edit(user, post):
        abort(403, "Only the author of this post or a staff member may change it.")
    return post


@blog.route("/<int:id>/edit", methods=["GET", "POST"])
async def edit_post(
    id: int, request: Request, form: PostForm, user: CurrentUser, db: AsyncSession
) -> Response | Template:
    post = await editable_post(db, id, user)
    # The post's values on GET; on POST what was typed wins.
    form.fill(post, tag_names=", ".join(tag.name for tag in post.tags))
    if not form.validate_on_submit():
        return form_page(form, post)
    form.populate_obj(post)  # the slug stays: links to the post keep working
    post.tags = await tags_named(db, form.tag_list())
    flash(request, "Your changes are saved.", "success")
    return redirect(request.url_for("blog.detail", id=post.id, slug=post.slug), 303)


@blog.post("/<int:id>/delete")
async def delete_post(id: int, request: Request, user: CurrentUser, db: AsyncSession) -> Response:
    post = await editable_post(db, id, user)
    await db.delete(post)
    flash(request, f"“{post.title}” is deleted.", "success")
    return redirect(request.url_for("blog.index"), 303)
