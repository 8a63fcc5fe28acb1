"""Parameter schemas that pydantic alone cannot give: path converters and parameter models."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BaseModel

from trellis.handlers import ParamPlan

__all__ = ["model_fields", "path_schema"]

#: What each built-in converter accepts; a value outside it is a 404 (no such route).
_CONVERTERS: dict[str, dict[str, Any]] = {
    "int": {"type": "integer", "minimum": 0},
    "float": {"type": "number", "minimum": 0},
    "uuid": {"type": "string", "format": "uuid"},
    "slug": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
    "str": {"type": "string", "pattern": "^[^/]+$"},
    "path": {"type": "string", "minLength": 1},
}


def path_schema(converter: str) -> dict[str, Any]:
    """The schema of a path parameter its converter alone checks (custom converters: a string)."""
    return dict(_CONVERTERS.get(converter, {"type": "string", "minLength": 1}))


def model_fields(param: ParamPlan) -> Iterator[tuple[str, Any, bool, str | None]]:
    """``(key in the source, annotation, required, description)`` of a parameter model's fields.

    The keys are the ones the handler reads (``param.fields``), so a header model's
    ``user_agent`` is documented as ``user-agent``.
    """
    model = (
        typing.get_args(param.annotation)[0] if _annotated(param.annotation) else param.annotation
    )
    keys = {field: source for source, field, _ in param.fields or ()}
    if isinstance(model, type) and issubclass(model, BaseModel):
        for name, info in model.model_fields.items():
            key = info.alias or name
            yield (
                keys.get(key, key),
                Annotated[info.annotation, info],
                info.is_required(),
                info.description,
            )
        return
    hints = typing.get_type_hints(model, include_extras=True)
    if dataclasses.is_dataclass(model):
        for field in dataclasses.fields(model):
            required = (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            )
            yield keys.get(field.name, field.name), hints[field.name], required, None
        return
    required_keys = getattr(model, "__required_keys__", frozenset(hints))
    for name, annotation in hints.items():
        yield keys.get(name, name), annotation, name in required_keys, None


def _annotated(annotation: Any) -> bool:
    return typing.get_origin(annotation) is Annotated
