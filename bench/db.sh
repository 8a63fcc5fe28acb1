#!/usr/bin/env bash
# The database benchmark: bench/run.sh prepares wrk and bench/.venv (its --dry-run runs nothing
# else), then bench/db_bench.py runs. Needs a PostgreSQL server; --url or BENCH_DB_URL says where.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$BENCH_DIR/run.sh" --dry-run --no-startup >/dev/null 2>&1 || "$BENCH_DIR/run.sh" --dry-run --no-startup
exec "$BENCH_DIR/.venv/bin/python" "$BENCH_DIR/db_bench.py" "$@"
