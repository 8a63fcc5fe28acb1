"""Demo content for the example blog: 45 posts with tags and a few comments.

``make run`` runs ``python -m examples.blog.demo`` after migrating, so a fresh clone shows a
full blog.  Loading is idempotent: a database that already has posts is left as it is, so
running it again (or after writing your own posts) changes nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from trellis.db import Database, Session, select

from .models import Comment, Post, Tag

__all__ = ["POST_COUNT", "load_demo", "main"]

POST_COUNT = 45

#: (title, summary, tags) — the posts cycle through these topics.
TOPICS = [
    (
        "Routing without regex lists",
        "A dict for static paths and a trie for the rest.",
        ["routing"],
    ),
    (
        "Signatures read once",
        "Handler parameters are planned at start-up, never per request.",
        ["handlers", "performance"],
    ),
    (
        "Templates that grow",
        "Three levels of inheritance and one block for htmx.",
        ["htmx", "templates"],
    ),
    (
        "Static files, hashed",
        "collectstatic writes content-hashed names and a manifest.",
        ["static-files"],
    ),
    (
        "Pure ASGI middleware",
        "One contract everywhere: (scope, receive, send).",
        ["asgi", "performance"],
    ),
]

COMMENTERS = ["Ada", "Grace", "Linus", "Barbara"]


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def load_demo(db: Session) -> int:
    """Add the demo posts unless the blog has posts already; the number of posts added.

    The caller commits (``with app.db.session() as db`` does), so a failure leaves nothing half
    loaded.
    """
    if db.scalars(select(Post.id).limit(1)).first() is not None:
        return 0
    tags = {name: Tag(name=name) for _, _, names in TOPICS for name in names}
    start = date(2026, 1, 5)
    for n in range(1, POST_COUNT + 1):
        title, summary, names = TOPICS[(n - 1) % len(TOPICS)]
        title = f"{title} (part {(n - 1) // len(TOPICS) + 1})"
        post = Post(
            title=title,
            slug=slugify(title),
            summary=summary,
            body=f"{summary}\n\nPost number {n} of the example blog. <Markup> & such is escaped.",
            published=start + timedelta(days=3 * n),
            tags=[tags[name] for name in names],
        )
        # A few comments on most posts, none on every third: both cases show on the pages.
        post.comments = [
            Comment(
                author=COMMENTERS[(n + k) % len(COMMENTERS)], body=f"Comment {k + 1} on post {n}."
            )
            for k in range(n % 3)
        ]
        db.add(post)
    db.flush()
    return POST_COUNT


def main() -> None:
    from .app import app

    database = Database.of(app)
    with database.session() as db:
        added = load_demo(db)
    database.engines().dispose_sync()
    if added:
        print(f"Loaded {added} demo posts into {database.url().render_as_string()}")
    else:
        print("The blog already has posts: demo data not loaded")


if __name__ == "__main__":
    main()
