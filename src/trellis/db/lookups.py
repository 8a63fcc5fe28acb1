"""Django-style lookups: ``Post.where(title__icontains="x", author__username="a")``.

A keyword is a path of attribute names joined by ``__``, optionally ending in a lookup name.
Many-to-one relationships on the path are outer-joined (one alias per path, so ``author`` and
``editor`` pointing at the same model do not collide); a collection becomes ``EXISTS`` so the
rows of the main model are not repeated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, inspect, select
from sqlalchemy.orm import aliased

from trellis.exceptions import TrellisError

__all__ = ["LOOKUPS", "InvalidLookup", "build_select", "lookup_clauses"]


class InvalidLookup(TrellisError, LookupError):
    """A lookup names a field or an operator that does not exist."""


def _range(column: Any, value: Any) -> ColumnElement[bool]:
    try:
        low, high = value
    except (TypeError, ValueError):
        raise InvalidLookup(f"__range needs a (low, high) pair, not {value!r}") from None
    return column.between(low, high)  # type: ignore[no-any-return]


def _exact(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value is None else column == value  # type: ignore[no-any-return]


def _isnull(column: Any, value: Any) -> ColumnElement[bool]:
    return column.is_(None) if value else column.is_not(None)  # type: ignore[no-any-return]


LOOKUPS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "exact": _exact,
    "iexact": lambda c, v: func.lower(c) == func.lower(v),
    "contains": lambda c, v: c.contains(v, autoescape=True),
    "icontains": lambda c, v: c.icontains(v, autoescape=True),
    "startswith": lambda c, v: c.startswith(v, autoescape=True),
    "istartswith": lambda c, v: c.istartswith(v, autoescape=True),
    "endswith": lambda c, v: c.endswith(v, autoescape=True),
    "iendswith": lambda c, v: c.iendswith(v, autoescape=True),
    "in": lambda c, v: c.in_(list(v)),
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
    "isnull": _isnull,
    "range": _range,
}


class _Joins:
    """The outer joins a statement needs, one alias per relationship path."""

    def __init__(self) -> None:
        self.aliases: dict[tuple[str, ...], Any] = {}
        self.onclauses: list[Any] = []

    def alias(self, path: tuple[str, ...], attribute: Any, target: type) -> Any:
        found = self.aliases.get(path)
        if found is None:
            found = self.aliases[path] = aliased(target)
            self.onclauses.append(attribute.of_type(found))
        return found


def _fields(mapper: Any) -> str:
    names = sorted([*mapper.column_attrs.keys(), *mapper.relationships.keys()])
    return ", ".join(names)


def _clause(
    entity: Any, parts: list[str], value: Any, joins: _Joins | None, path: tuple[str, ...], key: str
) -> ColumnElement[bool]:
    mapper = inspect(entity).mapper
    name, rest = parts[0], parts[1:]
    model = mapper.class_.__name__
    if name in mapper.relationships:
        relationship = mapper.relationships[name]
        attribute = getattr(entity, name)
        if not rest or (len(rest) == 1 and rest[0] in ("exact", "isnull")):
            lookup = rest[0] if rest else "exact"
            if relationship.uselist:
                present = attribute.any()
                wanted = (not value) if lookup == "isnull" else value is not None
                if lookup == "exact" and value is not None:
                    return attribute.contains(value)  # type: ignore[no-any-return]
                return present if wanted else ~present  # type: ignore[no-any-return]
            if lookup == "isnull":
                return (attribute == None) if value else (attribute != None)  # type: ignore[no-any-return]  # noqa: E711
            return attribute == value  # type: ignore[no-any-return]
        target = relationship.mapper.class_
        if relationship.uselist:
            return attribute.any(_clause(target, rest, value, None, (), key))  # type: ignore[no-any-return]
        if joins is None:  # inside EXISTS: no joins, a correlated has()
            return attribute.has(_clause(target, rest, value, None, (), key))  # type: ignore[no-any-return]
        alias = joins.alias((*path, name), attribute, target)
        return _clause(alias, rest, value, joins, (*path, name), key)
    if name in mapper.column_attrs:
        if len(rest) > 1 or (rest and rest[0] not in LOOKUPS):
            raise InvalidLookup(
                f"{key!r}: unknown lookup {'__'.join(rest)!r} on {model}.{name}; "
                f"known lookups: {', '.join(LOOKUPS)}"
            )
        return LOOKUPS[rest[0] if rest else "exact"](getattr(entity, name), value)
    raise InvalidLookup(f"{key!r}: {model} has no field {name!r}; its fields: {_fields(mapper)}")


def lookup_clauses(
    model: type, lookups: Mapping[str, Any], joins: _Joins | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses for ``lookups`` on ``model``; without ``joins``, relationships become
    correlated ``EXISTS`` (usable in any statement's ``.where()``)."""
    return [
        _clause(model, key.split("__"), value, joins, (), key) for key, value in lookups.items()
    ]


def build_select(model: type, lookups: Mapping[str, Any]) -> Select[Any]:
    joins = _Joins()
    clauses = lookup_clauses(model, lookups, joins)
    stmt: Select[Any] = select(model)
    for onclause in joins.onclauses:
        stmt = stmt.outerjoin(onclause)
    return stmt.where(and_(*clauses)) if clauses else stmt
