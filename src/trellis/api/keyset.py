"""The SQLAlchemy side of API pagination: offset queries, and keyset (cursor) queries.

Imported only when a ``select()`` is paginated, so list pagination needs no SQLAlchemy.  Every
function here takes a *sync* session; ``AsyncSession.run_sync`` runs the same functions for
async handlers, so there is one implementation of each query.

Keyset pagination orders by the given columns — the last of which, alone or with the others,
must be unique — and continues *after* the last row seen::

    (a > :a) OR (a = :a AND b > :b)          -- for ORDER BY a, b; "<" for a DESC column

which is portable (no row-value comparison), handles mixed directions, and uses an index on
``(a, b)``.  Rows inserted before the cursor's position never shift the next page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, inspect, or_
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from trellis.db.pagination import count_statement
from trellis.exceptions import ConfigurationError

__all__ = ["SortKey", "fetch_cursor", "fetch_offset", "fingerprint", "key_values", "sort_keys"]


def _rows(session: Any, stmt: Select[Any]) -> list[Any]:
    """ORM objects (or single values) for a one-entity select, ``Row``\\ s otherwise."""
    if len(stmt.column_descriptions) == 1:
        return list(session.scalars(stmt).all())
    return list(session.execute(stmt).all())


def fetch_offset(
    session: Any, stmt: Select[Any], offset: int, limit: int, count: bool
) -> tuple[list[Any], int | None]:
    total: int | None = None
    if count:
        total = int(session.execute(count_statement(stmt)).scalar_one())
    return _rows(session, stmt.limit(limit).offset(offset)), total


@dataclass(frozen=True, slots=True)
class SortKey:
    column: Any
    descending: bool

    @property
    def label(self) -> str:
        table = getattr(getattr(self.column, "table", None), "name", "")
        name = getattr(self.column, "name", None) or getattr(self.column, "key", "?")
        return f"{table}.{name} {'desc' if self.descending else 'asc'}"


def sort_keys(order_by: Any) -> list[SortKey]:
    """``(Post.created.desc(), Post.id.desc())`` -> sort keys; refuses what a cursor cannot
    continue from (expressions, NULLS FIRST) and an order that is not unique."""
    items = order_by if isinstance(order_by, list | tuple) else [order_by]
    if not items:
        raise ConfigurationError("cursor pagination needs order_by=(column, ...), ending unique")
    keys: list[SortKey] = []
    for item in items:
        element = item.__clause_element__() if hasattr(item, "__clause_element__") else item
        descending = False
        if isinstance(element, UnaryExpression) and element.modifier in (
            operators.desc_op,
            operators.asc_op,
        ):
            descending = element.modifier is operators.desc_op
            element = element.element
        if not hasattr(element, "table") or isinstance(element, UnaryExpression):
            raise ConfigurationError(
                f"cursor pagination orders by table columns (Model.col or Model.col.desc()), "
                f"not {item!r}"
            )
        keys.append(SortKey(element, descending))
    _check_unique(keys)
    return keys


def _check_unique(keys: list[SortKey]) -> None:
    columns = [k.column for k in keys]
    names = {(getattr(c.table, "name", None), c.name) for c in columns}
    if any(getattr(c, "primary_key", False) or getattr(c, "unique", False) for c in columns):
        return
    for table in {c.table for c in columns}:
        groups = [list(table.primary_key.columns)] + [
            list(con.columns) for con in getattr(table, "constraints", ()) if _is_unique(con)
        ]
        for group in groups:
            if group and all((table.name, c.name) in names for c in group):
                return
    raise ConfigurationError(
        "cursor pagination needs an order that is unique, or rows with equal keys would be "
        f"skipped or repeated: add the primary key last (ordering by {[k.label for k in keys]})"
    )


def _is_unique(constraint: Any) -> bool:
    from sqlalchemy import UniqueConstraint

    return isinstance(constraint, UniqueConstraint)


def fingerprint(keys: list[SortKey]) -> str:
    """A short digest of the ordering: a cursor made for another listing is refused."""
    text = ",".join(k.label for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def key_values(item: Any, keys: list[SortKey]) -> tuple[Any, ...]:
    """The sort-key values of one result (ORM object, ``Row`` or single value)."""
    mapping = getattr(item, "_mapping", None)
    if mapping is not None:
        values = tuple(mapping[k.column] for k in keys)
    else:
        try:
            mapper = inspect(item).mapper
        except NoInspectionAvailable:
            if len(keys) != 1:
                raise ConfigurationError(
                    "cursor pagination over single values needs exactly one sort column"
                ) from None
            values = (item,)
        else:
            values = tuple(getattr(item, mapper.get_property_by_column(k.column).key) for k in keys)
    if any(v is None for v in values):
        raise ConfigurationError(
            f"cursor pagination met a NULL sort key in {[k.label for k in keys]}: "
            "order by NOT NULL columns"
        )
    return values


def _after(keys: list[SortKey], values: tuple[Any, ...], forward: bool) -> ColumnElement[bool]:
    clauses = []
    for index, key in enumerate(keys):
        ahead = forward != key.descending  # ascending and forward, or descending and back
        column, value = key.column, values[index]
        step = column > value if ahead else column < value
        equal = [k.column == v for k, v in zip(keys[:index], values[:index], strict=True)]
        clauses.append(and_(*equal, step) if equal else step)
    return or_(false(), *clauses)


def fetch_cursor(
    session: Any,
    stmt: Select[Any],
    keys: list[SortKey],
    values: tuple[Any, ...] | None,
    forward: bool,
    limit: int,
) -> list[Any]:
    """Up to ``limit`` rows after (``forward``) or before ``values``, in display order."""
    # backwards: the reversed order, and the rows put back in display order afterwards
    order = [k.column.desc() if k.descending == forward else k.column.asc() for k in keys]
    query = stmt.order_by(None).order_by(*order)
    if values is not None:
        query = query.where(_after(keys, values, forward))
    rows = _rows(session, query.limit(limit))
    if not forward:
        rows.reverse()
    return rows
