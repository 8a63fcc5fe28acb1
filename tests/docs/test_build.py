"""The documentation site builds, and Sphinx has nothing to warn about.

``make docs`` runs the same build; this test is how ``make test`` builds it, in the pytest run
too, so a page left out of the toctree, a broken link or a bad code block fails where everyone
looks, with each warning named. One build (about 20 s) serves the whole module.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from tests.docs.snippets import DOCS
from tests.docs.test_snippets import PENDING_OWNERS

#: The batteries of the pages pending their owners: warnings from their docstrings (shown on
#: the API reference pages) are theirs to fix, as their pages are. Empty it with PENDING_OWNERS.
PENDING_PACKAGES: frozenset[str] = frozenset()

#: ``/path/docs/page.md:12: WARNING: ...``, ``/path/docs/page.md: WARNING: ...``, or
#: ``/path/src/trellis/api/cursor.py:docstring of trellis.api.cursor.CursorPage:4: ERROR: ...``
WARNING = re.compile(r"^(?P<path>[^\s:]+?)(?::[^:]*?)*?: (?:WARNING|ERROR|CRITICAL)\b")
SOURCE = Path(__file__).resolve().parents[2] / "src" / "trellis"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    out = tmp_path_factory.mktemp("docs")
    argv = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    argv += ["-d", str(out / "doctrees"), str(DOCS), str(out / "html")]
    return subprocess.run(argv, capture_output=True, text=True, timeout=600)


def page_of(line: str) -> str | None:
    """What a warning line is about: a docs page (``routing.md``), a battery's source
    (``trellis.api``), or None when it names neither."""
    match = WARNING.match(line)
    if match is None:
        return None
    path = Path(match["path"]).resolve()
    if path.is_relative_to(DOCS):
        return path.relative_to(DOCS).as_posix()
    if path.is_relative_to(SOURCE):
        return f"trellis.{path.relative_to(SOURCE).parts[0].removesuffix('.py')}"
    return None


def is_pending(line: str) -> bool:
    about = page_of(line)
    return about in PENDING_OWNERS or about in {f"trellis.{name}" for name in PENDING_PACKAGES}


def test_the_site_builds_without_warnings(
    build: subprocess.CompletedProcess[str], request: pytest.FixtureRequest
) -> None:
    problems = [line for line in build.stderr.splitlines() if "WARNING" in line or "ERROR" in line]
    ours = [line for line in problems if not is_pending(line)]
    assert not ours, "\n".join(ours)
    if problems:  # only pages still with their owners: expected for now
        request.applymarker(pytest.mark.xfail(reason="warnings on pages pending their owners"))
        raise AssertionError("\n".join(problems))
    assert build.returncode == 0, build.stdout + build.stderr
    assert (Path(build.args[-1]) / "tutorial.html").is_file()


def test_warnings_are_told_apart_by_page() -> None:
    assert page_of(f"{DOCS}/routing.md:12: WARNING: undefined label") == "routing.md"
    assert page_of(f"{DOCS}/reference/app.md: WARNING: not in a toctree") == "reference/app.md"
    assert page_of("WARNING: html_static_path entry '_static' does not exist") is None
    docstring = f"{SOURCE}/api/cursor.py:docstring of trellis.api.cursor.Page:4: ERROR: indent"
    assert page_of(docstring) == "trellis.api"
    assert page_of(f"{SOURCE}/app.py:docstring of trellis.app.App:1: WARNING: x") == "trellis.app"
