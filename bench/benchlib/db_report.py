"""The database report: median req/s of each app and test, as a multiple of raw asyncpg."""

from __future__ import annotations

import platform
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata

from .db import DB_APPS, DB_TESTS
from .load import WrkResult

PACKAGES = [
    "trellis", "granian", "sqlalchemy", "asyncpg", "psycopg", "django", "flask",
    "flask-sqlalchemy", "fastapi", "starlette", "jinja2", "orjson",
]  # fmt: skip


@dataclass
class DbResults:
    runs: dict[tuple[str, str], list[WrkResult]] = field(default_factory=lambda: defaultdict(list))
    # PostgreSQL's processes, % of one core, per (app, test) run.
    db_cpu: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    wrong: dict[tuple[str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def median(self, app: str, test: str) -> float | None:
        runs = self.runs.get((app, test))
        return statistics.median(r.rps for r in runs) if runs else None


def cell(results: DbResults, app: str, test: str) -> str:
    if (app, test) in results.wrong:
        return "wrong answer ✗"
    runs = results.runs.get((app, test))
    if not runs:
        return ""
    rpss = [r.rps for r in runs]
    med = statistics.median(rpss)
    spread = 100.0 * (max(rpss) - min(rpss)) / med if med else 0.0
    raw = results.median("raw", test)
    ratio = f"{med / raw:.2f}x" if raw else "-"
    flag = " ⚠" if any(r.non_2xx or r.socket_errors for r in runs) else ""
    return f"{med:,.0f} ({ratio}) ±{spread:.0f}%{flag}"


def _median_pct(values: list[float]) -> str:
    return f"{statistics.median(values):.0f}%" if values else ""


def table(results: DbResults) -> list[str]:
    keys = (*results.runs, *results.wrong)
    tests = [t for t in DB_TESTS if any(k[1] == t for k in keys)]
    apps = [a for a in DB_APPS if any(k[0] == a for k in keys)]
    head = ["app", "server", *(DB_TESTS[t].title for t in tests)]
    head += ["server CPU", "PostgreSQL CPU", "core 0 busy", "wrk CPU"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for app in apps:
        spec, server = DB_APPS[app]
        row = [spec.label, server]
        row += [cell(results, app, t) for t in tests]
        runs = [r for t in tests for r in results.runs.get((app, t), [])]
        row += [
            _median_pct([r.server_cpu for r in runs]),
            _median_pct([c for t in tests for c in results.db_cpu.get((app, t), [])]),
            _median_pct([r.core0_busy for r in runs]),
            _median_pct([r.client_cpu for r in runs]),
        ]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def render(results: DbResults, settings: dict[str, object], started: str, command: str) -> str:
    lines = [
        "# Database benchmark (TechEmpower tests on PostgreSQL)",
        "",
        f"Run {started} with `{command}`.",
        "",
        "Each cell: median req/s over the rounds (x raw asyncpg, same server, same run) and the",
        "spread (max - min) / median. One worker pinned to core 0; wrk and PostgreSQL on core 1.",
        "",
        *table(results),
        "",
        "## Settings",
        "",
        *(f"- {key}: {value}" for key, value in settings.items()),
        f"- Python {platform.python_version()}; {_versions()}",
    ]
    if results.wrong:
        lines += ["", "## Wrong answers", ""]
        lines += [f"- {DB_APPS[a][0].label}, {t}: {why}" for (a, t), why in results.wrong.items()]
    if results.problems:
        lines += ["", "## Problems", "", *(f"- {p}" for p in results.problems)]
    return "\n".join(lines) + "\n"
