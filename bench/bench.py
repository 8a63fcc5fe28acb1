"""Trellis benchmark suite: hello-world endpoints and a template page, against raw apps and peers.

Run through `bench/run.sh` (or `make bench`), which prepares wrk and bench/.venv first.
`bench/run.sh --help` lists the flags; bench/README.md says how to read the table.
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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchlib import load
from benchlib.choices import comma_list
from benchlib.load import TESTS
from benchlib.report import Results, baseline, render
from benchlib.servers import APPS, SERVERS, Server, ServerError, app_target
from benchlib.startup import time_import

ALL_TESTS = list(TESTS)
HELLO_TESTS = [t for t in ALL_TESTS if TESTS[t].kind == "hello"]
ASGI_APPS = ["raw", "trellis", "starlette", "fastapi", "litestar", "django"]
WSGI_APPS = ["raw-wsgi", "flask", "django"]

# Everything that can run: (server, app, tests).
FULL = [("granian", app, ALL_TESTS) for app in ASGI_APPS]
FULL += [("granian-wsgi", app, ALL_TESTS) for app in WSGI_APPS]
FULL += [("uvicorn", app, ALL_TESTS) for app in ASGI_APPS]

# The default, sized for ~20 minutes at 3 rounds: every hello test on granian for the ASGI
# frameworks and Flask, plaintext and JSON for Django and on uvicorn (the targets are set on both
# servers). The template page runs on granian for raw, Trellis, FastAPI, Flask and Django (and
# raw WSGI, added as the WSGI rows' baseline): it shares their 10-route server, so it costs
# measuring time but only one more server start (raw WSGI's) per round.
CORE = ["raw", "trellis", "starlette", "fastapi"]
PAGE_APPS = ["raw", "trellis", "fastapi"]
DEFAULT = [("granian", app, HELLO_TESTS + (["page"] if app in PAGE_APPS else [])) for app in CORE]
DEFAULT += [
    ("granian-wsgi", "flask", [*HELLO_TESTS, "page"]),
    ("granian-wsgi", "django", ["plaintext", "json", "page"]),
]
DEFAULT += [("uvicorn", app, ["plaintext", "json"]) for app in CORE]

SERVER_START_S = 1.5  # rough, for the estimate only


@dataclass(frozen=True)
class Unit:
    """One server process: an app with a route count on a server, measured on some tests."""

    server: str
    app: str
    routes: int
    tests: tuple[str, ...]

    @property
    def env(self) -> dict[str, str]:
        """What the app's environment needs for every test of this unit (BENCH_PAGE=1)."""
        return {k: v for t in self.tests for k, v in TESTS[t].env.items()}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.sh",
        description="Throughput of Trellis, raw ASGI/WSGI and peer frameworks under wrk.",
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds, apps interleaved (default 3)"
    )
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per test (10)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per server (3)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument(
        "--apps", "--only", dest="apps", help=f"comma list of apps: {', '.join(APPS)}"
    )
    parser.add_argument("--servers", help=f"comma list of servers: {', '.join(SERVERS)}")
    parser.add_argument("--tests", help=f"comma list of tests: {', '.join(TESTS)}")
    parser.add_argument(
        "--full", action="store_true", help="every app on every server it supports, every test"
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="do not add raw ASGI (raw WSGI for WSGI page rows) when it was filtered out",
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=-10 if os.geteuid() == 0 else 0,
        help="nice value for servers and wrk; negative needs root (default -10 as root, else 0)",
    )
    parser.add_argument("--import-runs", type=int, default=7, help="start-up timing runs (7)")
    parser.add_argument("--no-startup", action="store_true", help="skip start-up timing")
    parser.add_argument(
        "--output",
        type=Path,
        default=Path(__file__).parent / "results" / "latest.md",
        help="Markdown report path (bench/results/latest.md)",
    )
    parser.add_argument("--json", type=Path, help="also dump every raw run to this JSON file")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0 or args.connections < 1:
        parser.error("rounds >= 1, duration > 0, warmup >= 0, connections >= 1")
    return args


