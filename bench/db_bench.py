"""TechEmpower's database tests on PostgreSQL: Trellis's ORM path beside peers and raw asyncpg.

Run through `bench/db.sh`, which prepares wrk and bench/.venv first; `bench/db.sh --help` lists
the flags. bench/README.md ("Database tests") says how to read the table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from benchlib import db, load
from benchlib.choices import comma_list
from benchlib.db import DB_APPS, DB_TESTS
from benchlib.db_report import DbResults, render
from benchlib.servers import SERVERS, Server, ServerError

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/db.sh",
        description="TechEmpower database tests: ORM apps beside a raw asyncpg app, under wrk.",
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds, apps interleaved (3)")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per test (10)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per server (3)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--apps", "--only", dest="apps", help=f"apps: {', '.join(DB_APPS)}")
    parser.add_argument("--tests", help=f"tests: {', '.join(DB_TESTS)}")
    parser.add_argument("--url", default=os.environ.get("BENCH_DB_URL", DEFAULT_URL))
    parser.add_argument("--no-baseline", action="store_true", help="do not add raw asyncpg")
    parser.add_argument("--no-pin", action="store_true", help="leave PostgreSQL's cores alone")
    parser.add_argument(
        "--nice", type=int, default=-10 if os.geteuid() == 0 else 0, help="nice of servers, wrk"
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "db.md")
    parser.add_argument("--json", type=Path, help="also dump every run to this JSON file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0 or args.connections < 1:
        parser.error("rounds >= 1, duration > 0, warmup >= 0, connections >= 1")
    args.app_names = comma_list(args.apps, DB_APPS, "app") if args.apps else list(DB_APPS)
    if not args.no_baseline and "raw" not in args.app_names:
        args.app_names.insert(0, "raw")
    args.test_names = comma_list(args.tests, DB_TESTS, "test") if args.tests else list(DB_TESTS)
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_app(app: str, args: argparse.Namespace, results: DbResults, logdir: Path, pg: int) -> None:
    pending = [t for t in args.test_names if (app, t) not in results.wrong]
    if not pending:
        return
    spec, server_name = DB_APPS[app]
    env = {"BENCH_DB_URL": args.url}
    if SERVERS[server_name].interface == "wsgi":
        # granian's WSGI default is 512 threads, and Django opens a connection per thread: cap
        # the threads at the pool size every other app gets, so all hold the same connections.
        env["GRANIAN_BLOCKING_THREADS"] = os.environ.get("BENCH_DB_POOL", "16")
    logfile = logdir / f"{app}.log"
    try:
        with Server(spec, SERVERS[server_name], 1, logfile, nice=args.nice, env=env) as srv:
            for t in list(pending):
                if why := db.check(srv.port, DB_TESTS[t], args.url):
                    results.wrong[(app, t)] = why
                    pending.remove(t)
                    log(f"  {app:<13} {t:<9} WRONG: {why}")
            if not pending:
                return
            paths = [DB_TESTS[t].path for t in pending]
            if args.warmup:
                load.warm_up(srv.port, paths, args.warmup, args.connections, nice=args.nice)
            for t in pending:
                pg0, wall0 = db.tree_cpu_seconds(pg) if pg else 0.0, time.monotonic()
                res = load.wrk(
                    srv.port,
                    DB_TESTS[t].path,
                    args.duration,
                    args.connections,
                    server_cpu_s=srv.cpu_seconds,
                    nice=args.nice,
                )
                pg_cpu = 100.0 * (db.tree_cpu_seconds(pg) - pg0) / (time.monotonic() - wall0)
                results.runs[(app, t)].append(res)
                if pg:
                    results.db_cpu[(app, t)].append(pg_cpu)
                errors = (
                    f", {res.non_2xx} non-2xx, {res.socket_errors} socket errors"
                    if (res.non_2xx or res.socket_errors)
                    else ""
                )
                log(
                    f"  {app:<13} {t:<9} {res.rps:>9,.0f} req/s  server {res.server_cpu:3.0f}%"
                    f"  postgres {pg_cpu:3.0f}%  core0 {res.core0_busy:3.0f}%"
                    f"  wrk {res.client_cpu:3.0f}%{errors}"
                )
    except (ServerError, RuntimeError, ValueError) as exc:
        results.problems.append(f"{spec.label}: {exc}")
        log(f"  {app:<13} FAILED: {exc}")


def dump(path: Path, results: DbResults, settings: dict[str, object]) -> None:
    runs = [
        {"app": a, "test": t, **{k: v for k, v in asdict(r).items() if k != "raw"}}
        for (a, t), rs in results.runs.items()
        for r in rs
    ]
    wrong = [{"app": a, "test": t, "why": w} for (a, t), w in results.wrong.items()]
    data = {
        "settings": settings,
        "runs": runs,
        "postgres_cpu": {f"{a}/{t}": v for (a, t), v in results.db_cpu.items()},
        "wrong": wrong,
        "problems": results.problems,
    }
    path.write_text(json.dumps(data, indent=2))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    n_runs = len(args.app_names) * len(args.test_names)
    estimate = args.rounds * (
        len(args.app_names) * (2 + args.warmup) + n_runs * (args.duration + 0.5)
    )
    log(
        f"{args.rounds} round(s) x {len(args.app_names)} apps x {len(args.test_names)} tests;"
        f" about {estimate / 60:.1f} min"
    )
    for app in args.app_names:
        spec, server = DB_APPS[app]
        log(f"  {spec.label:<27} {server:<13} {', '.join(args.test_names)}")
    if args.dry_run:
        return 0
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {1})  # the harness shares wrk's core, never the server's
    db.create_database(args.url)
    db.fill(args.url)
    pg = 0 if args.no_pin else db.postmaster_pid(args.url)
    results = DbResults()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    pin = db.pinned(pg, {1}) if pg else contextlib.nullcontext()
    with pin, tempfile.TemporaryDirectory(prefix="trellis-db-bench-") as tmp:
        for rnd in range(1, args.rounds + 1):
            log(f"round {rnd}/{args.rounds}")
            for app in args.app_names:
                run_app(app, args, results, Path(tmp), pg)
    settings: dict[str, object] = {
        "rounds": args.rounds,
        "measured": f"{args.duration:g} s per test",
        "warm-up": f"{args.warmup:g} s per server start over all its endpoints",
        "wrk": f"-t1 -c{args.connections}",
        "database": args.url.rsplit("@", 1)[-1],
        "PostgreSQL": "pinned to core 1" if pg else "not pinned",
        "nice": args.nice,
        "wall time": f"{(time.monotonic() - t0) / 60:.1f} min",
    }
    command = "bench/db.sh " + shlex.join(argv) if argv else "bench/db.sh"
    report = render(results, settings, started, command.strip())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    if args.json:
        dump(args.json, results, settings)
    return 1 if results.wrong or results.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
