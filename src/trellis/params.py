"""Markers that tell Trellis where a handler parameter comes from.

Used as ``Annotated[int, Query(ge=1)]`` or as a default (``page: int = Query(1, ge=1)``), as in
FastAPI.  Constraints (``ge``, ``max_length``, ``pattern`` ...) are pydantic ``Field`` arguments and
are checked with the rest of the parameter's validation, answering 422 on failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Body", "Cookie", "Depends", "File", "Form", "Header", "Param", "Query"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<required>"


MISSING: Any = _Missing()


class Param:
    """Base of the source markers; ``location`` names the source in 422 errors."""

    location = "query"

    __slots__ = ("alias", "constraints", "default", "description")

    def __init__(
        self,
        default: Any = MISSING,
        *,
        alias: str | None = None,
        description: str | None = None,
        **constraints: Any,
    ) -> None:
        self.default = default
        self.alias = alias
        self.description = description
        self.constraints = constraints

    def __repr__(self) -> str:
        return f"{type(self).__name__}(default={self.default!r}, alias={self.alias!r})"


class Query(Param):
    """A value from the query string (``?page=2``); ``list[T]`` collects repeated keys."""

    location = "query"
    __slots__ = ()


class Header(Param):
    """A request header; ``user_agent`` reads ``User-Agent`` unless ``convert_underscores=False``."""

    location = "header"
    __slots__ = ("convert_underscores",)

    def __init__(
        self,
        default: Any = MISSING,
        *,
        alias: str | None = None,
        description: str | None = None,
        convert_underscores: bool = True,
        **constraints: Any,
    ) -> None:
        super().__init__(default, alias=alias, description=description, **constraints)
        self.convert_underscores = convert_underscores


class Cookie(Param):
    """A request cookie, by name."""

    location = "cookie"
    __slots__ = ()


class Form(Param):
    """A field of a url-encoded or multipart form body."""

    location = "form"
    __slots__ = ()


class File(Param):
    """An uploaded file from a multipart body (an ``UploadFile``; ``list[UploadFile]`` for many)."""

    location = "file"
    __slots__ = ()


class Body(Param):
    """The request body (JSON, or a form for form content types), or one key of it with ``embed=True``."""

    location = "body"
    __slots__ = ("embed",)

    def __init__(
        self,
        default: Any = MISSING,
        *,
        alias: str | None = None,
        description: str | None = None,
        embed: bool = False,
        **constraints: Any,
    ) -> None:
        super().__init__(default, alias=alias, description=description, **constraints)
        self.embed = embed


class Depends:
    """A dependency: ``fn`` is called (filled by the same rules as a handler) once per request.

    A generator dependency's code after ``yield`` runs after the response has been sent.
    """

    __slots__ = ("dependency", "use_cache")

    def __init__(self, dependency: Callable[..., Any], *, use_cache: bool = True) -> None:
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        name = getattr(self.dependency, "__qualname__", repr(self.dependency))
        return f"Depends({name})"
