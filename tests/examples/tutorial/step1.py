"""Tutorial step 1: one file, one page."""

from __future__ import annotations

from pathlib import Path

from app import app

from trellis.testing import TestClient


def test_app_py_is_five_lines_of_code() -> None:
    lines = [line for line in Path("app.py").read_text().splitlines() if line.strip()]
    assert len(lines) == 5


def test_the_home_page() -> None:
    with TestClient(app) as client:
        response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.text == "<h1>My blog</h1>"
