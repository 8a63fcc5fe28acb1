"""The documented error shape, as pydantic models: what every JSON error of Trellis looks like.

The core builds these documents as plain dicts (``trellis.middleware.errors.problem_details``);
the models exist to describe them in the OpenAPI document and to be named in
``responses={404: Problem}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Problem", "ValidationErrorItem", "ValidationProblem"]


class Problem(BaseModel):
    """An error answer: RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "No book 7",
                    "instance": "/books/7",
                    "request_id": "9f3c2a71-4",
                }
            ]
        },
    )

    type: str = Field("about:blank", description="A URI naming the kind of problem.")
    title: str = Field(description="The HTTP status phrase, or a short summary of the kind.")
    status: int = Field(ge=100, le=599, description="The HTTP status of this answer.")
    detail: Any = Field(None, description="What went wrong, for a person to read.")
    instance: str | None = Field(None, description="The request path the problem is about.")
    request_id: str | None = Field(None, description="The X-Request-ID of the request.")


class ValidationErrorItem(BaseModel):
    """One value that failed validation."""

    location: str = Field(
        description="Where the value came from: path, query, header, cookie, form, file or body."
    )
    field: str = Field(description="The parameter's key, dotted into a body (items.0.price).")
    message: str = Field(description="What is wrong with the value, for a person to read.")
    type: str = Field(description="A stable code for the failure (missing, int_parsing ...).")


class ValidationProblem(Problem):
    """422: the request's values failed validation; ``errors`` lists every failure."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Unprocessable Entity",
                    "status": 422,
                    "detail": "1 invalid value in the request",
                    "instance": "/items",
                    "errors": [
                        {
                            "location": "query",
                            "field": "page",
                            "message": "Input should be greater than or equal to 1",
                            "type": "greater_than_equal",
                        }
                    ],
                    "request_id": "9f3c2a71-5",
                }
            ]
        }
    )

    errors: list[ValidationErrorItem]
