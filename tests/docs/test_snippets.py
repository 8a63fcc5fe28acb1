"""Every ```python block of every docs page runs (see tests/docs/snippets.py for how).

A page fails with the list of its blocks that failed, each with its line and traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.docs.snippets import DOCS, ROOT, Report, fences, pages

#: Pages whose examples are still being written by their owners: their failures are expected
#: (xfail) for now.  Empty it as they land; any page not listed here must run.
PENDING_OWNERS: frozenset[str] = frozenset()

#: A page that never finishes is a failure, not a hung run.
PAGE_TIMEOUT = 600


def run_in_fresh_interpreter(page: str, workdir: Path) -> Report:
    """Run the page with ``python -m tests.docs.snippets`` in ``workdir``; its report."""
    destination = workdir.parent / f"{workdir.name}-report.json"
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    if "TRELLIS_REQUIRE_SERVICES" in os.environ:
        env["TRELLIS_REQUIRE_SERVICES"] = os.environ["TRELLIS_REQUIRE_SERVICES"]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    argv = [sys.executable, "-W", "error", "-m", "tests.docs.snippets", page, str(destination)]
    try:
        done = subprocess.run(
            argv, cwd=workdir, env=env, capture_output=True, text=True, timeout=PAGE_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        return Report(page, failures=[(0, f"the page did not finish in {PAGE_TIMEOUT} s")])
    if done.returncode != 0 or not destination.exists():
        output = (done.stdout + done.stderr).strip()
        return Report(page, failures=[(0, f"the runner itself failed:\n{output}")])
    data = json.loads(destination.read_text(encoding="utf-8"))
    data["failures"] = [tuple(failure) for failure in data["failures"]]
    return Report(**data)


@pytest.mark.parametrize("page", pages())
def test_page_examples_run(page: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    if page in PENDING_OWNERS:
        request.applymarker(pytest.mark.xfail(reason="examples pending their owner", strict=False))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    report = run_in_fresh_interpreter(page, workdir)
    assert report.ok, report.describe()


def test_pending_pages_are_pages() -> None:
    """A name on the allow-list that is no page (a typo, a renamed page) would hide nothing."""
    known = set(pages())
    # projects.md is being written now; drop it from this exemption once it exists.
    assert PENDING_OWNERS - known <= {"projects.md"}


def test_runner_reports_every_failing_block(tmp_path: Path) -> None:
    """The runner keeps going after a failure and names each failing block by its line."""
    page = tmp_path / "check.md"
    page.write_text(
        "# Check\n\n```python\nx = 1\n```\n\n```python\nraise ValueError('first')\n```\n\n"
        "```python\nassert x == 1\nasync def f():\n    return 2\nassert await f() == 2\n```\n\n"
        "```python\nundefined_name\n```\n\n```py\nprint('hidden')\n```\n",
        encoding="utf-8",
    )
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    report = run_in_fresh_interpreter(str(page), workdir)
    assert report.blocks == 4
    assert [line for line, _ in report.failures] == [8, 19, 23]
    assert "ValueError: first" in report.failures[0][1]
    assert f'"{page}", line 8' in report.failures[0][1]  # the page's own line
    assert "NameError" in report.failures[1][1]
    assert "write ```python" in report.failures[2][1]


def test_fences_know_their_lines() -> None:
    routing = fences(DOCS / "routing.md")
    first = next(fence for fence in routing if fence.info == "python")
    text = (DOCS / "routing.md").read_text(encoding="utf-8").splitlines()
    assert text[first.line - 1] == first.source.splitlines()[0]
