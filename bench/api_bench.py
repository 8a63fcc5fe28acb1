"""Validate-and-echo of a 20-field JSON body: Trellis beside FastAPI, Litestar and DRF.

Run through `bench/api.sh`, which prepares wrk and bench/.venv first; `bench/api.sh --help` lists
the flags. bench/README.md ("API validation test") says how to read the table.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from benchlib import api, load
from benchlib.api import API_APPS
from benchlib.choices import comma_list
from benchlib.load import WrkResult
from benchlib.servers import SERVERS, Server, ServerError

PACKAGES = [
    "trellis",
    "fastapi",
    "litestar",
    "djangorestframework",
    "django",
    "pydantic",
    "granian",
]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/api.sh", description="POST /echo of a 20-field JSON body, validated, under wrk."
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds, apps interleaved (3)")
    parser.add_argument("--duration", type=float, default=10, help="measured seconds per app (10)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per server (3)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (64)")
    parser.add_argument("--apps", "--only", dest="apps", help=f"apps: {', '.join(API_APPS)}")
    parser.add_argument(
        "--nice", type=int, default=-10 if os.geteuid() == 0 else 0, help="nice of servers, wrk"
    )
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results" / "api.md")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and exit")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0 or args.connections < 1:
        parser.error("rounds >= 1, duration > 0, warmup >= 0, connections >= 1")
    args.app_names = comma_list(args.apps, API_APPS, "app") if args.apps else list(API_APPS)
    return args


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_app(
    name: str,
    args: argparse.Namespace,
    runs: dict[str, list[WrkResult]],
    wrong: dict[str, str],
    logdir: Path,
) -> None:
    if name in wrong:
        return
    spec, server = API_APPS[name]
    try:
        with Server(spec, SERVERS[server], 1, logdir / f"{name}.log", nice=args.nice) as srv:
            why = api.check(srv.port)
            if why:
                wrong[name] = why
                log(f"  {name:<9} WRONG: {why}")
                return
            script = api.lua_script()
            if args.warmup:
                load.wrk(
                    srv.port, "/echo", args.warmup, args.connections, script=script, nice=args.nice
                )
            res = load.wrk(
                srv.port,
                "/echo",
                args.duration,
                args.connections,
                script=script,
                server_cpu_s=srv.cpu_seconds,
                nice=args.nice,
            )
            runs[name].append(res)
            errors = f", {res.non_2xx} non-2xx" if res.non_2xx or res.socket_errors else ""
            log(
                f"  {name:<9} {res.rps:>9,.0f} req/s  p50 {res.p50_ms or 0:.2f} ms  "
                f"server {res.server_cpu:3.0f}%  core0 {res.core0_busy:3.0f}%{errors}"
            )
    except (ServerError, RuntimeError, ValueError) as exc:
        wrong[name] = str(exc)
        log(f"  {name:<9} FAILED: {exc}")


def render(
    runs: dict[str, list[WrkResult]],
    wrong: dict[str, str],
    settings: dict[str, object],
    command: str,
) -> str:
    base = statistics.median(r.rps for r in runs["trellis"]) if runs.get("trellis") else None
    lines = [
        "# Validate-and-echo of a 20-field JSON body",
        "",
        f"`{command}`, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "`POST /echo`: each app validates a 20-field order (ints and floats with bounds, a choice,",
        "two regexes, a list, a datetime, a date, a UUID...) and answers the validated data as JSON.",
        "Each cell: median req/s over the rounds, (x Trellis) = that median divided by Trellis's.",
        "Every app was checked first: the valid order echoed exactly, an invalid one refused (4xx).",
        "",
        "| app | server | req/s (x Trellis) | spread | p50 ms | p99 ms | server CPU |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in API_APPS:
        spec, server = API_APPS[name]
        if name in wrong:
            lines.append(f"| {spec.label} | {SERVERS[server].label} | wrong answer ✗ | | | | |")
            continue
        results = runs.get(name)
        if not results:
            continue
        rps = [r.rps for r in results]
        med = statistics.median(rps)
        ratio = f"{med / base:.2f}x" if base else "-"
        spread = 100 * (max(rps) - min(rps)) / med if med else 0.0
        p50 = statistics.median(r.p50_ms or 0 for r in results)
        p99 = statistics.median(r.p99_ms or 0 for r in results)
        cpu = statistics.median(r.server_cpu for r in results)
        flag = " ⚠" if any(r.non_2xx or r.socket_errors for r in results) else ""
        lines.append(
            f"| {spec.label} | {SERVERS[server].label} | {med:,.0f} ({ratio}){flag} | ±{spread:.0f}% "
            f"| {p50:.2f} | {p99:.2f} | {cpu:.0f}% |"
        )
    lines += ["", "## Settings", ""]
    lines += [f"- {key}: {value}" for key, value in settings.items()]
    versions = []
    for package in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions.append(f"{package} {metadata.version(package)}")
    lines.append(f"- Python {platform.python_version()}; " + ", ".join(versions))
    for name, why in wrong.items():
        lines.append(f"- {API_APPS[name][0].label}: {why}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    estimate = args.rounds * len(args.app_names) * (2 + args.warmup + args.duration)
    log(f"{args.rounds} round(s) x {len(args.app_names)} apps; about {estimate / 60:.1f} min")
    for name in args.app_names:
        spec, server = API_APPS[name]
        log(f"  {spec.label:<24} {server}")
    if args.dry_run:
        return 0
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {1})  # the harness shares wrk's core, never the server's
    runs: dict[str, list[WrkResult]] = defaultdict(list)
    wrong: dict[str, str] = {}
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trellis-api-bench-") as tmp:
        for rnd in range(1, args.rounds + 1):
            log(f"round {rnd}/{args.rounds}")
            for name in args.app_names:
                run_app(name, args, runs, wrong, Path(tmp))
    settings: dict[str, object] = {
        "rounds": args.rounds,
        "measured": f"{args.duration:g} s per app and round, after {args.warmup:g} s of warm-up",
        "wrk": f"-t1 -c{args.connections}, pinned to core 1; one server worker pinned to core 0",
        "nice": args.nice,
        "wall time": f"{(time.monotonic() - t0) / 60:.1f} min",
    }
    command = ("bench/api.sh " + shlex.join(argv)).strip()
    report = render(runs, wrong, settings, command)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print(report)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
