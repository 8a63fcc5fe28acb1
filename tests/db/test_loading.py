"""Plain models load without SQLAlchemy's ORM pipeline (:mod:`trellis.db.loading`), and what they
load is what SQLAlchemy would have loaded: same values, same identity, same session state,
lazy relationships, change tracking, expiry.  Everything the shortcut does not cover still
goes through SQLAlchemy and behaves as SQLAlchemy says.
"""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import psycopg
import pytest
from sqlalchemy import Connection, event, inspect, select, text
from sqlalchemy import orm as sa_orm
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import defer, selectinload
from tests.db.conftest import require_server
from tests.db.models_for_tests import Article, Note, Writer

from trellis.db import Database, ForeignKey, Mapped, Model, mapped_column, relationship
from trellis.db.loading import EntityPlan, plan_for, select_plan
from trellis.db.sessions import Session as TrellisSession


def _seed(db: Database) -> tuple[int, int]:
    with db.session() as session:
        writer = Writer(username="ada")
        article = Article(title="first", author=writer, views=3)
        session.add_all([writer, article, Note(body="n", article=article)])
        session.commit()
        return writer.id, article.id


def _snapshot(obj: Any) -> dict[str, Any]:
    state = inspect(obj)
    return {
        "values": {column.key: getattr(obj, column.key) for column in state.mapper.column_attrs},
        "key": state.key,
        "persistent": state.persistent,
        "modified": state.modified,
        "unloaded": sorted(state.unloaded),
    }


def test_get_and_select_load_what_sqlalchemy_loads(make_app: Any, database_url: str) -> None:
    db = Database.of(make_app(database_url))
    writer_id, article_id = _seed(db)
    for model, key in ((Writer, writer_id), (Article, article_id)):
        with db.session() as ours, db.session() as theirs:
            fast = ours.get(model, key)
            slow = sa_orm.Session.get(theirs, model, key)  # SQLAlchemy's own get
            assert _snapshot(fast) == _snapshot(slow)
            [selected] = ours.scalars(select(model).where(model.id == key)).all()
            assert selected is fast  # one identity per row
            assert ours.execute(select(model)).one()[0] is fast
            assert ours.execute(select(model)).one()._mapping[model] is fast


async def test_async_get_and_select_load_what_sqlalchemy_loads(
    make_app: Any, database_url: str
) -> None:
    db = Database.of(make_app(database_url))
    writer_id, article_id = _seed(db)
    async with db.async_session() as ours, db.async_session() as theirs:
        fast = await ours.get(Article, article_id)
        slow = await theirs.get(Article, article_id, populate_existing=True)  # SQLAlchemy's path
        assert _snapshot(fast) == _snapshot(slow)
        assert await ours.get(Article, article_id) is fast
        assert (await ours.scalars(select(Article))).one() is fast
        writer = await ours.get(Writer, writer_id)
        assert fast.author_id == writer.id
        assert await ours.get(Writer, writer_id + 1000) is None
    await db.engines().dispose_async()


def test_loaded_objects_track_changes_and_load_relationships(
    make_app: Any, database_url: str
) -> None:
    db = Database.of(make_app(database_url))
    writer_id, article_id = _seed(db)
    with db.session() as session:
        article = session.get(Article, article_id)
        assert article.author.username == "ada"  # lazy many-to-one, loaded on access
        assert [note.body for note in article.notes] == ["n"]  # lazy collection
        assert session.get(Writer, writer_id) is article.author
        article.title = "second"
        assert session.is_modified(article)
        session.commit()
    with db.session() as session:
        [article] = session.scalars(select(Article)).all()
        assert article.title == "second"
        session.expire(article)
        assert session.scalars(select(Article)).one() is article
        assert "title" in article.__dict__  # the select filled the expired attributes
        assert "title" not in inspect(article).expired_attributes  # relationships stay expired
        session.delete(article.notes[0])
        session.delete(article)
        session.commit()
    with db.session() as session:
        assert session.get(Article, article_id) is None


