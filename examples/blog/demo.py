"""Demo content for the example blog: three accounts, 45 posts with tags and a few comments.

``make run`` runs ``python -m examples.blog.demo`` after migrating, so a fresh clone shows a
full blog and has accounts to log in with (printed here, listed in the README and in the
footer in debug).  Loading is idempotent: the accounts are created when their usernames are
free, and the posts only when the blog has none, so running it again (or after writing your
own posts) changes nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import NamedTuple

from trellis.auth import User
from trellis.db import Database, Session, select

from .models import Comment, Post, Tag

__all__ = ["DEMO_USERS", "POST_COUNT", "DemoUser", "load_demo", "load_users", "main"]

POST_COUNT = 45


class DemoUser(NamedTuple):
    username: str
    password: str
    is_staff: bool


#: The demo accounts.  Their passwords are public: they exist in the demo database only.
#: alice and bob write the posts, in turn; editor is staff and may edit anyone's.
DEMO_USERS = (
    DemoUser("alice", "wonderland-2026", False),
    DemoUser("bob", "builder-2026", False),
    DemoUser("editor", "staff-only-2026", True),
)

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


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def load_users(db: Session) -> dict[str, User]:
    """The demo accounts by username, creating those whose username is free.

    An existing account of that name is left as it is (its password included).
    """
    names = [demo.username for demo in DEMO_USERS]
    users = {
        user.username: user for user in db.scalars(select(User).where(User.username.in_(names)))
    }
    for demo in DEMO_USERS:
        if demo.username not in users:
            user = User(
                username=demo.username,
                email=f"{demo.username}@example.com",
                is_staff=demo.is_staff,
            )
            user.set_password(demo.password)  # argon2id, with the Auth battery's costs
            db.add(user)
            users[demo.username] = user
    db.flush()
    return users


def load_demo(db: Session) -> int:
    """Add the demo accounts, then the demo posts unless the blog has posts already; the number
    of posts added.

    The caller commits (``with app.db.session() as db`` does), so a failure leaves nothing half
    loaded.
    """
    users = load_users(db)
    if db.scalars(select(Post.id).limit(1)).first() is not None:
        return 0
    writers = [users["alice"], users["bob"]]
    commenters = [users[demo.username] for demo in DEMO_USERS]
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
            author=writers[(n - 1) % 2],  # odd posts are alice's, even ones bob's
        )
        # A few comments on most posts, none on every third: both cases show on the pages.
        post.comments = []
        for k in range(n % 3):
            commenter = commenters[(n + k) % len(commenters)]
            post.comments.append(
                Comment(
                    author=commenter.username,
                    user_id=commenter.id,
                    body=f"Comment {k + 1} on post {n}.",
                )
            )
        db.add(post)
    db.flush()
    return POST_COUNT


def main() -> None:
    from .app import app

    database = Database.of(app)
    with database.session() as db:
        added = load_demo(db)
    database.engines().dispose_sync()
    where = database.url().render_as_string(hide_password=True)
    if added:
        print(f"Loaded {added} demo posts into {where}")
    else:
        print(f"The blog in {where} already has posts: demo posts not loaded")
    print("Demo accounts (username, password), unless changed since:")
    for demo in DEMO_USERS:
        print(f"  {demo.username:8} {demo.password}{'   (staff)' if demo.is_staff else ''}")


if __name__ == "__main__":
    main()
