"""The app tests/http/test_upload_memory.py serves: a 100 MiB upload limit and its own pid."""

import os
from typing import Annotated

from trellis import App, File, UploadFile
from trellis.conf import Settings

app = App(settings=Settings(max_upload_size=100 * 1024 * 1024, spool_max_size=1024 * 1024))


@app.get("/pid")
async def pid() -> dict[str, int]:
    """The process the app runs in (granian's worker, not its supervisor)."""
    return {"pid": os.getpid()}


@app.post("/upload")
async def upload(doc: Annotated[UploadFile, File()]) -> dict[str, object]:
    return {"name": doc.filename, "size": doc.size}
