"""Tutorial step 9: the release script, then ``trellis serve`` with production settings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from tests.support.servers import free_port, running_server

pytestmark = pytest.mark.server

BIN = Path(sys.executable).parent


def production_env(tmp_path: Path) -> dict[str, str]:
    """What the page puts in the production environment (the database is a file here)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRELLIS_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"  # the trellis command of this venv
    env.update(
        TRELLIS_SECRET_KEY="tutorial-step-9-kq3V9xPz7LmN2wR8tY5uB1cD4eF6gH0jK",
        TRELLIS_DATABASE_URL=f"sqlite:///{tmp_path / 'production.db'}",
        TRELLIS_ALLOWED_HOSTS='["blog.example.com", "127.0.0.1"]',
        PYTHONUNBUFFERED="1",
    )
    return env


def test_release_then_serve(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    release = subprocess.run(["sh", "release.sh"], env=env, capture_output=True, text=True)
    assert release.returncode == 0, release.stdout + release.stderr
    assert "Applied 0002_users_and_authors" in release.stdout
    assert Path("staticfiles/staticfiles.json").is_file()

    port = free_port()
    argv = [str(BIN / "trellis"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", "1"]
    base = f"http://127.0.0.1:{port}"
    with running_server(argv, base_url=base, probe="/blog/", cwd=Path.cwd(), env=env):
        page = httpx.get(f"{base}/blog/", timeout=10)
        assert page.status_code == 200
        assert page.headers["x-frame-options"] == "DENY"  # the security headers are on
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.text)
        assert stylesheet, page.text  # collected: the page links the hashed copy
        css = httpx.get(base + stylesheet.group(1), timeout=10)
        assert css.status_code == 200
        assert "immutable" in css.headers["cache-control"]
        forged = httpx.get(f"{base}/blog/", headers={"Host": "evil.example"}, timeout=10)
        assert forged.status_code == 400  # not one of the allowed hosts
