"""Handlers and their parameters, from docs/handlers.md."""

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, Field

from trellis import App, Cookie, Depends, Header, Query, Request

app = App()


class NewPost(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    body: str
    tags: list[str] = []


@dataclass
class Clock:
    """Something a battery would provide: here, a fixed clock."""

    now: str


app.provide(Clock, lambda: Clock(now="2026-11-25T10:00:00Z"))


def pagination(page: Annotated[int, Query(ge=1)] = 1, per_page: int = 20) -> dict[str, int]:
    """A dependency: filled by the same rules as a handler, cached once per request."""
    return {"offset": (page - 1) * per_page, "limit": per_page}


@app.get("/posts")
async def list_posts(
    paging: Annotated[dict[str, int], Depends(pagination)],
    tag: list[str] = [],  # noqa: B006 - ?tag=a&tag=b
    user_agent: Annotated[str, Header()] = "unknown",
    theme: Annotated[str, Cookie()] = "light",
):
    return {"paging": paging, "tags": tag, "agent": user_agent, "theme": theme}


@app.post("/posts")
async def create_post(post: NewPost, clock: Clock):
    return {"created": clock.now, **post.model_dump()}, 201


@app.get("/whoami")
def whoami(request: Request):  # a plain def runs in the thread pool
    return {"client": request.client.host if request.client else None, "path": request.url.path}
