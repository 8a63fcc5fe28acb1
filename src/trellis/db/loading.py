"""Rows to objects for plain models, without SQLAlchemy's per-statement ORM pipeline.

A ``session.get(Model, pk)`` costs SQLAlchemy about 200 µs of CPU on top of the driver's 70:
it compiles an ORM context, plans loaders and wraps the rows in three result layers, every
time, for what is one row of one table.  For a *plain* model (below) every one of those steps
has a fixed answer, so this module works it out once per model (:class:`EntityPlan`) and then
runs a Core statement on the session's own connection and fills the instances itself.

What stays SQLAlchemy's: the connection and its transaction (``Session.connection``, so the
unit of work, the routing in ``Session.get_bind`` and the lazy BEGIN are unchanged), Core's
execution (compiled cache, type processing, error wrapping, so a lost connection is still a
``DBAPIError`` and a 503), autoflush, and the identity map.  Instances are made the way
``sqlalchemy.orm.loading`` makes them: same identity key, same state (``load_path``,
``session_id``), rows already in the identity map are reused and only their unloaded
attributes filled.

A model is plain when loading it has nothing to do but copy columns: one mapper with no
inheritance or polymorphism, no version counter, every column attribute a non-deferred column
of its own table, every relationship loaded lazily (``select``, ``raise``, ``write_only``,
``dynamic``).  Anything else, or a model with ``load`` events (``@reconstructor``,
composites), or a session with ``do_orm_execute`` / ``loaded_as_persistent`` listeners, goes
the whole SQLAlchemy way: the answer is the same, only slower.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

from sqlalchemy import LABEL_STYLE_DISAMBIGUATE_ONLY, Column, Select, Table, bindparam, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import IteratorResult, Result
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.orm import (
    ColumnProperty,
    Mapper,
    RelationshipProperty,
    Session,
    SynonymProperty,
    configure_mappers,
)
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.instrumentation import ClassManager

__all__ = ["PK_PARAM", "EntityPlan", "plan_for", "select_plan"]

#: The bound parameter of a plan's primary-key statement.
PK_PARAM = "trellis_pk"

#: Relationship loading that leaves nothing to do while a row is loaded.
_LAZY = frozenset({"select", True, "raise", "raise_on_sql", "write_only", "dynamic"})


class EntityPlan:
    """How to turn rows of one plain model's table into its instances."""

    __slots__ = (
        "all_rows",
        "by_pk",
        "by_pk_sql",
        "column_keys",
        "columns",
        "keys",
        "mapper",
        "metadata",
        "pk_index",
    )

    def __init__(self, mapper: Mapper[Any], columns: list[Column[Any]]) -> None:
        self.mapper = mapper
        self.columns = columns
        #: Attribute key per selected column, in the statement's order.
        self.keys = tuple(mapper.get_property_by_column(column).key for column in columns)
        #: The result keys Core gives ``select(Model)``'s columns, in the same order.
        self.column_keys = tuple(column.key for column in columns)
        key: Any = mapper.primary_key[0]
        self.pk_index = columns.index(key) if len(mapper.primary_key) == 1 else -1
        #: ``SELECT <columns> FROM <table> WHERE <pk> = :trellis_pk``, built once: a statement
        #: object keeps its cache key, so running it again skips building and keying it.
        self.by_pk: Select[Any] | None = (
            select(*columns).where(mapper.primary_key[0] == bindparam(PK_PARAM))
            if self.pk_index >= 0
            else None
        )
        #: ``by_pk`` as each driver that runs it itself wants it (:mod:`trellis.db.driver_reads`).
        self.by_pk_sql: dict[Any, str | None] = {}
        model = mapper.class_
        #: The keys of :meth:`results` rows (the model's name, the model), made once: results
        #: only read it.
        self.metadata = SimpleResultMetaData([model.__name__], [(model,)])
        #: ``select(Model)``, built once: what a bare ``select(Model)`` runs as (:meth:`shared`).
        self.all_rows: Select[Any] = select(mapper.class_)

    def shared(self, statement: Select[Any]) -> Select[Any]:
        """The statement to run for ``statement`` (a plain select of this plan's model): the
        plan's own :attr:`all_rows` when it is a bare ``select(Model)``, else itself.  A new
        statement has to be walked for its cache key on every call (about 7 µs for a model of
        two columns); the shared one keeps the key it computed once."""
        return self.all_rows if _BARE_SELECT_STATE.issuperset(vars(statement)) else statement

    def identity_key(self, ident: Any) -> tuple[Any, ...]:
        """The identity-map key of the row whose one-column primary key is ``ident``."""
        return self.mapper._identity_class, (ident,), None

    def usable_by(self, session: Session) -> bool:
        """Whether nothing listens to what this shortcut skips: the model's ``load`` event and the
        session's ``do_orm_execute`` and ``loaded_as_persistent`` events.  Checked per call, as
        listeners can be added at any time."""
        dispatch = session.__dict__.get("dispatch")  # made on first access, per session
        if dispatch is None:  # nothing listens on this session itself: its class's listeners
            dispatch = _class_dispatch(type(session))
        return not (
            self.mapper.class_manager.dispatch.load
            or dispatch.do_orm_execute
            or dispatch.loaded_as_persistent
        )

    def results(self, instances: list[Any]) -> Result[Any]:
        """``instances`` as ``session.execute(select(Model))`` gives them: one-entity rows
        keyed by the model's name and by the model itself."""
        return IteratorResult(self.metadata, iter(instances), _source_supports_scalars=True)

    def load(self, session: Session, row: Any) -> Any:
        """The instance for one row (see :meth:`load_all`)."""
        return self.load_all(session, (row,))[0]

    def load_all(self, session: Session, rows: Iterable[Any]) -> list[Any]:
        """The instances for ``rows`` in ``session``: the one already in its identity map (its
        unloaded attributes filled from the row, as SQLAlchemy does), else a new persistent one.
        One loop with everything it needs looked up once: it runs for every row."""
        mapper = self.mapper
        identity_class = mapper._identity_class
        pk_index = self.pk_index
        keys = self.keys
        identity_map = session.identity_map
        find = identity_map.get
        add = identity_map._add_unpresent
        new_instance = mapper.class_manager.new_instance
        session_id = session.hash_key
        load_path = mapper._path_registry
        loaded: list[Any] = []
        for row in rows:
            key = identity_class, (row[pk_index],), None
            existing = find(key)
            if existing is not None:
                _fill_unloaded(existing, keys, row)
                loaded.append(existing)
                continue
            instance = new_instance()
            instance.__dict__.update(zip(keys, row, strict=True))
            state = instance_state(instance)
            state.key = key
            state.identity_token = None
            state.session_id = session_id
            state.load_options = ()
            state.load_path = load_path
            add(state, key)
            loaded.append(instance)
        return loaded


