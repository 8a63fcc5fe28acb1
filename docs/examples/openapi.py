"""A notes API described by OpenAPI 3.1 at /openapi.json and browsable at /docs.

From docs/openapi.md; tests/examples/test_openapi.py runs it, and tests/openapi/test_schemathesis.py
lets schemathesis loose on it.  ``TOKENS`` stands in for the auth battery's token check.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from trellis import (
    App,
    Blueprint,
    Cookie,
    Depends,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    View,
    abort,
)
from trellis.openapi import OpenAPI, declare_security, operation

app = App()
app.install(
    OpenAPI(
        title="Notes",
        version="1.0.0",
        description="Private notes, one list per user. Sign requests with `Bearer demo-token`.",
        tags=[{"name": "notes", "description": "Create, read and delete your notes."}],
        contact={"name": "Notes team", "email": "notes@example.com"},
    )
)

TOKENS = {"demo-token": "ann"}


def current_user(request: Request) -> str:
    """The user a ``Bearer`` token names; 401 without one.  Documented as the bearer scheme."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    user = TOKENS.get(token) if scheme.lower() == "bearer" else None
    if user is None:
        raise HTTPException(
            401, "Send Authorization: Bearer <token>", {"WWW-Authenticate": "Bearer"}
        )
    return user


# Every operation that depends on current_user is documented as needing a bearer token (and
# may answer 401).  The auth battery marks its CurrentUser the same way.
declare_security(app, current_user, ["bearer"])
User = Annotated[str, Depends(current_user)]


class NoteIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"text": "Buy milk", "pinned": True}]}
    )

    text: str = Field(min_length=1, max_length=500, description="The note itself.")
    pinned: bool = False
    colour: Literal["yellow", "blue", "green"] = "yellow"


class Note(BaseModel):
    id: int
    text: str
    pinned: bool
    colour: str
    owner: str
    #: Kept on the server only: the response model below does not name it.
    ip_address: str = "127.0.0.1"


class NoteOut(BaseModel):
    id: int
    text: str
    pinned: bool
    colour: str


class NoteQuery(BaseModel):
    pinned: bool | None = None
    colour: list[Literal["yellow", "blue", "green"]] = []
    limit: int = Field(10, ge=1, le=50)


NOTES: dict[int, Note] = {
    1: Note(id=1, text="Welcome to your notes", pinned=True, colour="blue", owner="ann"),
}
MAX_NOTES = 200

notes = Blueprint("notes", __name__, url_prefix="/notes")


@notes.get("/")
async def list_notes(user: User, query: Annotated[NoteQuery, Query()]) -> list[NoteOut]:
    """List your notes.

    Pinned notes first; filter by `pinned` and by any of several `colour` values.
    """
    mine = [
        n
        for n in NOTES.values()
        if n.owner == user
        and (query.pinned is None or n.pinned == query.pinned)
        and (not query.colour or n.colour in query.colour)
    ]
    mine.sort(key=lambda n: (not n.pinned, n.id))
    return mine[: query.limit]


@notes.post("/", status_code=201, responses={409: "You have too many notes"})
async def create_note(user: User, note: NoteIn) -> NoteOut:
    """Write a note."""
    if len(NOTES) >= MAX_NOTES:
        abort(409, f"At most {MAX_NOTES} notes")
    new = Note(id=max(NOTES, default=0) + 1, owner=user, **note.model_dump())
    NOTES[new.id] = new
    return new


class NoteView(View):
    async def get(self, id: int, user: User) -> NoteOut:
        """Read one note."""
        return _own(id, user)

    @operation(status_code=204, summary="Delete a note")
    async def delete(self, id: int, user: User) -> None:
        NOTES.pop(_own(id, user).id)


notes.route("/<int:id>", name="note")(NoteView)


def _own(id: int, user: str) -> Note:
    note = NOTES.get(id)
    if note is None or note.owner != user:
        abort(404, f"No note {id}")
    return note


@app.post("/feedback", tags=["about"], security=[])
async def feedback(
    message: Annotated[str, Form(min_length=1, max_length=1000)],
    rating: Annotated[int, Form(ge=1, le=5)] = 5,
    client: Annotated[str | None, Header(alias="X-Client", max_length=50)] = None,
    theme: Annotated[Literal["light", "dark"], Cookie()] = "light",
) -> dict[str, object]:
    """Tell us what you think (a form; no sign-in needed)."""
    return {"received": len(message), "rating": rating, "client": client, "theme": theme}


@app.get("/health", include_in_schema=False)
async def health() -> dict[str, str]:
    return {"status": "ok"}


app.register(notes)
