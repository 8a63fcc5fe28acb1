"""The database battery, from docs/database.md: models, a unit of work per request, pages."""

from __future__ import annotations

from typing import Annotated

from trellis import App, JSONResponse, Request
from trellis.db import (
    AsyncSession,
    Database,
    ForeignKey,
    IntegrityError,
    Mapped,
    Model,
    Session,
    String,
    Timestamped,
    mapped_column,
    relationship,
    select,
    transaction,
    using,
)


class Author(Model):  # table "author", an integer "id" primary key
    username: Mapped[str] = mapped_column(String(40), unique=True)
    # By class, not by the name "Post": another app's Post model would make the name ambiguous.
    posts: Mapped[list[Post]] = relationship(lambda: Post, back_populates="author")


class Post(Model, Timestamped):  # table "post", with "created" and "updated"
    title: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"))
    author: Mapped[Author] = relationship(back_populates="posts")


def create_app(url: str = "sqlite:///blog.db") -> App:
    app = App()
    app.install(Database(url))

    @app.post("/authors/<username>")
    def add_author(username: str, db: Session) -> dict[str, str]:
        db.add(Author(username=username))  # committed after the handler returns
        return {"created": username}

    @app.post("/authors/<username>/posts")
    async def add_post(username: str, title: str, db: AsyncSession) -> dict[str, int]:
        author = await db.first_or_404(Author.where(username=username))
        post = Post(title=title, author=author)
        db.add(post)
        await db.flush()  # gives the post its id
        return {"id": post.id}

    @app.get("/posts")
    def posts(db: Session, q: str = "", page: int = 1) -> dict[str, object]:
        stmt = Post.where(title__icontains=q).order_by(Post.id) if q else select(Post)
        found = db.paginate(stmt, page=page, per_page=2)
        return {
            "titles": [p.title for p in found],
            "page": found.page,
            "pages": found.pages,
            "links": list(found.iter_pages()),
        }

    @app.get("/by/<username>")
    def by_author(username: str, db: Annotated[Session, using("default")]) -> list[str]:
        return [p.title for p in db.scalars(Post.where(author__username=username))]

    @app.post("/posts/<int:id>/retitle")
    @transaction(retries=3)  # owns the commit; retried on deadlock/serialization failure
    def retitle(id: int, title: str, db: Session) -> dict[str, str]:
        post = db.get_or_404(Post, id)
        post.title = title
        return {"title": title}

    @app.errorhandler(IntegrityError)
    def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # a duplicate username fails at commit, after the handler: this answers it
        return JSONResponse({"error": "already exists"}, status_code=409)

    return app
