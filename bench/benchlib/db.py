"""The database tests: the PostgreSQL data, PostgreSQL's core, the apps and their answer checks.

TechEmpower's four database tests against a dedicated database (`bench` by default): the data is
made afresh before every run, PostgreSQL is pinned to core 1 beside wrk for the run (and given
back every core afterwards), and every endpoint is checked against the database itself before it
is loaded: a fast wrong answer is not a result.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .load import fetch
from .servers import CLOCK_TICKS, AppSpec

WORLD_ROWS = 10_000
ADDED_FORTUNE = "Additional fortune added at request time."
# TechEmpower's fortune table (toolset/databases/postgres/create-postgres.sql).
FORTUNES = [
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal points, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
]


@dataclass(frozen=True)
class DbTest:
    name: str
    title: str
    path: str
    media_type: str
    count: int = 0  # rows a list answer holds (0: a single object or a page)


DB_TESTS: dict[str, DbTest] = {
    t.name: t
    for t in (
        DbTest("db", "single query", "/db", "application/json"),
        DbTest("queries", "20 queries", "/queries?queries=20", "application/json", 20),
        DbTest("fortunes", "fortunes", "/fortunes", "text/html"),
        DbTest("updates", "20 updates", "/updates?queries=20", "application/json", 20),
    )
}

# (spec, server) per app: the raw asyncpg app is every row's baseline.
DB_APPS: dict[str, tuple[AppSpec, str]] = {
    "raw": (AppSpec("raw", "db_raw_app", asgi="app", label="raw asyncpg"), "granian"),
    "trellis": (
        AppSpec("trellis", "db_trellis_app", asgi="async_app", label="Trellis async"),
        "granian",
    ),
    "trellis-sync": (
        AppSpec("trellis-sync", "db_trellis_app", asgi="sync_app", label="Trellis sync"),
        "granian",
    ),
    "fastapi": (
        AppSpec("fastapi", "db_fastapi_app", asgi="app", label="FastAPI + SQLAlchemy async"),
        "granian",
    ),
    "flask": (
        AppSpec("flask", "db_flask_app", wsgi="app", label="Flask + Flask-SQLAlchemy"),
        "granian-wsgi",
    ),
    "django": (
        AppSpec("django", "db_django_app", wsgi="application", label="Django ORM"),
        "granian-wsgi",
    ),
}


def connect(url: str) -> Any:
    import psycopg  # the bench venv has it; imported late so the pure parts test without it

    return psycopg.connect(url, autocommit=True)


def create_database(url: str) -> None:
    """Create the URL's database when it does not exist, connected to `postgres` beside it."""
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def fill(url: str, seed: int | None = None) -> None:
    """(Re)create `world` (10,000 random rows) and `fortune` (TechEmpower's 12), then analyse."""
    rng = random.Random(seed)
    with connect(url) as conn:
        conn.execute("DROP TABLE IF EXISTS world, fortune")
        conn.execute("CREATE TABLE world (id integer PRIMARY KEY, randomnumber integer NOT NULL)")
        conn.execute(
            "CREATE TABLE fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL)"
        )
        with conn.cursor() as cur, cur.copy("COPY world (id, randomnumber) FROM STDIN") as copy:
            for i in range(1, WORLD_ROWS + 1):
                copy.write_row((i, rng.randint(1, WORLD_ROWS)))
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO fortune (id, message) VALUES (%s, %s)",
                list(enumerate(FORTUNES, start=1)),
            )
        conn.execute("VACUUM ANALYZE world")
        conn.execute("VACUUM ANALYZE fortune")


# --- PostgreSQL's processes and core ------------------------------------------------------------


def postmaster_pid(url: str) -> int:
    with connect(url) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]
    return int((Path(data_dir) / "postmaster.pid").read_text().split()[0])


def process_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def tree_cpu_seconds(root: int) -> float:
    ticks = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


@contextmanager
def pinned(root: int, cores: set[int]) -> Iterator[dict[int, set[int]]]:
    """Pin a process tree (and so every backend it forks later) to `cores`; restore on exit."""
    before: dict[int, set[int]] = {}
    for pid in process_tree(root):
        try:
            before[pid] = os.sched_getaffinity(pid)
            os.sched_setaffinity(pid, cores)
        except OSError:
            continue
    try:
        yield before
    finally:
        everything = os.sched_getaffinity(0) | set(range(os.cpu_count() or 1))
        for pid in process_tree(root):
            try:
                os.sched_setaffinity(pid, before.get(pid, everything))
            except OSError:
                continue


