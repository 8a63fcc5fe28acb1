"""Demo data for the example API: a user ``demo``, 30 links with tags, and a token to try them.

``python -m examples.api.demo`` (after ``trellis db migrate --app examples.api.app:app``) loads
the data once and prints a new token with the ``read`` and ``write`` scopes each time it runs.
The demo user's password is ``TRELLIS_DEMO_PASSWORD``, else ``demo-password``: trade it for
more tokens with ``POST /tokens/``.
"""

from __future__ import annotations

import os
from datetime import timedelta

from trellis.auth import User, create_token
from trellis.db import Database, Session, select

from .models import Link, LinkTag

__all__ = ["DEMO_USERNAME", "LINK_COUNT", "demo_token", "load_demo", "main"]

DEMO_USERNAME = "demo"
LINK_COUNT = 30

#: (title, URL, tags) — the links cycle through these.
SITES = [
    ("RFC 9457: Problem Details for HTTP APIs", "https://www.rfc-editor.org/rfc/rfc9457", ["http"]),
    ("RFC 8288: Web Linking", "https://www.rfc-editor.org/rfc/rfc8288", ["http", "pagination"]),
    ("OpenAPI 3.1", "https://spec.openapis.org/oas/v3.1.0", ["openapi"]),
    ("SQLAlchemy 2.0", "https://docs.sqlalchemy.org/en/20/", ["python", "sql"]),
    ("Pydantic", "https://docs.pydantic.dev/latest/", ["python", "validation"]),
    ("Pillow", "https://pillow.readthedocs.io/", ["images", "python"]),
]


def load_demo(db: Session, password: str | None = None) -> int:
    """Add the demo user and links unless the user exists; the number of links added.

    The caller commits (``with app.db.session() as db`` does), so a failure leaves nothing half
    loaded.
    """
    if db.scalars(select(User).where(User.username == DEMO_USERNAME)).first() is not None:
        return 0
    user = User(username=DEMO_USERNAME, email="demo@example.com")
    user.set_password(password or os.environ.get("TRELLIS_DEMO_PASSWORD") or "demo-password")
    tags = {name: LinkTag(name=name) for _, _, names in SITES for name in names}
    for n in range(1, LINK_COUNT + 1):
        title, url, names = SITES[(n - 1) % len(SITES)]
        db.add(
            Link(
                owner=user,
                url=f"{url}#demo-{n}",
                title=f"{title} ({n})",
                notes=f"Demo link number {n}.",
                tags=[tags[name] for name in names],
            )
        )
    db.flush()
    return LINK_COUNT


def demo_token(db: Session, name: str = "demo script") -> str:
    """A new 30-day token of the demo user with both scopes (its plaintext)."""
    user = db.scalars(select(User).where(User.username == DEMO_USERNAME)).one()
    _, plaintext = create_token(db, user, name, ["read", "write"], expires=timedelta(days=30))
    return plaintext


def main() -> None:
    from .app import app

    database = Database.of(app)
    with database.session() as db:
        added = load_demo(db)
        token = demo_token(db)
    database.engines().dispose_sync()
    where = database.url().render_as_string()
    print(f"Loaded {added} demo links into {where}" if added else "Demo data already loaded")
    print(f"A token for user {DEMO_USERNAME!r} (read, write), shown once:\n\n  {token}\n")
    print(f'Try: curl -H "Authorization: Bearer {token}" http://127.0.0.1:8000/links/?limit=5')


if __name__ == "__main__":
    main()
