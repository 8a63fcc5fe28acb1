"""The skeletons ship as package data and render without leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest

from trellis.scaffold import render_tree, skeleton
from trellis.scaffold.render import SUFFIX


def files_of(kind: str) -> list[str]:
    found: list[str] = []
    stack = [(skeleton(kind), "")]
    while stack:
        folder, prefix = stack.pop()
        for entry in folder.iterdir():
            if entry.is_dir():
                stack.append((entry, f"{prefix}{entry.name}/"))
            else:
                found.append(prefix + entry.name)
    return sorted(found)


@pytest.mark.parametrize("kind", ["minimal", "project", "app"])
def test_every_skeleton_file_is_a_template(kind: str) -> None:
    # A plain .py or .toml file here would be linted, type-checked or collected by pytest as
    # part of Trellis itself.
    names = files_of(kind)
    assert names
    assert [name for name in names if not name.endswith(SUFFIX)] == []


def test_unknown_skeleton() -> None:
    with pytest.raises(LookupError, match="no skeleton named 'nope'"):
        skeleton("nope")


def test_names_placeholders_and_hidden_files(tmp_path: Path) -> None:
    written = render_tree("app", tmp_path, {"app": "shop", "app_title": "Shop"})
    relative = {p.relative_to(tmp_path).as_posix() for p in written}
    assert "shop/urls.py" in relative
    assert "shop/templates/shop/index.html" in relative
    assert "shop/static/shop/shop.css" in relative
    models = (tmp_path / "shop" / "models.py").read_text()
    assert '__tablename__ = "shop_entry"' in models
    assert "$" not in "".join(p.read_text() for p in written)
    project = render_tree(
        "minimal",
        tmp_path / "tiny",
        {"project": "tiny", "title": "Tiny", "trellis_version": "0.1.0"},
    )
    assert (tmp_path / "tiny" / ".gitignore") in project


def test_a_missing_value_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="app_title"):
        render_tree("app", tmp_path, {"app": "shop"})
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_overwritten(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("mine")
    with pytest.raises(FileExistsError, match="nothing was written"):
        render_tree("app", tmp_path, {"app": "shop", "app_title": "Shop"})
    assert (tmp_path / "shop" / "__init__.py").read_text() == "mine"
    assert [p.name for p in (tmp_path / "shop").iterdir()] == ["__init__.py"]