# --- answer checks ------------------------------------------------------------------------------

ROW_RE = re.compile(r"<tr>\s*<td>\s*(\d+)\s*</td>\s*<td>(.*?)</td>\s*</tr>", re.S)


def expected_fortunes() -> list[tuple[int, str]]:
    rows = [*enumerate(FORTUNES, start=1), (0, ADDED_FORTUNE)]
    return sorted(rows, key=lambda row: row[1])


def check_fortunes(body: str) -> str | None:
    """The 13 rows in message order, every message escaped (no raw `<`, `>` or `"` in a cell)."""
    if "<table>" not in body or "</table>" not in body:
        return "no <table>"
    cells = ROW_RE.findall(body)
    for _, cell in cells:
        if any(ch in cell for ch in '<>"'):
            return f"unescaped message {cell[:60]!r}"
    got = [(int(i), html.unescape(cell)) for i, cell in cells]
    want = expected_fortunes()
    if got != want:
        return f"rows {got[:3]}..., expected {want[:3]}..."
    return None


def _world_error(item: Any) -> str | None:
    if not isinstance(item, dict) or set(item) != {"id", "randomNumber"}:
        return f"not a world object: {item!r}"
    if not all(type(item[k]) is int and 1 <= item[k] <= WORLD_ROWS for k in item):
        return f"values out of 1..{WORLD_ROWS}: {item!r}"
    return None


def check_worlds(data: Any, test: DbTest, numbers: dict[int, int]) -> str | None:
    """Shape and count, and every number is what the database holds for that id.

    `numbers` is the database's `{id: randomnumber}` read after the request; for the updates an id
    drawn twice may answer two numbers, of which the database holds one.
    """
    items = data if test.count else [data]
    if test.count and (not isinstance(data, list) or len(data) != test.count):
        return f"expected a list of {test.count} objects, got {str(data)[:80]}"
    answered: dict[int, set[int]] = {}
    for item in items:
        if why := _world_error(item):
            return why
        answered.setdefault(item["id"], set()).add(item["randomNumber"])
    for ident, values in answered.items():
        if numbers.get(ident) not in values:
            return f"id {ident}: answered {sorted(values)}, the database holds {numbers.get(ident)}"
    return None


def read_numbers(url: str, ids: list[int]) -> dict[int, int]:
    with connect(url) as conn:
        rows = conn.execute(
            "SELECT id, randomnumber FROM world WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return {int(i): int(n) for i, n in rows}


def _get(port: int, path: str, media_type: str) -> tuple[str | None, bytes]:
    try:
        status, content_type, body = fetch(port, path)
    except OSError as exc:
        return f"GET {path}: {exc}", b""
    if status != 200:
        return f"GET {path}: status {status}", body
    got = content_type.split(";")[0].strip().lower()
    if got != media_type:
        return f"GET {path}: content-type {content_type!r}, expected {media_type}", body
    return None, body


def check(port: int, test: DbTest, url: str) -> str | None:
    """None when the endpoint answers as TechEmpower specifies, else what was wrong."""
    why, body = _get(port, test.path, test.media_type)
    if why:
        return why
    if test.name == "fortunes":
        try:
            text = body.decode()
        except UnicodeDecodeError:
            return f"GET {test.path}: not UTF-8"
        return f"GET {test.path}: {w}" if (w := check_fortunes(text)) else None
    try:
        data = json.loads(body)
    except ValueError:
        return f"GET {test.path}: not JSON: {body[:80]!r}"
    items = data if isinstance(data, list) else [data]
    ids = [i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), int)]
    if why := check_worlds(data, test, read_numbers(url, ids)):
        return f"GET {test.path}: {why}"
    if test.name == "queries":  # the query-count rule: not a number is 1, clamped to 1..500
        for query, count in (("foo", 1), ("0", 1), ("501", 500)):
            why, body = _get(port, f"/queries?queries={query}", test.media_type)
            if why:
                return why
            if len(json.loads(body)) != count:
                return f"GET /queries?queries={query}: expected {count} objects"
    return None
