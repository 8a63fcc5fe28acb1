"""Time to import a framework and build the hello app, in a fresh interpreter each time.

Measured inside the child (perf_counter around importing the app module, which imports the
framework and builds every route), so interpreter start-up is left out and only what the
framework costs remains. The first run is thrown away: it fills the bytecode cache.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass

from .servers import APPS_DIR, AppSpec, bench_env

PROBE = """
import importlib, time
start = time.perf_counter()
module = importlib.import_module({module!r})
for name in {attrs!r}:
    getattr(module, name)
print(time.perf_counter() - start)
"""


@dataclass(frozen=True)
class StartupResult:
    median_ms: float | None
    spread_ms: float | None
    error: str | None = None


def time_import(app: AppSpec, runs: int, env: Mapping[str, str] | None = None) -> StartupResult:
    """Median import time over `runs`; runs=0 only proves the app imports (with `env` set)."""
    attrs = [a for a in (app.asgi, app.wsgi) if a]
    code = PROBE.format(module=app.module, attrs=attrs)
    command = ["taskset", "-c", "0", sys.executable, "-c", code]
    samples = []
    for i in range(runs + 1):
        done = subprocess.run(
            command,
            cwd=APPS_DIR,
            env=bench_env(10, env),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            return StartupResult(None, None, error=last)
        if i:
            samples.append(1000.0 * float(done.stdout.strip()))
    if not samples:  # runs=0: only proved the app imports (and cached its bytecode)
        return StartupResult(None, None)
    return StartupResult(statistics.median(samples), max(samples) - min(samples))