def _fill_unloaded(instance: Any, keys: tuple[str, ...], row: Any) -> None:
    """A row for an object already in the session fills only what it has not loaded (expired
    attributes, say), and marks those loaded; what it holds, changed or not, stays."""
    state = instance_state(instance)
    unloaded = state.unloaded
    if unloaded:
        values = state.dict
        for name, value in zip(keys, row, strict=True):
            if name in unloaded:
                values[name] = value
        state._commit(values, unloaded)


#: What a plain ``select(Model)`` may set on itself: clauses that change which rows come back,
#: never which columns or how they load.  Joins, options, execution options, other entities,
#: label styles and anything unknown leave the statement to SQLAlchemy.
_PLAIN_SELECT_STATE = frozenset(
    {
        "_propagate_attrs",
        "_raw_columns",
        "_label_style",
        "_where_criteria",
        "_order_by_clauses",
        "_group_by_clauses",
        "_having_criteria",
        "_limit_clause",
        "_offset_clause",
        "_fetch_clause",
        "_fetch_clause_options",
        "_distinct",
        "_for_update_arg",
        "dialect_options",
        "_generate_cache_key",
        "_memoized_keys",
    }
)


#: Per session class, the listeners of its sessions that have none of their own.
_CLASS_DISPATCH: dict[type, Any] = {}


def _class_dispatch(session_class: type) -> Any:
    """Reading ``session.dispatch`` makes each session an event dispatcher of its own (2 µs, per
    request); this one is made once per class, and sees listeners added to the class later
    (they share one list)."""
    found = _CLASS_DISPATCH.get(session_class)
    if found is None:
        dispatch: Any = session_class.dispatch  # type: ignore[attr-defined]
        found = _CLASS_DISPATCH[session_class] = dispatch._for_class(session_class)
    return found


#: All a bare ``select(Model)`` holds (with the default label style, which select_plan checks).
_BARE_SELECT_STATE = frozenset({"_propagate_attrs", "_raw_columns", "_label_style"})


def select_plan(statement: Any) -> EntityPlan | None:
    """The plan of ``statement`` when it is ``select(Model)`` of a plain model, filtered, ordered
    or limited but nothing else; None for every other statement."""
    if type(statement) is not Select or not _PLAIN_SELECT_STATE.issuperset(vars(statement)):
        return None
    raw = statement._raw_columns
    if len(raw) != 1 or statement._label_style is not LABEL_STYLE_DISAMBIGUATE_ONLY:
        return None
    mapper = raw[0]._annotations.get("parententity")
    if not isinstance(mapper, Mapper):
        return None
    clause = mapper.__clause_element__()  # type: ignore[no-untyped-call]
    if raw[0] is not clause:  # the model itself, not an alias or a table of it
        return None
    return plan_for(mapper.class_)


_PLANS: weakref.WeakKeyDictionary[type, EntityPlan | None] = weakref.WeakKeyDictionary()
_UNKNOWN = object()


def plan_for(entity: Any) -> EntityPlan | None:
    """The plan of a plain model class, or None (not a plain model: SQLAlchemy loads it)."""
    found = _PLANS.get(entity, _UNKNOWN) if isinstance(entity, type) else None
    if found is not _UNKNOWN:
        return found  # type: ignore[return-value]
    plan = _make_plan(entity)
    _PLANS[entity] = plan
    return plan


def _make_plan(entity: type) -> EntityPlan | None:
    mapper: Any = sa_inspect(entity, raiseerr=False)
    if not isinstance(mapper, Mapper):
        return None
    if not mapper.configured:
        configure_mappers()  # what SQLAlchemy does before its first query; sets up attributes
    table = mapper.local_table
    if (
        not isinstance(table, Table)
        or mapper.persist_selectable is not table
        or mapper.inherits is not None
        or mapper.polymorphic_on is not None
        or mapper.polymorphic_map
        or mapper.with_polymorphic
        or mapper.version_id_col is not None
        or mapper.always_refresh
        or type(mapper.class_manager) is not ClassManager  # custom instrumentation: its own dict
    ):
        return None
    columns: list[Column[Any]] = []
    for prop in mapper.iterate_properties:
        if isinstance(prop, ColumnProperty):
            column = prop.columns[0] if len(prop.columns) == 1 else None
            if (
                not isinstance(column, Column)
                or column.table is not table
                or prop.deferred
                or not prop.instrument
            ):
                return None
            columns.append(column)
        elif isinstance(prop, RelationshipProperty):
            if prop.lazy not in _LAZY:
                return None
        elif not isinstance(prop, SynonymProperty):
            return None
    return EntityPlan(mapper, columns) if columns else None