def test_pending_objects_are_flushed_before_a_plain_read(make_app: Any, database_url: str) -> None:
    db = Database.of(make_app(database_url))
    with db.session() as session:
        session.add(Writer(username="pending"))
        assert [w.username for w in session.scalars(select(Writer))] == ["pending"]
        session.rollback()


def test_what_the_shortcut_does_not_cover_goes_through_sqlalchemy(
    make_app: Any, database_url: str
) -> None:
    db = Database.of(make_app(database_url))
    writer_id, _ = _seed(db)
    loaded: list[Any] = []

    def on_load(target: Any, context: Any) -> None:
        loaded.append(target)

    event.listen(Writer, "load", on_load)
    try:
        with db.session() as session:
            writer = session.get(Writer, writer_id)
            assert loaded == [writer]  # the model's load event ran: SQLAlchemy loaded it
    finally:
        event.remove(Writer, "load", on_load)
    with db.session() as session:
        writer = session.scalars(select(Writer).options(defer(Writer.username))).one()
        assert "username" not in writer.__dict__  # options are honoured
        writer.username = "changed locally"
        again = session.scalars(
            select(Writer).execution_options(populate_existing=True, autoflush=False)
        ).one()
        assert again is writer
        assert writer.username == "ada"  # populate_existing overwrote the local change
        articles = session.scalars(select(Article).options(selectinload(Article.notes))).all()
        assert "notes" in articles[0].__dict__


def test_session_listeners_added_at_any_time_turn_the_shortcut_off(
    make_app: Any, database_url: str
) -> None:
    db = Database.of(make_app(database_url))
    writer_id, _ = _seed(db)
    seen: list[str] = []

    def on_execute(state: Any) -> None:
        seen.append(type(state.statement).__name__)

    with db.session() as session:
        assert session.get(Writer, writer_id) is not None  # plain: no listener, nothing seen
        session.expunge_all()
        event.listen(TrellisSession, "do_orm_execute", on_execute)  # on the class, later
        try:
            assert session.get(Writer, writer_id) is not None
            assert seen == ["Select"]
        finally:
            event.remove(TrellisSession, "do_orm_execute", on_execute)
        session.expunge_all()
        assert session.get(Writer, writer_id) is not None
        assert seen == ["Select"]  # removed: plain again
    with db.session() as session:
        event.listen(session, "do_orm_execute", on_execute)  # on this session only
        assert session.scalars(select(Writer)).all()
        assert seen == ["Select", "Select"]
    with db.session() as session:
        assert session.scalars(select(Writer)).all()
        assert seen == ["Select", "Select"]  # another session: not listened to


def test_which_models_and_statements_are_plain() -> None:
    assert plan_for(Writer) is not None
    assert plan_for(Note) is not None
    assert select_plan(select(Writer).where(Writer.id > 1).order_by(Writer.username).limit(2))
    assert select_plan(select(Writer.id)) is None
    assert select_plan(select(Writer, Article)) is None
    assert select_plan(select(sa_orm.aliased(Writer))) is None
    assert select_plan(select(Writer).join(Writer.posts)) is None
    assert select_plan(select(Writer).options(selectinload(Writer.posts))) is None
    assert select_plan(select(Writer).execution_options(populate_existing=True)) is None
    plan = plan_for(Writer)
    assert plan is not None
    assert plan.shared(select(Writer)) is plan.all_rows  # a bare select runs as one keyed once
    for narrowed in (
        select(Writer).where(Writer.id > 1),
        select(Writer).limit(1),
        select(Writer).order_by(Writer.id),
        select(Writer).with_for_update(),
        select(Writer).distinct(),
    ):
        assert plan.shared(narrowed) is narrowed

    class Eager(Model):
        __tablename__ = "loading_eager"
        parent_id: Mapped[int | None] = mapped_column(ForeignKey("loading_eager.id"))
        children: Mapped[list[Eager]] = relationship(lazy="selectin")

    class Deferred(Model):
        __tablename__ = "loading_deferred"
        body: Mapped[str] = mapped_column(deferred=True)

    class Base(Model):
        __tablename__ = "loading_base"
        kind: Mapped[str]
        __mapper_args__ = {"polymorphic_on": "kind", "polymorphic_identity": "base"}

    class Child(Base):
        __mapper_args__ = {"polymorphic_identity": "child"}

    for model in (Eager, Deferred, Base, Child):
        assert plan_for(model) is None, model
    for model in (Eager, Deferred, Base, Child):
        Model.metadata.remove(model.__table__)


