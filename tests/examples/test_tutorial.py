"""Every step of docs/tutorial.md runs: the project of each step, and what the page says it does.

Each step is a whole project in ``docs/examples/tutorial/stepN/`` (steps 8 and 9 add files to
step 7's project). It is copied to a temporary folder, as the reader works in a folder of their
own, and its checks (``tests/examples/tutorial/stepN.py``) run there, in a pytest process of
their own: every step has an ``app`` module, a ``blog`` package and a ``blog_post`` table, which
one process could hold only once.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEPS = ROOT / "docs" / "examples" / "tutorial"
CHECKS = Path(__file__).resolve().parent / "tutorial"

#: The folders that make up each step's project, copied in this order (later ones add files).
LAYERS = {n: [f"step{n}"] for n in range(1, 8)} | {
    8: ["step7", "step8"],
    9: ["step7", "step8", "step9"],
}


def make_project(step: int, destination: Path) -> Path:
    """The project of ``step``, as the reader has it after that step, in ``destination``."""
    for layer in LAYERS[step]:
        shutil.copytree(
            STEPS / layer,
            destination,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.db"),
        )
    return destination


@pytest.mark.parametrize(
    "step", [pytest.param(9, marks=pytest.mark.server) if n == 9 else n for n in sorted(LAYERS)]
)
def test_step(step: int, tmp_path: Path) -> None:
    project = make_project(step, tmp_path / "myblog")
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    for name in ("TRELLIS_REQUIRE_SERVICES",):
        if name in os.environ:
            env[name] = os.environ[name]
    # The project comes first on the path, as when the reader runs it from its folder.
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    argv += [str(CHECKS / f"step{step}.py"), "--basetemp", str(tmp_path / "checks")]
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_step_is_checked() -> None:
    steps = sorted(path.name for path in STEPS.iterdir() if path.name.startswith("step"))
    assert steps == [f"step{n}" for n in range(1, 10)]
    assert sorted(path.stem for path in CHECKS.glob("step*.py")) == steps
