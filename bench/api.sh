#!/usr/bin/env bash
# The validate-and-echo API benchmark: bench/run.sh prepares wrk and bench/.venv (its --dry-run
# runs nothing else), then bench/api_bench.py runs.
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$BENCH_DIR/run.sh" --dry-run --no-startup >/dev/null 2>&1 || "$BENCH_DIR/run.sh" --dry-run --no-startup
exec "$BENCH_DIR/.venv/bin/python" "$BENCH_DIR/api_bench.py" "$@"
