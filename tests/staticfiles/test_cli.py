"""``trellis collectstatic``, invoked through click's runner (and through the `trellis` group
once the entry point is registered)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trellis.staticfiles import Manifest
from trellis.staticfiles.cli import collectstatic

APP_PY = """
from trellis import App, Blueprint
from trellis.staticfiles import StaticFiles

app = App(__name__)
blog = Blueprint("blog", "blog")
app.register(blog)
{install}
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "site.css").write_text("a{b:url(../img/x.png)}" * 20)
    (tmp_path / "blog" / "static" / "css").mkdir(parents=True)
    (tmp_path / "blog" / "__init__.py").write_text("")
    (tmp_path / "blog" / "static" / "css" / "site.css").write_text("hidden")
    (tmp_path / "blog" / "static" / "css" / "blog.css").write_text("blog{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _clean_modules(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    import sys

    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)


@pytest.mark.parametrize("install", ["app.install(StaticFiles())", ""])
def test_collectstatic_writes_manifest_and_warns(
    site: Path, monkeypatch: pytest.MonkeyPatch, install: str
) -> None:
    # Without an explicit install, the convention (or the command's defaults) does the same.
    module = f"site_app_{'installed' if install else 'bare'}"
    (site / f"{module}.py").write_text(APP_PY.format(install=install))
    _clean_modules(monkeypatch, module, "blog")
    result = CliRunner().invoke(collectstatic, ["--app", f"{module}.py"])
    assert result.exit_code == 0, result.output
    assert "2 static files collected" in result.output
    assert "warning: css/site.css" in result.stderr
    assert "img/x.png" in result.stderr  # the missing url() target
    manifest = Manifest.load(site / "staticfiles")
    assert manifest is not None
    assert sorted(manifest.paths) == ["css/blog.css", "css/site.css"]
    assert (site / "staticfiles" / "css" / "site.css").read_text().startswith("a{b:url(")
    assert (site / "staticfiles" / "css" / "site.css.gz").exists()


def test_no_compress_and_clear(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (site / "flags_app.py").write_text(APP_PY.format(install="app.install(StaticFiles())"))
    _clean_modules(monkeypatch, "flags_app", "blog")
    stale = site / "staticfiles" / "old.js"
    stale.parent.mkdir()
    stale.write_text("old")
    result = CliRunner().invoke(
        collectstatic, ["--app", "flags_app.py", "--no-compress", "--clear"]
    )
    assert result.exit_code == 0, result.output
    assert not stale.exists()
    assert not (site / "staticfiles" / "css" / "site.css.gz").exists()
    assert (site / "staticfiles" / "css" / "site.css").exists()


def test_refused_root_is_a_clean_error(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (site / "bad_app.py").write_text(APP_PY.format(install="app.install(StaticFiles(root='.'))"))
    _clean_modules(monkeypatch, "bad_app", "blog")
    result = CliRunner().invoke(collectstatic, ["--app", "bad_app.py"])
    assert result.exit_code == 1
    assert "static root" in result.output
    assert "Traceback" not in result.output


def test_plain_asgi_app_is_refused(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (site / "asgi_app.py").write_text("async def app(scope, receive, send):\n    pass\n")
    _clean_modules(monkeypatch, "asgi_app")
    result = CliRunner().invoke(collectstatic, ["--app", "asgi_app.py"])
    assert result.exit_code == 1
    assert "Trellis App" in result.output
