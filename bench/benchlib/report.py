"""Turn the collected runs into the Markdown report: medians, spreads and ratios to raw ASGI."""

from __future__ import annotations

import platform
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .load import TESTS, WrkResult
from .servers import APPS, SERVERS
from .startup import StartupResult

PACKAGES = [
    "trellis", "granian", "uvicorn", "httptools", "uvloop", "starlette", "fastapi",
    "litestar", "flask", "werkzeug", "django", "orjson",
]  # fmt: skip


@dataclass
class Results:
    runs: dict[tuple[str, str, str], list[WrkResult]] = field(
        default_factory=lambda: defaultdict(list)
    )
    rss: dict[tuple[str, str, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    startup: dict[str, StartupResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    wrong: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def median(self, app: str, server: str, test: str) -> float | None:
        runs = self.runs.get((app, server, test))
        return statistics.median(r.rps for r in runs) if runs else None


def baseline_server(server: str) -> str:
    """WSGI rows are read against raw ASGI on the same server program (granian)."""
    return server if SERVERS[server].interface == "asgi" else "granian"


def _cell(results: Results, app: str, server: str, test: str) -> str:
    key = (app, server, test)
    if key in results.wrong:
        return "wrong answer ✗"
    runs = results.runs.get(key)
    if not runs:
        return ""
    rpss = [r.rps for r in runs]
    med = statistics.median(rpss)
    spread = 100.0 * (max(rpss) - min(rpss)) / med if med else 0.0
    raw = results.median("raw", baseline_server(server), test)
    ratio = f"{med / raw:.2f}x" if raw else "-"
    flag = " ⚠" if any(r.non_2xx or r.socket_errors for r in runs) else ""
    return f"{med:,.0f} ({ratio}) ±{spread:.0f}%{flag}"


def _pct(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}%" if values else ""


def throughput_table(results: Results) -> list[str]:
    tests = [t for t in TESTS if any(k[2] == t for k in results.runs)]
    head = ["app", "server", *(TESTS[t].title for t in tests)]
    if "param10" in tests and "param1000" in tests:
        head.append("1000 ÷ 10 routes")
    head += ["server CPU", "core 0 busy", "wrk CPU", "worker RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for server in SERVERS:
        for app in APPS:
            if not any(k[0] == app and k[1] == server for k in (*results.runs, *results.wrong)):
                continue
            row = [APPS[app].label, SERVERS[server].label]
            row += [_cell(results, app, server, t) for t in tests]
            if "param10" in tests and "param1000" in tests:
                a, b = (results.median(app, server, t) for t in ("param10", "param1000"))
                row.append(f"{b / a:.2f}" if a and b else "")
            runs = [
                r for (a, s, _), rs in results.runs.items() if (a, s) == (app, server) for r in rs
            ]
            row.append(_pct([r.server_cpu for r in runs]))
            row.append(_pct([r.core0_busy for r in runs]))
            row.append(_pct([r.client_cpu for r in runs]))
            rss = [
                f"{statistics.median(v) / 1024:.1f}"
                for (a, s, _), v in sorted(results.rss.items(), key=lambda kv: kv[0][2])
                if (a, s) == (app, server) and v
            ]
            row.append(" / ".join(rss))
            lines.append("| " + " | ".join(row) + " |")
    return lines


def startup_table(results: Results) -> list[str]:
    lines = ["| app | import + build (ms) | spread (ms) |", "|---|---|---|"]
    for app, res in results.startup.items():
        if res.error:
            lines.append(f"| {APPS[app].label} | not importable: {res.error} | |")
        elif res.median_ms is not None:
            lines.append(f"| {APPS[app].label} | {res.median_ms:.0f} | {res.spread_ms:.0f} |")
    return lines


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def render(results: Results, settings: dict[str, object], started: str, command: str) -> str:
    every = [r for rs in results.runs.values() for r in rs]
    steal = [r.core0_steal for r in every]
    crowded = [r for r in every if r.core0_tasks - r.server_cpu > 15]
    out = [
        "# Trellis benchmark results",
        "",
        f"Run {started} with `{command}` on {_cpu_model()}, Linux {platform.release()}, "
        f"Python {platform.python_version()}.",
        "",
        "Settings: " + ", ".join(f"{k} {v}" for k, v in settings.items()) + ".",
        "",
        f"Versions: {_versions()}.",
        "",
        "## Throughput",
        "",
        "Each cell: median req/s over the rounds, (x raw) = that median divided by raw ASGI's median",
        "for the same test on the same server (WSGI rows: raw ASGI on granian), ±spread = (max - min)",
        "/ median. One worker pinned to core 0, `wrk -t1` pinned to core 1. ⚠ = wrk saw errors or",
        "non-2xx answers. CPU columns are medians over the measured seconds, in % of one core: the",
        "server's processes (from /proc/PID/stat), all of core 0 (from /proc/stat, loopback softirq",
        "included) and the wrk process. Server CPU near 100% with wrk well below",
        "it means the server was the limit. Worker RSS (VmRSS) is read after the server's last run",
        "(10 / 1000 routes).",
        "",
        *throughput_table(results),
        "",
        "## Start-up",
        "",
        "Time for a fresh interpreter to import the framework and build the app (10 routes), median",
        f"of {settings.get('import runs', '?')} runs, bytecode cached, on core 0.",
        "",
        *startup_table(results),
        "",
    ]
    notes = list(results.problems)
    notes += [f"{APPS[a].label} on {s}, {t}: {why}" for (a, s, t), why in results.wrong.items()]
    if steal and max(steal) > 2.0:
        notes.append(
            f"core 0 lost up to {max(steal):.0f}% to steal (noisy neighbours) in some runs."
        )
    if crowded:
        notes.append(
            f"in {len(crowded)} of {len(every)} runs other processes took >15% of core 0 "
            "(core 0 task time minus server CPU): those figures are low."
        )
    saturated = [
        f"{APPS[a].label}/{s}/{t}"
        for (a, s, t), rs in results.runs.items()
        if statistics.median(r.client_cpu for r in rs) > 95
    ]
    if saturated:
        notes.append(
            "wrk's core was >95% busy (the load generator may be the limit): "
            + ", ".join(saturated)
        )
    if notes:
        out += ["## Notes", "", *(f"- {n}" for n in notes), ""]
    return "\n".join(out)
