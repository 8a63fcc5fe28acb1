"""The database benchmark's pure parts: the TechEmpower answer checks, the rules, the report.

No timing is asserted: these prove the harness judges answers and reads results correctly.
"""

import html
import importlib.util
import sys
from pathlib import Path

from benchlib.db import DB_TESTS, FORTUNES, check_fortunes, check_worlds, expected_fortunes
from benchlib.db_report import DbResults, cell, table
from benchlib.load import parse_wrk
from db_common import query_count

BENCH = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("db_bench_main", BENCH / "db_bench.py")
db_bench = importlib.util.module_from_spec(_spec)
sys.modules["db_bench_main"] = db_bench
_spec.loader.exec_module(db_bench)


def _page(rows, escape=html.escape):
    cells = "".join(f"<tr><td>{i}</td><td>{escape(m)}</td></tr>\n" for i, m in rows)
    return f"<!DOCTYPE html><html><body><table><tr><th>id</th><th>message</th></tr>{cells}</table>"


def test_expected_fortunes_hold_the_added_one_sorted_by_message():
    rows = expected_fortunes()
    assert len(rows) == len(FORTUNES) + 1 == 13
    assert (0, "Additional fortune added at request time.") in rows
    assert [m for _, m in rows] == sorted(m for _, m in rows)


def test_fortunes_check_accepts_either_engines_escaping():
    assert check_fortunes(_page(expected_fortunes())) is None
    django_style = _page(expected_fortunes(), lambda m: html.escape(m).replace("&#x27;", "&#39;"))
    assert check_fortunes(django_style) is None


def test_fortunes_check_refuses_unescaped_missing_or_unsorted_rows():
    assert "unescaped" in check_fortunes(_page(expected_fortunes(), escape=lambda m: m))
    assert check_fortunes(_page(expected_fortunes()[1:])) is not None
    assert check_fortunes(_page(sorted(expected_fortunes()))) is not None  # sorted by id
    assert check_fortunes("<p>no table</p>") == "no <table>"


def test_world_check_compares_with_the_database():
    single, many = DB_TESTS["db"], DB_TESTS["queries"]
    assert check_worlds({"id": 5, "randomNumber": 9}, single, {5: 9}) is None
    assert "database holds 8" in check_worlds({"id": 5, "randomNumber": 9}, single, {5: 8})
    assert "not a world" in check_worlds({"id": 5, "number": 9}, single, {5: 9})
    assert "out of" in check_worlds({"id": 0, "randomNumber": 9}, single, {0: 9})
    assert "list of 20" in check_worlds([{"id": 5, "randomNumber": 9}], many, {5: 9})
    rows = [{"id": i, "randomNumber": i} for i in range(1, 21)]
    assert check_worlds(rows, many, {i: i for i in range(1, 21)}) is None


def test_updates_drawing_an_id_twice_may_answer_either_number():
    rows = [{"id": 3, "randomNumber": 7}, {"id": 3, "randomNumber": 8}]
    rows += [{"id": i, "randomNumber": 1} for i in range(10, 28)]
    numbers = {3: 8, **dict.fromkeys(range(10, 28), 1)}
    assert check_worlds(rows, DB_TESTS["updates"], numbers) is None


def test_query_count_follows_techempower_rules():
    assert [query_count(v) for v in (None, "", "foo", "0", "-3", "1", "20", "501")] == [
        1, 1, 1, 1, 1, 1, 20, 500,
    ]  # fmt: skip


WRK = "  100 requests in 1.00s, 1.00MB read\nRequests/sec:  {rps}\n"


def test_report_divides_by_raw_asyncpg_and_flags_wrong_answers():
    results = DbResults()
    for rps in (1000, 1100, 900):
        results.runs[("raw", "db")].append(parse_wrk(WRK.format(rps=rps)))
        results.runs[("trellis", "db")].append(parse_wrk(WRK.format(rps=rps / 4)))
    results.wrong[("django", "db")] = "status 500"
    assert cell(results, "trellis", "db") == "250 (0.25x) ±20%"
    assert cell(results, "django", "db") == "wrong answer ✗"
    rendered = "\n".join(table(results))
    for label in ("raw asyncpg", "Trellis async", "Django ORM"):
        assert label in rendered


def test_the_raw_baseline_is_added_unless_refused():
    assert db_bench.parse_args(["--only", "trellis"]).app_names == ["raw", "trellis"]
    assert db_bench.parse_args(["--only", "flask", "--no-baseline"]).app_names == ["flask"]
    args = db_bench.parse_args(["--tests", "db,fortunes"])
    assert args.test_names == ["db", "fortunes"]
    assert len(args.app_names) == 6


def test_in_process_requests_carry_the_path_and_query_apart():
    spec = importlib.util.spec_from_file_location("db_inprocess", BENCH / "db_inprocess.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    scope = module.scope_for("/queries?queries=20")
    assert (scope["path"], scope["raw_path"], scope["query_string"]) == (
        "/queries",
        b"/queries",
        b"queries=20",
    )
    assert module.scope_for("/db")["query_string"] == b""
    assert set(module.APPS) >= {"raw", "trellis", "trellis-sync"}
