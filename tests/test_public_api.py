"""The public facade: exactly the names of shared/DESIGN.md (plus a few documented additions),
and ``import trellis`` stays cheap."""

import subprocess
import sys

import pytest

import trellis
import trellis.http

DESIGN_NAMES = {
    "App",
    "Blueprint",
    "Request",
    "Response",
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "StreamingResponse",
    "EventSourceResponse",
    "FileResponse",
    "Template",
    "View",
    "Middleware",
    "path",
    "include",
    "redirect",
    "abort",
    "HTTPException",
    "Depends",
    "Query",
    "Header",
    "Cookie",
    "Form",
    "File",
    "Body",
    "WebSocket",
}
# Added beyond DESIGN.md, each documented: uploads, SSE events, websocket disconnects, version.
ADDITIONS = {"UploadFile", "ServerSentEvent", "WebSocketDisconnect", "__version__"}


def test_all_is_pinned() -> None:
    assert set(trellis.__all__) == DESIGN_NAMES | ADDITIONS
    assert len(trellis.__all__) == len(set(trellis.__all__))


def test_every_public_name_resolves() -> None:
    for name in trellis.__all__:
        assert getattr(trellis, name) is not None, name
    for name in trellis.http.__all__:
        assert getattr(trellis.http, name) is not None, name


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        trellis.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_import_trellis_is_cheap() -> None:
    code = (
        "import sys, trellis\n"
        "heavy = [m for m in ('pydantic', 'orjson', 'python_multipart', 'trellis.app', 'httpx', 'click')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_app_does_not_import_batteries_or_test_tools() -> None:
    code = (
        "import sys\n"
        "from trellis import App\n"
        "app = App()\n"
        "@app.get('/')\n"
        "async def index(): return 'x'\n"
        "app.startup_freeze()\n"
        "bad = [m for m in sys.modules if m.startswith(('trellis.testing', 'trellis.cli', 'httpx',"
        " 'jinja2', 'sqlalchemy', 'granian', 'uvicorn'))]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