async def test_asyncpg_reads_a_plain_row_itself_unless_someone_listens(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.of(make_app(require_server("postgresql")))
    writer_id, _ = _seed(db)
    fetched: list[str] = []
    fetchrow = asyncpg.Connection.fetchrow

    async def counting(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        fetched.append(query)
        return await fetchrow(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "fetchrow", counting)
    async with db.async_session() as session:
        writer = await session.get(Writer, writer_id)
        assert writer.username == "ada"
        assert len(fetched) == 1  # the driver ran it: no greenlet, no Core
        assert inspect(writer).persistent
    seen: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = db.async_engine().sync_engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        async with db.async_session() as session:
            assert (await session.get(Writer, writer_id)).username == "ada"
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert len(fetched) == 1
    assert len(seen) == 1
    await db.engines().dispose_async()


async def test_asyncpg_runs_plain_selects_with_their_parameters(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.of(make_app(require_server("postgresql")))
    with db.session() as session:
        session.add_all([Writer(username=name) for name in ("ann", "bob", "cy", "dee")])
        session.commit()
    fetched: list[tuple[str, tuple[Any, ...]]] = []
    fetch = asyncpg.Connection.fetch

    async def counting(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
        fetched.append((query, args))
        return await fetch(self, query, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Connection, "fetch", counting)

    def names_after(letter: str, limit: int) -> Any:
        return select(Writer).where(Writer.username > letter).order_by(Writer.username).limit(limit)

    async with db.async_session() as session:
        first = (await session.scalars(names_after("a", 2))).all()
        assert [writer.username for writer in first] == ["ann", "bob"]
        assert [w.username for w in (await session.scalars(names_after("b", 5)))] == [
            "bob",
            "cy",
            "dee",
        ]  # same statement shape, this statement's own parameters
        assert [args for _, args in fetched] == [("a", 2), ("b", 5)]
        rows = (await session.execute(select(Writer).where(Writer.username == "ann"))).all()
        assert rows[0][0] is first[0]  # the identity map's object
        assert rows[0].Writer is first[0]
        in_list = select(Writer).where(Writer.username.in_(["cy", "dee"]))
        assert len((await session.scalars(in_list)).all()) == 2  # IN lists: SQLAlchemy's
        assert len(fetched) == 3
        session.add(Writer(username="eve"))
        assert "eve" in [w.username for w in await session.scalars(select(Writer))]
        assert len(fetched) == 3  # something to autoflush: SQLAlchemy's
        await session.rollback()
        everyone = {w.username for w in await session.scalars(select(Writer))}
        assert everyone == {"ann", "bob", "cy", "dee"}
        assert len(fetched) == 4  # a bare select, by the driver
        assert fetched[-1][1] == ()
    await db.engines().dispose_async()


def test_psycopg_reads_plain_rows_itself_while_the_session_only_reads(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.of(make_app(require_server("postgresql")))
    writer_id, article_id = _seed(db)
    through_core: list[Any] = []
    execute = Connection.execute

    def counting(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        through_core.append(statement)
        return execute(self, statement, *args, **kwargs)

    monkeypatch.setattr(Connection, "execute", counting)
    with db.session() as session:
        writer = session.get(Writer, writer_id)
        assert writer.username == "ada"
        newest = session.scalars(select(Article).where(Article.views > 2).limit(5)).all()
        assert [article.id for article in newest] == [article_id]
        assert newest[0].author is writer  # the lazy load is SQLAlchemy's, through Core
        assert len(through_core) == 1
        writer.username = "ann"
        session.flush()  # the unit of work now writes: its reads are SQLAlchemy's again
        count = len(through_core)
        assert session.get(Note, 1_000_000) is None
        assert len(through_core) == count + 1
        session.rollback()
    with db.session() as session:
        with pytest.raises(DBAPIError):
            session.get(Writer, "not a number")  # the driver failed: SQLAlchemy raises it
        session.rollback()
        assert session.get(Writer, writer_id).username == "ada"


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(make_app: Any) -> None:
    db = Database.of(make_app(require_server("postgresql")))
    _seed(db)
    async with db.async_session() as session:
        with pytest.raises(DBAPIError):
            await session.get(Writer, "not a number")
        await session.rollback()
        assert (await session.scalars(select(Writer))).one().username == "ada"
    await db.engines().dispose_async()


async def test_a_read_in_a_serializable_unit_of_work_stays_in_its_transaction(
    make_app: Any,
) -> None:
    db = Database.of(make_app(require_server("postgresql")))
    writer_id, _ = _seed(db)
    async with db.async_session() as session:
        await session.connection(execution_options={"isolation_level": "SERIALIZABLE"})
        assert (await session.get(Writer, writer_id)).username == "ada"
        with db.session() as other:
            other.get(Writer, writer_id).username = "bob"
            other.commit()
        session.expunge_all()
        assert (await session.get(Writer, writer_id)).username == "ada"  # same snapshot
    await db.engines().dispose_async()


async def test_plain_loading_can_be_turned_off(
    make_app: Any, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.of(make_app(database_url, plain_loading=False))
    writer_id, _ = _seed(db)

    def refuse(*args: Any) -> None:
        raise AssertionError("the shortcut ran")

    monkeypatch.setattr(EntityPlan, "load", refuse)
    with db.session() as session:
        assert session.get(Writer, writer_id).username == "ada"
        assert session.scalars(select(Writer)).one().username == "ada"
    async with db.async_session() as session:
        assert (await session.get(Writer, writer_id)).username == "ada"
    await db.engines().dispose_async()
    monkeypatch.undo()
    db.plain_loading = True
    monkeypatch.setattr(EntityPlan, "load", refuse)
    with db.session() as session, pytest.raises(AssertionError, match="the shortcut ran"):
        session.get(Writer, writer_id)


async def test_a_reading_unit_of_work_holds_one_connection_at_a_time(make_app: Any) -> None:
    # One pooled connection and no overflow: were the driver's reader kept while SQLAlchemy
    # takes a connection for the write, the write would wait for the pool until it times out.
    db = Database.of(
        make_app(require_server("postgresql"), pool_size=1, max_overflow=0, pool_timeout=2)
    )
    writer_id, article_id = _seed(db)
    pool = db.async_engine().sync_engine.pool
    async with db.async_session() as session:
        writer = await session.get(Writer, writer_id)  # on the session's reader
        assert session.sync_session.readers
        assert pool.checkedout() == 1
        writer.username = "ann"
        await session.flush()  # the reader went back first; SQLAlchemy took the connection
        assert not session.sync_session.readers
        assert pool.checkedout() == 1
        assert (await session.get(Article, article_id)).title == "first"  # SQLAlchemy's now
        await session.commit()
        assert (await session.get(Writer, writer_id)).username == "ann"
        savepoint = await session.begin_nested()
        await savepoint.rollback()
    assert pool.checkedout() == 0
    async with db.async_session() as session:
        with pytest.raises(DBAPIError):
            await session.get(Writer, "not a number")  # the reader is thrown away
        assert not session.sync_session.readers
    assert pool.checkedout() == 0
    async with db.async_session() as session:
        assert [w.username for w in await session.scalars(select(Writer))] == ["ann"]
        assert pool.checkedout() == 1
        await session.commit()  # hands the reader back, as it does SQLAlchemy's connections
        assert pool.checkedout() == 0
    assert pool.checkedout() == 0
    await db.engines().dispose_async()


def test_a_reading_sync_unit_of_work_holds_one_connection_at_a_time(make_app: Any) -> None:
    # The same on psycopg: a read-only Session reads on a pooled connection of its own, with no
    # SQLAlchemy transaction, and hands it back before SQLAlchemy takes one.
    db = Database.of(
        make_app(require_server("postgresql"), pool_size=1, max_overflow=0, pool_timeout=2)
    )
    writer_id, article_id = _seed(db)
    pool = db.sync_engine().pool
    with db.session() as session:
        writer = session.get(Writer, writer_id)
        assert session.readers
        assert not session.in_transaction()  # no SessionTransaction, no Core Connection
        assert [a.id for a in session.scalars(select(Article))] == [article_id]  # same reader
        assert pool.checkedout() == 1
        writer.username = "ann"
        session.flush()  # the reader went back first; SQLAlchemy took the connection
        assert not session.readers
        assert pool.checkedout() == 1
        session.commit()
        assert pool.checkedout() == 0
        assert [w.username for w in session.scalars(select(Writer))] == ["ann"]
        assert session.readers
        assert pool.checkedout() == 1
        session.commit()  # a commit hands the reader back too, as it does SQLAlchemy's connections
        assert not session.readers
        assert pool.checkedout() == 0
    with db.session() as session:
        with pytest.raises(DBAPIError):
            session.get(Writer, "not a number")  # the reader is thrown away, SQLAlchemy raises
        assert not session.readers
    assert pool.checkedout() == 0
    with db.session() as session:
        assert [w.username for w in session.scalars(select(Writer))] == ["ann"]
    assert pool.checkedout() == 0
    db.engines().dispose_sync()


def test_psycopg_reads_by_key_keep_one_cursor_per_connection(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database.of(make_app(require_server("postgresql"), pool_size=1, max_overflow=0))
    writer_id, _ = _seed(db)
    with db.session() as session:
        session.execute(text("SELECT 1"))  # the pool's one connection, made before counting
    made: list[Any] = []
    cursor = psycopg.Connection.cursor

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(self)
        return cursor(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "cursor", counting)
    for _ in range(3):  # three units of work on the one pooled connection: one cursor
        with db.session() as session:
            assert session.get(Writer, writer_id).username == "ada"
            session.expunge_all()
            assert session.get(Writer, writer_id).username == "ada"  # read again
            assert session.get(Writer, writer_id + 1000) is None
    assert len(made) == 1
    with db.session() as session, pytest.raises(DBAPIError):
        session.get(Writer, "not a number")  # the connection and its cursor are dropped
    before = len(made)  # (SQLAlchemy ran the read again, with a cursor of its own)
    with db.session() as session:
        assert session.get(Writer, writer_id).username == "ada"
        session.expunge_all()
        assert session.get(Writer, writer_id).username == "ada"
    assert len(made) == before + 1
    assert made[-1] is not made[0]  # a new connection, with a cursor of its own
    db.engines().dispose_sync()


async def test_a_read_cancelled_half_way_does_not_return_its_connection_to_the_pool(
    make_app: Any,
) -> None:
    db = Database.of(make_app(require_server("postgresql"), pool_size=1, max_overflow=0))
    writer_id, _ = _seed(db)
    pool = db.async_engine().sync_engine.pool
    locker = db.sync_engine().connect()
    locker.execute(text(f"LOCK TABLE {Writer.__tablename__} IN ACCESS EXCLUSIVE MODE"))
    try:
        async with db.async_session() as session:
            reading = asyncio.ensure_future(session.get(Writer, writer_id))
            await asyncio.sleep(0.3)  # the driver waits for the lock
            assert not reading.done()
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading
            assert not session.sync_session.readers  # thrown away, not handed back
    finally:
        locker.rollback()
        locker.close()
    assert pool.checkedout() == 0
    async with db.async_session() as session:  # the pool's one connection is a fresh one
        assert (await session.get(Writer, writer_id)).username == "ada"
    await db.engines().dispose_async()
