"""Helpers: write a templates folder into a temporary directory and serve it from an App."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trellis import App
from trellis.templates import Templates

WriteTemplates = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> WriteTemplates:
    """``write({"a.html": "..."}, folder="templates")`` -> the folder, under ``tmp_path``."""

    def write(files: dict[str, str], folder: str = "templates") -> Path:
        root = tmp_path / folder
        for name, text in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        root.mkdir(parents=True, exist_ok=True)
        return root

    return write


@pytest.fixture
def make_app(tmp_path: Path) -> Callable[..., App]:
    """An App rooted at ``tmp_path`` with ``Templates(**options)`` installed."""

    def make(debug: bool = False, **options: object) -> App:
        app = App(debug=debug)
        app.root_path = tmp_path
        app.install(Templates(**options))  # type: ignore[arg-type]
        return app

    return make
