from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test discovers apps in its own directory and forgets the modules it imported."""
    modules = set(sys.modules)
    path = list(sys.path)
    monkeypatch.chdir(tmp_path)
    for name in ("TRELLIS_APP", "TRELLIS_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    yield
    # Forget the test's own modules only: dropping Trellis modules would split its classes in two.
    for name in set(sys.modules) - modules:
        if str(getattr(sys.modules[name], "__file__", None) or "").startswith(str(tmp_path)):
            del sys.modules[name]
    sys.path[:] = path


ASGI_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""


@pytest.fixture
def asgi_source() -> str:
    return ASGI_APP
