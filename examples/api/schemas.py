"""What goes in and out of the API: pydantic models, so nothing else crosses the wire.

The ``...In`` and ``...Patch`` models say what a client may send (anything else is a 422 naming
the field); the ``...Out`` models are the handlers' response models, which pick the public
fields from ORM rows: a user's password hash, a token's hash and the storage names of files
never leave the server, whatever the handler returns.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
)

__all__ = [
    "MAX_TAGS",
    "ImageOut",
    "LinkIn",
    "LinkOut",
    "LinkPatch",
    "LinkQuery",
    "MeOut",
    "RowId",
    "TokenCreated",
    "TokenOut",
    "TokenRequest",
]

MAX_TAGS = 10
MAX_URL_LENGTH = 2000  # the column's length: checked after normalising (punycode grows a host)


def _fits_the_column(url: HttpUrl) -> str:
    text = str(url)
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"URL should have at most {MAX_URL_LENGTH} characters")
    return text


#: An http(s) URL, normalised (``http://example.com`` -> ``http://example.com/``), as a str.
LinkUrl = Annotated[HttpUrl, AfterValidator(_fits_the_column)]
#: One line of text: no control characters (PostgreSQL refuses NUL bytes; titles have no tabs).
Title = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$"
    ),
]
#: Free text, line breaks allowed, NUL refused.
Notes = Annotated[str, StringConstraints(max_length=10_000, pattern=r"^[^\x00]*$")]
#: Tags are slugs: lowercase letters and digits, words joined by single dashes.
TAG_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
TAG_RULE = "up to 50 lowercase letters and digits, words joined by single dashes"
TagName = Annotated[
    str,
    StringConstraints(min_length=1, max_length=50, pattern=f"^{TAG_PATTERN.pattern}$"),
    Field(description=TAG_RULE),
]
Tags = Annotated[list[TagName], Field(max_length=MAX_TAGS)]
Scope = Literal["read", "write"]
#: A row id in a path: the columns are 32-bit integers on every backend, and a number past them
#: would fail inside the database driver (a 500); refused here it is a 422 naming the parameter.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # a default of null would contradict the field's own type


def not_sent() -> Any:
    """A field a client may leave out, but not send as ``null``: its type stays ``str`` (or
    ``list``), so an explicit ``null`` is a 422, and the default ``None`` only means "not sent"."""
    return Field(default=None, json_schema_extra=_no_default)


class LinkIn(BaseModel):
    """A new link."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://www.rfc-editor.org/rfc/rfc9457",
                    "title": "RFC 9457: Problem Details for HTTP APIs",
                    "notes": "The error shape of this API.",
                    "tags": ["http", "rfc"],
                }
            ]
        },
    )

    url: LinkUrl
    title: Title
    notes: Notes = ""
    tags: Tags = []


class LinkPatch(BaseModel):
    """A partial update: the fields sent change, the others stay as they are.

    Each field may be left out but not sent as ``null`` (every link has a URL, a title...);
    ``model_fields_set`` says which were sent.
    """

    model_config = ConfigDict(extra="forbid")

    url: LinkUrl = not_sent()
    title: Title = not_sent()
    notes: Notes = not_sent()
    tags: Tags = not_sent()


class LinkQuery(BaseModel):
    """The filters of the list (``?tag=http&tag=rfc&q=problem&mine=true&order=title``)."""

    # list[str] checked by the validator below rather than list[TagName]: the query-string
    # reader recognises a list of plain strings as a repeated key (?tag=a&tag=b).
    tag: list[str] = Field(
        [], max_length=MAX_TAGS, description="Links with any of these tags (tag names)."
    )
    q: str | None = Field(
        None,
        max_length=100,
        pattern=r"^[^\x00]*$",
        description="Words in the title or the URL (any case).",
    )
    owner: str | None = Field(
        None, max_length=150, pattern=r"^[^\x00]*$", description="Links saved by this username."
    )
    mine: bool = Field(False, description="Only the links of the token's user.")
    order: Literal["newest", "oldest", "title"] = "newest"

    @field_validator("tag")
    @classmethod
    def _tag_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if len(name) > 50 or not TAG_PATTERN.fullmatch(name):
                raise ValueError(f"{name[:60]!r} is not a tag name: {TAG_RULE}")
        return names


class ImageOut(BaseModel):
    url: str
    thumbnail: str
    width: int
    height: int


class LinkOut(BaseModel):
    id: int
    url: str
    title: str
    notes: str
    tags: list[str]
    owner: str = Field(description="The username of whoever saved the link.")
    image: ImageOut | None
    created: datetime
    updated: datetime


class TokenRequest(BaseModel):
    """Credentials for a new token; the password is checked, throttled, and never stored."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "demo",
                    "password": "correct horse battery staple",
                    "name": "my laptop",
                    "scopes": ["read", "write"],
                }
            ]
        },
    )

    # No NUL: no username holds one, and PostgreSQL would refuse the lookup with an error.
    username: str = Field(min_length=1, max_length=150, pattern=r"^[^\x00]*$")
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field("API client", min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")
    scopes: list[Scope] = Field(["read"], min_length=1, max_length=2)
    expires_in_days: int | None = Field(
        90, ge=1, le=366, description="Days until the token stops working; null: never."
    )


def _split(value: object) -> object:
    return sorted(value.split()) if isinstance(value, str) else value


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)  # read from ApiToken rows

    id: int
    name: str
    #: Stored space-separated on the token row (``"read write"``), answered as a list.
    scopes: Annotated[list[str], BeforeValidator(_split)]
    created: datetime
    expires: datetime | None
    last_used: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`. Shown once.")


class MeOut(BaseModel):
    id: int
    username: str
    email: str
    date_joined: datetime
    token: TokenOut | None = Field(description="The token this request came with.")
