"""Correctness checks, wrk runs pinned to core 1, and CPU time from /proc/stat around them."""

from __future__ import annotations

import http.client
import json
import re
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .page import expected_page, normalise
from .servers import niced

HELLO = "Hello, World!"


@dataclass(frozen=True)
class Test:
    name: str
    title: str
    path: str
    routes: int  # how many path-parameter routes the server's app registers
    media_type: str
    text: str | None = None  # exact body for text answers
    json: object = None  # decoded body for JSON answers (compared as data, not bytes)
    html: str | None = None  # expected page, compared after page.normalise (whitespace)
    # "hello": every app serves it. "page": served when the server gets BENCH_PAGE=1, reported in
    # a table of its own, and WSGI rows are read against raw WSGI rendering the same template.
    kind: str = "hello"

    @property
    def env(self) -> dict[str, str]:
        """What the server's environment needs for its app to serve this test."""
        return {"BENCH_PAGE": "1"} if self.kind == "page" else {}


TESTS: dict[str, Test] = {
    test.name: test
    for test in (
        Test("plaintext", "plaintext", "/plaintext", 10, "text/plain", text=HELLO),
        Test("json", "JSON", "/json", 10, "application/json", json={"message": HELLO}),
        Test("param10", "/items/<id> of 10", "/items/42", 10, "application/json", json={"id": 42}),
        Test(
            "param1000",
            "/items/<id> of 1000",
            "/items/42",
            1000,
            "application/json",
            json={"id": 42},
        ),
        Test(
            "page",
            "template page",
            "/page",
            10,
            "text/html",
            html=expected_page(),
            kind="page",
        ),
    )
}


def fetch(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("content-type") or "", response.read()
    finally:
        conn.close()


def check(port: int, test: Test) -> str | None:
    """None when the endpoint answers exactly as specified, else what was wrong."""
    try:
        status, content_type, body = fetch(port, test.path)
    except OSError as exc:
        return f"GET {test.path}: {exc}"
    if status != 200:
        return f"GET {test.path}: status {status}"
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != test.media_type:
        return f"GET {test.path}: content-type {content_type!r}, expected {test.media_type}"
    if test.text is not None and body != test.text.encode():
        return f"GET {test.path}: body {body[:80]!r}"
    if test.json is not None:
        try:
            data = json.loads(body)
        except ValueError:
            return f"GET {test.path}: body is not JSON: {body[:80]!r}"
        if data != test.json or type(data) is not type(test.json):
            return f"GET {test.path}: JSON {data!r}, expected {test.json!r}"
    if test.html is not None:
        return _check_html(test.path, body, test.html)
    return None


def _check_html(path: str, body: bytes, expected: str) -> str | None:
    try:
        got = normalise(body.decode())
    except UnicodeDecodeError:
        return f"GET {path}: body is not UTF-8: {body[:80]!r}"
    want = normalise(expected)
    if got == want:
        return None
    at = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), None)
    if at is None:
        at = min(len(got), len(want))
    return (
        f"GET {path}: page differs at character {at} (whitespace-normalised): "
        f"got {got[max(at - 30, 0) : at + 50]!r}, expected {want[max(at - 30, 0) : at + 50]!r}"
    )


def check_routes(port: int, routes: int) -> str | None:
    """Prove the app really registered its fillers: the last one must answer like /items/<id>."""
    if routes < 2:
        return None
    path = f"/filler{routes - 2}/7"
    try:
        status, _, body = fetch(port, path)
    except OSError as exc:
        return f"GET {path}: {exc}"
    if status != 200 or json.loads(body or b"null") != {"id": 7}:
        return f"GET {path}: status {status}, body {body[:80]!r} (fillers missing?)"
    return None


@dataclass(frozen=True)
class CpuSample:
    """Cumulative ticks per core: busy (tasks + interrupts), tasks only, stolen, total."""

    busy: dict[str, int]
    tasks: dict[str, int]
    steal: dict[str, int]
    total: dict[str, int]


