"""The blog's posts, in memory until the database battery lands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["POSTS", "Post", "find", "page_of"]

TOPICS = [
    ("Routing without regex lists", "A dict for static paths and a trie for the rest."),
    ("Signatures read once", "Handler parameters are planned at start-up, never per request."),
    ("Templates that grow", "Three levels of inheritance and one block for htmx."),
    ("Static files, hashed", "collectstatic writes content-hashed names and a manifest."),
    ("Pure ASGI middleware", "One contract everywhere: (scope, receive, send)."),
]


@dataclass(frozen=True)
class Post:
    id: int
    slug: str
    title: str
    summary: str
    body: str
    published: date


def _make_posts(count: int = 45) -> list[Post]:
    posts = []
    start = date(2026, 1, 5)
    for n in range(1, count + 1):
        title, summary = TOPICS[(n - 1) % len(TOPICS)]
        title = f"{title} (part {(n - 1) // len(TOPICS) + 1})"
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        body = f"{summary}\n\nPost number {n} of the example blog. <Markup> & such is escaped."
        posts.append(Post(n, slug, title, summary, body, start + timedelta(days=3 * n)))
    return sorted(posts, key=lambda p: p.published, reverse=True)


POSTS = _make_posts()


def find(post_id: int) -> Post | None:
    return next((p for p in POSTS if p.id == post_id), None)


def page_of(page: int, per_page: int) -> tuple[list[Post], bool]:
    """The posts of ``page`` (1-based) and whether there is a next page."""
    start = (page - 1) * per_page
    return POSTS[start : start + per_page], start + per_page < len(POSTS)
