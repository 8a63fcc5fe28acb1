"""Per-request cost of the database apps' routes, called in-process against PostgreSQL.

Usage::

    taskset -c 0 bench/.venv/bin/python bench/db_inprocess.py [--apps raw,trellis,trellis-sync]
        [--paths /db,/fortunes] [--requests 2000] [--rounds 5] [--concurrency 1] [--profile FILE]

Each app is started (lifespan) once and called with ``--requests`` requests per round, one after
another (or ``--concurrency`` at a time); the best round is printed in microseconds per request,
with the ratio to the raw asyncpg app.  No server and no socket: what is left is the app's own
cost, the driver's and PostgreSQL's round trips.  ``--profile`` writes a cProfile of the last app
and path for ``python -m pstats`` or snakeviz.  Needs the ``bench`` database that ``bench/db.sh``
fills (``--url`` or BENCH_DB_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import os
import sys
import time
from pathlib import Path
from typing import Any

from inprocess import receive, scope_for

APPS = {
    "raw": ("db_raw_app", "app"),
    "trellis": ("db_trellis_app", "async_app"),
    "trellis-sync": ("db_trellis_app", "sync_app"),
    "fastapi": ("db_fastapi_app", "app"),
}
PATHS = ("/db", "/queries?queries=20", "/fortunes", "/updates?queries=20")


class Lifespan:
    """Runs an app's lifespan: start-up on enter, shutdown on exit."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[Any] | None = None

    async def __aenter__(self) -> Lifespan:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.ensure_future(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        message = await self.outbox.get()
        if message["type"] != "lifespan.startup.complete":
            raise SystemExit(f"start-up failed: {message}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inbox.put({"type": "lifespan.shutdown"})
        await self.outbox.get()
        assert self.task is not None
        await self.task


async def measure(
    app: Any, target: str, requests: int, rounds: int, concurrency: int, profile: Path | None
) -> float:
    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def worker(n: int) -> None:
        scope = scope_for(target)
        for _ in range(n):
            await app(dict(scope), receive, send)

    async def run(n: int) -> None:
        await asyncio.gather(*(worker(n // concurrency) for _ in range(concurrency)))

    async with Lifespan(app):
        await run(max(requests // 10, concurrency))
        if set(statuses) != {200}:
            raise SystemExit(f"{target} answered {sorted(set(statuses))}, not 200")
        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            await run(requests)
            best = min(best, (time.perf_counter() - started) / requests)
        if profile is not None:
            profiler = cProfile.Profile()
            profiler.enable()
            await run(requests)
            profiler.disable()
            profiler.dump_stats(profile)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/db_inprocess.py", description=__doc__)
    parser.add_argument("--apps", default="raw,trellis,trellis-sync")
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--uvloop", action="store_true", help="run on uvloop, as the servers do")
    parser.add_argument("--url", default=os.environ.get("BENCH_DB_URL"))
    args = parser.parse_args()
    if args.url:
        os.environ["BENCH_DB_URL"] = args.url
    sys.path.insert(0, str(Path(__file__).resolve().parent / "apps"))
    run = asyncio.run
    if args.uvloop:
        import uvloop

        run = uvloop.run
    apps = args.apps.split(",")
    paths = args.paths.split(",")
    raw: dict[str, float] = {}
    print(f"{'app':14} {'path':22} {'µs/request':>10}  x raw")
    for name in apps:
        module, attribute = APPS[name]
        app = getattr(importlib.import_module(module), attribute)
        for target in paths:
            profile = args.profile if (name, target) == (apps[-1], paths[-1]) else None
            cost = run(measure(app, target, args.requests, args.rounds, args.concurrency, profile))
            if name == "raw":
                raw[target] = cost
            ratio = f"{raw[target] / cost:5.2f}" if target in raw else "  -"
            print(f"{name:14} {target:22} {cost * 1e6:10.1f}  {ratio}", flush=True)


if __name__ == "__main__":
    main()