def cpu_sample() -> CpuSample:
    busy, tasks, steal, total = {}, {}, {}, {}
    for line in Path("/proc/stat").read_text().splitlines():
        if not re.match(r"cpu\d+ ", line):
            continue
        name, *fields = line.split()
        user, nice, system, _idle, _iowait, irq, softirq, st = (int(x) for x in fields[:8])
        tasks[name] = user + nice + system
        busy[name] = tasks[name] + irq + softirq
        steal[name] = st
        total[name] = sum(int(x) for x in fields[:8])
    return CpuSample(busy, tasks, steal, total)


def cpu_percent(before: CpuSample, after: CpuSample, core: str) -> tuple[float, float, float]:
    """(busy %, tasks-only %, stolen %) of one core between two samples.

    Loopback networking shows up as softirq time on the core, whoever caused it, so processes
    other than ours are measured by the task share (user + nice + system) alone.
    """
    total = after.total[core] - before.total[core]
    if total <= 0:
        return 0.0, 0.0, 0.0

    def pct(ticks: dict[str, int], start: dict[str, int]) -> float:
        return 100.0 * (ticks[core] - start[core]) / total

    return (
        pct(after.busy, before.busy),
        pct(after.tasks, before.tasks),
        pct(after.steal, before.steal),
    )


@dataclass
class WrkResult:
    rps: float
    requests: int
    p50_ms: float | None
    p99_ms: float | None
    non_2xx: int
    socket_errors: int
    server_cpu: float = 0.0  # the server's processes, % of one core
    core0_busy: float = 0.0  # everything on core 0, from /proc/stat
    core0_tasks: float = 0.0  # processes only (no interrupt time) on core 0
    core0_steal: float = 0.0
    client_cpu: float = 0.0  # the wrk process, % of one core
    raw: str = field(default="", repr=False)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _latency(text: str, pct: str) -> float | None:
    match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
    return float(match.group(1)) * _UNITS[match.group(2)] if match else None


def parse_wrk(text: str) -> WrkResult:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    if rps is None:
        raise ValueError(f"unreadable wrk output:\n{text}")
    requests = re.search(r"^\s+(\d+) requests in", text, re.M)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return WrkResult(
        rps=float(rps.group(1)),
        requests=int(requests.group(1)) if requests else 0,
        p50_ms=_latency(text, "50"),
        p99_ms=_latency(text, "99"),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(x) for x in sock.groups()) if sock else 0,
        raw=text,
    )


WARMUP_LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(
    port: int,
    path: str,
    seconds: float,
    connections: int,
    script: str | None = None,
    server_cpu_s: Callable[[], float] | None = None,
    nice: int = 0,
) -> WrkResult:
    """Run wrk on core 1; meanwhile measure core 0, the server's processes and wrk itself.

    Core 0's busy % counts whatever else the machine ran there; the server's own CPU time (from
    `server_cpu_s`, read from /proc) and wrk's (its rusage) say who was the limit.
    """
    command = [
        *niced(nice),
        *("taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s"),
        "--latency",
        f"http://127.0.0.1:{port}{path}",
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        before, wall0, wrk0 = cpu_sample(), time.monotonic(), _children_cpu_s()
        server0 = server_cpu_s() if server_cpu_s else 0.0
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        server1 = server_cpu_s() if server_cpu_s else 0.0
        after, wall, wrk1 = cpu_sample(), time.monotonic() - wall0, _children_cpu_s()
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    result = parse_wrk(done.stdout)
    result.core0_busy, result.core0_tasks, result.core0_steal = cpu_percent(before, after, "cpu0")
    result.server_cpu = 100.0 * (server1 - server0) / wall
    result.client_cpu = 100.0 * (wrk1 - wrk0) / wall
    return result


def warm_up(
    port: int, paths: list[str], seconds: float, connections: int, nice: int = 0
) -> WrkResult:
    """Load every path this server will be measured on, round-robin, then throw the figures away."""
    script = WARMUP_LUA % ", ".join(f'"{p}"' for p in paths)
    return wrk(port, paths[0], seconds, connections, script=script, nice=nice)
