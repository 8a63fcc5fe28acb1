"""What every database benchmark app shares: the URL, the pool size, the TechEmpower rules.

The harness sets BENCH_DB_URL (a plain `postgresql://user@host:port/bench` URL) before the server
imports an app; each app adds the driver its docs use. The tests follow TechEmpower's rules:

- `/db`: one random `world` row as `{"id": n, "randomNumber": m}`.
- `/queries?queries=N`: N random rows, one query each; N is clamped to 1..500 and anything that
  is not a number counts as 1.
- `/fortunes`: every `fortune` row plus one added at request time, sorted by message, rendered
  into an HTML table with the messages escaped.
- `/updates?queries=N`: N random rows read one by one, each given a new random number, written
  back; the answer holds the new values.
"""

import os
import random
from pathlib import Path

DB_URL = os.environ.get("BENCH_DB_URL", "postgresql://postgres@127.0.0.1:5432/bench")
# Connections per app: every app that configures a pool gets this many, and no overflow.
POOL = int(os.environ.get("BENCH_DB_POOL", "16"))
WORLD_ROWS = 10_000
ADDED_FORTUNE = "Additional fortune added at request time."
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates_db"
HELLO = "Hello, World!"


def random_id() -> int:
    return random.randint(1, WORLD_ROWS)


def random_ids(n: int) -> list[int]:
    return [random.randint(1, WORLD_ROWS) for _ in range(n)]


def query_count(value: str | None) -> int:
    """TechEmpower's rule for `queries=`: missing or not a number is 1, then clamp to 1..500."""
    try:
        count = int(value) if value is not None else 1
    except ValueError:
        return 1
    return min(max(count, 1), 500)
