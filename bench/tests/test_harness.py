"""The harness's pure parts: wrk parsing, matrix selection, answer checks, the raw baseline.

No timing is asserted anywhere: these tests only prove the harness reads and judges correctly.
"""

import asyncio
import importlib.util
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from benchlib import load
from benchlib.load import TESTS, check, parse_wrk
from benchlib.report import Results, baseline, render

BENCH = Path(__file__).resolve().parent.parent
# bench/bench.py by path: plain `import bench` would find the bench/ directory instead.
_spec = importlib.util.spec_from_file_location("bench_main", BENCH / "bench.py")
harness = importlib.util.module_from_spec(_spec)
sys.modules["bench_main"] = harness
_spec.loader.exec_module(harness)

WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/json
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.52ms  210.00us   9.01ms   91.00%
    Req/Sec    42.10k     1.20k   44.00k    80.00%
  Latency Distribution
     50%  750.00us
     75%    1.60ms
     90%    1.80ms
     99%    1.20s
  419000 requests in 10.00s, 60.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:  41900.55
Transfer/sec:      6.00MB
"""


def test_parse_wrk_reads_rate_latency_units_and_errors():
    result = parse_wrk(WRK_OUTPUT)
    assert result.rps == pytest.approx(41900.55)
    assert result.requests == 419000
    assert result.p50_ms == pytest.approx(0.75)
    assert result.p99_ms == pytest.approx(1200.0)
    assert result.non_2xx == 7
    assert result.socket_errors == 5


def test_parse_wrk_refuses_output_without_a_rate():
    with pytest.raises(ValueError, match="unreadable"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def select(argv):
    return harness.select(harness.parse_args(argv))


def test_default_matrix_runs_raw_beside_every_server():
    matrix = select([])
    servers = {s for s, _, _ in matrix}
    assert servers == {"granian", "granian-wsgi", "uvicorn"}
    present = {(a, s, t) for s, a, ts in matrix for t in ts}
    for server, _, tests in matrix:
        for test in tests:
            assert (*baseline(server, test), test) in present


def test_only_filter_adds_the_baseline_it_needs():
    matrix = select(["--only", "flask", "--tests", "json"])
    assert sorted(matrix) == [("granian", "raw", ["json"]), ("granian-wsgi", "flask", ["json"])]


def test_app_outside_the_default_brings_its_full_entries():
    matrix = select(["--only", "litestar", "--servers", "uvicorn", "--no-baseline"])
    assert matrix == [("uvicorn", "litestar", list(TESTS))]


def test_unknown_names_are_refused():
    with pytest.raises(SystemExit, match="unknown app: nope"):
        select(["--only", "nope"])


def test_units_interleave_apps_and_split_route_counts():
    units = harness.plan_units(select(["--only", "trellis,raw", "--servers", "granian"]))
    assert [(u.app, u.routes) for u in units] == [
        ("raw", 10),
        ("trellis", 10),
        ("raw", 1000),
        ("trellis", 1000),
    ]
    assert units[0].tests == ("plaintext", "json", "param10", "page")
    assert units[2].tests == ("param1000",)


class _Handler(BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, str, bytes]] = {}

    def do_GET(self):
        status, content_type, body = self.answers[self.path]
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ((200, "application/json", b'{"id": 42}'), None),
        ((200, "application/json; charset=utf-8", b'{"id":42}'), None),
        ((200, "application/json", b'{"id": "42"}'), "expected"),
        ((200, "text/plain", b'{"id": 42}'), "content-type"),
        ((404, "application/json", b'{"id": 42}'), "status 404"),
        ((200, "application/json", b"id=42"), "not JSON"),
    ],
)
def test_check_judges_status_type_and_body(fake_server, answer, problem):
    _Handler.answers = {"/items/42": answer}
    found = check(fake_server.server_port, TESTS["param10"])
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_check_routes_spots_missing_fillers(fake_server):
    _Handler.answers = {"/filler998/7": (404, "text/plain", b"nope")}
    assert "fillers missing" in load.check_routes(fake_server.server_port, 1000)
    _Handler.answers = {"/filler8/7": (200, "application/json", b'{"id": 7}')}
    assert load.check_routes(fake_server.server_port, 10) is None


def _call_asgi(app, path):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(app({"type": "http", "method": "GET", "path": path, "headers": []}, receive, send))
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


def test_raw_baseline_answers_every_test_correctly():
    raw_app = pytest.importorskip("raw_app")
    for test in TESTS.values():
        if test.kind != "hello":  # the page needs BENCH_PAGE=1 at import: see test_page.py
            continue
        status, headers, body = _call_asgi(raw_app.app, test.path)
        assert status == 200
        assert headers[b"content-length"] == str(len(body)).encode()
        assert headers[b"content-type"].split(b";")[0].decode() == test.media_type
        if test.json is not None:
            assert json.loads(body) == test.json
        else:
            assert body == test.text.encode()
    assert _call_asgi(raw_app.app, "/items/abc")[0] == 404
    assert _call_asgi(raw_app.app, "/nowhere/1")[0] == 404


def test_report_shows_ratio_to_raw_and_marks_wrong_answers():
    results = Results()
    for rps in (100.0, 120.0, 110.0):
        results.runs[("raw", "granian", "json")].append(load.WrkResult(rps, 1, None, None, 0, 0))
    for rps in (50.0, 55.0, 60.0):
        results.runs[("trellis", "granian", "json")].append(
            load.WrkResult(rps, 1, None, None, 0, 0)
        )
    results.wrong[("flask", "granian-wsgi", "json")] = "GET /json: status 500"
    text = render(results, {"rounds": 3}, "now", "bench/run.sh")
    assert "| Trellis | granian ASGI | 55 (0.50x) ±18% |" in text
    assert "| Flask | granian WSGI | wrong answer" in text
    assert "status 500" in text
