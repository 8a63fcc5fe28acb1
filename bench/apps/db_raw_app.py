"""The database baseline: a bare ASGI callable on an asyncpg pool, no ORM.

Every database figure is reported as a multiple of this app under the same server. It does what
TechEmpower's fastest Python entries do: asyncpg's own prepared-statement cache (one `fetchrow`
per row), `executemany` for the updates, pre-encoded headers, orjson, and the fortunes page from
a plain Jinja2 template fetched once.
"""

from urllib.parse import parse_qs

import asyncpg
import jinja2
import orjson
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

JSON_HEADERS = [(b"content-type", b"application/json")]
HTML_HEADERS = [(b"content-type", b"text/html; charset=utf-8")]
TEXT_HEADERS = [(b"content-type", b"text/plain; charset=utf-8")]
FORTUNES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR), autoescape=True, auto_reload=False
).get_template("fortunes.html")

READ_ROW = "SELECT id, randomnumber FROM world WHERE id = $1"
READ_NUMBER = "SELECT randomnumber FROM world WHERE id = $1"
WRITE_ROW = "UPDATE world SET randomnumber = $2 WHERE id = $1"
ALL_FORTUNES = "SELECT id, message FROM fortune"

pool: asyncpg.Pool | None = None


async def send_body(send, status, headers, body):
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def queries_of(scope) -> int:
    values = parse_qs(scope["query_string"].decode()).get("queries")
    return query_count(values[0] if values else None)


async def single(scope, send):
    async with pool.acquire() as conn:
        row = await conn.fetchrow(READ_ROW, random_id())
    await send_body(send, 200, JSON_HEADERS, orjson.dumps({"id": row[0], "randomNumber": row[1]}))


async def queries(scope, send):
    async with pool.acquire() as conn:
        rows = [await conn.fetchrow(READ_ROW, i) for i in random_ids(queries_of(scope))]
    worlds = [{"id": row[0], "randomNumber": row[1]} for row in rows]
    await send_body(send, 200, JSON_HEADERS, orjson.dumps(worlds))


async def fortunes(scope, send):
    async with pool.acquire() as conn:
        rows = await conn.fetch(ALL_FORTUNES)
    items = [(row[0], row[1]) for row in rows]
    items.append((0, ADDED_FORTUNE))
    items.sort(key=lambda item: item[1])
    page = FORTUNES.render(fortunes=[{"id": i, "message": m} for i, m in items])
    await send_body(send, 200, HTML_HEADERS, page.encode())


async def updates(scope, send):
    ids = random_ids(queries_of(scope))
    async with pool.acquire() as conn:
        worlds = {}
        for i in ids:
            await conn.fetchval(READ_NUMBER, i)
            worlds[i] = random_id()
        await conn.executemany(WRITE_ROW, sorted(worlds.items()))
    body = orjson.dumps([{"id": i, "randomNumber": worlds[i]} for i in ids])
    await send_body(send, 200, JSON_HEADERS, body)


async def plaintext(scope, send):
    await send_body(send, 200, TEXT_HEADERS, HELLO.encode())


ROUTES = {
    "/db": single,
    "/queries": queries,
    "/fortunes": fortunes,
    "/updates": updates,
    "/plaintext": plaintext,
}


async def app(scope, receive, send):
    global pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                pool = await asyncpg.create_pool(DB_URL, min_size=POOL, max_size=POOL)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
    handler = ROUTES.get(scope["path"])
    if handler is None:
        await send_body(send, 404, TEXT_HEADERS, b"Not Found")
        return
    await handler(scope, send)
