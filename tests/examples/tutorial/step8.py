"""Tutorial step 8: the project's own tests pass when the reader runs ``pytest``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_projects_tests_pass() -> None:
    # The reader's command, in the project's folder: pytest reads its pyproject.toml from there.
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(argv, cwd=Path.cwd(), capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout
