"""FastAPI with SQLAlchemy's asyncio ORM, the way their docs show: a session dependency.

`async_sessionmaker(expire_on_commit=False)` as SQLAlchemy's asyncio docs advise, asyncpg
underneath, the pool size every benchmark app shares, Jinja2Templates for the fortunes.
"""

from typing import Annotated

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
from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

engine = create_async_engine(
    DB_URL.replace("postgresql://", "postgresql+asyncpg://"), pool_size=POOL, max_overflow=0
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
templates = Jinja2Templates(directory=TEMPLATES_DIR)
app = FastAPI()


class Base(DeclarativeBase):
    pass


class World(Base):
    __tablename__ = "world"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomNumber: Mapped[int] = mapped_column("randomnumber")


class Fortune(Base):
    __tablename__ = "fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


async def get_session():
    async with SessionLocal() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def _world(world):
    return {"id": world.id, "randomNumber": world.randomNumber}


@app.get("/db")
async def single(session: SessionDep):
    return _world(await session.get(World, random_id()))


@app.get("/queries")
async def queries(session: SessionDep, queries: str = "1"):
    return [_world(await session.get(World, i)) for i in random_ids(query_count(queries))]


@app.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request, session: SessionDep):
    items = list(await session.scalars(select(Fortune)))
    items.append(Fortune(id=0, message=ADDED_FORTUNE))
    items.sort(key=lambda fortune: fortune.message)
    return templates.TemplateResponse(request, "fortunes.html", {"fortunes": items})


@app.get("/updates")
async def updates(session: SessionDep, queries: str = "1"):
    worlds = [await session.get(World, i) for i in random_ids(query_count(queries))]
    for world in worlds:
        world.randomNumber = random_id()
    answer = [_world(world) for world in worlds]
    await session.commit()
    return answer


@app.get("/plaintext", response_class=PlainTextResponse)
async def plaintext():
    return HELLO