def select(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    base = list(FULL if args.full else DEFAULT)
    apps = comma_list(args.apps, APPS, "app") if args.apps else None
    servers = comma_list(args.servers, SERVERS, "server") if args.servers else None
    tests = comma_list(args.tests, TESTS, "test") if args.tests else None
    if apps:  # an app outside the default matrix brings its full entries
        present = {app for _, app, _ in base}
        base += [entry for entry in FULL if entry[1] in apps and entry[1] not in present]
    chosen = []
    for server, app, entry_tests in base:
        if (apps and app not in apps) or (servers and server not in servers):
            continue
        kept = [t for t in entry_tests if not tests or t in tests]
        if kept:
            chosen.append((server, app, kept))
    if not args.no_baseline:
        have = {(s, a, t) for s, a, ts in chosen for t in ts}
        need: dict[tuple[str, str], list[str]] = {}
        for server, _, entry_tests in chosen:
            for t in entry_tests:
                ref_app, ref_server = baseline(server, t)
                wanted = need.setdefault((ref_server, ref_app), [])
                if (ref_server, ref_app, t) not in have and t not in wanted:
                    wanted.append(t)
        chosen += [(s, a, [t for t in ALL_TESTS if t in ts]) for (s, a), ts in need.items() if ts]
    return chosen


def plan_units(matrix: list[tuple[str, str, list[str]]]) -> list[Unit]:
    """Order one round: by server, then route count, then app, so apps alternate A B C A B C."""
    units = []
    for server in SERVERS:
        for routes in sorted({TESTS[t].routes for t in ALL_TESTS}):
            for app in APPS:
                tests = tuple(
                    t
                    for s, a, ts in matrix
                    if (s, a) == (server, app)
                    for t in ts
                    if TESTS[t].routes == routes
                )
                if tests:
                    units.append(Unit(server, app, routes, tests))
    return units


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_unit(unit: Unit, args: argparse.Namespace, results: Results, logdir: Path) -> None:
    pending = [t for t in unit.tests if (unit.app, unit.server, t) not in results.wrong]
    if not pending:
        return
    app, server = APPS[unit.app], SERVERS[unit.server]
    logfile = logdir / f"{unit.server}-{unit.app}-{unit.routes}.log"
    try:
        with Server(app, server, unit.routes, logfile, nice=args.nice, env=unit.env) as srv:
            if why := load.check_routes(srv.port, unit.routes):
                for t in pending:
                    results.wrong[(unit.app, unit.server, t)] = why
                return
            for t in list(pending):
                if why := load.check(srv.port, TESTS[t]):
                    results.wrong[(unit.app, unit.server, t)] = why
                    pending.remove(t)
            if not pending:
                return
            if args.warmup:
                load.warm_up(
                    srv.port,
                    [TESTS[t].path for t in pending],
                    args.warmup,
                    args.connections,
                    nice=args.nice,
                )
            for t in pending:
                res = load.wrk(
                    srv.port,
                    TESTS[t].path,
                    args.duration,
                    args.connections,
                    server_cpu_s=srv.cpu_seconds,
                    nice=args.nice,
                )
                results.runs[(unit.app, unit.server, t)].append(res)
                errors = (
                    f", {res.non_2xx} non-2xx, {res.socket_errors} socket errors"
                    if (res.non_2xx or res.socket_errors)
                    else ""
                )
                log(
                    f"  {unit.server:<12} {unit.app:<9} {t:<9} {res.rps:>10,.0f} req/s"
                    f"  server {res.server_cpu:3.0f}%  core0 {res.core0_busy:3.0f}%"
                    f"  wrk {res.client_cpu:3.0f}%{errors}"
                )
            results.rss[(unit.app, unit.server, unit.routes)].append(srv.worker_rss_kib())
    except (ServerError, RuntimeError, ValueError) as exc:
        results.problems.append(f"{app.label} on {server.label} ({unit.routes} routes): {exc}")
        log(f"  {unit.server:<12} {unit.app:<9} FAILED: {exc}")


def check_extra_imports(app: str, units: list[Unit], results: Results) -> list[Unit]:
    """Import the app as each extra environment will (BENCH_PAGE=1); drop only the tests that fail.

    A missing optional battery (the templates one) then costs its page rows, not the app's
    hello-world rows.
    """
    for env in {tuple(sorted(u.env.items())) for u in units if u.app == app and u.env}:
        res = time_import(APPS[app], 0, dict(env))
        if not res.error:
            continue
        dropped = {t for u in units if u.app == app and u.env == dict(env) for t in u.tests}
        dropped = {t for t in dropped if TESTS[t].env}
        results.problems.append(
            f"{APPS[app].label} skipped for {', '.join(sorted(dropped))}: cannot import its app "
            f"with {' '.join(f'{k}={v}' for k, v in env)} ({res.error})"
        )
        log(f"  {app}: cannot import with {dict(env)} ({res.error}); {sorted(dropped)} skipped")
        kept = []
        for u in units:
            if u.app == app and u.env == dict(env):
                tests = tuple(t for t in u.tests if t not in dropped)
                if tests:
                    kept.append(Unit(u.server, u.app, u.routes, tests))
            else:
                kept.append(u)
        units = kept
    return units


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    matrix = select(args)
    units = plan_units(matrix)
    if not units:
        raise SystemExit("nothing to run: the filters left no (server, app, test)")
    n_tests = sum(len(u.tests) for u in units)
    estimate = args.rounds * (
        len(units) * (SERVER_START_S + args.warmup) + n_tests * (args.duration + 0.3)
    )
    log(
        f"{args.rounds} round(s) x {len(units)} server starts, {n_tests} measured runs per round; "
        f"about {estimate / 60:.1f} min"
    )
    for u in units:
        log(f"  {u.server:<12} {u.app:<9} {u.routes:>4} routes: {', '.join(u.tests)}")
    if args.dry_run:
        return 0
    for server, app, _ in matrix:
        if app_target(APPS[app], SERVERS[server]) is None:
            raise SystemExit(f"{app} cannot run on {server}")
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {1})  # the harness shares wrk's core, never the server's

    results = Results()
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    apps_used = [a for a in APPS if any(u.app == a for u in units)]
    log("import check" + ("" if args.no_startup else " and start-up timing"))
    for app in apps_used:
        res = time_import(APPS[app], 0 if args.no_startup else args.import_runs)
        if res.error:
            results.problems.append(
                f"{APPS[app].label} skipped: cannot import its app ({res.error})"
            )
            log(f"  {app}: cannot import ({res.error}); skipped")
            units = [u for u in units if u.app != app]
            continue
        if res.median_ms is not None:
            results.startup[app] = res
            log(f"  {app:<9} {res.median_ms:6.0f} ms")
        units = check_extra_imports(app, units, results)

    with tempfile.TemporaryDirectory(prefix="trellis-bench-") as tmp:
        for rnd in range(1, args.rounds + 1):
            log(f"round {rnd}/{args.rounds}")
            for unit in units:
                run_unit(unit, args, results, Path(tmp))

    settings: dict[str, object] = {
        "rounds": args.rounds,
        "measured": f"{args.duration:g} s per test",
        "warm-up": f"{args.warmup:g} s per server start over all its endpoints",
        "wrk": f"-t1 -c{args.connections}",
        "nice": args.nice,
        "import runs": args.import_runs,
        "wall time": f"{(time.monotonic() - t0) / 60:.1f} min",
    }
    command = "bench/run.sh " + shlex.join(argv) if argv else "bench/run.sh"
    report = render(results, settings, started, command.strip())
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    if args.json:
        dump = {
            "settings": settings,
            "runs": [
                {
                    "app": a,
                    "server": s,
                    "test": t,
                    **{k: v for k, v in asdict(r).items() if k != "raw"},
                }
                for (a, s, t), rs in results.runs.items()
                for r in rs
            ],
            "rss_kib": [
                {"app": a, "server": s, "routes": n, "values": v}
                for (a, s, n), v in results.rss.items()
            ],
            "wrong": [
                {"app": a, "server": s, "test": t, "why": w}
                for (a, s, t), w in results.wrong.items()
            ],
            "problems": results.problems,
        }
        args.json.write_text(json.dumps(dump, indent=2))
    return 1 if results.wrong or results.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
