#!/usr/bin/env bash
# Entry point for `make bench`: makes sure wrk and bench/.venv exist, then runs bench/bench.py.
# Works on a fresh machine with Python 3.11+, pip reaching PyPI and apt-get as root.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$BENCH_DIR/.venv"
REQS="$BENCH_DIR/requirements.txt"
STAMP="$VENV/.bench-installed"

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: installing wrk with apt-get" >&2
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench: wrk is missing and we are not root; install it with: apt-get install -y wrk" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
for tool in taskset; do
    command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is required (util-linux)" >&2; exit 1; }
done

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            PYTHON="$(command -v "$candidate")"
            break
        fi
    done
fi
if [ -z "$PYTHON" ]; then
    echo "bench: Python 3.11+ not found (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi

# (Re)install when the venv is missing or requirements.txt changed since the last install.
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$STAMP" ] || [ "$REQS" -nt "$STAMP" ]; then
    echo "bench: preparing $VENV" >&2
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$REQS" -e "$REPO_DIR"
    touch "$STAMP"
fi

exec "$VENV/bin/python" "$BENCH_DIR/bench.py" "$@"
