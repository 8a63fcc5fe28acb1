"""Per-request cost of the bench app's routes, called in-process (no server, no network).

Usage: ``taskset -c 0 .venv/bin/python bench/inprocess.py [--security-off]``.  It prints the best
of 5 runs of 20,000 calls per route, in microseconds: steadier than wrk on a shared machine for
comparing two builds or settings, though it leaves out the server and the socket.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

ROUTES = ("/plaintext", "/json", "/items/42")


def scope_for(target: str) -> dict[str, Any]:
    """A GET scope for ``target`` (a path, with ``?query`` if any), as a server would build it."""
    path, _, query = target.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 8000),
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def main() -> None:
    if "--security-off" in sys.argv:
        os.environ["TRELLIS_SECURITY_ENABLED"] = "false"
    sys.path.insert(0, str(Path(__file__).resolve().parent / "apps"))
    import trellis_app  # type: ignore[import-not-found]

    app = trellis_app.app
    for path in ROUTES:
        scope = scope_for(path)
        statuses: list[int] = []

        async def run(
            n: int, scope: dict[str, Any] = scope, statuses: list[int] = statuses
        ) -> None:
            async def send(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            for _ in range(n):
                await app(dict(scope), receive, send)

        asyncio.run(run(2000))
        if set(statuses) != {200}:
            raise SystemExit(f"{path} answered {sorted(set(statuses))}, not 200")
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            asyncio.run(run(20_000))
            best = min(best, (time.perf_counter() - started) / 20_000)
        print(f"{path:12} {best * 1e6:6.2f} µs")


if __name__ == "__main__":
    main()
