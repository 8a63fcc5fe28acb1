"""``trellis shell``: the namespace, ``-c``, code on standard input, and errors."""

from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from trellis.db.cli import shell, shell_namespace

APP = """
from pathlib import Path

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tests.migrations.support import SimpleDatabase
from trellis import App

class Base(DeclarativeBase):
    pass

class Author(Base):
    __tablename__ = "author"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))

database = SimpleDatabase({"default": (f"sqlite:///{Path(__file__).parent / 'shell.db'}", Base.metadata)})
database.model = Base
app = App(__name__)
app.install(database)
Base.metadata.create_all(database.sync_engine())
"""


def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(shell, list(args), input=input)
    return result.exit_code, result.output


def teardown_function() -> None:
    module = sys.modules.pop("app", None)
    if module is not None and hasattr(module, "database"):
        module.database.dispose()


def test_command_sees_app_session_and_models(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    code, output = invoke("-c", "print(sorted(k for k in globals() if not k.startswith('_')))")
    assert code == 0, output
    assert output.strip() == "['Author', 'app', 'db']"

    code, output = invoke("-c", "db.add(Author(name='Ada')); print(type(app).__name__)")
    assert (code, output) == (0, "App\n")
    # The session is committed when the code finishes, as a request's would be.
    code, output = invoke("--command", "print(db.query(Author).one().name)")
    assert (code, output) == (0, "Ada\n")


def test_code_on_standard_input_runs_too(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    code, output = invoke(input="x = 6 * 7\nprint(x)\n")
    assert (code, output) == (0, "42\n")


def test_an_error_prints_the_traceback_and_fails_without_committing(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    code, output = invoke("-c", "db.add(Author(name='Lost')); db.flush(); 1 / 0")
    assert code == 1
    assert "ZeroDivisionError: division by zero" in output
    assert invoke("-c", "print(db.query(Author).count())") == (0, "0\n")


def test_an_app_without_a_database_gets_only_the_app(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("from trellis import App\napp = App()\n")
    code, output = invoke("-c", "print('db' in globals(), app)")
    assert (code, output) == (0, "False <App '__main__'>\n")
    assert list(shell_namespace(object())) == ["app"]


def test_interactive_falls_back_to_the_standard_console(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import code

    from trellis.db import cli

    seen = {}

    def interact(*, banner: str, local: dict[str, object], exitmsg: str) -> None:
        seen.update(banner=banner, local=local)

    def no_ipython(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(code, "interact", interact)
    monkeypatch.setattr(cli.importlib, "import_module", no_ipython)
    cli._interact({"app": "the app", "Author": int})
    assert seen["banner"] == "Trellis shell. In the namespace: Author, app"
    assert seen["local"] == {"app": "the app", "Author": int}
