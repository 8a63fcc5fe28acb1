"""From a SQLAlchemy column to a WTForms field: the type, the validators, the default.

One function per kind of column, chosen by :func:`field_for`.  The rules, which docs/forms.md
lists for users:

- ``String(n)`` -> ``StringField`` with ``Length(max=n)``; ``Text`` -> ``TextAreaField``;
  integers, ``Numeric``, ``Float``, ``Boolean``, ``Date``, ``DateTime``, ``Time``, ``Enum`` and
  ``Uuid`` -> the matching field; a foreign key -> :class:`ModelSelectField` of the target rows.
- A column that must be filled (``NOT NULL``, no default) is ``DataRequired`` (``InputRequired``
  for numbers and choices, where ``0`` is a fine answer); the others are ``Optional``.  A
  checkbox is never required: unticked is ``False``.
- ``unique=True`` adds :class:`Unique`, which asks the database.
- Column types a form cannot edit (JSON, binary, intervals, arrays) are skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import wtforms
from wtforms import validators as v
from wtforms.fields.choices import SelectChoice, enum_choices, enum_coerce

from trellis.forms.lookups import BLANK_CHOICE, ModelSelectField, Unique, mapper_for_table

__all__ = ["BLANK_CHOICE", "field_for", "is_required", "keeps_default"]


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _to_uuid(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValueError("Not a valid UUID.") from None


def _as_utc(value: Any) -> Any:
    """A ``datetime-local`` input gives a naive time: read it as UTC for aware columns."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _base_type(column: sa.Column[Any]) -> Any:
    kind = column.type
    while isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    return kind


def keeps_default(column: sa.Column[Any]) -> bool:
    """A ``NOT NULL`` column with a default: left empty, it keeps the default."""
    return not column.nullable and (column.default is not None or column.server_default is not None)


def is_required(column: sa.Column[Any]) -> bool:
    return not column.nullable and not keeps_default(column)


def _scalar_default(column: sa.Column[Any]) -> Any:
    default = column.default
    if default is not None and getattr(default, "is_scalar", False):
        return default.arg  # type: ignore[attr-defined]
    return None


def _is_unique(column: sa.Column[Any]) -> bool:
    if column.unique:
        return True
    table = column.table
    for constraint in table.constraints:
        if isinstance(constraint, sa.UniqueConstraint) and list(constraint.columns) == [column]:
            return True
    return any(index.unique and list(index.columns) == [column] for index in table.indexes)


def _label(name: str, column: sa.Column[Any]) -> str:
    given = column.info.get("label")
    if given:
        return str(given)
    if column.foreign_keys and name.endswith("_id"):
        name = name[:-3]
    return name.replace("_", " ").strip().capitalize()


def _requirement(column: sa.Column[Any], *, strict: bool) -> Any:
    if is_required(column):
        return v.InputRequired() if strict else v.DataRequired()
    return v.Optional()


def _foreign_key(model: type, column: sa.Column[Any], kwargs: dict[str, Any]) -> Any:
    target = next(iter(column.foreign_keys)).column
    mapper = mapper_for_table(target.table, sa.inspect(model).registry)
    if mapper is None:  # a table no model maps: nothing to list
        return None
    attribute = getattr(mapper.class_, mapper.get_property_by_column(target).key)
    kwargs["validators"] = [_requirement(column, strict=True)]
    return ModelSelectField(to=attribute, **kwargs)


def _enum(column: sa.Column[Any], kind: sa.Enum, kwargs: dict[str, Any]) -> Any:
    enum_class = kind.enum_class
    inner: Callable[[Any], Any]
    if enum_class is not None:
        # SQLAlchemy stores an Enum member by name, so the form sends names too.
        choices = list(enum_choices(enum_class, by="name"))
        inner = enum_coerce(enum_class, by="name")
    else:
        choices = [SelectChoice(value) for value in kind.enums]
        inner = str
    choices.insert(0, SelectChoice("", BLANK_CHOICE))

    def coerce(value: Any) -> Any:
        return None if value in ("", None) else inner(value)

    kwargs["validators"] = [_requirement(column, strict=True)]
    return wtforms.SelectField(choices=choices, coerce=coerce, **kwargs)


def _simple(column: sa.Column[Any], kind: Any, kwargs: dict[str, Any]) -> Any:
    """Scalar columns: the field class, and validators/filters for its type."""
    validators = kwargs.setdefault("validators", [])
    filters = kwargs.setdefault("filters", [])
    if isinstance(kind, sa.Boolean):
        kwargs.pop("filters")
        validators.clear()
        return wtforms.BooleanField(**kwargs)
    numeric = isinstance(kind, sa.Integer | sa.Numeric)
    validators.append(_requirement(column, strict=numeric))
    if isinstance(kind, sa.Integer):
        return wtforms.IntegerField(**kwargs)
    if isinstance(kind, sa.Float):
        return wtforms.FloatField(**kwargs)
    if isinstance(kind, sa.Numeric):
        return wtforms.DecimalField(places=kind.scale, **kwargs)
    if isinstance(kind, sa.DateTime):
        if getattr(kind, "timezone", False):
            filters.append(_as_utc)
        return wtforms.DateTimeLocalField(format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs)
    if isinstance(kind, sa.Date):
        return wtforms.DateField(**kwargs)
    if isinstance(kind, sa.Time):
        return wtforms.TimeField(**kwargs)
    if isinstance(kind, sa.Uuid):
        filters.append(_to_uuid)
        return wtforms.StringField(**kwargs)
    if isinstance(kind, sa.String):
        if kind.length:
            validators.append(v.Length(max=kind.length))
        if column.nullable:
            filters.append(_blank_to_none)
        if isinstance(kind, sa.Text):
            return wtforms.TextAreaField(**kwargs)
        return wtforms.StringField(**kwargs)
    return None  # JSON, binary, intervals, arrays: not something a form edits


def field_for(
    model: type, name: str, column: sa.Column[Any], overrides: dict[str, Any] | None = None
) -> Any:
    """The unbound field for ``column`` (attribute ``name`` of ``model``), or None to skip it.

    ``overrides`` (one entry of ``field_args``) replace the derived keyword arguments:
    ``label``, ``description``, ``validators``, ``render_kw``, ``default`` ...
    """
    kwargs: dict[str, Any] = {
        "label": _label(name, column),
        "description": column.info.get("help") or column.doc or column.comment or "",
    }
    default = _scalar_default(column)
    if default is not None:
        kwargs["default"] = default
    kind = _base_type(column)
    if column.foreign_keys:
        field = _foreign_key(model, column, kwargs)
    elif isinstance(kind, sa.Enum):
        field = _enum(column, kind, kwargs)
    else:
        field = _simple(column, kind, kwargs)
    if field is None:
        return None
    if _is_unique(column):
        field.kwargs.setdefault("validators", []).append(Unique(getattr(model, name)))
    if overrides:
        field.kwargs.update(overrides)
    return field
