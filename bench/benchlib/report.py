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
    "litestar", "flask", "werkzeug", "django", "orjson", "jinja2", "markupsafe",
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


def baseline(server: str, test: str) -> tuple[str, str]:
    """The (app, server) whose median a row is divided by.

    Raw ASGI on the same server; WSGI rows of the hello tests, raw ASGI on granian. WSGI rows of
    the page test use raw WSGI rendering the same template on the same server, so their ratio is
    what the framework adds to the template engine and the interface, as it is for ASGI rows.
    """
    if TESTS[test].kind == "page" and SERVERS[server].interface == "wsgi":
        return "raw-wsgi", server
    return "raw", baseline_server(server)


def _kind(results: Results, kind: str) -> list[str]:
    keys = (*results.runs, *results.wrong)
    return [t for t in TESTS if TESTS[t].kind == kind and any(k[2] == t for k in keys)]


def _rows(results: Results, tests: list[str]) -> list[tuple[str, str]]:
    keys = (*results.runs, *results.wrong)
    return [
        (app, server)
        for server in SERVERS
        for app in APPS
        if any(k[:2] == (app, server) and k[2] in tests for k in keys)
    ]


def _cpu(results: Results, app: str, server: str, tests: list[str]) -> list[str]:
    runs = [r for t in tests for r in results.runs.get((app, server, t), [])]
    return [
        _pct([r.server_cpu for r in runs]),
        _pct([r.core0_busy for r in runs]),
        _pct([r.client_cpu for r in runs]),
    ]


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
    raw = results.median(*baseline(server, test), test)
    ratio = f"{med / raw:.2f}x" if raw else "-"
    flag = " ⚠" if any(r.non_2xx or r.socket_errors for r in runs) else ""
    return f"{med:,.0f} ({ratio}) ±{spread:.0f}%{flag}"


def _pct(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}%" if values else ""


def throughput_table(results: Results) -> list[str]:
    """The hello tests; the page test has its own table (`page_table`)."""
    tests = _kind(results, "hello")
    head = ["app", "server", *(TESTS[t].title for t in tests)]
    if "param10" in tests and "param1000" in tests:
        head.append("1000 ÷ 10 routes")
    head += ["server CPU", "core 0 busy", "wrk CPU", "worker RSS MiB"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for app, server in _rows(results, tests):
        row = [APPS[app].label, SERVERS[server].label]
        row += [_cell(results, app, server, t) for t in tests]
        if "param10" in tests and "param1000" in tests:
            a, b = (results.median(app, server, t) for t in ("param10", "param1000"))
            row.append(f"{b / a:.2f}" if a and b else "")
        row += _cpu(results, app, server, tests)
        # A server that also rendered the page holds a template engine too: marked with †.
        paged = any((app, server, t) in results.runs for t in _kind(results, "page"))
        rss = [
            f"{statistics.median(v) / 1024:.1f}" + ("†" if paged and n == 10 else "")
            for (a, s, n), v in sorted(results.rss.items(), key=lambda kv: kv[0][2])
            if (a, s) == (app, server) and v
        ]
        row.append(" / ".join(rss))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def page_table(results: Results) -> list[str]:
    tests = _kind(results, "page")
    head = ["app", "server", *(TESTS[t].title for t in tests), "x raw ASGI on granian"]
    head += ["server CPU", "core 0 busy", "wrk CPU"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for app, server in _rows(results, tests):
        row = [APPS[app].label, SERVERS[server].label]
        row += [_cell(results, app, server, t) for t in tests]
        across = []  # WSGI rows beside the ASGI ones: the same server program, another interface
        for t in tests:
            med, raw = results.median(app, server, t), results.median("raw", "granian", t)
            if SERVERS[server].interface == "wsgi" and med and raw:
                across.append(f"{med / raw:.2f}x")
        row.append(" / ".join(across))
        row += _cpu(results, app, server, tests)
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


def _throughput_section(results: Results) -> list[str]:
    if not _kind(results, "hello"):
        return []
    return [
        "## Throughput",
        "",
        "Each cell: median req/s over the rounds, (x raw) = that median divided by raw ASGI's median",
        "for the same test on the same server (WSGI rows: raw ASGI on granian), ±spread = (max - min)",
        "/ median. One worker pinned to core 0, `wrk -t1` pinned to core 1. ⚠ = wrk saw errors or",
        "non-2xx answers. CPU columns are medians over the measured seconds, in % of one core: the",
        "server's processes (from /proc/PID/stat), all of core 0 (from /proc/stat, loopback softirq",
        "included) and the wrk process. Server CPU near 100% with wrk well below",
        "it means the server was the limit. Worker RSS (VmRSS) is read after the server's last run",
        "(10 / 1000 routes; † = that server also rendered the template page, so its template engine",
        "is in the figure).",
        "",
        *throughput_table(results),
        "",
    ]


def _page_section(results: Results) -> list[str]:
    if not _kind(results, "page"):
        return []
    return [
        "## Template page",
        "",
        "`GET /page`: a 20-row table through a 2-level inherited template (base.html <- layout.html",
        "<- page.html), one autoescaped field per row, Jinja2 (Django: its own template language),",
        "checked against a hand-built page (whitespace-normalised) before any load. (x raw) divides",
        "by the raw app of the same interface on the same server rendering the same Jinja2 template",
        "with a plain Environment: raw ASGI for ASGI rows, raw WSGI for WSGI rows. The next column",
        "puts WSGI rows beside raw ASGI on granian, the same server program. CPU columns as above.",
        "",
        *page_table(results),
        "",
    ]


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
        *_throughput_section(results),
        *_page_section(results),
    ]
    if results.startup:
        out += [
            "## Start-up",
            "",
            "Time for a fresh interpreter to import the framework and build the app (10 routes),",
            f"median of {settings.get('import runs', '?')} runs, bytecode cached, on core 0.",
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
