"""A typed JSON API: validated parameters, response models, status codes, problem details.

From docs/api.md; tests/examples/test_api.py runs it.  The store is a dict so that the example
stays about the API; the database battery's sessions slot in the same way (``db: Session``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from trellis import App, Blueprint, Cookie, Form, Header, HTTPException, Query, View, abort
from trellis.routing.views import operation

app = App()
books = Blueprint("books", __name__, url_prefix="/books")


class BookIn(BaseModel):
    """What a client sends to create or replace a book."""

    title: str = Field(min_length=1, max_length=200)
    author: str = Field(min_length=1, max_length=100)
    year: int = Field(ge=1450, le=2100)
    tags: list[str] = Field(default_factory=list, max_length=10)


@dataclass
class Book:
    """How the server keeps a book: with a field no client may see."""

    id: int
    title: str
    author: str
    year: int
    tags: list[str]
    buying_price: float


class BookOut(BaseModel):
    """What a client gets back: the fields named here, and only those."""

    id: int
    title: str
    author: str
    year: int
    tags: list[str]


class BookList(BaseModel):
    items: list[BookOut]
    total: int


class Filters(BaseModel):
    """The query string of the list, validated as one model: ``?author=..&tag=a&tag=b&limit=5``."""

    author: str | None = None
    tag: list[str] = []
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


STORE: dict[int, Book] = {
    1: Book(1, "Dune", "Frank Herbert", 1965, ["sf"], 4.5),
    2: Book(2, "Emma", "Jane Austen", 1815, ["classic"], 2.0),
}


def _next_id() -> int:
    return max(STORE, default=0) + 1


@books.get("/", response_model=BookList)
async def list_books(filters: Annotated[Filters, Query()]):
    """List books, filtered by author and tags."""
    found = [
        b
        for b in STORE.values()
        if (filters.author is None or b.author == filters.author)
        and all(t in b.tags for t in filters.tag)
    ]
    page = found[filters.offset : filters.offset + filters.limit]
    return {"items": page, "total": len(found)}


@books.post("/", status_code=201)
async def create_book(book: BookIn) -> BookOut:
    """Add a book; the answer is 201 with the book as stored (without its buying price)."""
    created = Book(id=_next_id(), buying_price=0.0, **book.model_dump())
    STORE[created.id] = created
    return created  # a Book, filtered through BookOut


class BookView(View):
    """One book: GET, PUT and DELETE share the path and its validation."""

    async def get(self, id: int) -> BookOut:
        return _find(id)

    async def put(self, id: int, book: BookIn) -> BookOut:
        stored = _find(id)
        replaced = Book(id=id, buying_price=stored.buying_price, **book.model_dump())
        STORE[id] = replaced
        return replaced

    @operation(status_code=204)
    async def delete(self, id: int) -> None:
        STORE.pop(_find(id).id)


books.route("/<int:id>", name="book")(BookView)


def _find(id: int) -> Book:
    book = STORE.get(id)
    if book is None:
        abort(404, f"No book {id}")
    return book


@app.get("/greeting")
async def greeting(
    name: Annotated[str, Query(min_length=1, max_length=40)],
    language: Annotated[Literal["en", "fr"], Header(alias="Accept-Language")] = "en",
    theme: Annotated[Literal["light", "dark"], Cookie()] = "light",
) -> dict[str, str]:
    """A query parameter, a header and a cookie, each validated."""
    word = "Bonjour" if language == "fr" else "Hello"
    return {"greeting": f"{word}, {name}!", "theme": theme}


@app.post("/subscribe", status_code=201)
async def subscribe(
    email: Annotated[str, Form(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]+$", max_length=200)],
    weekly: Annotated[bool, Form()] = False,
) -> dict[str, object]:
    """Form fields (url-encoded or multipart), validated like any parameter."""
    return {"email": email, "weekly": weekly}


class OutOfStock(HTTPException):
    """A problem type of this API: clients can branch on ``type``."""

    status_code = 409

    def __init__(self, title: str) -> None:
        super().__init__(
            detail=f"{title} is out of stock",
            problem={"type": "https://example.com/problems/out-of-stock", "book": title},
        )


@books.post("/<int:id>/buy")
async def buy(id: int) -> dict[str, str]:
    raise OutOfStock(_find(id).title)


app.register(books)
