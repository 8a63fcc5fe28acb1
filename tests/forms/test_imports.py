"""What importing the battery costs: nothing until a name is used, and no database for plain forms."""

from __future__ import annotations

import subprocess
import sys

import pytest

from trellis.exceptions import MissingDependency


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_package_loads_nothing() -> None:
    code = "import sys, trellis.forms; print('wtforms' in sys.modules)"
    assert run(code) == "False"


def test_plain_forms_need_no_database_and_no_security_battery() -> None:
    code = (
        "import sys\n"
        "from trellis import App\n"
        "from trellis.forms import Form, Forms, StringField\n"
        "class F(Form):\n"
        "    name = StringField()\n"
        "App().install(Forms())\n"
        "print(sorted(m for m in ('sqlalchemy', 'trellis.db', 'trellis.security.csrf') "
        "if m in sys.modules))\n"
    )
    assert run(code) == "[]"


def test_a_missing_wtforms_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import trellis.forms

    monkeypatch.setitem(sys.modules, "wtforms", None)  # an import of it now fails
    monkeypatch.delattr(trellis.forms, "Forms", raising=False)
    with pytest.raises(MissingDependency, match=r"trellis\[forms\]"):
        trellis.forms.__getattr__("Forms")
