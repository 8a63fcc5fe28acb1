"""The template page test: its reference page, its check, its place in the matrix and the report.

Every app's /page is rendered in a fresh interpreter (BENCH_PAGE=1 is read at import) and judged
by the same check the harness runs before load. No timing is asserted.
"""

import importlib.util
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from benchlib import load, page
from benchlib.load import TESTS, check
from benchlib.report import Results, baseline, render
from benchlib.servers import APPS, APPS_DIR, bench_env

BENCH = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("bench_main_page", BENCH / "bench.py")
harness = importlib.util.module_from_spec(_spec)
sys.modules["bench_main_page"] = harness
_spec.loader.exec_module(harness)

# Imports one app as the server would and prints its /page answer as JSON; exit 3 = not installed.
DRIVER = r"""
import asyncio, importlib, io, json, sys
try:
    module = importlib.import_module(sys.argv[1])
except ImportError as exc:
    print(exc)
    sys.exit(3)
app = getattr(module, sys.argv[2])

def wsgi():
    from wsgiref.util import setup_testing_defaults
    environ = {"PATH_INFO": "/page", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    seen = {}
    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), headers
    body = b"".join(app(environ, start_response))
    return seen["status"], dict((k.lower(), v) for k, v in seen["headers"]), body

async def asgi():
    inbox = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    outbox = asyncio.Queue()
    life = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                   inbox.get, outbox.put))
    started = asyncio.create_task(outbox.get())
    await asyncio.wait([life, started], return_when=asyncio.FIRST_COMPLETED)
    if life.done():  # no lifespan support (Django raises): serve without it
        started.cancel()
        life.exception()
    sent, answered, asked = [], asyncio.Event(), []
    async def receive():  # the request once, then a disconnect after the answer
        if not asked:
            asked.append(1)
            return {"type": "http.request", "body": b"", "more_body": False}
        await answered.wait()
        return {"type": "http.disconnect"}
    async def send(message):
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            answered.set()
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/page", "raw_path": b"/page",
             "root_path": "", "query_string": b"", "headers": [(b"host", b"127.0.0.1")],
             "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1)}
    await app(scope, receive, send)
    if not life.done():
        await inbox.put({"type": "lifespan.shutdown"})
        await life
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body

status, headers, body = wsgi() if sys.argv[3] == "wsgi" else asyncio.run(asgi())
print(json.dumps({"status": status, "type": headers.get("content-type", ""),
                  "body": body.decode()}))
"""

ENTRIES = [(name, "asgi") for name, spec in APPS.items() if spec.asgi] + [
    (name, "wsgi") for name, spec in APPS.items() if spec.wsgi
]


def _render(app: str, interface: str, env: dict[str, str]) -> dict:
    spec = APPS[app]
    attr = spec.asgi if interface == "asgi" else spec.wsgi
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, spec.module, attr, interface],
        cwd=APPS_DIR,
        env=bench_env(10, env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode == 3:
        pytest.skip(f"{app} is not installed here: {done.stdout.strip()}")
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("app", "interface"), ENTRIES)
def test_every_app_renders_the_reference_page(app, interface):
    answer = _render(app, interface, TESTS["page"].env)
    assert answer["status"] == 200
    assert answer["type"].split(";")[0] == "text/html"
    assert page.normalise(answer["body"]) == page.normalise(TESTS["page"].html)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;plain&lt;/i&gt;" in answer["body"]


def test_without_bench_page_the_apps_do_not_serve_it():
    answer = _render("raw", "asgi", {})
    assert answer["status"] == 404


def test_shared_rows_exercise_escaping_where_the_engines_agree():
    data = page.load_context()
    assert len(data["rows"]) == 20
    notes = [row["note"] for row in data["rows"]]
    assert all(any(c in n for c in "<>&") for n in notes)
    assert {"<", ">", "&"} <= set("".join(notes))
    # Jinja2 writes ' and " as &#39; &#34;, Django as &#x27; &quot;: the data holds neither.
    values = [data["title"], *(str(v) for row in data["rows"] for v in row.values())]
    assert not any(q in v for v in values for q in "'\"")


def test_django_templates_mirror_the_jinja_ones():
    jinja, django = APPS_DIR / "templates_jinja", APPS_DIR / "templates_django"
    names = sorted(p.name for p in jinja.glob("*.html"))
    assert names == ["base.html", "layout.html", "page.html"]
    assert sorted(p.name for p in django.glob("*.html")) == names


def test_expected_page_escapes_and_numbers_rows():
    html = page.expected_page({"title": "T", "rows": [_row("a<b"), _row("c&d", paid=False)]})
    assert '<tr class="odd"><td>1</td>' in html
    assert '<tr class="even"><td>2</td>' in html
    assert "<td>a&lt;b</td>" in html
    assert "<td>due</td><td>c&amp;d</td>" in html
    assert "<p>2 orders</p>" in html


def _row(note, paid=True):
    return {"id": 1, "name": "N", "email": "e@x", "amount": "1.00", "paid": paid, "note": note}


def test_normalise_ignores_only_whitespace():
    assert page.normalise("<p>\n  <b>x  y</b>\n</p>\n") == "<p><b>x y</b></p>"
    assert page.normalise("<p>a&lt;b</p>") != page.normalise("<p>a<b</p>")


