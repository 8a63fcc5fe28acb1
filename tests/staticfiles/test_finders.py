"""Name checks and lookups, without a server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.staticfiles.helpers import blueprint_with_static

from trellis import App, Blueprint
from trellis.staticfiles.finders import find_in, iter_files, sources_for, split_name


@pytest.mark.parametrize(
    "name",
    ["", "../x", "a/../../x", "a/./b", "a//b", "/etc/passwd", "a\\b", "a\x00b", ".env",
     "css/.hidden", ".git/config", "a/"],
)  # fmt: skip
def test_split_name_refuses(name: str) -> None:
    assert split_name(name) is None


def test_split_name_accepts_ordinary_names() -> None:
    assert split_name("css/site.css") == ("css", "site.css")
    assert split_name("a b/ü.txt") == ("a b", "ü.txt")
    assert split_name("file..name") == ("file..name",)


def test_find_in_checks_real_paths(tmp_path: Path) -> None:
    folder = tmp_path / "static"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text("a")
    (tmp_path / "outside.txt").write_text("no")
    os.symlink(tmp_path / "outside.txt", folder / "out.txt")
    os.symlink(folder / "a.txt", folder / "in.txt")
    os.symlink(folder / "loop", folder / "loop")
    real = folder.resolve()
    hit = find_in(real, ("a.txt",))
    assert hit is not None
    assert hit[0] == str(real / "a.txt")
    assert hit[1].st_size == 1
    assert find_in(real, ("in.txt",)) is not None
    assert find_in(real, ("out.txt",)) is None
    assert find_in(real, ("sub",)) is None
    assert find_in(real, ("loop",)) is None
    assert find_in(real, ("missing",)) is None


def test_sources_project_first_then_blueprints_once_each(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "static").mkdir(parents=True)
    app = App()
    app.root_path = project
    blog = blueprint_with_static(tmp_path / "blog", "blog", {"blog/x.js": b"x"})
    shop = blueprint_with_static(tmp_path / "shop", "shop", {"shop/y.js": b"y"})
    same_as_app = Blueprint("inline", None)
    same_as_app.root_path = project
    nothing = Blueprint("empty", None)
    nothing.root_path = tmp_path / "nowhere"
    for blueprint in (blog, same_as_app, nothing, shop):
        app.register(blueprint)
    sources = sources_for(app, "static")
    assert [s.label for s in sources] == ["the project", "blueprint 'blog'", "blueprint 'shop'"]
    assert sources[0].path == (project / "static").resolve()


def test_iter_files_skips_dotfiles_links_out_and_loops(tmp_path: Path) -> None:
    project = tmp_path / "project"
    static = project / "static"
    (static / "css").mkdir(parents=True)
    (static / ".git").mkdir()
    (static / "css" / "site.css").write_text("x")
    (static / ".git" / "config").write_text("secret")
    (static / ".DS_Store").write_text("junk")
    os.symlink(project, static / "up")  # a folder link leading out (and to itself)
    os.symlink(static / "css", static / "again")  # a folder link inside: followed
    app = App()
    app.root_path = project
    names = [name for name, _, _ in iter_files(sources_for(app, "static"))]
    assert names == ["again/site.css", "css/site.css"]
