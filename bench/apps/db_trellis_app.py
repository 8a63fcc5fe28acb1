"""Trellis's idiomatic database path: `trellis.db` models, a session per request, no raw SQL.

`async_app` answers with `async def` handlers on an `AsyncSession` (asyncpg underneath),
`sync_app` with `def` handlers on a `Session` (psycopg, in Trellis's thread pool). Both use the
battery's defaults (unit of work per request, pool pre-ping) except the pool size, which every
benchmark app shares.
"""

from db_common import (
    ADDED_FORTUNE,
    DB_URL,
    HELLO,
    POOL,
    TEMPLATES_DIR,
    query_count,
    random_id,
    random_ids,
)

from trellis import App, PlainTextResponse, Template
from trellis.db import AsyncSession, Database, Mapped, Model, Session, mapped_column, select
from trellis.templates import Templates


class World(Model):
    randomNumber: Mapped[int] = mapped_column("randomnumber")


class Fortune(Model):
    message: Mapped[str]


def _world(world: World) -> dict[str, int]:
    return {"id": world.id, "randomNumber": world.randomNumber}


def _page(fortunes: list[Fortune]) -> Template:
    fortunes.append(Fortune(id=0, message=ADDED_FORTUNE))
    fortunes.sort(key=lambda fortune: fortune.message)
    return Template("fortunes.html", fortunes=fortunes)


def _app() -> App:
    app = App()
    app.install(Database(DB_URL, pool_size=POOL, max_overflow=0))
    app.install(Templates(directory=TEMPLATES_DIR))

    @app.get("/plaintext")
    async def plaintext():
        return PlainTextResponse(HELLO)

    return app


async_app = _app()


@async_app.get("/db")
async def single(db: AsyncSession):
    return _world(await db.get(World, random_id()))


@async_app.get("/queries")
async def queries(db: AsyncSession, queries: str = "1"):
    return [_world(await db.get(World, i)) for i in random_ids(query_count(queries))]


@async_app.get("/fortunes")
async def fortunes(db: AsyncSession):
    return _page(list(await db.scalars(select(Fortune))))


@async_app.get("/updates")
async def updates(db: AsyncSession, queries: str = "1"):
    worlds = [await db.get(World, i) for i in random_ids(query_count(queries))]
    for world in worlds:
        world.randomNumber = random_id()
    return [_world(world) for world in worlds]  # committed before the answer is sent


sync_app = _app()


@sync_app.get("/db")
def sync_single(db: Session):
    return _world(db.get(World, random_id()))


@sync_app.get("/queries")
def sync_queries(db: Session, queries: str = "1"):
    return [_world(db.get(World, i)) for i in random_ids(query_count(queries))]


@sync_app.get("/fortunes")
def sync_fortunes(db: Session):
    return _page(list(db.scalars(select(Fortune))))


@sync_app.get("/updates")
def sync_updates(db: Session, queries: str = "1"):
    worlds = [db.get(World, i) for i in random_ids(query_count(queries))]
    for world in worlds:
        world.randomNumber = random_id()
    return [_world(world) for world in worlds]