class _Handler(BaseHTTPRequestHandler):
    answer: tuple[str, bytes] = ("text/html", b"")

    def do_GET(self):
        content_type, body = self.answer
        self.send_response(200)
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


def test_check_accepts_reflowed_page_and_refuses_unescaped_notes(fake_server):
    good = TESTS["page"].html.replace("><", ">\n  <")
    _Handler.answer = ("text/html; charset=utf-8", good.encode())
    assert check(fake_server.server_port, TESTS["page"]) is None
    raw = good.replace("&lt;b&gt;bold", "<b>bold", 1)
    _Handler.answer = ("text/html; charset=utf-8", raw.encode())
    assert "page differs" in check(fake_server.server_port, TESTS["page"])
    _Handler.answer = ("text/plain", good.encode())
    assert "content-type" in check(fake_server.server_port, TESTS["page"])
    _Handler.answer = ("text/html", b"\xff\xfe")
    assert "not UTF-8" in check(fake_server.server_port, TESTS["page"])


def select(argv):
    return harness.select(harness.parse_args(argv))


def test_default_runs_page_on_granian_only_with_raw_wsgi_for_the_wsgi_rows():
    paged = {(s, a) for s, a, ts in select([]) if "page" in ts}
    assert paged == {
        ("granian", "raw"),
        ("granian", "trellis"),
        ("granian", "fastapi"),
        ("granian-wsgi", "flask"),
        ("granian-wsgi", "django"),
        ("granian-wsgi", "raw-wsgi"),
    }
    assert baseline("granian-wsgi", "page") == ("raw-wsgi", "granian-wsgi")
    assert baseline("granian-wsgi", "json") == ("raw", "granian")


def test_tests_page_alone_selects_five_apps_and_two_baselines():
    matrix = select(["--tests", "page"])
    assert all(ts == ["page"] for _, _, ts in matrix)
    assert len(matrix) == 6
    assert select(["--tests", "page", "--no-baseline", "--only", "flask"]) == [
        ("granian-wsgi", "flask", ["page"])
    ]


def test_page_rides_on_the_ten_route_server_with_bench_page_set():
    units = harness.plan_units(select(["--only", "trellis", "--servers", "granian"]))
    by_routes = {u.routes: u for u in units if u.app == "trellis"}
    assert "page" in by_routes[10].tests
    assert by_routes[10].env == {"BENCH_PAGE": "1"}
    assert by_routes[1000].env == {}


def test_bench_env_sets_page_only_when_asked(monkeypatch):
    monkeypatch.setenv("BENCH_PAGE", "1")
    assert "BENCH_PAGE" not in bench_env(10)
    assert bench_env(10, {"BENCH_PAGE": "1"})["BENCH_PAGE"] == "1"


def test_an_app_that_cannot_import_its_page_keeps_its_hello_tests(monkeypatch):
    def fake_time_import(spec, runs, env=None):
        return _Startup("No module named 'jinja2'" if env else None)

    monkeypatch.setattr(harness, "time_import", fake_time_import)
    units = harness.plan_units(select(["--only", "trellis", "--servers", "granian"]))
    results = Results()
    kept = harness.check_extra_imports("trellis", units, results)
    trellis = {u.routes: u.tests for u in kept if u.app == "trellis"}
    assert trellis == {10: ("plaintext", "json", "param10"), 1000: ("param1000",)}
    assert any("page" in p and "jinja2" in p for p in results.problems)
    assert any(u.app == "raw" and "page" in u.tests for u in kept)


class _Startup:
    def __init__(self, error):
        self.error, self.median_ms, self.spread_ms = error, None, None


def _runs(results, key, values):
    for rps in values:
        results.runs[key].append(load.WrkResult(rps, 1, None, None, 0, 0))


def test_report_puts_the_page_in_its_own_table_against_the_right_raw():
    results = Results()
    _runs(results, ("raw", "granian", "page"), (200.0, 200.0, 200.0))
    _runs(results, ("trellis", "granian", "page"), (150.0, 150.0, 150.0))
    _runs(results, ("raw-wsgi", "granian-wsgi", "page"), (100.0, 100.0, 100.0))
    _runs(results, ("flask", "granian-wsgi", "page"), (50.0, 50.0, 50.0))
    _runs(results, ("trellis", "granian", "json"), (10.0, 10.0, 10.0))
    _runs(results, ("raw", "granian", "json"), (20.0, 20.0, 20.0))
    results.rss[("trellis", "granian", 10)].append(40 * 1024)
    text = render(results, {"rounds": 3}, "now", "bench/run.sh")
    main, _, rest = text.partition("## Template page")
    assert "| Trellis | granian ASGI | 10 (0.50x) ±0% |" in main
    header = next(line for line in main.splitlines() if line.startswith("| app |"))
    assert "JSON" in header
    assert "template page" not in header
    assert "40.0†" in main
    assert "| Trellis | granian ASGI | 150 (0.75x) ±0% |  |" in rest
    assert "| Flask | granian WSGI | 50 (0.50x) ±0% | 0.25x |" in rest
